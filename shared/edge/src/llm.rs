//! Calls to chat providers: the request built by `webox_core::chat`, sent
//! over HTTP (or the `AI` binding for Workers AI), the answer read whole or
//! as a stream of text pieces handed to the caller as they arrive.

use futures_util::StreamExt;
use wasm_bindgen::JsValue;
use worker::{ByteStream, Env, Fetch, Headers, Method, Request, RequestInit};

use webox_core::chat::catalog::{self, Model};
use webox_core::chat::{failure, ChatProvider, ChatRequest, Completion, SseParser, StreamState, StreamStep};
use webox_core::{ApiError, ApiResult};

use crate::config;

/// The provider's API base: `{PREFIX}_API_BASE` or its production URL.
pub fn base(env: &Env, provider: ChatProvider) -> String {
    config::optional(env, &format!("{}_API_BASE", provider.config_prefix())).unwrap_or_else(|| provider.default_base().to_owned())
}

/// The models offered for `provider` (configured list or defaults).
pub fn models(env: &Env, provider: ChatProvider) -> ApiResult<Vec<Model>> {
    let name = format!("{}_CHAT_MODELS", provider.config_prefix());
    catalog::models(provider, config::optional(env, &name).as_deref()).map_err(|why| {
        worker::console_error!("configuration: {why}");
        ApiError::new(500, "misconfigured", "the server is not configured correctly")
    })
}

/// Whether the `AI` binding exists. `wrangler dev` offline has none.
pub fn workers_ai_available(env: &Env) -> bool {
    env.ai("AI").is_ok()
}

pub fn workers_ai_unavailable() -> ApiError {
    ApiError::new(
        503,
        "provider_unavailable",
        "Workers AI is unavailable offline: it runs on Cloudflare's network through the AI binding, which local development does not have",
    )
}

/// How a streamed answer ended.
pub struct Streamed {
    pub state: StreamState,
    /// Set when the answer did not complete: the provider refused, reported
    /// an error, or the connection broke. `state.text` keeps what arrived.
    pub error: Option<ApiError>,
}

fn retry_after(headers: &Headers) -> Option<u64> {
    headers.get("retry-after").ok().flatten().and_then(|v| v.trim().parse::<f64>().ok()).map(|s| s.ceil().max(1.0) as u64)
}

async fn open(provider: ChatProvider, env: &Env, key: &str, req: &ChatRequest, stream: bool) -> ApiResult<worker::Response> {
    let call = provider.client().call(&base(env, provider), key, req, stream);
    let headers = Headers::new();
    for (name, value) in &call.headers {
        headers.set(name, value).map_err(|_| ApiError::invalid("invalid_api_key", "key", "the saved API key contains characters a header cannot carry"))?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(JsValue::from_str(&call.body.to_string())));
    let request = Request::new_with_init(&call.url, &init).map_err(|e| {
        worker::console_error!("{} request to a bad URL: {e}", provider.id());
        ApiError::new(500, "misconfigured", "the server is not configured correctly")
    })?;
    let mut response = Fetch::Request(request).send().await.map_err(|e| {
        worker::console_warn!("{} unreachable: {e}", provider.id());
        failure::unavailable(provider, "could not connect")
    })?;
    let status = response.status_code();
    if status >= 400 {
        let wait = retry_after(response.headers());
        let body = response.text().await.unwrap_or_default();
        return Err(provider.client().error(status, &body, wait));
    }
    Ok(response)
}

/// One whole answer.
pub async fn complete(env: &Env, provider: ChatProvider, key: &str, req: &ChatRequest) -> ApiResult<Completion> {
    let client = provider.client();
    let completion = if provider == ChatProvider::WorkersAi {
        let ai = env.ai("AI").map_err(|_| workers_ai_unavailable())?;
        let call = client.call("", "", req, false);
        let answer: serde_json::Value = ai.run(&call.url, &call.body).await.map_err(|e| failure::unavailable(provider, &e.to_string()))?;
        client.parse_completion(&answer.to_string())?
    } else {
        let mut response = open(provider, env, key, req, false).await?;
        let body = response.text().await.map_err(|_| failure::stream_broken(provider))?;
        client.parse_completion(&body)?
    };
    if completion.finish == webox_core::chat::Finish::Refused && completion.text.is_empty() {
        return Err(failure::refused(provider));
    }
    Ok(completion)
}

/// Streams an answer, calling `on_text` with each piece of text. Errors
/// before the first byte (bad key, rate limit...) are `Err`; errors after
/// it are in `Streamed::error` with the partial text.
pub async fn stream(env: &Env, provider: ChatProvider, key: &str, req: &ChatRequest, mut on_text: impl FnMut(&str)) -> ApiResult<Streamed> {
    let client = provider.client();
    let mut bytes: ByteStream = if provider == ChatProvider::WorkersAi {
        let ai = env.ai("AI").map_err(|_| workers_ai_unavailable())?;
        let call = client.call("", "", req, true);
        ai.run_bytes(&call.url, &call.body).await.map_err(|e| failure::unavailable(provider, &e.to_string()))?
    } else {
        open(provider, env, key, req, true).await?.stream().map_err(|_| failure::stream_broken(provider))?
    };
    let mut parser = SseParser::new();
    let mut state = StreamState::default();
    let mut error = None;
    'read: while let Some(chunk) = bytes.next().await {
        let Ok(chunk) = chunk else {
            error = Some(failure::stream_broken(provider));
            break;
        };
        for event in parser.push(&chunk) {
            match client.decode_event(&event, &mut state) {
                StreamStep::Text(text) if !text.is_empty() => on_text(&text),
                StreamStep::Text(_) => {}
                StreamStep::Done => break 'read,
                StreamStep::Failed(e) => {
                    error = Some(e);
                    break 'read;
                }
            }
        }
    }
    if error.is_none() && !state.done {
        error = Some(failure::stream_broken(provider));
    }
    if error.is_none() && state.finish == Some(webox_core::chat::Finish::Refused) && state.text.is_empty() {
        error = Some(failure::refused(provider));
    }
    Ok(Streamed { state, error })
}
