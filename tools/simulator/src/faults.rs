//! Fault injection shared by every simulated service: `POST /_sim/faults`
//! `{"service":"email","status":429,"count":2,"retry_after":3}` makes the
//! next two requests to that service fail with that status and the
//! service's own error body. `"matching":"x"` limits the fault to requests
//! the service identifies by `x` (for email, a recipient), so concurrent
//! tests do not trip over each other's faults. Each fault is consumed
//! exactly once, even under concurrent requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use crate::Simulator;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    pub status: u16,
    pub retry_after: Option<u64>,
}

#[derive(Debug, Clone)]
struct Queued {
    fault: Fault,
    matching: Option<String>,
}

#[derive(Clone, Default)]
pub struct Faults(Arc<Mutex<HashMap<String, Vec<Queued>>>>);

impl Faults {
    pub fn add(&self, service: &str, fault: Fault, count: usize, matching: Option<String>) {
        if let Ok(mut map) = self.0.lock() {
            let queued = Queued { fault, matching: matching.map(|m| m.to_lowercase()) };
            map.entry(service.to_owned()).or_default().extend(std::iter::repeat_n(queued, count));
        }
    }

    /// The next fault for a request to `service` identified by `keys`,
    /// removed from the queue.
    pub fn take(&self, service: &str, keys: &[String]) -> Option<Fault> {
        let mut map = self.0.lock().ok()?;
        let queue = map.get_mut(service)?;
        let applies = |q: &Queued| q.matching.as_ref().is_none_or(|m| keys.iter().any(|k| k.to_lowercase() == *m));
        let index = queue.iter().position(applies)?;
        Some(queue.remove(index).fault)
    }

    pub fn clear(&self) {
        if let Ok(mut map) = self.0.lock() {
            map.clear();
        }
    }
}

#[derive(Deserialize)]
struct FaultRequest {
    service: String,
    status: u16,
    #[serde(default = "one")]
    count: usize,
    retry_after: Option<u64>,
    matching: Option<String>,
}

fn one() -> usize {
    1
}

pub fn router() -> Router<Simulator> {
    Router::new().route(
        "/_sim/faults",
        post(|State(sim): State<Simulator>, Json(req): Json<FaultRequest>| async move {
            if !(400..=599).contains(&req.status) || req.count == 0 {
                return (StatusCode::UNPROCESSABLE_ENTITY, Json(serde_json::json!({"error": "status must be 400-599 and count >= 1"})));
            }
            sim.faults.add(&req.service, Fault { status: req.status, retry_after: req.retry_after }, req.count, req.matching);
            (StatusCode::CREATED, Json(serde_json::json!({"queued": req.count})))
        })
        .delete(|State(sim): State<Simulator>| async move {
            sim.faults.clear();
            StatusCode::NO_CONTENT
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_consumed_in_order_and_once() {
        let faults = Faults::default();
        faults.add("email", Fault { status: 429, retry_after: Some(2) }, 2, None);
        faults.add("email", Fault { status: 500, retry_after: None }, 1, None);
        assert_eq!(faults.take("email", &[]).map(|f| f.status), Some(429));
        assert_eq!(faults.take("email", &[]).map(|f| f.status), Some(429));
        assert_eq!(faults.take("email", &[]).map(|f| f.status), Some(500));
        assert_eq!(faults.take("email", &[]), None);
        assert_eq!(faults.take("stripe", &[]), None);
    }

    #[test]
    fn matching_faults_only_hit_their_requests() {
        let faults = Faults::default();
        faults.add("email", Fault { status: 503, retry_after: None }, 1, Some("Victim@example.com".into()));
        assert_eq!(faults.take("email", &["other@example.com".into()]), None);
        assert_eq!(faults.take("email", &["victim@example.com".into()]).map(|f| f.status), Some(503));
        assert_eq!(faults.take("email", &["victim@example.com".into()]), None);
    }
}
