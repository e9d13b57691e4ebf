//! Webhook deliveries to the local site, as the real providers send them:
//! signed, retried with backoff while the site answers anything but 2xx
//! (up to 6 attempts), each attempt recorded. The site's base URL comes from
//! `SIM_WEBHOOK_TARGET` or `POST /_sim/webhooks/target {"url": ...}`;
//! without one, events are recorded but not sent. `GET /_sim/webhooks`
//! lists deliveries (newest first, `?service=stripe|paypal`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::Simulator;

#[derive(Clone, Default)]
pub struct Webhooks {
    target: Arc<Mutex<Option<String>>>,
    log: Arc<Mutex<Vec<Value>>>,
}

const ATTEMPTS: u32 = 6;

impl Webhooks {
    pub fn with_target(target: Option<String>) -> Self {
        Self { target: Arc::new(Mutex::new(target.map(|t| t.trim_end_matches('/').to_owned()))), log: Default::default() }
    }

    /// Sends `body` to the site's `path` in the background; `sign` makes the
    /// headers for each attempt (Stripe signs with the attempt's time).
    pub fn deliver(&self, service: &'static str, path: &'static str, event_id: String, kind: String, body: String, sign: impl Fn(&str) -> Vec<(String, String)> + Send + 'static) {
        let index = {
            let Ok(mut log) = self.log.lock() else { return };
            log.push(json!({"service": service, "event_id": event_id, "type": kind, "attempts": [], "delivered": false}));
            log.len() - 1
        };
        let Some(target) = self.target.lock().ok().and_then(|t| t.clone()) else { return };
        let log = Arc::clone(&self.log);
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut wait = Duration::from_millis(500);
            for _ in 0..ATTEMPTS {
                let mut request = client.post(format!("{target}{path}")).header("Content-Type", "application/json").body(body.clone());
                for (name, value) in sign(&body) {
                    request = request.header(name, value);
                }
                let status = match request.timeout(Duration::from_secs(30)).send().await {
                    Ok(response) => response.status().as_u16(),
                    Err(_) => 0,
                };
                if let Ok(mut log) = log.lock() {
                    if let Some(entry) = log.get_mut(index) {
                        if let Some(attempts) = entry["attempts"].as_array_mut() {
                            attempts.push(status.into());
                        }
                        entry["delivered"] = (200..300).contains(&status).into();
                    }
                }
                if (200..300).contains(&status) {
                    return;
                }
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        });
    }
}

#[derive(Deserialize)]
struct Filter {
    service: Option<String>,
}

async fn list(State(sim): State<Simulator>, Query(filter): Query<Filter>) -> Json<Vec<Value>> {
    let log = sim.webhooks.log.lock().map(|l| l.clone()).unwrap_or_default();
    Json(log.into_iter().rev().filter(|e| filter.service.as_ref().is_none_or(|s| e["service"] == s.as_str())).collect())
}

#[derive(Deserialize)]
struct Target {
    url: Option<String>,
}

async fn set_target(State(sim): State<Simulator>, Json(target): Json<Target>) -> StatusCode {
    if let Ok(mut t) = sim.webhooks.target.lock() {
        *t = target.url.map(|u| u.trim_end_matches('/').to_owned());
    }
    StatusCode::NO_CONTENT
}

pub fn router() -> Router<Simulator> {
    Router::new().route("/_sim/webhooks", get(list)).route("/_sim/webhooks/target", post(set_target))
}
