//! The log of the last calls to a family of simulated providers, and the
//! `/_sim/<name>` routes that show it (`GET` → `{"requests": [...]}`, oldest
//! first) and forget it (`DELETE` → 204). Each family decides what an entry
//! says about a call; the log only keeps the last `KEPT_CALLS` of them.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::Simulator;

/// How many calls a log keeps, so a long-running simulator stays small.
const KEPT_CALLS: usize = 500;

/// The last calls to some simulated providers, each as the JSON `/_sim` shows.
#[derive(Clone, Default)]
pub struct CallLog(Arc<Mutex<VecDeque<Value>>>);

impl CallLog {
    /// Adds a call, forgetting the oldest once `KEPT_CALLS` are kept.
    pub fn push(&self, call: Value) {
        if let Ok(mut calls) = self.0.lock() {
            if calls.len() == KEPT_CALLS {
                calls.pop_front();
            }
            calls.push_back(call);
        }
    }

    /// The kept calls, oldest first.
    pub fn list(&self) -> Vec<Value> {
        self.0.lock().map(|calls| calls.iter().cloned().collect()).unwrap_or_default()
    }

    pub fn clear(&self) {
        if let Ok(mut calls) = self.0.lock() {
            calls.clear();
        }
    }
}

/// `GET` and `DELETE` on `path` (`/_sim/<name>`) for the log `log` picks out of the simulator.
pub fn routes(path: &str, log: fn(&Simulator) -> &CallLog) -> Router<Simulator> {
    Router::new().route(
        path,
        get(move |State(sim): State<Simulator>| async move { Json(json!({"requests": log(&sim).list()})) }).delete(move |State(sim): State<Simulator>| async move {
            log(&sim).clear();
            StatusCode::NO_CONTENT
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_the_last_calls() {
        let calls = CallLog::default();
        for n in 0..KEPT_CALLS + 3 {
            calls.push(json!(n));
        }
        let kept = calls.list();
        assert_eq!(kept.len(), KEPT_CALLS);
        assert_eq!(kept.first(), Some(&json!(3)));
        assert_eq!(kept.last(), Some(&json!(KEPT_CALLS + 2)));
        calls.clear();
        assert!(calls.list().is_empty());
    }
}
