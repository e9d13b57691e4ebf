//! PayPal's REST API (sandbox): OAuth2 client credentials
//! (`POST /v1/oauth2/token`, Basic auth), Orders v2 (`POST /v2/checkout/orders`,
//! `GET` and `POST .../{id}/capture`, `PayPal-Request-Id` honoured), capture
//! refunds (`POST /v2/payments/captures/{id}/refund`) and
//! `POST /v1/notifications/verify-webhook-signature`. The buyer approves on
//! `GET /checkoutnow?token=ID` (the approval link), a page with "Pay" and
//! "Pay with a declined card", then returns to the order's `return_url`.
//!
//! Captures and refunds are sent to the site as webhook events
//! (`PAYMENT.CAPTURE.COMPLETED`, `PAYMENT.CAPTURE.DENIED`,
//! `PAYMENT.CAPTURE.REFUNDED`) with PayPal's transmission headers. The
//! simulator signs with an HMAC where PayPal uses its RSA certificate; the
//! site never checks the signature itself but asks the verify API, which
//! checks it over `transmission_id|time|webhook_id|crc32(event)` like PayPal.
//! Errors: `{name, message, debug_id, details: [{issue, description}]}`;
//! OAuth errors `{error, error_description}`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::Simulator;

const SERVICE: &str = "paypal";
const TOKEN_SECONDS: i64 = 32_400;

#[derive(Clone, Default)]
pub struct Ledger(Arc<Mutex<LedgerInner>>);

#[derive(Default)]
struct LedgerInner {
    tokens: HashMap<String, i64>,
    tokens_issued: u64,
    orders: HashMap<String, Value>,
    /// order id → "approve" | "decline", set on the approval page
    approvals: HashMap<String, String>,
    captures: HashMap<String, Value>,
    /// PayPal-Request-Id → the answer given
    requests: HashMap<String, (u16, Value)>,
}

fn paypal_id() -> String {
    crate::uuid_v4().replace('-', "").to_uppercase().chars().take(17).collect()
}

fn error(status: StatusCode, name: &str, issue: &str, description: &str) -> Response {
    let body = json!({
        "name": name, "message": "The requested action could not be performed, semantically incorrect, or failed business validation.",
        "debug_id": crate::uuid_v4().replace('-', "").get(..13).unwrap_or_default(),
        "details": [{"issue": issue, "description": description}],
    });
    (status, Json(body)).into_response()
}

fn host(headers: &HeaderMap) -> String {
    format!("http://{}", headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8788"))
}

/// `None` if the Bearer token is one this simulator issued and still valid.
fn unauthorised(sim: &Simulator, headers: &HeaderMap) -> Option<Response> {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|a| a.strip_prefix("Bearer ")).unwrap_or_default();
    let valid = sim.paypal.0.lock().ok().and_then(|l| l.tokens.get(token).copied()).is_some_and(|expires| expires > crate::unix_now());
    if valid {
        None
    } else {
        Some((StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_token", "error_description": "Token signature verification failed"}))).into_response())
    }
}

fn fault(sim: &Simulator, keys: &[String]) -> Option<Response> {
    let fault = sim.faults.take(SERVICE, keys)?;
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Some(match fault.status {
        429 => error(status, "RATE_LIMIT_REACHED", "RATE_LIMIT_REACHED", "Too many requests. Blocked due to rate limiting."),
        _ => error(status, "INTERNAL_SERVER_ERROR", "INTERNAL_SERVICE_ERROR", "An internal service error has occurred."),
    })
}

async fn token(State(sim): State<Simulator>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let basic = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|a| a.strip_prefix("Basic ")).unwrap_or_default();
    let decoded = base64::engine::general_purpose::STANDARD.decode(basic).ok().and_then(|b| String::from_utf8(b).ok()).unwrap_or_default();
    let expected = format!("{}:{}", sim.config.paypal_client_id, sim.config.paypal_client_secret);
    if decoded != expected {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client", "error_description": "Client Authentication failed"}))).into_response();
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"}))).into_response();
    }
    let access_token = format!("A21AA{}", crate::uuid_v4().replace('-', ""));
    if let Ok(mut ledger) = sim.paypal.0.lock() {
        ledger.tokens.insert(access_token.clone(), crate::unix_now() + TOKEN_SECONDS);
        ledger.tokens_issued += 1;
    }
    Json(json!({
        "scope": "https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/payments/refund",
        "access_token": access_token, "token_type": "Bearer", "app_id": "APP-80W284485P519543T",
        "expires_in": TOKEN_SECONDS, "nonce": format!("{}{}", crate::rfc3339_now(), crate::uuid_v4()),
    }))
    .into_response()
}

/// A decimal amount as PayPal accepts it: digits, at most two decimals.
fn valid_value(v: &str) -> bool {
    let (whole, fraction) = v.split_once('.').unwrap_or((v, ""));
    !whole.is_empty() && fraction.len() <= 2 && whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers.get("paypal-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn replay(sim: &Simulator, scope: &str, headers: &HeaderMap) -> Option<Response> {
    let key = format!("{scope}:{}", request_id(headers)?);
    let (status, body) = sim.paypal.0.lock().ok()?.requests.get(&key).cloned()?;
    Some((StatusCode::from_u16(status).unwrap_or(StatusCode::OK), Json(body)).into_response())
}

fn remember(sim: &Simulator, scope: &str, headers: &HeaderMap, status: u16, body: &Value) {
    if let (Some(id), Ok(mut ledger)) = (request_id(headers), sim.paypal.0.lock()) {
        ledger.requests.insert(format!("{scope}:{id}"), (status, body.clone()));
    }
}

async fn create_order(State(sim): State<Simulator>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if let Some(response) = unauthorised(&sim, &headers) {
        return response;
    }
    if let Some(response) = replay(&sim, "create", &headers) {
        return response;
    }
    let unit = &body["purchase_units"][0];
    if let Some(response) = fault(&sim, &[unit["custom_id"].as_str().unwrap_or_default().to_owned()]) {
        return response;
    }
    if !matches!(body["intent"].as_str(), Some("CAPTURE" | "AUTHORIZE")) {
        return error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "MISSING_REQUIRED_PARAMETER", "/intent: A required field / parameter is missing.");
    }
    let currency_ok = unit["amount"]["currency_code"].as_str().is_some_and(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()));
    if !currency_ok || !unit["amount"]["value"].as_str().is_some_and(valid_value) {
        return error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "INVALID_PARAMETER_VALUE", "/purchase_units/0/amount: The value of a field is invalid.");
    }
    let id = paypal_id();
    let base = host(&headers);
    let context = &body["payment_source"]["paypal"]["experience_context"];
    let order = json!({
        "id": id, "intent": body["intent"], "status": "PAYER_ACTION_REQUIRED",
        "purchase_units": [{"reference_id": unit["reference_id"], "custom_id": unit["custom_id"], "description": unit["description"], "amount": unit["amount"]}],
        "payment_source": {"paypal": {}},
        "create_time": crate::rfc3339_now(),
        "return_url": context["return_url"], "cancel_url": context["cancel_url"],
        "links": [
            {"href": format!("{base}/v2/checkout/orders/{id}"), "rel": "self", "method": "GET"},
            {"href": format!("{base}/checkoutnow?token={id}"), "rel": "payer-action", "method": "GET"},
        ],
    });
    if let Ok(mut ledger) = sim.paypal.0.lock() {
        ledger.orders.insert(id, order.clone());
    }
    let public = public_order(&order);
    remember(&sim, "create", &headers, 200, &public);
    (StatusCode::OK, Json(public)).into_response()
}

/// The order without the simulator's own bookkeeping fields.
fn public_order(order: &Value) -> Value {
    let mut order = order.clone();
    if let Some(map) = order.as_object_mut() {
        map.remove("return_url");
        map.remove("cancel_url");
    }
    order
}

async fn get_order(State(sim): State<Simulator>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Some(response) = unauthorised(&sim, &headers) {
        return response;
    }
    match sim.paypal.0.lock().ok().and_then(|l| l.orders.get(&id).cloned()) {
        Some(order) => Json(public_order(&order)).into_response(),
        None => error(StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist. Please check the resource ID and try again."),
    }
}

#[derive(Deserialize)]
struct Approval {
    token: String,
}

/// The approval page a buyer is sent to.
async fn checkout_page(State(sim): State<Simulator>, Query(q): Query<Approval>) -> Response {
    let Some(order) = sim.paypal.0.lock().ok().and_then(|l| l.orders.get(&q.token).cloned()) else {
        return (StatusCode::NOT_FOUND, Html("<h1>This PayPal order does not exist</h1>".to_owned())).into_response();
    };
    let amount = &order["purchase_units"][0]["amount"];
    let esc = |v: &Value| v.as_str().unwrap_or_default().replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;");
    let cancel = format!("{}{}token={}", esc(&order["cancel_url"]), if order["cancel_url"].as_str().unwrap_or_default().contains('?') { "&amp;" } else { "?" }, q.token);
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>PayPal (simulator)</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}}button{{display:block;width:100%;padding:.8rem;margin:.6rem 0;border-radius:2rem;border:0;font-size:1rem;cursor:pointer}}.pay{{background:#ffc439}}.decline{{background:#eee}}</style></head>
<body><p><small>WeBox simulator — stands in for PayPal's sandbox</small></p><h1>Pay with PayPal</h1>
<p>{description}</p><p><strong id="amount">{value} {currency}</strong></p>
<form method="post" action="/checkoutnow/{id}/approve"><input type="hidden" name="outcome" value="approve"><button class="pay" id="paypal-approve" type="submit">Pay now</button></form>
<form method="post" action="/checkoutnow/{id}/approve"><input type="hidden" name="outcome" value="decline"><button class="decline" id="paypal-decline" type="submit">Pay with a card that will be declined</button></form>
<p><a id="paypal-cancel" href="{cancel}">Cancel and return to the shop</a></p></body></html>"#,
        description = esc(&order["purchase_units"][0]["description"]),
        value = esc(&amount["value"]),
        currency = esc(&amount["currency_code"]),
        id = q.token,
    ))
    .into_response()
}

async fn approve(State(sim): State<Simulator>, Path(id): Path<String>, Form(form): Form<HashMap<String, String>>) -> Response {
    let Ok(mut ledger) = sim.paypal.0.lock() else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
    let Some(order) = ledger.orders.get_mut(&id) else { return StatusCode::NOT_FOUND.into_response() };
    if order["status"] != "PAYER_ACTION_REQUIRED" && order["status"] != "APPROVED" {
        return (StatusCode::CONFLICT, Html("<h1>This order is already paid</h1>".to_owned())).into_response();
    }
    order["status"] = "APPROVED".into();
    order["payer"] = json!({"name": {"given_name": "Sandbox", "surname": "Buyer"}, "email_address": "buyer@example.com", "payer_id": "SIMPAYER01"});
    let back = order["return_url"].as_str().unwrap_or("/").to_owned();
    let outcome = form.get("outcome").cloned().unwrap_or_else(|| "approve".into());
    ledger.approvals.insert(id.clone(), outcome);
    let sep = if back.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{back}{sep}token={id}&PayerID=SIMPAYER01")).into_response()
}

fn send_event(sim: &Simulator, base: &str, kind: &str, resource_type: &str, resource: Value, summary: &str) {
    let id = format!("WH-{}-{}", paypal_id(), paypal_id());
    let event = json!({
        "id": id, "event_version": "1.0", "create_time": crate::rfc3339_now(), "resource_type": resource_type,
        "resource_version": "2.0", "event_type": kind, "summary": summary, "resource": resource,
        "links": [{"href": format!("{base}/v1/notifications/webhooks-events/{id}"), "rel": "self", "method": "GET"}],
    });
    let body = event.to_string();
    let transmission_id = crate::uuid_v4();
    let time = crate::rfc3339_now();
    let sig = signature(&sim.config.paypal_webhook_secret, &transmission_id, &time, &sim.config.paypal_webhook_id, &body);
    let headers = vec![
        ("PAYPAL-AUTH-ALGO".to_owned(), "SHA256withRSA".to_owned()),
        ("PAYPAL-CERT-URL".to_owned(), format!("{base}/v1/notifications/certs/CERT-360caa42-fca2a594-webox-sim")),
        ("PAYPAL-TRANSMISSION-ID".to_owned(), transmission_id),
        ("PAYPAL-TRANSMISSION-SIG".to_owned(), sig),
        ("PAYPAL-TRANSMISSION-TIME".to_owned(), time),
    ];
    sim.webhooks.deliver(SERVICE, "/api/payment/paypal/webhook", id, kind.to_owned(), body, move |_| headers.clone());
}

/// CRC-32 (IEEE), as PayPal signs the event body with.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn signature(secret: &str, transmission_id: &str, time: &str, webhook_id: &str, body: &str) -> String {
    use hmac::Mac;
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(format!("{transmission_id}|{time}|{webhook_id}|{}", crc32(body.as_bytes())).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn capture(State(sim): State<Simulator>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Some(response) = unauthorised(&sim, &headers) {
        return response;
    }
    if let Some(response) = replay(&sim, "capture", &headers) {
        return response;
    }
    let base = host(&headers);
    let Ok(mut ledger) = sim.paypal.0.lock() else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
    let outcome = ledger.approvals.get(&id).cloned();
    let Some(order) = ledger.orders.get_mut(&id) else {
        return error(StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist. Please check the resource ID and try again.");
    };
    let custom_id = order["purchase_units"][0]["custom_id"].as_str().unwrap_or_default().to_owned();
    if let Some(response) = fault(&sim, std::slice::from_ref(&custom_id)) {
        return response;
    }
    match order["status"].as_str() {
        Some("COMPLETED") => return error(StatusCode::UNPROCESSABLE_ENTITY, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED", "Order already captured. If 'intent=CAPTURE' only one capture per order is allowed."),
        Some("APPROVED") => {}
        _ => return error(StatusCode::UNPROCESSABLE_ENTITY, "UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED", "Payer has not yet approved the Order for payment. Please redirect the payer to the 'rel':'approve' url returned as part of the HATEOAS links within the Create Order call or provide a valid payment_source in the request."),
    }
    if outcome.as_deref() == Some("decline") {
        drop(ledger);
        return error(StatusCode::UNPROCESSABLE_ENTITY, "UNPROCESSABLE_ENTITY", "INSTRUMENT_DECLINED", "The instrument presented was either declined by the processor or bank, or it can't be used for this payment.");
    }
    let capture_id = paypal_id();
    let now = crate::rfc3339_now();
    let capture = json!({
        "id": capture_id, "status": "COMPLETED", "amount": order["purchase_units"][0]["amount"], "final_capture": true,
        "seller_protection": {"status": "ELIGIBLE", "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"]},
        "custom_id": custom_id, "create_time": now, "update_time": now,
        "links": [
            {"href": format!("{base}/v2/payments/captures/{capture_id}"), "rel": "self", "method": "GET"},
            {"href": format!("{base}/v2/payments/captures/{capture_id}/refund"), "rel": "refund", "method": "POST"},
            {"href": format!("{base}/v2/checkout/orders/{id}"), "rel": "up", "method": "GET"},
        ],
    });
    order["status"] = "COMPLETED".into();
    order["purchase_units"][0]["payments"] = json!({"captures": [capture]});
    let answer = public_order(order);
    ledger.captures.insert(capture_id.clone(), json!({"capture": capture, "order_id": id}));
    drop(ledger);
    remember(&sim, "capture", &headers, 201, &answer);
    let mut resource = capture.clone();
    resource["supplementary_data"] = json!({"related_ids": {"order_id": id}});
    send_event(&sim, &base, "PAYMENT.CAPTURE.COMPLETED", "capture", resource, "Payment completed");
    (StatusCode::CREATED, Json(answer)).into_response()
}

async fn refund(State(sim): State<Simulator>, headers: HeaderMap, Path(capture_id): Path<String>) -> Response {
    if let Some(response) = unauthorised(&sim, &headers) {
        return response;
    }
    if let Some(response) = replay(&sim, "refund", &headers) {
        return response;
    }
    let base = host(&headers);
    let Ok(mut ledger) = sim.paypal.0.lock() else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
    let Some(entry) = ledger.captures.get_mut(&capture_id) else {
        return error(StatusCode::NOT_FOUND, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist. Please check the resource ID and try again.");
    };
    let custom_id = entry["capture"]["custom_id"].as_str().unwrap_or_default().to_owned();
    if let Some(response) = fault(&sim, std::slice::from_ref(&custom_id)) {
        return response;
    }
    if entry["capture"]["status"] == "REFUNDED" {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "UNPROCESSABLE_ENTITY", "CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded");
    }
    entry["capture"]["status"] = "REFUNDED".into();
    let refund_id = paypal_id();
    let now = crate::rfc3339_now();
    let refund = json!({
        "id": refund_id, "status": "COMPLETED", "amount": entry["capture"]["amount"], "custom_id": custom_id,
        "create_time": now, "update_time": now,
        "links": [
            {"href": format!("{base}/v2/payments/refunds/{refund_id}"), "rel": "self", "method": "GET"},
            {"href": format!("{base}/v2/payments/captures/{capture_id}"), "rel": "up", "method": "GET"},
        ],
    });
    drop(ledger);
    remember(&sim, "refund", &headers, 201, &refund);
    send_event(&sim, &base, "PAYMENT.CAPTURE.REFUNDED", "refund", refund.clone(), "A payment was refunded");
    (StatusCode::CREATED, Json(refund)).into_response()
}

async fn verify(State(sim): State<Simulator>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if let Some(response) = unauthorised(&sim, &headers) {
        return response;
    }
    let field = |name: &str| body[name].as_str().map(str::to_owned);
    let (Some(_algo), Some(_cert), Some(id), Some(sig), Some(time), Some(webhook_id)) =
        (field("auth_algo"), field("cert_url"), field("transmission_id"), field("transmission_sig"), field("transmission_time"), field("webhook_id"))
    else {
        return error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "MISSING_REQUIRED_PARAMETER", "A required field / parameter is missing.");
    };
    if !body["webhook_event"].is_object() {
        return error(StatusCode::BAD_REQUEST, "INVALID_REQUEST", "MISSING_REQUIRED_PARAMETER", "/webhook_event: A required field / parameter is missing.");
    }
    let expected = signature(&sim.config.paypal_webhook_secret, &id, &time, &webhook_id, &body["webhook_event"].to_string());
    let ok = webhook_id == sim.config.paypal_webhook_id && !sig.is_empty() && sig == expected;
    Json(json!({"verification_status": if ok { "SUCCESS" } else { "FAILURE" }})).into_response()
}

async fn stats(State(sim): State<Simulator>) -> Json<Value> {
    let (tokens, orders) = sim.paypal.0.lock().map(|l| (l.tokens_issued, l.orders.len())).unwrap_or_default();
    Json(json!({"tokens_issued": tokens, "orders": orders}))
}

pub fn router() -> Router<Simulator> {
    Router::new()
        .route("/v1/oauth2/token", post(token))
        .route("/v2/checkout/orders", post(create_order))
        .route("/v2/checkout/orders/{id}", get(get_order))
        .route("/v2/checkout/orders/{id}/capture", post(capture))
        .route("/v2/payments/captures/{id}/refund", post(refund))
        .route("/v1/notifications/verify-webhook-signature", post(verify))
        .route("/checkoutnow", get(checkout_page))
        .route("/checkoutnow/{id}/approve", post(approve))
        .route("/_sim/paypal", get(stats))
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(super::crc32(b"123456789"), 0xCBF4_3926);
    }
}
