//! Stripe's PaymentIntents API (test mode): `POST /v1/payment_intents`
//! (form-encoded, `Idempotency-Key` honoured), `GET /v1/payment_intents/{id}`,
//! and `POST /v1/payment_intents/{id}/confirm` with a test payment method
//! (`pm_card_visa` succeeds, `pm_card_chargeDeclined` is declined) — what
//! Stripe.js does in the browser. Auth: `Authorization: Bearer sk_...`.
//! `POST /v1/refunds` refunds a succeeded PaymentIntent in full. Each
//! outcome is also sent to the site as a signed webhook event
//! (`payment_intent.succeeded`, `payment_intent.payment_failed`,
//! `charge.refunded`), `Stripe-Signature: t=...,v1=HMAC-SHA256("{t}.{body}")`
//! with `SIM_STRIPE_WEBHOOK_SECRET`.
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
    refunds: HashMap<String, Value>,
}

fn stripe_id(prefix: &str) -> String {
    format!("{prefix}_{}", crate::uuid_v4().replace('-', "").get(..24).unwrap_or_default())
}

/// Builds the event and sends it, signed, to the site's webhook endpoint.
fn send_event(sim: &Simulator, kind: &str, object: Value) {
    let id = stripe_id("evt");
    let event = json!({
        "id": id, "object": "event", "api_version": "2024-06-20", "created": crate::unix_now(),
        "data": {"object": object}, "livemode": false, "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null}, "type": kind,
    });
    let secret = sim.config.stripe_webhook_secret.clone();
    let sign = move |body: &str| {
        use hmac::Mac;
        let t = crate::unix_now();
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else { return Vec::new() };
        mac.update(format!("{t}.{body}").as_bytes());
        vec![("Stripe-Signature".to_owned(), format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes())))]
    };
    sim.webhooks.deliver(SERVICE, "/api/payment/stripe/webhook", id, kind.to_owned(), event.to_string(), sign);
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
    let metadata = metadata(&form);
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
    let id = stripe_id("pi");
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

/// `metadata[key]=value` form fields as a map.
fn metadata(form: &HashMap<String, String>) -> BTreeMap<String, String> {
    form.iter().filter_map(|(k, v)| k.strip_prefix("metadata[").and_then(|k| k.strip_suffix(']')).map(|k| (k.to_owned(), v.clone()))).collect()
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
/// Stripe.js sends the publishable key (`key=pk_...`) and the intent's
/// `client_secret` instead of the secret key; both ways are accepted.
async fn confirm(State(sim): State<Simulator>, headers: HeaderMap, Path(id): Path<String>, Form(form): Form<HashMap<String, String>>) -> Response {
    let browser = form.get("key").is_some_and(|k| k.starts_with("pk_"));
    if !browser {
        if let Some(response) = unauthorised(&sim, &headers) {
            return response;
        }
    }
    let Ok(mut ledger) = sim.stripe.0.lock() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "api_error", None, "ledger unavailable");
    };
    let Some(intent) = ledger.intents.get_mut(&id) else { return missing(&id) };
    if browser && (form.get("key") != Some(&sim.config.stripe_publishable_key) || intent["client_secret"].as_str() != form.get("client_secret").map(String::as_str)) {
        return error(StatusCode::UNAUTHORIZED, "invalid_request_error", None, "The client_secret provided does not match the client_secret associated with the PaymentIntent.");
    }
    if intent["status"] == "succeeded" {
        return error(StatusCode::BAD_REQUEST, "invalid_request_error", Some("payment_intent_unexpected_state"), "This PaymentIntent has already succeeded.");
    }
    match form.get("payment_method").map(String::as_str) {
        Some("pm_card_visa") => {
            intent["status"] = "succeeded".into();
            intent["amount_received"] = intent["amount"].clone();
            intent["latest_charge"] = stripe_id("ch").into();
            let intent = intent.clone();
            drop(ledger);
            send_event(&sim, "payment_intent.succeeded", intent.clone());
            (StatusCode::OK, Json(intent)).into_response()
        }
        Some("pm_card_chargeDeclined") => {
            intent["status"] = "requires_payment_method".into();
            intent["last_payment_error"] = json!({"type": "card_error", "code": "card_declined", "decline_code": "generic_decline", "message": "Your card was declined."});
            let intent = intent.clone();
            drop(ledger);
            send_event(&sim, "payment_intent.payment_failed", intent);
            error(StatusCode::PAYMENT_REQUIRED, "card_error", Some("card_declined"), "Your card was declined.")
        }
        _ => error(StatusCode::BAD_REQUEST, "invalid_request_error", Some("parameter_missing"), "Missing required param: payment_method."),
    }
}

/// `POST /v1/refunds` `payment_intent=pi_...`: the whole amount back.
async fn refund(State(sim): State<Simulator>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    if let Some(response) = unauthorised(&sim, &headers) {
        return response;
    }
    let metadata = metadata(&form);
    let keys: Vec<String> = metadata.values().cloned().collect();
    if let Some(response) = fault(&sim, &keys) {
        return response;
    }
    let Ok(mut ledger) = sim.stripe.0.lock() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "api_error", None, "ledger unavailable");
    };
    let idempotency_key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(|k| format!("refund:{k}"));
    if let Some(existing) = idempotency_key.as_ref().and_then(|k| ledger.idempotency.get(k)).and_then(|id| ledger.refunds.get(id)) {
        return (StatusCode::OK, Json(existing.clone())).into_response();
    }
    let Some(intent_id) = form.get("payment_intent") else {
        return error(StatusCode::BAD_REQUEST, "invalid_request_error", Some("parameter_missing"), "One of the following params should be provided for this request: payment_intent or charge.");
    };
    let Some(intent) = ledger.intents.get(intent_id).cloned() else { return missing(intent_id) };
    if intent["status"] != "succeeded" {
        return error(StatusCode::BAD_REQUEST, "invalid_request_error", Some("charge_not_refundable"), "This PaymentIntent does not have a successful charge to refund.");
    }
    if ledger.refunds.values().any(|r| r["payment_intent"] == intent_id.as_str()) {
        return error(StatusCode::BAD_REQUEST, "invalid_request_error", Some("charge_already_refunded"), "Charge has already been refunded.");
    }
    if let Some(reason) = form.get("reason").filter(|r| !["duplicate", "fraudulent", "requested_by_customer"].contains(&r.as_str())) {
        return error(StatusCode::BAD_REQUEST, "invalid_request_error", Some("parameter_invalid_string"), &format!("Invalid reason: {reason}"));
    }
    let refund = json!({
        "id": stripe_id("re"), "object": "refund", "amount": intent["amount"], "currency": intent["currency"],
        "payment_intent": intent_id, "charge": intent["latest_charge"], "status": "succeeded",
        "reason": form.get("reason"), "metadata": metadata, "created": crate::unix_now(),
    });
    let id = refund["id"].as_str().unwrap_or_default().to_owned();
    ledger.refunds.insert(id.clone(), refund.clone());
    if let Some(key) = idempotency_key {
        ledger.idempotency.insert(key, id);
    }
    drop(ledger);
    let charge = json!({
        "id": intent["latest_charge"], "object": "charge", "amount": intent["amount"], "amount_refunded": intent["amount"],
        "currency": intent["currency"], "payment_intent": intent_id, "refunded": true, "status": "succeeded", "metadata": intent["metadata"],
    });
    send_event(&sim, "charge.refunded", charge);
    (StatusCode::OK, Json(refund)).into_response()
}

pub fn router() -> Router<Simulator> {
    Router::new()
        .route("/v1/payment_intents", post(create))
        .route("/v1/payment_intents/{id}", get(retrieve))
        .route("/v1/payment_intents/{id}/confirm", post(confirm))
        .route("/v1/refunds", post(refund))
}
