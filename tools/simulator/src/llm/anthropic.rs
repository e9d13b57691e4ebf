//! Anthropic's Messages API: `POST /anthropic/v1/messages` with `x-api-key`
//! and `anthropic-version` headers, `{model, max_tokens, messages, system?,
//! stream?}`. Checked as Anthropic checks it: `max_tokens` is required,
//! messages alternate user/assistant starting with the user, the system
//! prompt is a top-level field, never a message role.
//!
//! Streams are named events: `message_start`, `content_block_start`,
//! `ping`, one `content_block_delta` (`text_delta`) per token,
//! `content_block_stop`, `message_delta` (`stop_reason`, `output_tokens`),
//! `message_stop`; `[sim:midstream-error]` sends an `error` event after
//! three tokens, as Anthropic does when it overloads mid-answer. Errors are
//! `{"type": "error", "error": {type, message}, "request_id"}` with a
//! `request-id` header; an overloaded API answers 529.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::reply::Outcome;
use super::stream::{self, Ending, Timeline};
use super::{Ask, CallSummary, Failure, Finish, Plan, Provider};
use crate::Simulator;

const PATH: &str = "/anthropic/v1/messages";

#[derive(Deserialize)]
struct MessagesRequest {
    model: Option<String>,
    max_tokens: Option<u64>,
    messages: Option<Vec<InputMessage>>,
    #[serde(default)]
    system: Value,
    stream: Option<bool>,
}

#[derive(Deserialize)]
struct InputMessage {
    role: String,
    #[serde(default)]
    content: Value,
}

async fn messages(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    let mut summary = CallSummary::of(&body);
    let result = answer(&sim, &headers, &body, &mut summary).await;
    super::respond(&sim, Provider::Anthropic, PATH, &summary, result, failure_response)
}

async fn answer(sim: &Simulator, headers: &HeaderMap, body: &[u8], summary: &mut CallSummary) -> Result<Response, Failure> {
    super::check_key(sim, Provider::Anthropic, super::header(headers, "x-api-key"))?;
    if super::header(headers, "anthropic-version").is_none_or(str::is_empty) {
        return Err(Failure::invalid("anthropic-version: header is required", None));
    }
    let request: MessagesRequest = serde_json::from_slice(body).map_err(|e| Failure::invalid(format!("There was an error parsing the body of your request: {e}"), None))?;
    summary.model.clone_from(&request.model);
    summary.stream = request.stream.unwrap_or(false);
    let ask = read(request)?;
    let plan = super::plan(sim, Provider::Anthropic, &ask, headers)?;
    if ask.stream {
        return Ok(streamed(&ask, &plan));
    }
    plan.wait_for_first_token().await;
    Ok(message(&ask, &plan))
}

/// Checks the request as Anthropic does and reads the conversation.
fn read(request: MessagesRequest) -> Result<Ask, Failure> {
    let Some(model) = request.model.filter(|m| !m.is_empty()) else {
        return Err(Failure::invalid("model: Field required", Some("model")));
    };
    let Some(max_tokens) = request.max_tokens else {
        return Err(Failure::invalid("max_tokens: Field required", Some("max_tokens")));
    };
    let Some(messages) = request.messages else {
        return Err(Failure::invalid("messages: Field required", Some("messages")));
    };
    check_roles(&messages)?;
    let texts: Vec<String> = messages.iter().map(|m| super::text_of(&m.content)).collect();
    let last_user_text = messages.iter().zip(&texts).rev().find(|(m, _)| m.role == "user").map(|(_, text)| text.clone()).unwrap_or_default();
    let system_chars = super::text_of(&request.system).chars().count();
    Ok(Ask {
        model,
        stream: request.stream.unwrap_or(false),
        last_user_text,
        input_chars: system_chars + texts.iter().map(|t| t.chars().count()).sum::<usize>(),
        max_tokens: Some(max_tokens),
    })
}

/// The conversation must start with the user and alternate; the system
/// prompt goes in the top-level `system` field.
fn check_roles(messages: &[InputMessage]) -> Result<(), Failure> {
    let invalid = |message: String| Err(Failure::invalid(message, Some("messages")));
    if messages.is_empty() {
        return invalid("messages: at least one message is required".to_owned());
    }
    for (index, message) in messages.iter().enumerate() {
        match message.role.as_str() {
            "system" => {
                return invalid("messages: Unexpected role \"system\". The Messages API accepts a top-level `system` parameter, not \"system\" as an input message role.".to_owned())
            }
            "user" | "assistant" => {}
            other => return invalid(format!("messages.{index}.role: Input should be 'user' or 'assistant' (got \"{other}\")")),
        }
    }
    if messages[0].role != "user" {
        return invalid("messages: first message must use the \"user\" role".to_owned());
    }
    if let Some(pair) = messages.windows(2).find(|pair| pair[0].role == pair[1].role) {
        return invalid(format!("messages: roles must alternate between \"user\" and \"assistant\", but found multiple \"{}\" roles in a row", pair[0].role));
    }
    Ok(())
}

fn stop_reason(plan: &Plan) -> &'static str {
    match plan.finish() {
        Finish::Complete => "end_turn",
        Finish::MaxTokens => "max_tokens",
        Finish::Refused => "refusal",
    }
}

fn message_id() -> String {
    format!("msg_01{}", super::random_id(22))
}

/// The non-streamed message.
fn message(ask: &Ask, plan: &Plan) -> Response {
    let content = if plan.outcome == Outcome::Refuse { json!([]) } else { json!([{"type": "text", "text": plan.reply.text()}]) };
    Json(json!({
        "id": message_id(), "type": "message", "role": "assistant", "model": ask.model, "content": content,
        "stop_reason": stop_reason(plan), "stop_sequence": null,
        "usage": {"input_tokens": plan.reply.prompt_tokens, "output_tokens": plan.reply.completion_tokens()},
    }))
    .into_response()
}

fn streamed(ask: &Ask, plan: &Plan) -> Response {
    let mut timeline = Timeline::new(plan.pacing);
    let start = json!({
        "type": "message_start",
        "message": {
            "id": message_id(), "type": "message", "role": "assistant", "model": ask.model, "content": [],
            "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": plan.reply.prompt_tokens, "output_tokens": 1},
        },
    });
    timeline.now(stream::event("message_start", &start));
    let has_text = plan.outcome != Outcome::Refuse;
    if has_text {
        timeline.now(stream::event("content_block_start", &json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})));
    }
    timeline.now(stream::event("ping", &json!({"type": "ping"})));
    for token in &plan.reply.tokens {
        timeline.paced(stream::event("content_block_delta", &json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": token}})));
    }
    match plan.outcome {
        Outcome::Break => return timeline.into_response(stream::EVENT_STREAM, Ending::Cut),
        Outcome::MidstreamError => {
            timeline.paced(stream::event("error", &json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})));
            return timeline.into_response(stream::EVENT_STREAM, Ending::Complete);
        }
        _ => {}
    }
    if has_text {
        timeline.now(stream::event("content_block_stop", &json!({"type": "content_block_stop", "index": 0})));
    }
    let delta = json!({
        "type": "message_delta", "delta": {"stop_reason": stop_reason(plan), "stop_sequence": null},
        "usage": {"output_tokens": plan.reply.completion_tokens()},
    });
    timeline.now(stream::event("message_delta", &delta));
    timeline.now(stream::event("message_stop", &json!({"type": "message_stop"})));
    timeline.into_response(stream::EVENT_STREAM, Ending::Complete)
}

/// Anthropic's error type for each status.
fn error_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        500..=599 => "api_error",
        _ => "invalid_request_error",
    }
}

fn failure_response(_: Provider, failure: &Failure) -> Response {
    let status = failure.status();
    let message = match failure {
        Failure::MissingKey => "x-api-key header is required".to_owned(),
        Failure::WrongKey | Failure::Unauthenticated => "invalid x-api-key".to_owned(),
        Failure::Invalid { message, .. } => message.clone(),
        Failure::UnknownModel(model) => format!("model: {model}"),
        Failure::RateLimited { .. } => "This request would exceed the rate limit for your organization. Please try again later.".to_owned(),
        Failure::Status(529) => "Overloaded".to_owned(),
        Failure::Status(_) if status.is_server_error() => "Internal server error".to_owned(),
        Failure::Status(_) => "The request was refused.".to_owned(),
    };
    let request_id = format!("req_01{}", super::random_id(22));
    let body = json!({"type": "error", "error": {"type": error_type(status), "message": message}, "request_id": request_id});
    super::with_retry_after((status, [("request-id", request_id)], Json(body)).into_response(), failure)
}

pub fn router() -> Router<Simulator> {
    Router::new().route(PATH, post(messages))
}
