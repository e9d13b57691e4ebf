//! The chat LLM providers — OpenAI, Anthropic, Google Gemini, Mistral and
//! Groq — each under its own prefix (`/openai`, `/anthropic`, `/gemini`,
//! `/mistral`, `/groq`), so the site's `*_API_BASE` is the only thing that
//! differs from production. Each family speaks its provider's wire format
//! (`openai_compatible`, `anthropic`, `gemini`); what they share lives here:
//! the providers and their keys and models, the provider-neutral failures,
//! the request log, and the step from a valid request to a `Plan` (faults,
//! `[sim:...]` markers, the reply). `reply` is the simulated model itself,
//! `stream` the paced streaming.
//!
//! `GET /_sim/llm` lists the last 500 calls, oldest first
//! (`{"requests": [{provider, path, model, stream, status, body}]}`);
//! `DELETE /_sim/llm` forgets them.

mod anthropic;
mod gemini;
mod openai_compatible;
mod reply;
mod stream;

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;
use serde_json::{json, Value};

use crate::{call_log, Config, Simulator};
use crate::header;
use reply::{Behaviour, Outcome, Reply};
use stream::Pacing;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    OpenAi,
    Anthropic,
    Google,
    Mistral,
    Groq,
}

impl Provider {
    /// The provider id of the site's API, also the service name for
    /// `/_sim/faults` and what `/_sim/llm` reports.
    pub fn service(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Anthropic => "anthropic",
            Provider::Google => "google",
            Provider::Mistral => "mistral",
            Provider::Groq => "groq",
        }
    }

    fn key(self, config: &Config) -> &str {
        match self {
            Provider::OpenAi => &config.openai_api_key,
            Provider::Anthropic => &config.anthropic_api_key,
            Provider::Google => &config.google_api_key,
            Provider::Mistral => &config.mistral_api_key,
            Provider::Groq => &config.groq_api_key,
        }
    }

    /// The models the simulator serves: the site's catalogue and a few
    /// neighbours, so an unknown model is a 404 as it is in production.
    fn models(self) -> &'static [&'static str] {
        match self {
            Provider::OpenAi => &["gpt-4o", "gpt-4o-mini", "gpt-4-turbo", "gpt-3.5-turbo", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"],
            Provider::Anthropic => &[
                "claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1", "claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001",
                "claude-opus-4-1-20250805", "claude-sonnet-4-0", "claude-3-5-haiku-latest",
            ],
            Provider::Google => &["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-2.0-flash"],
            Provider::Mistral => &["mistral-large-latest", "mistral-small-latest", "mistral-medium-latest", "open-mistral-nemo", "codestral-latest"],
            Provider::Groq => &["llama-3.3-70b-versatile", "llama-3.1-8b-instant", "openai/gpt-oss-120b", "openai/gpt-oss-20b"],
        }
    }

    fn serves(self, model: &str) -> bool {
        self.models().contains(&model)
    }

    /// Anthropic has its own status for an overloaded API; the others say 503.
    fn overloaded_status(self) -> u16 {
        match self {
            Provider::Anthropic => 529,
            _ => 503,
        }
    }
}

/// Why a call fails, before each family words it its own way (status,
/// body, headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No key at all (Gemini answers 403 for this, the others 401).
    MissingKey,
    /// A key that is not the provider's (Gemini answers 400 `API_KEY_INVALID`).
    WrongKey,
    /// `[sim:401]` or an injected 401: the provider's invalid-key answer with status 401.
    Unauthenticated,
    /// A request the provider refuses to read (400).
    Invalid { message: String, param: Option<&'static str> },
    UnknownModel(String),
    RateLimited { retry_after: u64 },
    /// Any other status: `[sim:500]`, `[sim:overloaded]`, a non-streamed
    /// `[sim:break]`, or an injected fault.
    Status(u16),
}

/// Seconds a rate-limited caller is told to wait when a fault names none.
const RETRY_AFTER_SECONDS: u64 = 7;

impl Failure {
    fn invalid(message: impl Into<String>, param: Option<&'static str>) -> Self {
        Failure::Invalid { message: message.into(), param }
    }

    fn from_fault(fault: crate::faults::Fault, model: &str) -> Self {
        match fault.status {
            401 => Failure::Unauthenticated,
            404 => Failure::UnknownModel(model.to_owned()),
            429 => Failure::RateLimited { retry_after: fault.retry_after.unwrap_or(RETRY_AFTER_SECONDS) },
            status => Failure::Status(status),
        }
    }

    /// The HTTP status, for families whose statuses follow the usual pattern.
    fn status(&self) -> StatusCode {
        let code = match self {
            Failure::MissingKey | Failure::WrongKey | Failure::Unauthenticated => 401,
            Failure::Invalid { .. } => 400,
            Failure::UnknownModel(_) => 404,
            Failure::RateLimited { .. } => 429,
            Failure::Status(status) => *status,
        };
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Adds `retry-after` to a rate-limited answer, as every provider does.
fn with_retry_after(mut response: Response, failure: &Failure) -> Response {
    if let Failure::RateLimited { retry_after } = failure {
        response.headers_mut().insert("retry-after", HeaderValue::from(*retry_after));
    }
    response
}

/// The key after `Authorization: Bearer ` (OpenAI, Mistral, Groq).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|a| a.strip_prefix("Bearer ")).map(str::trim)
}

/// `Ok` when `sent` is the provider's key.
fn check_key(sim: &Simulator, provider: Provider, sent: Option<&str>) -> Result<(), Failure> {
    match sent {
        None | Some("") => Err(Failure::MissingKey),
        Some(key) if key == provider.key(&sim.config) => Ok(()),
        Some(_) => Err(Failure::WrongKey),
    }
}

/// The text of a message's content in any of the providers' shapes: a
/// string, or a list of parts/blocks with `text`.
fn text_of(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect::<Vec<_>>().join(""),
        _ => String::new(),
    }
}

/// What a family read from a valid request, in provider-neutral terms.
pub(crate) struct Ask {
    pub model: String,
    pub stream: bool,
    /// The last user message: the reply quotes it and `[sim:...]` markers live in it.
    pub last_user_text: String,
    /// Characters of every input text (system prompt and all messages), for the prompt token count.
    pub input_chars: usize,
    pub max_tokens: Option<u64>,
}

/// How an accepted call goes: what the model says, how the answer ends, and its timing.
pub(crate) struct Plan {
    pub reply: Reply,
    pub outcome: Outcome,
    pub pacing: Pacing,
}

/// Why the model stopped, which each family names its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finish {
    Complete,
    MaxTokens,
    Refused,
}

impl Plan {
    fn finish(&self) -> Finish {
        match self.outcome {
            Outcome::Refuse => Finish::Refused,
            _ if self.reply.hit_max_tokens => Finish::MaxTokens,
            _ => Finish::Complete,
        }
    }

    /// Non-streamed answers arrive all at once, after the `[sim:first=MS]` wait.
    async fn wait_for_first_token(&self) {
        tokio::time::sleep(self.pacing.first).await;
    }
}

/// Tokens a broken stream sends before the connection drops.
const TOKENS_BEFORE_BREAK: usize = 3;

/// From a valid request to what happens: unknown model, injected fault,
/// failing marker, or the reply with its outcome and timing.
fn plan(sim: &Simulator, provider: Provider, ask: &Ask, headers: &HeaderMap) -> Result<Plan, Failure> {
    if !provider.serves(&ask.model) {
        return Err(Failure::UnknownModel(ask.model.clone()));
    }
    if let Some(fault) = sim.faults.take(provider.service(), std::slice::from_ref(&ask.model)) {
        return Err(Failure::from_fault(fault, &ask.model));
    }
    let behaviour = Behaviour::read(&ask.last_user_text, header(headers, "x-sim-behaviour"));
    let outcome = match behaviour.outcome {
        Outcome::Unauthorized => return Err(Failure::Unauthenticated),
        Outcome::RateLimited => return Err(Failure::RateLimited { retry_after: RETRY_AFTER_SECONDS }),
        Outcome::ServerError => return Err(Failure::Status(500)),
        Outcome::Overloaded => return Err(Failure::Status(provider.overloaded_status())),
        Outcome::Break if !ask.stream => return Err(Failure::Status(500)),
        Outcome::MidstreamError if provider != Provider::Anthropic => Outcome::Answer,
        Outcome::MidstreamError if !ask.stream => return Err(Failure::Status(provider.overloaded_status())),
        outcome => outcome,
    };
    let wanted = if outcome == Outcome::Refuse { Some(0) } else { behaviour.tokens };
    let mut reply = Reply::compose(&ask.model, &ask.last_user_text, ask.input_chars, wanted, ask.max_tokens);
    if matches!(outcome, Outcome::Break | Outcome::MidstreamError) {
        reply.tokens.truncate(TOKENS_BEFORE_BREAK);
    }
    let default_delay = Duration::from_millis(sim.config.llm_token_delay_ms);
    let pacing = Pacing { first: behaviour.first.unwrap_or_default(), between: behaviour.delay.unwrap_or(default_delay) };
    Ok(Plan { reply, outcome, pacing })
}

/// A random id for the providers' `chatcmpl-...`, `msg_...` and request ids.
fn random_id(length: usize) -> String {
    let hex = format!("{}{}", crate::uuid_v4(), crate::uuid_v4()).replace('-', "");
    hex.get(..length.min(hex.len())).unwrap_or_default().to_owned()
}

/// What `/_sim/llm` shows of a call, filled in as the request is read.
#[derive(Default)]
pub(crate) struct CallSummary {
    pub model: Option<String>,
    pub stream: bool,
    /// The request body as sent (`null` if it was not JSON), so tests can
    /// check what reached the provider: system prompt, history, options.
    pub body: Value,
}

impl CallSummary {
    pub fn of(body: &[u8]) -> Self {
        Self { body: serde_json::from_slice(body).unwrap_or(Value::Null), ..Self::default() }
    }
}

/// Turns a family's result into its response and records the call.
fn respond(sim: &Simulator, provider: Provider, path: &str, summary: &CallSummary, result: Result<Response, Failure>, render: fn(Provider, &Failure) -> Response) -> Response {
    let response = result.unwrap_or_else(|failure| render(provider, &failure));
    sim.llm_calls.push(json!({
        "provider": provider.service(), "path": path, "model": summary.model,
        "stream": summary.stream, "status": response.status().as_u16(), "body": summary.body,
    }));
    response
}

pub fn router() -> Router<Simulator> {
    Router::new()
        .merge(call_log::routes("/_sim/llm", |sim| &sim.llm_calls))
        .merge(openai_compatible::router())
        .merge(anthropic::router())
        .merge(gemini::router())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_text_is_read_from_strings_and_parts() {
        assert_eq!(text_of(&json!("hi")), "hi");
        assert_eq!(text_of(&json!([{"type": "text", "text": "a"}, {"type": "image"}, {"text": "b"}])), "ab");
        assert_eq!(text_of(&Value::Null), "");
    }

    #[test]
    fn injected_faults_become_the_providers_failures() {
        let fault = |status, retry_after| crate::faults::Fault { status, retry_after };
        assert_eq!(Failure::from_fault(fault(429, None), "gpt-4o"), Failure::RateLimited { retry_after: 7 });
        assert_eq!(Failure::from_fault(fault(429, Some(2)), "gpt-4o"), Failure::RateLimited { retry_after: 2 });
        assert_eq!(Failure::from_fault(fault(404, None), "gpt-4o"), Failure::UnknownModel("gpt-4o".into()));
        assert_eq!(Failure::from_fault(fault(503, None), "gpt-4o"), Failure::Status(503));
    }
}
