//! Calls to media providers: JSON or multipart requests whose answers can
//! be large (images as base64), and the provider's error mapped to ours.

use wasm_bindgen::JsValue;
use worker::{Fetch, FormData, Headers, Method, Request, RequestInit};

use webox_core::provider_failure::{self, Named};
use webox_core::{ApiError, ApiResult};

/// The body of a provider request.
pub enum Body {
    Json(serde_json::Value),
    /// multipart/form-data text fields (the runtime writes the boundary).
    Form(Vec<(&'static str, String)>),
}

pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub retry_after: Option<u64>,
}

/// Sends the request; a network failure is `provider_unavailable`.
pub async fn send(provider: impl Named, url: &str, headers: &[(&str, String)], body: Body) -> ApiResult<Answer> {
    let h = Headers::new();
    for (name, value) in headers {
        h.set(name, value).map_err(|_| ApiError::invalid("invalid_api_key", "key", "the saved API key contains characters a header cannot carry"))?;
    }
    let payload: JsValue = match body {
        Body::Json(value) => {
            h.set("Content-Type", "application/json").map_err(|_| ApiError::internal())?;
            JsValue::from_str(&value.to_string())
        }
        Body::Form(fields) => {
            let form = FormData::new();
            for (name, value) in fields {
                form.append(name, &value).map_err(|_| ApiError::internal())?;
            }
            form.into()
        }
    };
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(h).with_body(Some(payload));
    let request = Request::new_with_init(url, &init).map_err(|e| {
        worker::console_error!("{} request to a bad URL: {e}", provider.name());
        ApiError::new(500, "misconfigured", "the server is not configured correctly")
    })?;
    let mut response = Fetch::Request(request).send().await.map_err(|e| {
        worker::console_warn!("{} unreachable: {e}", provider.name());
        provider_failure::unavailable(provider, "could not connect")
    })?;
    let retry_after = response.headers().get("retry-after").ok().flatten().and_then(|v| v.trim().parse::<u64>().ok());
    let body = response.bytes().await.map_err(|_| provider_failure::unavailable(provider, "the answer was cut"))?;
    Ok(Answer { status: response.status_code(), body, retry_after })
}
