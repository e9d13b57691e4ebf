//! The OpenAI Chat Completions wire format, which Mistral and Groq speak
//! too: `POST /openai/v1/chat/completions`, `POST /mistral/v1/chat/completions`
//! and `POST /groq/openai/v1/chat/completions` (Groq's own `/openai/v1`
//! prefix), `Authorization: Bearer KEY`, `{model, messages, stream?,
//! stream_options?, max_tokens?}`.
//!
//! Streams are `data: {chat.completion.chunk}` events — a role chunk, one
//! content delta per token, a chunk with `finish_reason` — then `data:
//! [DONE]`. Usage comes as OpenAI and Groq send it when asked with
//! `stream_options.include_usage` (a last chunk with empty `choices`; Groq
//! also puts it in `x_groq` on the finishing chunk), and as Mistral always
//! sends it (on the finishing chunk). Errors are each provider's own:
//! `{"error": {message, type, param, code}}` (OpenAI, Groq), `{"object":
//! "error", ...}` or `{"message": "Unauthorized"}` (Mistral).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::reply::Outcome;
use super::stream::{self, Ending, Timeline};
use super::{Ask, CallSummary, Failure, Finish, Plan, Provider};
use crate::Simulator;

const ROUTES: [(Provider, &str); 3] = [
    (Provider::OpenAi, "/openai/v1/chat/completions"),
    (Provider::Mistral, "/mistral/v1/chat/completions"),
    (Provider::Groq, "/groq/openai/v1/chat/completions"),
];

const FINGERPRINT: &str = "fp_webox_sim";

#[derive(Deserialize)]
struct ChatRequest {
    model: Option<String>,
    messages: Option<Vec<ChatMessage>>,
    stream: Option<bool>,
    stream_options: Option<StreamOptions>,
    max_tokens: Option<u64>,
    max_completion_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct ChatMessage {
    role: String,
    #[serde(default)]
    content: Value,
}

#[derive(Deserialize)]
struct StreamOptions {
    #[serde(default)]
    include_usage: bool,
}

async fn chat(sim: Simulator, provider: Provider, path: &'static str, headers: HeaderMap, body: Bytes) -> Response {
    let mut summary = CallSummary::of(&body);
    let result = answer(&sim, provider, &headers, &body, &mut summary).await;
    super::respond(&sim, provider, path, &summary, result, failure_response)
}

async fn answer(sim: &Simulator, provider: Provider, headers: &HeaderMap, body: &[u8], summary: &mut CallSummary) -> Result<Response, Failure> {
    super::check_key(sim, provider, super::bearer(headers))?;
    let request: ChatRequest = serde_json::from_slice(body).map_err(|e| Failure::invalid(format!("We could not parse the JSON body of your request: {e}."), None))?;
    summary.model.clone_from(&request.model);
    summary.stream = request.stream.unwrap_or(false);
    let include_usage = request.stream_options.as_ref().is_some_and(|o| o.include_usage);
    let ask = read(request)?;
    let plan = super::plan(sim, provider, &ask, headers)?;
    if ask.stream {
        return Ok(streamed(provider, &ask, &plan, include_usage));
    }
    plan.wait_for_first_token().await;
    Ok(completion(provider, &ask, &plan))
}

/// Checks the required fields as OpenAI does and reads the conversation.
fn read(request: ChatRequest) -> Result<Ask, Failure> {
    let Some(model) = request.model.filter(|m| !m.is_empty()) else {
        return Err(Failure::invalid("you must provide a model parameter", Some("model")));
    };
    let Some(messages) = request.messages else {
        return Err(Failure::invalid("Missing required parameter: 'messages'.", Some("messages")));
    };
    if messages.is_empty() {
        return Err(Failure::invalid("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", Some("messages")));
    }
    let texts: Vec<(&str, String)> = messages.iter().map(|m| (m.role.as_str(), super::text_of(&m.content))).collect();
    let last_user_text = texts.iter().rev().find(|(role, _)| *role == "user").map(|(_, text)| text.clone()).unwrap_or_default();
    Ok(Ask {
        model,
        stream: request.stream.unwrap_or(false),
        last_user_text,
        input_chars: texts.iter().map(|(_, text)| text.chars().count()).sum(),
        max_tokens: request.max_completion_tokens.or(request.max_tokens),
    })
}

fn finish_reason(plan: &Plan) -> &'static str {
    match plan.finish() {
        Finish::Complete => "stop",
        Finish::MaxTokens => "length",
        Finish::Refused => "content_filter",
    }
}

fn usage(plan: &Plan) -> Value {
    let (prompt, completion) = (plan.reply.prompt_tokens, plan.reply.completion_tokens());
    json!({"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion})
}

/// The non-streamed `chat.completion`.
fn completion(provider: Provider, ask: &Ask, plan: &Plan) -> Response {
    let content = if plan.outcome == Outcome::Refuse { Value::Null } else { plan.reply.text().into() };
    let mut body = json!({
        "id": format!("chatcmpl-{}", super::random_id(29)), "object": "chat.completion", "created": crate::unix_now(), "model": ask.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": null}, "logprobs": null, "finish_reason": finish_reason(plan)}],
        "usage": usage(plan),
    });
    match provider {
        Provider::OpenAi => body["system_fingerprint"] = FINGERPRINT.into(),
        Provider::Groq => body["x_groq"] = json!({"id": format!("req_{}", super::random_id(26))}),
        _ => {}
    }
    Json(body).into_response()
}

/// The `chat.completion.chunk` events of one streamed answer.
struct Chunks<'a> {
    provider: Provider,
    id: String,
    created: i64,
    model: &'a str,
    include_usage: bool,
}

impl Chunks<'_> {
    fn chunk(&self, delta: Value, finish_reason: Option<&str>) -> Value {
        let mut chunk = json!({
            "id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason}],
        });
        if self.provider == Provider::OpenAi {
            chunk["system_fingerprint"] = FINGERPRINT.into();
        }
        if self.include_usage {
            chunk["usage"] = Value::Null;
        }
        chunk
    }

    /// The last data chunk, before `[DONE]`: usage alone, as `include_usage` asks.
    fn usage(&self, usage: Value) -> Value {
        let mut chunk = self.chunk(Value::Null, None);
        chunk["choices"] = json!([]);
        chunk["usage"] = usage;
        chunk
    }
}

fn streamed(provider: Provider, ask: &Ask, plan: &Plan, include_usage: bool) -> Response {
    let groq_id = format!("req_{}", super::random_id(26));
    // Mistral always reports usage on its finishing chunk and has no `stream_options`.
    let chunks = Chunks { provider, id: format!("chatcmpl-{}", super::random_id(29)), created: crate::unix_now(), model: &ask.model, include_usage: include_usage && provider != Provider::Mistral };
    let mut timeline = Timeline::new(plan.pacing);
    let mut opening = chunks.chunk(json!({"role": "assistant", "content": "", "refusal": null}), None);
    if provider == Provider::Groq {
        opening["x_groq"] = json!({"id": groq_id});
    }
    timeline.now(stream::data(&opening));
    for token in &plan.reply.tokens {
        timeline.paced(stream::data(&chunks.chunk(json!({"content": token}), None)));
    }
    if plan.outcome == Outcome::Break {
        return timeline.into_response(stream::EVENT_STREAM, Ending::Cut);
    }
    let mut closing = chunks.chunk(json!({}), Some(finish_reason(plan)));
    match provider {
        Provider::Mistral => closing["usage"] = usage(plan),
        Provider::Groq => closing["x_groq"] = json!({"id": groq_id, "usage": usage(plan)}),
        Provider::OpenAi | Provider::Anthropic | Provider::Google => {}
    }
    timeline.now(stream::data(&closing));
    if chunks.include_usage {
        timeline.now(stream::data(&chunks.usage(usage(plan))));
    }
    timeline.now("data: [DONE]\n\n".to_owned());
    timeline.into_response(stream::EVENT_STREAM, Ending::Complete)
}

fn failure_response(provider: Provider, failure: &Failure) -> Response {
    let body = match provider {
        Provider::Mistral => mistral_error(failure),
        Provider::Groq => groq_error(failure),
        Provider::OpenAi | Provider::Anthropic | Provider::Google => openai_error(failure),
    };
    super::with_retry_after((failure.status(), Json(body)).into_response(), failure)
}

fn openai_error(failure: &Failure) -> Value {
    let (kind, code, param, message) = match failure {
        Failure::MissingKey => (
            "invalid_request_error",
            None,
            None,
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).".to_owned(),
        ),
        Failure::WrongKey | Failure::Unauthenticated => {
            ("invalid_request_error", Some("invalid_api_key"), None, "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.".to_owned())
        }
        Failure::Invalid { message, param } => ("invalid_request_error", None, *param, message.clone()),
        Failure::UnknownModel(model) => ("invalid_request_error", Some("model_not_found"), Some("model"), format!("The model `{model}` does not exist or you do not have access to it.")),
        Failure::RateLimited { retry_after } => ("requests", Some("rate_limit_exceeded"), None, format!("Rate limit reached for requests. Please try again in {retry_after}s.")),
        Failure::Status(503) => ("service_unavailable_error", Some("server_is_overloaded"), None, "The server is overloaded or not ready yet.".to_owned()),
        Failure::Status(status) if *status >= 500 => ("server_error", None, None, "The server had an error while processing your request. Sorry about that!".to_owned()),
        Failure::Status(_) => ("invalid_request_error", None, None, "The request was refused.".to_owned()),
    };
    json!({"error": {"message": message, "type": kind, "param": param, "code": code}})
}

fn groq_error(failure: &Failure) -> Value {
    let (kind, code, message) = match failure {
        Failure::MissingKey | Failure::WrongKey | Failure::Unauthenticated => ("invalid_request_error", Some("invalid_api_key"), "Invalid API Key".to_owned()),
        Failure::Invalid { message, .. } => ("invalid_request_error", None, message.clone()),
        Failure::UnknownModel(model) => ("invalid_request_error", Some("model_not_found"), format!("The model `{model}` does not exist or you do not have access to it.")),
        Failure::RateLimited { retry_after } => ("requests", Some("rate_limit_exceeded"), format!("Rate limit reached for requests. Please try again in {retry_after}s.")),
        Failure::Status(503) => ("internal_server_error", Some("service_unavailable"), "Service Unavailable".to_owned()),
        Failure::Status(status) if *status >= 500 => ("internal_server_error", None, "Internal Server Error".to_owned()),
        Failure::Status(_) => ("invalid_request_error", None, "The request was refused.".to_owned()),
    };
    let mut error = json!({"message": message, "type": kind});
    if let Some(code) = code {
        error["code"] = code.into();
    }
    json!({"error": error})
}

fn mistral_error(failure: &Failure) -> Value {
    let (kind, code, param, message) = match failure {
        Failure::MissingKey | Failure::WrongKey | Failure::Unauthenticated => {
            return json!({"message": "Unauthorized", "request_id": super::random_id(32)});
        }
        Failure::Invalid { message, param } => ("invalid_request_error", None, *param, message.clone()),
        Failure::UnknownModel(model) => ("invalid_model", Some("1500"), None, format!("Invalid model: {model}")),
        Failure::RateLimited { .. } => ("rate_limited", Some("1300"), None, "Requests rate limit exceeded".to_owned()),
        Failure::Status(503) => ("service_unavailable", None, None, "Service unavailable".to_owned()),
        Failure::Status(status) if *status >= 500 => ("internal_server_error", None, None, "Internal server error".to_owned()),
        Failure::Status(_) => ("invalid_request_error", None, None, "The request was refused.".to_owned()),
    };
    json!({"object": "error", "message": message, "type": kind, "param": param, "code": code})
}

pub fn router() -> Router<Simulator> {
    ROUTES.iter().fold(Router::new(), |router, &(provider, path)| {
        router.route(path, post(move |State(sim): State<Simulator>, headers: HeaderMap, body: Bytes| chat(sim, provider, path, headers, body)))
    })
}
