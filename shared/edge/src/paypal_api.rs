//! Calls to PayPal's REST API (`PAYPAL_API_BASE`, else by `PAYPAL_MODE`:
//! sandbox or live). An OAuth2 client-credentials token is fetched with
//! `PAYPAL_CLIENT_ID`/`PAYPAL_CLIENT_SECRET` and kept in this isolate until
//! a minute before it expires; a 401 drops it and the call is tried once
//! more with a fresh one. POSTs carry `PayPal-Request-Id` so a retry never
//! creates, captures or refunds twice.

use std::cell::RefCell;

use base64::Engine;
use worker::Method;

use webox_core::paypal::{self, Order, Transmission};
use webox_core::{ApiError, ApiResult};

use crate::respond::OrInternal;
use crate::{config, outbound, Ctx};

struct CachedToken {
    base: String,
    client_id: String,
    token: String,
    expires_at: i64,
}

thread_local! {
    static TOKEN: RefCell<Option<CachedToken>> = const { RefCell::new(None) };
}

fn base(cx: &Ctx) -> String {
    config::optional(&cx.env, "PAYPAL_API_BASE")
        .unwrap_or_else(|| paypal::api_base(config::optional(&cx.env, "PAYPAL_MODE").as_deref()).to_owned())
        .trim_end_matches('/')
        .to_owned()
}

fn unreachable(cx: &Ctx, e: String) -> ApiError {
    worker::console_error!("[{}] paypal: {e}", cx.request_id);
    ApiError::new(502, "provider_unavailable", "PayPal could not be reached; try again")
}

async fn token(cx: &Ctx, fresh: bool) -> ApiResult<String> {
    let base = base(cx);
    let client_id = config::required(&cx.env, "PAYPAL_CLIENT_ID")?;
    if !fresh {
        let cached = TOKEN.with(|t| {
            t.borrow().as_ref().filter(|c| c.base == base && c.client_id == client_id && c.expires_at > cx.now).map(|c| c.token.clone())
        });
        if let Some(token) = cached {
            return Ok(token);
        }
    }
    let secret = config::required(&cx.env, "PAYPAL_CLIENT_SECRET")?;
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}")));
    let headers = [("Authorization", basic.as_str()), ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")];
    let reply = outbound::send(Method::Post, &format!("{base}/v1/oauth2/token"), &headers, Some("grant_type=client_credentials".into()))
        .await
        .map_err(|e| unreachable(cx, e))?;
    match reply.status {
        200 => {
            let token: paypal::Token = serde_json::from_str(&reply.body).or_internal("reading PayPal's token")?;
            TOKEN.with(|t| {
                *t.borrow_mut() = Some(CachedToken { base, client_id, token: token.access_token.clone(), expires_at: cx.now + token.expires_in - 60 });
            });
            Ok(token.access_token)
        }
        401 | 403 => {
            worker::console_error!("[{}] paypal refused the client credentials: {}", cx.request_id, paypal::error_message(&reply.body));
            Err(ApiError::new(500, "misconfigured", "the server is not configured correctly"))
        }
        429 => Err(ApiError::new(429, "provider_rate_limited", "PayPal is busy; try again in a moment").with_retry_after(2)),
        _ => Err(ApiError::new(502, "provider_unavailable", "PayPal had a problem; try again")),
    }
}

/// One API call; `Ok` carries the status and body of any answer that is not
/// an auth, rate-limit or server failure (the caller reads 4xx issues).
async fn call(cx: &Ctx, method: Method, path: &str, body: Option<String>, request_id: Option<&str>) -> ApiResult<(u16, String)> {
    let url = format!("{}{path}", base(cx));
    let mut fresh = false;
    loop {
        let bearer = format!("Bearer {}", token(cx, fresh).await?);
        let mut headers = vec![("Authorization", bearer.as_str()), ("Content-Type", "application/json"), ("Prefer", "return=representation")];
        if let Some(id) = request_id {
            headers.push(("PayPal-Request-Id", id));
        }
        let reply = outbound::send(method.clone(), &url, &headers, body.clone()).await.map_err(|e| unreachable(cx, e))?;
        match reply.status {
            401 if !fresh => fresh = true,
            401 | 403 => {
                worker::console_error!("[{}] paypal refused the token: {}", cx.request_id, paypal::error_message(&reply.body));
                return Err(ApiError::new(500, "misconfigured", "the server is not configured correctly"));
            }
            429 => return Err(ApiError::new(429, "provider_rate_limited", "PayPal is busy; try again in a moment").with_retry_after(2)),
            500..=599 => return Err(ApiError::new(502, "provider_unavailable", "PayPal had a problem; try again")),
            status => return Ok((status, reply.body)),
        }
    }
}

fn refused(status: u16, body: &str) -> ApiError {
    ApiError::new(502, "provider_error", format!("PayPal refused the request ({status}): {}", paypal::error_message(body)))
}

fn order_from(status: u16, body: &str) -> ApiResult<Order> {
    match status {
        200 | 201 => serde_json::from_str(body).or_internal("reading a PayPal order"),
        _ => Err(refused(status, body)),
    }
}

/// Orders v2 create for one of our orders (idempotent by our order id).
pub async fn create_order(cx: &Ctx, order_id: &str, amount_minor: i64, currency: &str, return_url: &str, cancel_url: &str) -> ApiResult<Order> {
    let body = paypal::create_order_body(order_id, amount_minor, currency, return_url, cancel_url).to_string();
    let (status, text) = call(cx, Method::Post, "/v2/checkout/orders", Some(body), Some(&format!("create-{order_id}"))).await?;
    order_from(status, &text)
}

pub async fn get_order(cx: &Ctx, paypal_order_id: &str) -> ApiResult<Order> {
    let (status, text) = call(cx, Method::Get, &format!("/v2/checkout/orders/{paypal_order_id}"), None, None).await?;
    order_from(status, &text)
}

/// Captures an approved order. Not yet approved: 402 `payment_not_completed`;
/// already captured (a retry): the order as it stands.
pub async fn capture(cx: &Ctx, paypal_order_id: &str) -> ApiResult<Order> {
    let path = format!("/v2/checkout/orders/{paypal_order_id}/capture");
    let (status, text) = call(cx, Method::Post, &path, Some("{}".into()), Some(&format!("capture-{paypal_order_id}"))).await?;
    match (status, paypal::error_issue(&text).as_deref()) {
        (200 | 201, _) => order_from(status, &text),
        (422, Some("ORDER_ALREADY_CAPTURED")) => get_order(cx, paypal_order_id).await,
        (422, Some("ORDER_NOT_APPROVED")) => Err(ApiError::new(402, "payment_not_completed", "the payment has not been approved on PayPal yet")),
        (422, Some("INSTRUMENT_DECLINED")) => Err(ApiError::new(402, "payment_declined", "PayPal declined the payment; choose another funding source")),
        _ => Err(refused(status, &text)),
    }
}

/// Refunds a capture in full; returns PayPal's refund id.
pub async fn refund_capture(cx: &Ctx, capture_id: &str, order_id: &str) -> ApiResult<String> {
    let body = serde_json::json!({"note_to_payer": format!("Refund of WeBox order {order_id}")}).to_string();
    let path = format!("/v2/payments/captures/{capture_id}/refund");
    let (status, text) = call(cx, Method::Post, &path, Some(body), Some(&format!("refund-{order_id}"))).await?;
    match status {
        200 | 201 => {
            let refund: serde_json::Value = serde_json::from_str(&text).or_internal("reading a PayPal refund")?;
            match (refund["id"].as_str(), refund["status"].as_str()) {
                (Some(id), Some("COMPLETED" | "PENDING")) => Ok(id.to_owned()),
                (_, status) => Err(ApiError::new(502, "refund_failed", format!("PayPal did not refund the payment ({})", status.unwrap_or("unknown")))),
            }
        }
        _ => Err(refused(status, &text)),
    }
}

/// Asks PayPal whether a webhook delivery is genuine (`PAYPAL_WEBHOOK_ID`).
pub async fn verify_webhook(cx: &Ctx, transmission: &Transmission, raw_event: &str) -> ApiResult<bool> {
    let webhook_id = config::required(&cx.env, "PAYPAL_WEBHOOK_ID")?;
    let body = paypal::verify_body(transmission, &webhook_id, raw_event);
    let (status, text) = call(cx, Method::Post, "/v1/notifications/verify-webhook-signature", Some(body), None).await?;
    match status {
        200 => Ok(paypal::verified(&text)),
        400 => Ok(false),
        _ => Err(refused(status, &text)),
    }
}
