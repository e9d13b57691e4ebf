//! Cryptographically secure randomness (the OS natively, `crypto.getRandomValues`
//! in a Worker) and the identifiers and secrets built from it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};

pub fn bytes<const N: usize>() -> ApiResult<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).map_err(|_| ApiError::internal())?;
    Ok(buf)
}

/// A 128-bit identifier, hex encoded (users, sessions, outbox rows).
pub fn id() -> ApiResult<String> {
    Ok(hex::encode(bytes::<16>()?))
}

/// A 256-bit secret for links and refresh tokens, URL-safe.
pub fn secret_token() -> ApiResult<String> {
    Ok(URL_SAFE_NO_PAD.encode(bytes::<32>()?))
}

/// How a secret token is stored: only its SHA-256, so a database leak does
/// not hand out working links or sessions.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_tokens_are_unique_and_well_formed() {
        let (a, b) = (id().unwrap(), id().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        let t = secret_token().unwrap();
        assert_eq!(t.len(), 43);
        assert!(t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
