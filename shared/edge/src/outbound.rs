//! Calls to external HTTP APIs (payment and AI providers, email): one
//! request, its status and body. Keys travel in headers and are never logged.

use wasm_bindgen::JsValue;
use worker::{Fetch, Headers, Method, Request, RequestInit};

pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// Sends the request; `Err` only when no answer came back (network, bad URL).
pub async fn send(method: Method, url: &str, headers: &[(&str, &str)], body: Option<String>) -> Result<Reply, String> {
    let h = Headers::new();
    for (name, value) in headers {
        h.set(name, value).map_err(|e| format!("header {name}: {e}"))?;
    }
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(h);
    if let Some(body) = body {
        init.with_body(Some(JsValue::from_str(&body)));
    }
    let request = Request::new_with_init(url, &init).map_err(|e| format!("bad request to {url}: {e}"))?;
    let mut response = Fetch::Request(request).send().await.map_err(|e| format!("network: {e}"))?;
    let status = response.status_code();
    let body = response.text().await.unwrap_or_default();
    Ok(Reply { status, body })
}
