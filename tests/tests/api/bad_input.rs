//! The same bad inputs against every route: malformed and oversized bodies,
//! wrong content types, and missing, forged or revoked tokens. Each gets the
//! exact status and code, and changes nothing.

use reqwest::Method;
use serde_json::json;
use webox_e2e::site;

/// Routes that read a JSON body.
const JSON_ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/password/forgot"),
    ("POST", "/api/auth/password/reset"),
    ("POST", "/api/auth/verify-email"),
    ("PUT", "/api/profile/update"),
    ("POST", "/api/profile/password"),
    ("PUT", "/api/profile/api-keys"),
    ("PUT", "/api/profile/preferences"),
    ("POST", "/api/cart/add"),
    ("POST", "/api/cart/update"),
    ("POST", "/api/cart/remove"),
    ("POST", "/api/cart/promo"),
    ("POST", "/api/wishlist"),
    ("DELETE", "/api/wishlist"),
    ("POST", "/api/products/synthwave-loops/reviews"),
];

/// Routes that need a signed-in caller.
const PRIVATE_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/auth/me"),
    ("POST", "/api/auth/logout"),
    ("POST", "/api/auth/logout-all"),
    ("POST", "/api/auth/verify-email/resend"),
    ("GET", "/api/profile/me"),
    ("PUT", "/api/profile/update"),
    ("POST", "/api/profile/password"),
    ("GET", "/api/profile/api-keys"),
    ("PUT", "/api/profile/api-keys"),
    ("DELETE", "/api/profile/api-keys/openai"),
    ("GET", "/api/profile/preferences"),
    ("PUT", "/api/profile/preferences"),
    ("GET", "/api/profile/stats"),
    ("GET", "/api/wishlist"),
    ("POST", "/api/wishlist"),
    ("DELETE", "/api/wishlist"),
    ("POST", "/api/products/synthwave-loops/reviews"),
];

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("a method")
}

#[test]
fn malformed_bodies_are_refused_on_every_json_route() {
    let user = site().new_user();
    let before = user.client.get("/api/profile/preferences").expect(200);
    for (m, path) in JSON_ROUTES {
        let c = &user.client;
        c.raw(method(m), path, "application/json", "{not json").expect_error(400, "invalid_json");
        c.raw(method(m), path, "application/json", "").expect_error(400, "invalid_json");
        c.raw(method(m), path, "application/json", "\"a string\"").expect_error(400, "invalid_json");
        c.raw(method(m), path, "text/plain", "{}").expect_error(415, "unsupported_media_type");
        let oversized = format!("{{\"padding\": \"{}\"}}", "x".repeat(70 * 1024));
        c.raw(method(m), path, "application/json", oversized).expect_error(413, "payload_too_large");
    }
    // The account is intact: same preferences, still signed in, same password.
    assert_eq!(user.client.get("/api/profile/preferences").expect(200), before);
    site().client().post("/api/auth/login", json!({"email": user.email, "password": user.password})).expect(200);
}

#[test]
fn private_routes_refuse_missing_and_revoked_tokens() {
    let anonymous = site().client();
    for (m, path) in PRIVATE_ROUTES {
        anonymous.send(anonymous.request(method(m), path).json(&json!({}))).expect_error(401, "unauthorized");
        anonymous.send(anonymous.request(method(m), path).bearer_auth("not.a.jwt").json(&json!({}))).expect_error(401, "token_invalid");
    }
    let user = site().new_user();
    user.client.post("/api/auth/logout", json!({})).expect(204);
    for (m, path) in PRIVATE_ROUTES {
        user.client.send(user.client.request(method(m), path).json(&json!({}))).expect_error(401, "session_revoked");
    }
}
