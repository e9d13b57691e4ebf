//! Access tokens made by hand with the test run's JWT secret, to prove the
//! Workers refuse expired, forged and mis-addressed ones.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use webox_e2e::site;

const TEST_SECRET: &[u8] = b"e2e-jwt-secret-that-is-long-enough-0123456789";

fn sign(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let h = URL_SAFE_NO_PAD.encode(header.to_string());
    let c = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("key");
    mac.update(format!("{h}.{c}").as_bytes());
    format!("{h}.{c}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64
}

/// The claims of a real token, to alter one at a time.
fn claims_of(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64")).expect("JSON claims")
}

#[test]
fn a_correctly_signed_copy_of_a_real_token_is_accepted() {
    // Guards the forgeries below: they fail for their flaw, not for the way they are made.
    let user = site().new_user();
    let token = sign(&json!({"alg": "HS256", "typ": "JWT"}), &claims_of(&user.access_token), TEST_SECRET);
    user.client.with_token(&token).get("/api/auth/me").expect(200);
}

#[test]
fn expired_tokens_are_refused_with_token_expired() {
    let user = site().new_user();
    let mut claims = claims_of(&user.access_token);
    claims["iat"] = json!(now() - 7200);
    claims["nbf"] = json!(now() - 7200);
    claims["exp"] = json!(now() - 3600);
    let token = sign(&json!({"alg": "HS256"}), &claims, TEST_SECRET);
    for path in ["/api/auth/me", "/api/profile/me"] {
        user.client.with_token(&token).get(path).expect_error(401, "token_expired");
    }
}

#[test]
fn forged_tokens_are_refused_by_every_family() {
    let user = site().new_user();
    let claims = claims_of(&user.access_token);
    let mut wrong_audience = claims.clone();
    wrong_audience["aud"] = json!("another-service");
    let mut admin = claims.clone();
    admin["role"] = json!("admin");
    let mut other_session = claims.clone();
    other_session["sid"] = json!("0123456789abcdef0123456789abcdef");
    let forged = [
        sign(&json!({"alg": "HS256"}), &claims, b"not-the-secret-not-the-secret-not-the-secret"),
        sign(&json!({"alg": "HS256"}), &wrong_audience, TEST_SECRET),
        sign(&json!({"alg": "HS512"}), &claims, TEST_SECRET),
        format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#), URL_SAFE_NO_PAD.encode(claims.to_string())),
        // a valid signature over an altered payload
        {
            let mut parts: Vec<String> = user.access_token.split('.').map(str::to_owned).collect();
            parts[1] = URL_SAFE_NO_PAD.encode(admin.to_string());
            parts.join(".")
        },
        "garbage".to_owned(),
    ];
    for token in &forged {
        for path in ["/api/auth/me", "/api/profile/me"] {
            user.client.with_token(token).get(path).expect_error(401, "token_invalid");
        }
    }
    // A well-signed token for a session that does not exist.
    let token = sign(&json!({"alg": "HS256"}), &other_session, TEST_SECRET);
    user.client.with_token(&token).get("/api/profile/me").expect_error(401, "session_revoked");
}
