//! Email delivery through the outbox: a provider outage is retried once,
//! then recorded with its error; the user's request is never affected.

use serde_json::json;
use webox_e2e::site;

fn outbox(email: &str, kind: &str) -> String {
    format!("SELECT status, attempts, last_error, provider_message_id FROM email_outbox WHERE to_email = '{email}' AND kind = '{kind}' ORDER BY created_at DESC, rowid DESC")
}

#[test]
fn a_provider_outage_is_recorded_in_the_outbox() {
    let user = site().new_user();
    site().wait_for_emails(&user.email, 1);
    site().inject_fault("email", 503, 2, &user.email);
    site().client().post("/api/auth/password/forgot", json!({"email": user.email})).expect(202);
    let rows = site().query_until(&outbox(&user.email, "password_reset"), |rows| rows.first().is_some_and(|r| r["status"] != "queued"));
    assert_eq!(rows[0]["status"], "failed", "{rows:?}");
    assert_eq!(rows[0]["attempts"], 2);
    assert!(rows[0]["last_error"].as_str().unwrap().contains("HTTP 503"), "{rows:?}");
    assert_eq!(site().emails_to(&user.email).len(), 1, "only the verification email arrived");
}

#[test]
fn a_rate_limited_send_is_retried_and_delivered() {
    let user = site().new_user();
    site().wait_for_emails(&user.email, 1);
    site().inject_fault("email", 429, 1, &user.email);
    site().client().post("/api/auth/password/forgot", json!({"email": user.email})).expect(202);
    site().wait_for_emails(&user.email, 2);
    let rows = site().query_until(&outbox(&user.email, "password_reset"), |rows| rows.first().is_some_and(|r| r["status"] == "sent"));
    assert_eq!(rows[0]["status"], "sent", "{rows:?}");
    assert_eq!(rows[0]["attempts"], 2);
    assert_eq!(rows[0]["provider_message_id"].as_str().map(str::len), Some(36));
}
