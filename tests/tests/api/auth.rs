//! /api/auth/*: registration, login, sessions, password reset, email verification.

use reqwest::Method;
use serde_json::json;
use webox_e2e::{site, unique, ADMIN};

fn fresh_email() -> String {
    format!("{}@example.com", unique("auth-"))
}

#[test]
fn register_signs_in_and_sends_a_verification_email() {
    let email = fresh_email();
    let client = site().client();
    let body = client
        .post("/api/auth/register", json!({"email": format!("  {}  ", email.to_uppercase()), "password": "a good long passphrase", "name": " Ada "}))
        .expect(201);
    assert_eq!(body["user"]["email"], email, "emails are trimmed and lower-cased");
    assert_eq!(body["user"]["name"], "Ada");
    assert_eq!(body["user"]["role"], "user");
    assert_eq!(body["user"]["email_verified"], false);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap();
    client.with_token(token).get("/api/auth/me").expect(200);
    let emails = site().wait_for_emails(&email, 1);
    assert!(emails[0]["subject"].as_str().unwrap().contains("Confirm your email"));
}

#[test]
fn register_refuses_a_taken_email_whatever_its_case() {
    let user = site().new_user();
    site()
        .client()
        .post("/api/auth/register", json!({"email": user.email.to_uppercase(), "password": "another fine passphrase", "name": "Copy"}))
        .expect_field_error(409, "email_taken", "email");
}

#[test]
fn register_bad_inputs_name_their_field_and_store_nothing() {
    let email = fresh_email();
    let client = site().client();
    let good = json!({"email": email, "password": "a good long passphrase", "name": "Ada"});
    let with = |key: &str, value: serde_json::Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    let without = |key: &str| {
        let mut body = good.clone();
        body.as_object_mut().unwrap().remove(key);
        body
    };
    let cases = [
        (without("email"), "missing_field", "email"),
        (without("password"), "missing_field", "password"),
        (without("name"), "missing_field", "name"),
        (with("email", json!(42)), "invalid_field_type", "email"),
        (with("password", json!(["x"])), "invalid_field_type", "password"),
        (with("email", json!("not-an-email")), "invalid_email", "email"),
        (with("email", json!("a@b")), "invalid_email", "email"),
        (with("password", json!("short")), "password_too_short", "password"),
        (with("password", json!("x".repeat(129))), "password_too_long", "password"),
        (with("password", json!("Password123")), "password_too_common", "password"),
        (with("name", json!("   ")), "invalid_name", "name"),
        (with("name", json!("n".repeat(101))), "invalid_name", "name"),
    ];
    for (body, code, field) in cases {
        client.post("/api/auth/register", body).expect_field_error(400, code, field);
    }
    client.raw(Method::POST, "/api/auth/register", "application/json", "{\"email\": ").expect_error(400, "invalid_json");
    client.raw(Method::POST, "/api/auth/register", "application/json", "[1,2]").expect_error(400, "invalid_json");
    client.raw(Method::POST, "/api/auth/register", "text/plain", good.to_string()).expect_error(415, "unsupported_media_type");
    let huge = json!({"email": email, "password": "a good long passphrase", "name": "x".repeat(70_000)});
    client.post("/api/auth/register", huge).expect_error(413, "payload_too_large");
    // None of that wrote anything: the address is still free.
    assert!(site().query(&format!("SELECT id FROM users WHERE email = '{email}'")).is_empty());
    client.post("/api/auth/register", good).expect(201);
}

#[test]
fn login_gives_tokens_and_refuses_wrong_credentials_alike() {
    let user = site().new_user();
    let client = site().client();
    let body = client.post("/api/auth/login", json!({"email": user.email, "password": user.password})).expect(200);
    assert_eq!(body["user"]["id"], user.id.as_str());
    assert!(body["refresh_token"].as_str().unwrap().contains('.'));
    let cookie = client.post("/api/auth/login", json!({"email": user.email, "password": user.password})).header("set-cookie").unwrap();
    assert!(cookie.starts_with("webox_refresh=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/api/auth"));
    let wrong = client.post("/api/auth/login", json!({"email": user.email, "password": "not the password"})).expect_error(401, "invalid_credentials");
    let unknown = client.post("/api/auth/login", json!({"email": fresh_email(), "password": "not the password"})).expect_error(401, "invalid_credentials");
    assert_eq!(wrong["message"], unknown["message"], "the answer does not reveal whether the account exists");
    client.post("/api/auth/login", json!({"email": user.email})).expect_field_error(400, "missing_field", "password");
    client.post("/api/auth/login", json!({"email": user.email, "password": 5})).expect_field_error(400, "invalid_field_type", "password");
    client.post("/api/auth/login", json!({"password": "x"})).expect_field_error(400, "missing_field", "email");
}

#[test]
fn the_demo_admin_can_sign_in() {
    let admin = site().login(ADMIN.0, ADMIN.1);
    let me = admin.client.get("/api/auth/me").expect(200);
    assert_eq!(me["user"]["role"], "admin");
    assert_eq!(me["user"]["email_verified"], true);
}

#[test]
fn repeated_failures_lock_the_account_even_for_the_right_password() {
    let user = site().new_user();
    for _ in 0..5 {
        // from different addresses: the per-account limit does not care
        let client = site().client();
        client.post("/api/auth/login", json!({"email": user.email, "password": "wrong guess"})).expect_error(401, "invalid_credentials");
    }
    let reply = site().client().post("/api/auth/login", json!({"email": user.email, "password": user.password}));
    let body = reply.expect_error(429, "rate_limited");
    let retry_after: u64 = reply.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((800..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(body["retry_after"], retry_after);
}

#[test]
fn one_address_failing_on_many_accounts_is_refused_after_thirty() {
    let user = site().new_user();
    let attacker = site().client();
    for i in 0..30 {
        attacker
            .post("/api/auth/login", json!({"email": format!("victim{i}-{}@example.com", attacker.ip()), "password": "guess"}))
            .expect_error(401, "invalid_credentials");
    }
    // Even the right password, from that address, is refused...
    attacker.post("/api/auth/login", json!({"email": user.email, "password": user.password})).expect_error(429, "rate_limited");
    // ... while the same account from elsewhere is fine.
    site().client().post("/api/auth/login", json!({"email": user.email, "password": user.password})).expect(200);
}

#[test]
fn logout_refuses_the_token_at_once_in_every_family() {
    let user = site().new_user();
    user.client.get("/api/profile/me").expect(200);
    let reply = user.client.post("/api/auth/logout", json!({}));
    reply.expect(204);
    assert!(reply.header("set-cookie").unwrap().contains("Max-Age=0"));
    user.client.get("/api/auth/me").expect_error(401, "session_revoked");
    user.client.get("/api/profile/me").expect_error(401, "session_revoked");
    user.client.post("/api/auth/logout", json!({})).expect_error(401, "session_revoked");
    site().client().post("/api/auth/refresh", json!({"refresh_token": user.refresh_token})).expect_error(401, "refresh_token_invalid");
}

#[test]
fn logout_all_ends_every_session() {
    let user = site().new_user();
    let second = site().login(&user.email, &user.password);
    let body = second.client.post("/api/auth/logout-all", json!({})).expect(200);
    assert_eq!(body["sessions_ended"], 2);
    user.client.get("/api/auth/me").expect_error(401, "session_revoked");
    second.client.get("/api/profile/me").expect_error(401, "session_revoked");
}

#[test]
fn refresh_rotates_and_a_reused_token_ends_the_session() {
    let user = site().new_user();
    let client = site().client();
    let first = client.post("/api/auth/refresh", json!({"refresh_token": user.refresh_token})).expect(200);
    let rotated = first["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rotated, user.refresh_token);
    let access = first["access_token"].as_str().unwrap().to_owned();
    client.with_token(&access).get("/api/profile/me").expect(200);
    // The old token again: someone copied it. The whole session ends.
    client.post("/api/auth/refresh", json!({"refresh_token": user.refresh_token})).expect_error(401, "refresh_token_reused");
    client.post("/api/auth/refresh", json!({"refresh_token": rotated})).expect_error(401, "refresh_token_invalid");
    client.with_token(&access).get("/api/profile/me").expect_error(401, "session_revoked");
    user.client.get("/api/auth/me").expect_error(401, "session_revoked");
}

#[test]
fn refresh_reads_the_cookie_when_the_body_has_no_token() {
    let user = site().new_user();
    let client = site().client();
    let reply = client.send(client.request(Method::POST, "/api/auth/refresh").header("Cookie", format!("webox_refresh={}", user.refresh_token)));
    let body = reply.expect(200);
    assert!(reply.header("set-cookie").unwrap().contains(body["refresh_token"].as_str().unwrap()));
}

#[test]
fn refresh_bad_inputs() {
    let client = site().client();
    client.post("/api/auth/refresh", json!({})).expect_field_error(400, "missing_field", "refresh_token");
    client.post("/api/auth/refresh", json!({"refresh_token": 7})).expect_field_error(400, "invalid_field_type", "refresh_token");
    client.post("/api/auth/refresh", json!({"refresh_token": "nonsense"})).expect_error(401, "refresh_token_invalid");
    let unknown = format!("{}.{}", "ab".repeat(16), "x".repeat(43));
    client.post("/api/auth/refresh", json!({"refresh_token": unknown})).expect_error(401, "refresh_token_invalid");
}

#[test]
fn me_needs_a_bearer_token() {
    let client = site().client();
    let reply = client.get("/api/auth/me");
    reply.expect_error(401, "unauthorized");
    assert!(reply.header("www-authenticate").unwrap().starts_with("Bearer"));
    client.send(client.request(Method::GET, "/api/auth/me").header("Authorization", "Basic abc")).expect_error(401, "unauthorized");
    client.send(client.request(Method::GET, "/api/auth/me").header("Authorization", "Bearer ")).expect_error(401, "unauthorized");
}

#[test]
fn forgot_password_answers_the_same_for_unknown_addresses() {
    let client = site().client();
    let user = site().new_user();
    let known = client.post("/api/auth/password/forgot", json!({"email": user.email})).expect(202);
    let unknown_email = fresh_email();
    let unknown = client.post("/api/auth/password/forgot", json!({"email": unknown_email})).expect(202);
    assert_eq!(known, unknown);
    site().wait_for_emails(&user.email, 2);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(site().emails_to(&unknown_email).is_empty());
    client.post("/api/auth/password/forgot", json!({})).expect_field_error(400, "missing_field", "email");
    client.post("/api/auth/password/forgot", json!({"email": "nope"})).expect_field_error(400, "invalid_email", "email");
}

#[test]
fn password_reset_works_once_and_ends_every_session() {
    let user = site().new_user();
    let client = site().client();
    client.post("/api/auth/password/forgot", json!({"email": user.email})).expect(202);
    let token = site().token_from_email(&user.email, "Reset your WeBox password", 2);
    // A weak new password is refused and does not spend the token.
    client.post("/api/auth/password/reset", json!({"token": token, "password": "12345678"})).expect_field_error(400, "password_too_common", "password");
    client.post("/api/auth/password/reset", json!({"password": "x"})).expect_field_error(400, "missing_field", "token");
    let body = client.post("/api/auth/password/reset", json!({"token": token, "password": "a brand new passphrase"})).expect(200);
    assert_eq!(body["sessions_ended"], 1);
    user.client.get("/api/auth/me").expect_error(401, "session_revoked");
    client.post("/api/auth/password/reset", json!({"token": token, "password": "yet another passphrase"})).expect_field_error(400, "token_invalid", "token");
    client.post("/api/auth/login", json!({"email": user.email, "password": user.password})).expect_error(401, "invalid_credentials");
    client.post("/api/auth/login", json!({"email": user.email, "password": "a brand new passphrase"})).expect(200);
    client.post("/api/auth/password/reset", json!({"token": "made-up", "password": "a brand new passphrase"})).expect_field_error(400, "token_invalid", "token");
}

#[test]
fn email_verification_link_works_once() {
    let user = site().new_user();
    let token = site().token_from_email(&user.email, "Confirm your email", 1);
    let client = site().client();
    let body = client.post("/api/auth/verify-email", json!({"token": token})).expect(200);
    assert_eq!(body["user"]["email_verified"], true);
    client.post("/api/auth/verify-email", json!({"token": token})).expect_field_error(400, "token_invalid", "token");
    client.post("/api/auth/verify-email", json!({})).expect_field_error(400, "missing_field", "token");
    user.client.post("/api/auth/verify-email/resend", json!({})).expect_error(409, "already_verified");
}

#[test]
fn verification_can_be_resent_and_the_new_link_works() {
    let user = site().new_user();
    site().wait_for_emails(&user.email, 1);
    user.client.post("/api/auth/verify-email/resend", json!({})).expect(202);
    let token = site().token_from_email(&user.email, "Confirm your email", 2);
    site().client().post("/api/auth/verify-email", json!({"token": token})).expect(200);
    site().client().post("/api/auth/verify-email/resend", json!({})).expect_error(401, "unauthorized");
}
