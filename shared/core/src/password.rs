//! Passwords: the policy (`Password`) and how they are stored (`PasswordHash`).
//!
//! Storage is PBKDF2-HMAC-SHA256 with a 16-byte random salt and 100,000
//! iterations, the most the deployed Workers runtime's WebCrypto accepts. The
//! Worker derives through WebCrypto (native code, a few ms of CPU); the pure
//! Rust derivation here is the reference used by native tests and the
//! demo-data seeder, and both produce the same bytes. The stored string names
//! the algorithm and its cost, so the parameters can be raised later and old
//! hashes upgraded at the next login (`needs_rehash`).

use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use base64::Engine;
use subtle::ConstantTimeEq;

use crate::error::{ApiError, ApiResult};

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;
pub const PBKDF2_ITERATIONS: u32 = 100_000;
pub const SALT_LEN: usize = 16;
pub const HASH_LEN: usize = 32;
const SCHEME: &str = "pbkdf2-sha256";

static COMMON: &str = include_str!("common-passwords.txt");

/// A password that satisfies the policy. Never logged, never serialised.
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str, field: &str) -> ApiResult<Self> {
        let chars = raw.chars().count();
        if chars < MIN_LEN {
            return Err(ApiError::invalid("password_too_short", field, format!("`{field}` must have at least {MIN_LEN} characters")));
        }
        if chars > MAX_LEN {
            return Err(ApiError::invalid("password_too_long", field, format!("`{field}` must have at most {MAX_LEN} characters")));
        }
        if is_common(raw) {
            return Err(ApiError::invalid(
                "password_too_common",
                field,
                format!("`{field}` is one of the most common passwords; choose another"),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

fn is_common(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    COMMON.lines().any(|p| p == lower)
        // a single repeated character ("aaaaaaaa") is as weak as anything on the list
        || lower.chars().all(|c| lower.starts_with(c))
}

/// A stored password hash: `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHash {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

impl PasswordHash {
    pub fn parse(stored: &str) -> Option<Self> {
        let mut parts = stored.split('$');
        if parts.next()? != SCHEME {
            return None;
        }
        let iterations = parts.next()?.parse().ok()?;
        let salt = B64.decode(parts.next()?).ok()?;
        let hash = B64.decode(parts.next()?).ok()?;
        if parts.next().is_some() || hash.len() != HASH_LEN || salt.is_empty() {
            return None;
        }
        Some(Self { iterations, salt, hash })
    }

    pub fn encode(&self) -> String {
        format!("{SCHEME}${}${}${}", self.iterations, B64.encode(&self.salt), B64.encode(&self.hash))
    }

    /// Constant-time comparison with a freshly derived hash.
    pub fn matches(&self, derived: &[u8]) -> bool {
        derived.len() == self.hash.len() && bool::from(self.hash.ct_eq(derived))
    }

    pub fn needs_rehash(&self) -> bool {
        self.iterations < PBKDF2_ITERATIONS || self.salt.len() < SALT_LEN
    }
}

/// Reference PBKDF2-HMAC-SHA256 derivation (native tests, seeding).
pub fn derive_reference(password: &[u8], salt: &[u8], iterations: u32) -> [u8; HASH_LEN] {
    let mut out = [0u8; HASH_LEN];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, &mut out);
    out
}

/// A complete hash made with the reference derivation.
pub fn hash_reference(password: &Password) -> ApiResult<PasswordHash> {
    let salt = crate::random::bytes::<SALT_LEN>()?;
    let hash = derive_reference(password.as_bytes(), &salt, PBKDF2_ITERATIONS);
    Ok(PasswordHash { iterations: PBKDF2_ITERATIONS, salt: salt.to_vec(), hash: hash.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_bounds_are_in_characters() {
        assert_eq!(Password::parse("short1!", "password").unwrap_err().code, "password_too_short");
        assert!(Password::parse("éééé1234", "password").is_ok());
        assert!(Password::parse(&"x1".repeat(64), "password").is_ok());
        assert_eq!(Password::parse(&"x1".repeat(64).replacen('x', "xy", 1), "password").unwrap_err().code, "password_too_long");
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for p in ["password", "PassWord123", "12345678", "qwertyuiop", "iloveyou", "zzzzzzzzzz"] {
            assert_eq!(Password::parse(p, "password").unwrap_err().code, "password_too_common", "{p}");
        }
        assert!(Password::parse("correct horse battery staple", "password").is_ok());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let p = Password::parse("s3cret-Value!", "password").unwrap();
        assert!(!format!("{p:?}").contains("s3cret"));
    }

    #[test]
    fn reference_derivation_matches_rfc7914_vector() {
        // RFC 7914 §11: PBKDF2-HMAC-SHA256 (P="passwd", S="salt", c=1, dkLen=64)
        let mut out = [0u8; 64];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"passwd", b"salt", 1, &mut out);
        assert_eq!(hex::encode(&out[..32]), "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
        assert_eq!(&derive_reference(b"passwd", b"salt", 1)[..], &out[..32]);
    }

    #[test]
    fn stored_form_round_trips_and_verifies() {
        let pw = Password::parse("a perfectly fine passphrase", "password").unwrap();
        let h = PasswordHash { iterations: 1000, salt: b"0123456789abcdef".to_vec(), hash: derive_reference(pw.as_bytes(), b"0123456789abcdef", 1000).to_vec() };
        let parsed = PasswordHash::parse(&h.encode()).unwrap();
        assert_eq!(parsed, h);
        assert!(parsed.matches(&derive_reference(pw.as_bytes(), &parsed.salt, parsed.iterations)));
        assert!(!parsed.matches(&derive_reference(b"another passphrase", &parsed.salt, parsed.iterations)));
        assert!(parsed.needs_rehash());
    }

    #[test]
    fn malformed_stored_hashes_are_rejected() {
        for s in ["", "bcrypt$1$a$b", "pbkdf2-sha256$x$AAAA$AAAA", "pbkdf2-sha256$1000$AAAA$AAAA", "pbkdf2-sha256$1000$$"] {
            assert!(PasswordHash::parse(s).is_none(), "{s}");
        }
    }
}
