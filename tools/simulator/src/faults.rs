//! Fault injection shared by every simulated service: `POST /_sim/faults`
//! `{"service":"email","status":429,"count":2,"retry_after":3}` makes the
//! next two requests to that service fail with that status and the
//! service's own error body. Each fault is consumed exactly once, even under
//! concurrent requests.

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

#[derive(Clone, Default)]
pub struct Faults(Arc<Mutex<HashMap<String, Vec<Fault>>>>);

impl Faults {
    pub fn add(&self, service: &str, fault: Fault, count: usize) {
        if let Ok(mut map) = self.0.lock() {
            map.entry(service.to_owned()).or_default().extend(std::iter::repeat_n(fault, count));
        }
    }

    /// The next fault for `service`, removed from the queue.
    pub fn take(&self, service: &str) -> Option<Fault> {
        let mut map = self.0.lock().ok()?;
        let queue = map.get_mut(service)?;
        if queue.is_empty() {
            None
        } else {
            Some(queue.remove(0))
        }
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
            sim.faults.add(&req.service, Fault { status: req.status, retry_after: req.retry_after }, req.count);
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
        faults.add("email", Fault { status: 429, retry_after: Some(2) }, 2);
        faults.add("email", Fault { status: 500, retry_after: None }, 1);
        assert_eq!(faults.take("email").map(|f| f.status), Some(429));
        assert_eq!(faults.take("email").map(|f| f.status), Some(429));
        assert_eq!(faults.take("email").map(|f| f.status), Some(500));
        assert_eq!(faults.take("email"), None);
        assert_eq!(faults.take("stripe"), None);
    }
}
