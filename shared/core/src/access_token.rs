//! Access tokens: short-lived HS256 JWTs (jwt-compact). Only HS256 is
//! accepted; `exp`, `nbf`, `iat`, `aud`, `sub` and `sid` are all checked. The
//! token alone is not enough: the guard also requires its session (`sid`) to
//! be alive, which is what makes logout immediate.

use chrono::{DateTime, Duration, TimeZone, Utc};
use jwt_compact::alg::{Hs256, Hs256Key};
use jwt_compact::{AlgorithmExt, Claims, Header, TimeOptions, UntrustedToken, ValidationError};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::role::Role;

pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;
const LEEWAY_SECONDS: i64 = 30;
pub const ISSUER: &str = "webox";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub sid: String,
    pub aud: String,
    pub iss: String,
    pub role: Role,
}

/// The signing key: `JWT_SECRET_KEY`, at least 32 bytes.
pub struct JwtKey(Hs256Key);

impl JwtKey {
    pub fn new(secret: &str) -> Option<Self> {
        (secret.len() >= 32).then(|| Self(Hs256Key::new(secret.as_bytes())))
    }
}

fn at(unix: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(unix, 0).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub fn issue(key: &JwtKey, claims: AccessClaims, now: i64) -> ApiResult<String> {
    let options = TimeOptions::new(Duration::seconds(LEEWAY_SECONDS), move || at(now));
    let claims = Claims::new(claims)
        .set_duration_and_issuance(&options, Duration::seconds(ACCESS_TOKEN_SECONDS))
        .set_not_before(at(now));
    Hs256.token(&Header::empty().with_token_type("JWT"), &claims, &key.0).map_err(|_| ApiError::internal())
}

/// Verifies signature, algorithm, time claims and audience.
pub fn verify(key: &JwtKey, token: &str, audience: &str, now: i64) -> ApiResult<AccessClaims> {
    let invalid = || ApiError::unauthorized("token_invalid", "the access token is not valid");
    let untrusted = UntrustedToken::new(token).map_err(|_| invalid())?;
    // The algorithm allow-list: the validator refuses any `alg` but HS256.
    let token = Hs256.validator::<AccessClaims>(&key.0).validate(&untrusted).map_err(|_| invalid())?;
    let claims = token.claims();
    let options = TimeOptions::new(Duration::seconds(LEEWAY_SECONDS), move || at(now));
    let (Some(_), Some(_)) = (claims.issued_at, claims.not_before) else {
        return Err(invalid());
    };
    claims.validate_expiration(&options).map_err(|e| match e {
        ValidationError::Expired => ApiError::unauthorized("token_expired", "the access token has expired; refresh it"),
        _ => invalid(),
    })?;
    claims.validate_maturity(&options).map_err(|_| invalid())?;
    let custom = &claims.custom;
    if custom.aud != audience || custom.iss != ISSUER || custom.sub.is_empty() || custom.sid.is_empty() {
        return Err(invalid());
    }
    Ok(custom.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const NOW: i64 = 1_800_000_000;

    fn claims() -> AccessClaims {
        AccessClaims { sub: "u1".into(), sid: "s1".into(), aud: "webox-api".into(), iss: ISSUER.into(), role: Role::User }
    }

    #[test]
    fn round_trip() {
        let key = JwtKey::new(SECRET).unwrap();
        let t = issue(&key, claims(), NOW).unwrap();
        assert_eq!(verify(&key, &t, "webox-api", NOW + 60).unwrap(), claims());
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(JwtKey::new("too-short").is_none());
    }

    #[test]
    fn expired_tokens_say_so() {
        let key = JwtKey::new(SECRET).unwrap();
        let t = issue(&key, claims(), NOW).unwrap();
        let e = verify(&key, &t, "webox-api", NOW + ACCESS_TOKEN_SECONDS + LEEWAY_SECONDS + 1).unwrap_err();
        assert_eq!((e.status, e.code), (401, "token_expired"));
    }

    #[test]
    fn tokens_from_the_future_are_refused() {
        let key = JwtKey::new(SECRET).unwrap();
        let t = issue(&key, claims(), NOW + 3600).unwrap();
        assert_eq!(verify(&key, &t, "webox-api", NOW).unwrap_err().code, "token_invalid");
    }

    #[test]
    fn wrong_key_audience_or_tampering_is_refused() {
        let key = JwtKey::new(SECRET).unwrap();
        let other = JwtKey::new("fedcba9876543210fedcba9876543210").unwrap();
        let t = issue(&key, claims(), NOW).unwrap();
        assert_eq!(verify(&other, &t, "webox-api", NOW).unwrap_err().code, "token_invalid");
        assert_eq!(verify(&key, &t, "another-aud", NOW).unwrap_err().code, "token_invalid");
        let mut parts: Vec<String> = t.split('.').map(str::to_owned).collect();
        let mut body: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
        body["role"] = "admin".into();
        parts[1] = URL_SAFE_NO_PAD.encode(body.to_string());
        assert_eq!(verify(&key, &parts.join("."), "webox-api", NOW).unwrap_err().code, "token_invalid");
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let key = JwtKey::new(SECRET).unwrap();
        let t = issue(&key, claims(), NOW).unwrap();
        let body = t.split('.').nth(1).unwrap();
        for alg in ["none", "HS512", "RS256"] {
            let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
            let forged = format!("{header}.{body}.");
            assert_eq!(verify(&key, &forged, "webox-api", NOW).unwrap_err().code, "token_invalid", "{alg}");
        }
        assert_eq!(verify(&key, "not-a-jwt", "webox-api", NOW).unwrap_err().code, "token_invalid");
    }
}
