//! Google's Gemini API: `POST /gemini/v1beta/models/{model}:generateContent`
//! and `:streamGenerateContent` (`?alt=sse` for server-sent events, as the
//! site asks; without it Google streams one JSON array). The key comes in
//! `x-goog-api-key` or `?key=`; a wrong key is a 400 `API_KEY_INVALID`, a
//! missing one a 403 `PERMISSION_DENIED`, as Google answers.
//! `{contents: [{role: user|model, parts: [{text}]}], systemInstruction?,
//! generationConfig?: {maxOutputTokens}}`.
//!
//! Each streamed chunk is a whole `GenerateContentResponse` holding one
//! token; the last carries `finishReason` and the full `usageMetadata`.
//! Errors are `{"error": {code, message, status, details?}}`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
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

const API_VERSION_PATH: &str = "/gemini/v1beta/models/";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerateRequest {
    contents: Option<Vec<Content>>,
    #[serde(alias = "system_instruction")]
    system_instruction: Option<Content>,
    #[serde(alias = "generation_config")]
    generation_config: Option<GenerationConfig>,
}

#[derive(Deserialize)]
struct Content {
    role: Option<String>,
    #[serde(default)]
    parts: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerationConfig {
    #[serde(alias = "max_output_tokens")]
    max_output_tokens: Option<u64>,
}

/// `{model}:{method}` is the last path segment; any method but the two
/// generate calls is Google's 404.
async fn call(State(sim): State<Simulator>, Path(call): Path<String>, Query(query): Query<HashMap<String, String>>, headers: HeaderMap, body: Bytes) -> Response {
    let (model, method) = call.split_once(':').unwrap_or((call.as_str(), ""));
    let stream = method == "streamGenerateContent";
    let summary = CallSummary { model: Some(model.to_owned()), stream, ..CallSummary::of(&body) };
    let result = if stream || method == "generateContent" {
        let sse = query.get("alt").is_some_and(|alt| alt == "sse");
        let key = super::header(&headers, "x-goog-api-key").or(query.get("key").map(String::as_str));
        answer(&sim, model, stream, sse, key, &headers, &body).await
    } else {
        Err(Failure::Status(404))
    };
    super::respond(&sim, Provider::Google, &format!("{API_VERSION_PATH}{call}"), &summary, result, failure_response)
}

async fn answer(sim: &Simulator, model: &str, stream: bool, sse: bool, key: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Result<Response, Failure> {
    super::check_key(sim, Provider::Google, key)?;
    let request: GenerateRequest = serde_json::from_slice(body).map_err(|e| Failure::invalid(format!("Invalid JSON payload received. {e}"), None))?;
    let ask = read(request, model, stream)?;
    let plan = super::plan(sim, Provider::Google, &ask, headers)?;
    if stream {
        return Ok(streamed(&ask, &plan, sse));
    }
    plan.wait_for_first_token().await;
    Ok(Json(response(&ask, &plan, &super::random_id(20), Some(&plan.reply.text()), true)).into_response())
}

/// Checks the contents as Google does and reads the conversation.
fn read(request: GenerateRequest, model: &str, stream: bool) -> Result<Ask, Failure> {
    let contents = request.contents.unwrap_or_default();
    if contents.is_empty() {
        return Err(Failure::invalid("* GenerateContentRequest.contents: contents is not specified\n", Some("contents")));
    }
    if contents.iter().any(|c| !matches!(c.role.as_deref(), None | Some("user" | "model"))) {
        return Err(Failure::invalid("Please use a valid role: user, model.", Some("contents")));
    }
    let texts: Vec<String> = contents.iter().map(|c| super::text_of(&c.parts)).collect();
    let last_user_text = contents.iter().zip(&texts).rev().find(|(c, _)| c.role.as_deref() != Some("model")).map(|(_, text)| text.clone()).unwrap_or_default();
    let system_chars = request.system_instruction.map_or(0, |s| super::text_of(&s.parts).chars().count());
    Ok(Ask {
        model: model.to_owned(),
        stream,
        last_user_text,
        input_chars: system_chars + texts.iter().map(|t| t.chars().count()).sum::<usize>(),
        max_tokens: request.generation_config.and_then(|g| g.max_output_tokens),
    })
}

fn finish_reason(plan: &Plan) -> &'static str {
    match plan.finish() {
        Finish::Complete => "STOP",
        Finish::MaxTokens => "MAX_TOKENS",
        Finish::Refused => "SAFETY",
    }
}

/// One `GenerateContentResponse` (`id` is shared by a stream's chunks):
/// `text` (none for a refusal) and, on the last one, the finish reason and
/// the full usage; earlier chunks only count the prompt, as Google's do.
fn response(ask: &Ask, plan: &Plan, id: &str, text: Option<&str>, last: bool) -> Value {
    let prompt = plan.reply.prompt_tokens;
    let mut candidate = json!({"index": 0});
    if let Some(text) = text {
        candidate["content"] = json!({"parts": [{"text": text}], "role": "model"});
    }
    let usage = if last {
        candidate["finishReason"] = finish_reason(plan).into();
        let completion = plan.reply.completion_tokens();
        json!({"promptTokenCount": prompt, "candidatesTokenCount": completion, "totalTokenCount": prompt + completion})
    } else {
        json!({"promptTokenCount": prompt, "totalTokenCount": prompt})
    };
    if plan.outcome == Outcome::Refuse {
        candidate["safetyRatings"] = json!([{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": true}]);
    }
    json!({"candidates": [candidate], "usageMetadata": usage, "modelVersion": ask.model, "responseId": id})
}

fn streamed(ask: &Ask, plan: &Plan, sse: bool) -> Response {
    let tokens = &plan.reply.tokens;
    let cut = plan.outcome == Outcome::Break;
    let id = super::random_id(20);
    let chunks: Vec<Value> = match plan.outcome {
        Outcome::Refuse => vec![response(ask, plan, &id, None, true)],
        _ if tokens.is_empty() => vec![response(ask, plan, &id, Some(""), true)],
        _ => tokens.iter().enumerate().map(|(i, token)| response(ask, plan, &id, Some(token), !cut && i + 1 == tokens.len())).collect(),
    };
    let mut timeline = Timeline::new(plan.pacing);
    for (i, chunk) in chunks.iter().enumerate() {
        timeline.paced(match (sse, i) {
            (true, _) => stream::data(chunk),
            (false, 0) => format!("[{chunk}"),
            (false, _) => format!(",\r\n{chunk}"),
        });
    }
    if cut {
        return timeline.into_response(content_type(sse), Ending::Cut);
    }
    if !sse {
        timeline.now("]".to_owned());
    }
    timeline.into_response(content_type(sse), Ending::Complete)
}

fn content_type(sse: bool) -> &'static str {
    if sse {
        stream::EVENT_STREAM
    } else {
        "application/json; charset=UTF-8"
    }
}

const KEY_INVALID: &str = "API key not valid. Please pass a valid API key.";

fn key_invalid_details() -> Value {
    json!([{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com",
        "metadata": {"service": "generativelanguage.googleapis.com"},
    }])
}

/// Google's status name for an HTTP status.
fn status_name(status: u16) -> &'static str {
    match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        500 => "INTERNAL",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        402..=498 => "FAILED_PRECONDITION",
        _ => "UNKNOWN",
    }
}

fn failure_response(_: Provider, failure: &Failure) -> Response {
    let (status, message, details) = match failure {
        Failure::MissingKey => (
            403,
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.".to_owned(),
            None,
        ),
        Failure::WrongKey => (400, KEY_INVALID.to_owned(), Some(key_invalid_details())),
        Failure::Unauthenticated => (401, KEY_INVALID.to_owned(), Some(key_invalid_details())),
        Failure::Invalid { message, .. } => (400, message.clone(), None),
        Failure::UnknownModel(model) => (
            404,
            format!("models/{model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods."),
            None,
        ),
        Failure::RateLimited { retry_after } => (
            429,
            "Resource has been exhausted (e.g. check quota).".to_owned(),
            Some(json!([{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": format!("{retry_after}s")}])),
        ),
        Failure::Status(503) => (503, "The model is overloaded. Please try again later.".to_owned(), None),
        Failure::Status(404) => (404, "Requested entity was not found.".to_owned(), None),
        Failure::Status(status) if *status >= 500 => (*status, "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting".to_owned(), None),
        Failure::Status(status) => (*status, "Request contains an invalid argument.".to_owned(), None),
    };
    let mut error = json!({"code": status, "message": message, "status": status_name(status)});
    if let Some(details) = details {
        error["details"] = details;
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    super::with_retry_after((status, Json(json!({"error": error}))).into_response(), failure)
}

pub fn router() -> Router<Simulator> {
    Router::new().route(&format!("{API_VERSION_PATH}{{call}}"), post(call))
}
