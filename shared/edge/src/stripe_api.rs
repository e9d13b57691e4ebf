//! Calls to Stripe's REST API (`STRIPE_API_BASE`, default
//! `https://api.stripe.com`): form-encoded bodies, the secret key as a
//! Bearer token, an `Idempotency-Key` on every POST that must not happen
//! twice. Stripe's answers become clear API errors.

use serde::de::DeserializeOwned;
use worker::Method;

use webox_core::{stripe, ApiError, ApiResult};

use crate::respond::OrInternal;
use crate::{config, outbound, Ctx};

const DEFAULT_API_BASE: &str = "https://api.stripe.com";

pub async fn call<T: DeserializeOwned>(cx: &Ctx, method: Method, path: &str, form: Option<String>, idempotency_key: Option<&str>) -> ApiResult<T> {
    let base = config::optional(&cx.env, "STRIPE_API_BASE").unwrap_or_else(|| DEFAULT_API_BASE.into());
    let key = config::required(&cx.env, "STRIPE_SECRET_KEY")?;
    let authorization = format!("Bearer {key}");
    let mut headers = vec![("Authorization", authorization.as_str()), ("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(k) = idempotency_key {
        headers.push(("Idempotency-Key", k));
    }
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let reply = outbound::send(method, &url, &headers, form).await.map_err(|e| {
        worker::console_error!("[{}] stripe: {e}", cx.request_id);
        ApiError::new(502, "provider_unavailable", "Stripe could not be reached; try again")
    })?;
    match reply.status {
        200..=299 => serde_json::from_str(&reply.body).or_internal("reading Stripe's answer"),
        429 => Err(ApiError::new(429, "provider_rate_limited", "Stripe is busy; try again in a moment").with_retry_after(2)),
        401 | 403 => {
            worker::console_error!("[{}] stripe refused the secret key: {}", cx.request_id, stripe::error_message(&reply.body));
            Err(ApiError::new(500, "misconfigured", "the server is not configured correctly"))
        }
        500..=599 => Err(ApiError::new(502, "provider_unavailable", "Stripe had a problem; try again")),
        status => Err(ApiError::new(502, "provider_error", format!("Stripe refused the request ({status}): {}", stripe::error_message(&reply.body)))),
    }
}

/// Where the browser confirms card payments when Stripe is not the real
/// one (the local simulator): its base URL, else `None` (use Stripe.js).
pub fn test_api_base(cx: &Ctx) -> Option<String> {
    config::optional(&cx.env, "STRIPE_API_BASE").map(|b| b.trim_end_matches('/').to_owned()).filter(|b| b != DEFAULT_API_BASE)
}
