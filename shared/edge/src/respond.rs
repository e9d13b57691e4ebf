//! Responses. Errors become `{code, message, field?, retry_after?}` with
//! their status here and nowhere else; internal details are logged with the
//! request id, never sent.

use serde::Serialize;
use worker::{Headers, Response};

use webox_core::{ApiError, ApiResult};

/// Logs an internal failure with its context and returns the generic 500.
pub fn internal(request_id: &str, what: &str, detail: impl std::fmt::Display) -> ApiError {
    worker::console_error!("[{request_id}] {what}: {detail}");
    ApiError::internal()
}

/// Turns any runtime error into a logged 500.
pub trait OrInternal<T> {
    fn or_internal(self, what: &str) -> ApiResult<T>;
}

impl<T, E: std::fmt::Display> OrInternal<T> for Result<T, E> {
    fn or_internal(self, what: &str) -> ApiResult<T> {
        self.map_err(|e| {
            worker::console_error!("{what}: {e}");
            ApiError::internal()
        })
    }
}

fn api_headers() -> Headers {
    let headers = Headers::new();
    // Headers::set only fails on invalid names/values; these are constants.
    let _ = headers.set("Content-Type", "application/json; charset=utf-8");
    let _ = headers.set("Cache-Control", "no-store");
    headers
}

pub fn json<T: Serialize>(status: u16, body: &T) -> ApiResult<Response> {
    let text = serde_json::to_string(body).or_internal("serialising a response")?;
    Ok(Response::from_bytes(text.into_bytes()).or_internal("building a response")?.with_status(status).with_headers(api_headers()))
}

pub fn no_content() -> ApiResult<Response> {
    let headers = Headers::new();
    let _ = headers.set("Cache-Control", "no-store");
    Ok(Response::empty().or_internal("building a response")?.with_status(204).with_headers(headers))
}

/// The JSON error response. Never fails: if even this cannot be built, a
/// plain 500 is returned.
pub fn error(err: &ApiError, request_id: &str) -> worker::Result<Response> {
    #[derive(Serialize)]
    struct Body<'a> {
        #[serde(flatten)]
        error: &'a ApiError,
        request_id: &'a str,
    }
    let text = serde_json::to_string(&Body { error: err, request_id }).unwrap_or_else(|_| r#"{"code":"internal_error"}"#.into());
    let headers = api_headers();
    if let Some(seconds) = err.retry_after {
        let _ = headers.set("Retry-After", &seconds.to_string());
    }
    if err.status == 401 {
        let _ = headers.set("WWW-Authenticate", &format!("Bearer error=\"{}\"", err.code));
    }
    Ok(Response::from_bytes(text.into_bytes())?.with_status(err.status).with_headers(headers))
}
