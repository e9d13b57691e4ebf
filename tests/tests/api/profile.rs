//! /api/profile/*: account, password, provider API keys, preferences, stats.

use serde_json::json;
use webox_e2e::{site, unique};

#[test]
fn me_shows_the_account() {
    let user = site().new_user();
    let body = user.client.get("/api/profile/me").expect(200);
    assert_eq!(body["user"]["email"], user.email.as_str());
    assert!(body["user"].get("password_hash").is_none());
    site().client().get("/api/profile/me").expect_error(401, "unauthorized");
}

#[test]
fn renaming_and_changing_email_reverifies_the_new_address() {
    let user = site().new_user();
    let body = user.client.put("/api/profile/update", json!({"name": "Grace Hopper"})).expect(200);
    assert_eq!(body["user"]["name"], "Grace Hopper");
    let new_email = format!("{}@example.org", unique("moved-"));
    let body = user.client.put("/api/profile/update", json!({"email": new_email.to_uppercase()})).expect(200);
    assert_eq!(body["user"]["email"], new_email.as_str());
    assert_eq!(body["user"]["email_verified"], false);
    let token = site().token_from_email(&new_email, "Confirm your email", 1);
    let verified = site().client().post("/api/auth/verify-email", json!({"token": token})).expect(200);
    assert_eq!(verified["user"]["email"], new_email.as_str());
    assert_eq!(verified["user"]["email_verified"], true);
    // The link sent to the old address no longer verifies anything.
    let old_token = site().token_from_email(&user.email, "Confirm your email", 1);
    site().client().post("/api/auth/verify-email", json!({"token": old_token})).expect_field_error(400, "token_invalid", "token");
}

#[test]
fn update_bad_inputs_change_nothing() {
    let user = site().new_user();
    let other = site().new_user();
    user.client.put("/api/profile/update", json!({"email": other.email})).expect_field_error(409, "email_taken", "email");
    user.client.put("/api/profile/update", json!({})).expect_error(400, "nothing_to_update");
    user.client.put("/api/profile/update", json!({"name": "x", "role": "admin"})).expect_field_error(400, "unknown_field", "role");
    user.client.put("/api/profile/update", json!({"email": "broken"})).expect_field_error(400, "invalid_email", "email");
    user.client.put("/api/profile/update", json!({"name": ""})).expect_field_error(400, "invalid_name", "name");
    user.client.put("/api/profile/update", json!({"name": 3})).expect_field_error(400, "invalid_field_type", "name");
    let me = user.client.get("/api/profile/me").expect(200);
    assert_eq!(me["user"]["email"], user.email.as_str());
    assert_eq!(me["user"]["name"], "Test User");
    assert_eq!(me["user"]["role"], "user");
}

#[test]
fn changing_the_password_checks_the_old_one_and_ends_other_sessions() {
    let user = site().new_user();
    let other_device = site().login(&user.email, &user.password);
    user.client
        .post("/api/profile/password", json!({"old_password": "not it at all", "new_password": "a fresh passphrase"}))
        .expect_field_error(401, "invalid_credentials", "old_password");
    user.client
        .post("/api/profile/password", json!({"old_password": user.password, "new_password": "qwertyuiop"}))
        .expect_field_error(400, "password_too_common", "new_password");
    user.client.post("/api/profile/password", json!({"new_password": "a fresh passphrase"})).expect_field_error(400, "missing_field", "old_password");
    let body = user.client.post("/api/profile/password", json!({"old_password": user.password, "new_password": "a fresh passphrase"})).expect(200);
    assert_eq!(body["sessions_ended"], 1);
    user.client.get("/api/profile/me").expect(200);
    other_device.client.get("/api/profile/me").expect_error(401, "session_revoked");
    site().client().post("/api/auth/login", json!({"email": user.email, "password": "a fresh passphrase"})).expect(200);
}

#[test]
fn api_keys_are_stored_sealed_and_shown_masked() {
    let user = site().new_user();
    let list = user.client.get("/api/profile/api-keys").expect(200);
    let providers = list["providers"].as_array().unwrap();
    assert_eq!(providers.len(), 12);
    assert!(providers.iter().all(|p| p["configured"] == false));
    let secret = "sk-proj-Secret0123456789abcdefWXYZ";
    let reply = user.client.put("/api/profile/api-keys", json!({"provider": "openai", "key": secret}));
    let saved = reply.expect(200);
    assert_eq!(saved, json!({"provider": "openai", "configured": true, "masked": "sk-…WXYZ", "updated_at": saved["updated_at"]}));
    let list = user.client.get("/api/profile/api-keys");
    assert!(!list.text().contains("Secret0123"), "the key never comes back");
    let openai = list.json()["providers"].as_array().unwrap().iter().find(|p| p["provider"] == "openai").cloned().unwrap();
    assert_eq!(openai["masked"], "sk-…WXYZ");
    let rows = site().query(&format!("SELECT key_id, nonce, ciphertext FROM api_keys WHERE user_id = '{}'", user.id));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["key_id"], "k1");
    assert!(!rows[0]["ciphertext"].as_str().unwrap().contains("Secret"));
    // Replacing keeps one row.
    user.client.put("/api/profile/api-keys", json!({"provider": "OpenAI", "key": "sk-second-key-000000000000"})).expect(200);
    assert_eq!(site().query(&format!("SELECT provider FROM api_keys WHERE user_id = '{}'", user.id)).len(), 1);
    user.client.delete("/api/profile/api-keys/openai").expect(204);
    user.client.delete("/api/profile/api-keys/openai").expect_error(404, "not_found");
    // A Suno "key" is a session cookie, spaces and all.
    let suno = user.client.put("/api/profile/api-keys", json!({"provider": "suno", "key": "__client=abc.def; __client_uat=1700000000"})).expect(200);
    assert_eq!(suno["masked"], "…0000");
}

#[test]
fn api_key_bad_inputs() {
    let user = site().new_user();
    user.client.put("/api/profile/api-keys", json!({"provider": "acme", "key": "abcdefghijk"})).expect_field_error(400, "unknown_provider", "provider");
    user.client.put("/api/profile/api-keys", json!({"provider": "groq", "key": "short"})).expect_field_error(400, "invalid_api_key", "key");
    user.client.put("/api/profile/api-keys", json!({"provider": "groq", "key": "has spaces inside it"})).expect_field_error(400, "invalid_api_key", "key");
    user.client.put("/api/profile/api-keys", json!({"provider": "groq"})).expect_field_error(400, "missing_field", "key");
    // Suno's "key" is the suno.com session cookie the gateway expects.
    user.client.put("/api/profile/api-keys", json!({"provider": "suno", "key": "sk-not-a-cookie-0000"})).expect_field_error(400, "invalid_api_key", "key");
    user.client.delete("/api/profile/api-keys/acme").expect_field_error(400, "unknown_provider", "provider");
    assert!(site().query(&format!("SELECT provider FROM api_keys WHERE user_id = '{}'", user.id)).is_empty());
}

#[test]
fn one_user_never_reaches_another_users_keys() {
    let alice = site().new_user();
    let bob = site().new_user();
    alice.client.put("/api/profile/api-keys", json!({"provider": "anthropic", "key": "sk-ant-alice-000000000000"})).expect(200);
    let bobs = bob.client.get("/api/profile/api-keys").expect(200);
    assert!(bobs["providers"].as_array().unwrap().iter().all(|p| p["configured"] == false));
    bob.client.delete("/api/profile/api-keys/anthropic").expect_error(404, "not_found");
    let alices = alice.client.get("/api/profile/api-keys").expect(200);
    assert!(alices["providers"].as_array().unwrap().iter().any(|p| p["provider"] == "anthropic" && p["configured"] == true));
}

#[test]
fn preferences_update_partially_and_refuse_bad_values() {
    let user = site().new_user();
    let defaults = user.client.get("/api/profile/preferences").expect(200);
    assert_eq!(defaults["preferences"]["theme"], "system");
    let body = user
        .client
        .put("/api/profile/preferences", json!({"theme": "dark", "default_models": {"chat": "anthropic:claude-sonnet-4-5"}, "notifications": {"marketing": true}}))
        .expect(200);
    assert_eq!(body["preferences"]["theme"], "dark");
    assert_eq!(body["preferences"]["language"], "en");
    assert_eq!(body["preferences"]["default_models"]["chat"], "anthropic:claude-sonnet-4-5");
    assert_eq!(body["preferences"]["notifications"], json!({"email": true, "in_app": true, "marketing": true}));
    let cases = [
        (json!({"theme": "neon"}), "invalid_value", "theme"),
        (json!({"language": "tlh"}), "invalid_value", "language"),
        (json!({"font": 1}), "unknown_field", "font"),
        (json!({"default_models": {"chat": "acme:x"}}), "unknown_provider", "default_models.chat"),
        (json!({"notifications": {"email": "yes"}}), "invalid_field_type", "notifications.email"),
        (json!({"theme": "light", "language": "xx"}), "invalid_value", "language"),
    ];
    for (update, code, field) in cases {
        user.client.put("/api/profile/preferences", update).expect_field_error(400, code, field);
    }
    let after = user.client.get("/api/profile/preferences").expect(200);
    assert_eq!(after, body, "refused updates changed nothing, not even the valid part");
}

#[test]
fn stats_count_sessions_and_keys() {
    let user = site().new_user();
    site().login(&user.email, &user.password);
    user.client.put("/api/profile/api-keys", json!({"provider": "mistral", "key": "mistral-key-0000000000"})).expect(200);
    let stats = user.client.get("/api/profile/stats").expect(200)["stats"].clone();
    assert_eq!(stats["active_sessions"], 2);
    assert_eq!(stats["api_keys_configured"], 1);
    assert_eq!(stats["chat_messages"], 0);
    assert_eq!(stats["spend_minor"], 0);
}
