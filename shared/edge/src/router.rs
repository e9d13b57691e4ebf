//! Route tables and dispatch. A family's `lib.rs` declares its routes with
//! `routes!` — one line per route — and hands them to `serve`.

use std::future::Future;
use std::pin::Pin;

use worker::{Context, D1Database, Env, Method, Request, Response};

use webox_core::json::JsonObject;
use webox_core::routing::match_path;
use webox_core::{ApiError, ApiResult};

use crate::respond::{self, OrInternal};

pub type HandlerFuture = Pin<Box<dyn Future<Output = ApiResult<Response>>>>;

pub struct Route {
    pub method: Method,
    pub pattern: &'static str,
    pub handler: fn(Ctx) -> HandlerFuture,
}

/// `routes![Post "/api/auth/login" => login, ...]`: a static route table.
#[macro_export]
macro_rules! routes {
    ($($method:ident $pattern:literal => $handler:path),* $(,)?) => {
        &[$($crate::router::Route {
            method: ::worker::Method::$method,
            pattern: $pattern,
            handler: |cx| ::std::boxed::Box::pin($handler(cx)),
        }),*]
    };
}

/// Largest JSON body accepted, in bytes.
pub const MAX_JSON_BODY: usize = 64 * 1024;

/// One request on its way through a handler.
pub struct Ctx {
    pub req: Request,
    pub env: Env,
    pub worker_ctx: Context,
    /// Values of the `{params}` of the matched pattern, in order.
    pub params: Vec<String>,
    pub request_id: String,
    pub now: i64,
}

impl Ctx {
    pub fn param(&self, index: usize) -> &str {
        self.params.get(index).map(String::as_str).unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.req.headers().get(name).ok().flatten()
    }

    /// The client's address as Cloudflare reports it.
    pub fn client_ip(&self) -> String {
        self.header("CF-Connecting-IP").unwrap_or_else(|| "unknown".into())
    }

    /// `https://host` of the request, for links in emails (unless
    /// `APP_BASE_URL` is configured).
    pub fn public_base_url(&self) -> String {
        if let Some(base) = crate::config::optional(&self.env, "APP_BASE_URL") {
            return base.trim_end_matches('/').to_owned();
        }
        match self.req.url() {
            Ok(url) => url.origin().ascii_serialization(),
            Err(_) => String::new(),
        }
    }

    /// The query string as (name, value) pairs, decoded.
    pub fn query_pairs(&self) -> ApiResult<Vec<(String, String)>> {
        let url = self.req.url().or_internal("the request URL")?;
        Ok(url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    pub fn db(&self) -> ApiResult<D1Database> {
        self.env.d1("DB").or_internal("the DB binding")
    }

    /// Runs `future` after the response is sent (emails, clean-ups).
    pub fn background(&self, future: impl Future<Output = ()> + 'static) {
        self.worker_ctx.wait_until(future);
    }

    /// Reads the body as a JSON object: `application/json`, at most
    /// `MAX_JSON_BODY` bytes.
    pub async fn json_body(&mut self) -> ApiResult<JsonObject> {
        let content_type = self.header("Content-Type").unwrap_or_default().to_ascii_lowercase();
        if !content_type.starts_with("application/json") {
            return Err(ApiError::new(415, "unsupported_media_type", "send the body as JSON with `Content-Type: application/json`"));
        }
        let declared = self.header("Content-Length").and_then(|l| l.parse::<usize>().ok()).unwrap_or(0);
        let too_large = || ApiError::new(413, "payload_too_large", format!("the body must be at most {MAX_JSON_BODY} bytes"));
        if declared > MAX_JSON_BODY {
            return Err(too_large());
        }
        let bytes = self.req.bytes().await.map_err(|_| ApiError::new(400, "invalid_body", "the request body could not be read"))?;
        if bytes.len() > MAX_JSON_BODY {
            return Err(too_large());
        }
        JsonObject::parse(&bytes)
    }

    /// Like `json_body`, but an absent body reads as `{}`.
    pub async fn optional_json_body(&mut self) -> ApiResult<JsonObject> {
        let empty = self.header("Content-Length").is_some_and(|l| l.trim() == "0") || self.header("Content-Type").is_none();
        if empty {
            let bytes = self.req.bytes().await.unwrap_or_default();
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(JsonObject::from_map(Default::default()));
            }
        }
        self.json_body().await
    }
}

/// Finds the route, runs it, and turns every error into the JSON error shape.
pub async fn serve(routes: &[Route], req: Request, env: Env, worker_ctx: Context) -> worker::Result<Response> {
    let request_id = req.headers().get("X-Request-Id").ok().flatten().unwrap_or_else(|| "-".into());
    let path = req.path();
    let method = req.method();
    let mut allowed = Vec::new();
    for route in routes {
        let Some(params) = match_path(route.pattern, &path) else { continue };
        if route.method != method {
            allowed.push(route.method.to_string());
            continue;
        }
        let params = params.into_iter().map(decode_segment).collect();
        let cx = Ctx { req, env, worker_ctx, params, request_id: request_id.clone(), now: crate::now() };
        return match (route.handler)(cx).await {
            Ok(response) => Ok(response),
            Err(err) => respond::error(&err, &request_id),
        };
    }
    let err = if allowed.is_empty() {
        ApiError::new(404, "route_not_found", format!("no API route {method} {path}"))
    } else {
        ApiError::new(405, "method_not_allowed", format!("{path} accepts {}", allowed.join(", ")))
    };
    let response = respond::error(&err, &request_id)?;
    if !allowed.is_empty() {
        let _ = response.headers().set("Allow", &allowed.join(", "));
    }
    Ok(response)
}

fn decode_segment(segment: &str) -> String {
    js_sys::decode_uri_component(segment).map(String::from).unwrap_or_else(|_| segment.to_owned())
}
