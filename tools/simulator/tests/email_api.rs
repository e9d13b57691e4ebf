//! The simulated Resend API over real HTTP.

use serde_json::{json, Value};
use webox_simulator::{Config, Simulator};

const KEY: &str = "re_test_key";

async fn start() -> String {
    let app = Simulator::new(Config { email_api_key: KEY.into(), ..Config::from_env() }).router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn message(to: Value) -> Value {
    json!({"from": "WeBox <no-reply@webox.app>", "to": to, "subject": "Hi", "text": "Hello https://x.test/a#token=t"})
}

#[tokio::test]
async fn sends_are_stored_and_listed_newest_first() {
    let base = start().await;
    let http = reqwest::Client::new();
    for to in ["a@example.com", "b@example.com"] {
        let r = http.post(format!("{base}/emails")).bearer_auth(KEY).json(&message(json!([to]))).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let id = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 36);
    }
    let all: Vec<Value> = http.get(format!("{base}/_sim/emails")).send().await.unwrap().json().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["to"][0], "b@example.com");
    let only_a: Vec<Value> = http.get(format!("{base}/_sim/emails?to=A@example.com")).send().await.unwrap().json().await.unwrap();
    assert_eq!(only_a.len(), 1);
    let page = http.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<a href=\"https://x.test/a#token=t\">"));
    assert_eq!(http.delete(format!("{base}/_sim/emails")).send().await.unwrap().status(), 204);
    let none: Vec<Value> = http.get(format!("{base}/_sim/emails")).send().await.unwrap().json().await.unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn keys_and_bodies_are_checked_like_resend() {
    let base = start().await;
    let http = reqwest::Client::new();
    let send = |key: Option<&str>, body: Value| {
        let mut req = http.post(format!("{base}/emails")).json(&body);
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        req.send()
    };
    let r = send(None, message(json!("a@example.com"))).await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "missing_api_key");
    let r = send(Some("re_wrong"), message(json!("a@example.com"))).await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "invalid_api_key");
    let cases = [
        json!({"from": "x@y.z", "subject": "s", "text": "t"}),
        json!({"from": "x@y.z", "to": "a@example.com", "text": "t"}),
        json!({"from": "x@y.z", "to": "a@example.com", "subject": "s"}),
        json!({"to": "a@example.com", "subject": "s", "text": "t"}),
        json!({"from": "x@y.z", "to": "not-an-address", "subject": "s", "text": "t"}),
        message(json!((0..51).map(|i| format!("u{i}@example.com")).collect::<Vec<_>>())),
    ];
    for body in cases {
        let r = send(Some(KEY), body.clone()).await.unwrap();
        assert_eq!(r.status(), 422, "{body}");
        let err: Value = r.json().await.unwrap();
        assert_eq!(err["statusCode"], 422);
        assert!(err["name"] == "validation_error" || err["name"] == "missing_required_field", "{err}");
    }
    let none: Vec<Value> = http.get(format!("{base}/_sim/emails")).send().await.unwrap().json().await.unwrap();
    assert!(none.is_empty(), "refused messages are not stored");
}

#[tokio::test]
async fn idempotency_key_returns_the_first_id() {
    let base = start().await;
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = http.post(format!("{base}/emails")).bearer_auth(KEY).header("Idempotency-Key", "outbox-1").json(&message(json!("a@example.com"))).send().await.unwrap();
        ids.push(r.json::<Value>().await.unwrap()["id"].clone());
    }
    assert_eq!(ids[0], ids[1]);
    let all: Vec<Value> = http.get(format!("{base}/_sim/emails")).send().await.unwrap().json().await.unwrap();
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn injected_faults_fail_the_next_requests_once_each() {
    let base = start().await;
    let http = reqwest::Client::new();
    let r = http.post(format!("{base}/_sim/faults")).json(&json!({"service": "email", "status": 429, "count": 2, "retry_after": 3})).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let attempts: Vec<_> = (0..3).map(|_| http.post(format!("{base}/emails")).bearer_auth(KEY).json(&message(json!("a@example.com"))).send()).collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        let r = attempt.await.unwrap();
        if r.status() == 429 {
            assert_eq!(r.headers()["retry-after"], "3");
            assert_eq!(r.json::<Value>().await.unwrap()["name"], "rate_limit_exceeded");
            statuses.push(429);
        } else {
            statuses.push(r.status().as_u16());
        }
    }
    statuses.sort_unstable();
    assert_eq!(statuses, vec![200, 429, 429]);
    let r = http.post(format!("{base}/_sim/faults")).json(&json!({"service": "email", "status": 200})).send().await.unwrap();
    assert_eq!(r.status(), 422);
}
