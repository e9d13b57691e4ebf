//! Stripe's PaymentIntents API (test mode): `POST /v1/payment_intents`
//! (form-encoded, `Idempotency-Key` honoured), `GET /v1/payment_intents/{id}`,
//! and `POST /v1/payment_intents/{id}/confirm` with a test payment method
//! (`pm_card_visa` succeeds, `pm_card_chargeDeclined` is declined) — what
//! Stripe.js does in the browser. Auth: `Authorization: Bearer sk_...`.
//! Errors: `{"error": {"type", "code"?, "message"}}`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};

use crate::Simulator;

const SERVICE: &str = "stripe";

#[derive(Clone, Default)]
pub struct Ledger(Arc<Mutex<LedgerInner>>);

#[derive(Default)]
struct LedgerInner {
    intents: HashMap<String, Value>,
    idempotency: HashMap<String, String>,
}

fn error(status: StatusCode, kind: &str, code: Option<&str>, message: &str) -> Response {
    let mut body = json!({"error": {"type": kind, "message": message}});
    if let Some(code) = code {
        body["error"]["code"] = code.into();
    }
    (status, Json(body)).into_response()
}

/// `None` when the secret key is right; otherwise Stripe's 401.
fn unauthorised(sim: &Simulator, headers: &HeaderMap) -> Option<Response> {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    match auth.strip_prefix("Bearer ") {
        Some(key) if key == sim.config.stripe_secret_key => None,
        Some(key) => Some(error(StatusCode::UNAUTHORIZED, "invalid_request_error", None, &format!("Invalid API Key provided: {}***", key.chars().take(8).collect::<String>()))),
        None => Some(error(StatusCode::UNAUTHORIZED, "invalid_request_error", None, "You did not provide an API key.")),
    }
}

fn fault(sim: &Simulator, keys: &[String]) -> Option<Response> {
    let fault = sim.faults.take(SERVICE, keys)?;
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Some(match fault.status {
        429 => error(status, "invalid_request_error", Some("rate_limit"), "Too many requests hit the API too quickly."),
        _ => error(status, "api_error", None, "Something went wrong on Stripe's end."),
    })
}

async fn create(State(sim): State<Simulator>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Some(response) = unauthorised(&sim, &headers) {
        return response;
    }
    let metadata: BTreeMap<String, String> =
        form.iter().filter_map(|(k, v)| k.strip_prefix("metadata[").and_then(|k| k.strip_suffix(']')).map(|k| (k.to_owned(), v.clone()))).collect();
    let keys: Vec<String> = metadata.values().cloned().collect();
    if let Some(response) = fault(&sim, &keys) {
        return response;
    }
    let Some(amount) = form.get("amount").and_then(|a| a.parse::<i64>().ok()).filter(|a| *a >= 50) else {
        return error(StatusCode::BAD_REQUEST, "invalid_request_error", Some("parameter_invalid_integer"), "Invalid integer: amount must be at least 50 (minor units).");
    };
    let Some(currency) = form.get("currency").filter(|c| c.len() == 3 && c.chars().all(|ch| ch.is_ascii_lowercase())) else {
        return error(StatusCode::BAD_REQUEST, "invalid_request_error", Some("parameter_missing"), "Missing required param: currency.");
    };
    let Ok(mut ledger) = sim.stripe.0.lock() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "api_error", None, "ledger unavailable");
    };
    let idempotency_key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some(existing) = idempotency_key.as_ref().and_then(|k| ledger.idempotency.get(k)).and_then(|id| ledger.intents.get(id)) {
        return (StatusCode::OK, Json(existing.clone())).into_response();
    }
    let id = format!("pi_{}", crate::uuid_v4().replace('-', "").get(..24).unwrap_or_default());
    let secret = crate::uuid_v4().replace('-', "");
    let intent = json!({
        "id": id, "object": "payment_intent", "amount": amount, "amount_received": 0, "currency": currency,
        "status": "requires_payment_method", "client_secret": format!("{id}_secret_{secret}"),
        "metadata": metadata, "livemode": false, "created": crate::unix_now(),
        "automatic_payment_methods": {"enabled": form.get("automatic_payment_methods[enabled]").is_some_and(|v| v == "true")},
    });
    ledger.intents.insert(id.clone(), intent.clone());
    if let Some(key) = idempotency_key {
        ledger.idempotency.insert(key, id);
    }
    (StatusCode::OK, Json(intent)).into_response()
}

fn missing(id: &str) -> Response {
    error(StatusCode::NOT_FOUND, "invalid_request_error", Some("resource_missing"), &format!("No such payment_intent: '{id}'"))
}

async fn retrieve(State(sim): State<Simulator>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Some(response) = unauthorised(&sim, &headers) {
        return response;
    }
    let intent = sim.stripe.0.lock().ok().and_then(|l| l.intents.get(&id).cloned());
    match intent {
        Some(intent) => (StatusCode::OK, Json(intent)).into_response(),
        None => missing(&id),
    }
}

/// What the browser does with Stripe.js: confirm with a test card.
async fn confirm(State(sim): State<Simulator>, headers: HeaderMap, Path(id): Path<String>, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Some(response) = unauthorised(&sim, &headers) {
        return response;
    }
    let Ok(mut ledger) = sim.stripe.0.lock() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "api_error", None, "ledger unavailable");
    };
    let Some(intent) = ledger.intents.get_mut(&id) else { return missing(&id) };
    if intent["status"] == "succeeded" {
        return error(StatusCode::BAD_REQUEST, "invalid_request_error", Some("payment_intent_unexpected_state"), "This PaymentIntent has already succeeded.");
    }
    match form.get("payment_method").map(String::as_str) {
        Some("pm_card_visa") => {
            intent["status"] = "succeeded".into();
            intent["amount_received"] = intent["amount"].clone();
            (StatusCode::OK, Json(intent.clone())).into_response()
        }
        Some("pm_card_chargeDeclined") => {
            intent["status"] = "requires_payment_method".into();
            error(StatusCode::PAYMENT_REQUIRED, "card_error", Some("card_declined"), "Your card was declined.")
        }
        _ => error(StatusCode::BAD_REQUEST, "invalid_request_error", Some("parameter_missing"), "Missing required param: payment_method."),
    }
}

pub fn router() -> Router<Simulator> {
    Router::new()
        .route("/v1/payment_intents", post(create))
        .route("/v1/payment_intents/{id}", get(retrieve))
        .route("/v1/payment_intents/{id}/confirm", post(confirm))
}
