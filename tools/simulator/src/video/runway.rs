//! Runway: `Authorization: Bearer KEY` and `X-Runway-Version: 2024-11-06`
//! on every call, JSON bodies checked as its zod schemas check them (every
//! issue in one 400), tasks polled until they are done.
//!
//! - `POST /runway/v1/image_to_video` `{model: gen4_turbo | gen3a_turbo,
//!   promptImage (an https URL or a data:image/... base64 URI), promptText?
//!   (≤ 1000), ratio (per model), duration? (5 | 10, default 10), seed?}`
//!   → `{"id"}`.
//! - `POST /runway/v1/text_to_video` `{model: veo3, promptText, ratio
//!   (1280:720 | 720:1280), duration? (8)}` → `{"id"}`.
//! - `GET /runway/v1/tasks/{id}` → `{id, status, createdAt}`, with
//!   `progress` (0–1) while `RUNNING`, `output: [url]` once `SUCCEEDED`,
//!   `failure` and `failureCode` once `FAILED`.
//! - `DELETE /runway/v1/tasks/{id}` → 204: a task not yet over is
//!   `CANCELLED`; one that is over is deleted (then 404).
//!
//! Errors are `{"error": message}`, with `issues: [{code, path, message}]`
//! for a body it cannot read.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{Call, CallSummary, Failure, NewTask, Provider};
use crate::fields::{quoted, Fields, Kind, Problem};
use crate::tasks::{Breakdown, Phase, Snapshot};
use crate::{markers, Simulator};

const PREFIX: &str = "/runway/v1";
/// The API version the simulator speaks.
pub(crate) const VERSION: &str = "2024-11-06";

/// What one model takes.
#[derive(Debug)]
struct Model {
    name: &'static str,
    ratios: &'static [&'static str],
    durations: &'static [u64],
    default_duration: u64,
}

const IMAGE_MODELS: [Model; 2] = [
    Model { name: "gen4_turbo", ratios: &["1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672"], durations: &[5, 10], default_duration: 10 },
    Model { name: "gen3a_turbo", ratios: &["1280:768", "768:1280"], durations: &[5, 10], default_duration: 10 },
];
const TEXT_MODEL: Model = Model { name: "veo3", ratios: &["1280:720", "720:1280"], durations: &[8], default_duration: 8 };
const MAX_PROMPT_CHARS: usize = 1000;
/// Long enough for a data URI of a large picture.
const MAX_IMAGE_URI_CHARS: usize = 5_000_000;
const MAX_SEED: i64 = 4_294_967_295;
const FAILURE: &str = "An unexpected error occurred while generating the video.";
const FAILURE_CODE: &str = "INTERNAL.BAD_OUTPUT.CODE01";

/// A request Runway accepts.
#[derive(Debug)]
struct Generation {
    model: &'static Model,
    prompt: String,
    ratio: &'static str,
    duration: u64,
    seed: Option<i64>,
}

impl Generation {
    /// A `W:H` ratio is the size itself.
    fn size(&self) -> (u32, u32) {
        self.ratio.split_once(':').and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?))).unwrap_or((1280, 720))
    }

    fn film_seed(&self) -> String {
        format!("{}\n{}\n{:?}\n{}", self.model.name, self.ratio, self.seed, markers::strip(&self.prompt))
    }
}

/// Reads the model's fields: `ratio`, `duration`, `seed`.
fn read_settings(fields: &mut Fields, model: Option<&'static Model>) -> (Option<&'static str>, Option<u64>, Option<i64>) {
    let model = model.unwrap_or(&IMAGE_MODELS[0]);
    let ratio = fields.choice("ratio", model.ratios, None);
    let duration = fields.number_choice("duration", model.durations, model.default_duration);
    let seed = fields.integer("seed", (0, MAX_SEED));
    (ratio, duration, seed)
}

fn read_image_to_video(body: &[u8]) -> Result<Generation, Failure> {
    let mut fields = Fields::read(body)?;
    let names: Vec<&'static str> = IMAGE_MODELS.iter().map(|m| m.name).collect();
    let model = fields.choice("model", &names, None).and_then(|name| IMAGE_MODELS.iter().find(|m| m.name == name));
    let image = fields.text("promptImage", true, MAX_IMAGE_URI_CHARS);
    if image.as_deref().is_some_and(|uri| !is_image_uri(uri)) {
        fields.refuse("promptImage", Kind::Rule("Must be an HTTPS URL or a data URI containing an encoded image."));
    }
    let prompt = fields.text("promptText", false, MAX_PROMPT_CHARS);
    let (ratio, duration, seed) = read_settings(&mut fields, model);
    match fields.finish((model, ratio, duration))? {
        (Some(model), Some(ratio), Some(duration)) => Ok(Generation { model, prompt: prompt.unwrap_or_default(), ratio, duration, seed }),
        // Each field missing here was refused above.
        _ => Err(Failure::Status(500)),
    }
}

fn read_text_to_video(body: &[u8]) -> Result<Generation, Failure> {
    let mut fields = Fields::read(body)?;
    let model = fields.choice("model", &[TEXT_MODEL.name], None);
    let prompt = fields.text("promptText", true, MAX_PROMPT_CHARS);
    let (ratio, duration, seed) = read_settings(&mut fields, Some(&TEXT_MODEL));
    match fields.finish((model, prompt, ratio, duration))? {
        (Some(_), Some(prompt), Some(ratio), Some(duration)) => Ok(Generation { model: &TEXT_MODEL, prompt, ratio, duration, seed }),
        _ => Err(Failure::Status(500)),
    }
}

/// An image Runway can fetch: over HTTPS, or inline as a base64 data URI.
fn is_image_uri(uri: &str) -> bool {
    let inline = uri.strip_prefix("data:image/").and_then(|rest| rest.split_once(";base64,")).is_some_and(|(kind, data)| !kind.is_empty() && !data.is_empty());
    inline || uri.strip_prefix("https://").is_some_and(|rest| !rest.is_empty())
}

/// `Ok` when the key and `X-Runway-Version` are Runway's.
fn check_headers(sim: &Simulator, headers: &HeaderMap) -> Result<(), Failure> {
    super::check_key(sim, Provider::Runway, headers)?;
    match super::header(headers, "x-runway-version") {
        Some(VERSION) => Ok(()),
        sent => Err(Failure::Version(sent.map(str::to_owned))),
    }
}

async fn create(sim: &Simulator, headers: &HeaderMap, read: Result<Generation, Failure>) -> Result<Response, Failure> {
    check_headers(sim, headers)?;
    let generation = read?;
    let plan = super::plan(sim, Provider::Runway, generation.model.name, &generation.prompt, headers)?;
    let requested = Duration::from_secs(generation.duration);
    let film = super::film(&sim.config, generation.size(), requested, generation.film_seed());
    let task = NewTask { provider: Provider::Runway, model: generation.model.name.to_owned(), outcome: plan.outcome, length: plan.length, requested, film, details: Value::Null };
    let task = super::start(sim, task);
    Ok(Json(json!({"id": task.id})).into_response())
}

/// A task as `GET /v1/tasks/{id}` shows it.
fn task_json(task: &Snapshot, headers: &HeaderMap) -> Value {
    let mut shown = json!({"id": task.id, "createdAt": task.created_at});
    let status = match &task.phase {
        Phase::Queued => "PENDING",
        Phase::Running { progress } => {
            shown["progress"] = json!((progress * 100.0).floor() / 100.0);
            "RUNNING"
        }
        Phase::Succeeded => {
            shown["output"] = json!([Provider::Runway.file_url(headers, &format!("{}.mp4", task.id))]);
            "SUCCEEDED"
        }
        Phase::Failed(breakdown) => {
            let (failure, code) = match breakdown {
                Breakdown::Marked => (FAILURE.to_owned(), FAILURE_CODE),
                Breakdown::Making(why) => (why.clone(), "INTERNAL"),
            };
            shown["failure"] = failure.into();
            shown["failureCode"] = code.into();
            "FAILED"
        }
        Phase::Cancelled => "CANCELLED",
    };
    shown["status"] = status.into();
    shown
}

async fn task(sim: &Simulator, id: &str, headers: &HeaderMap, summary: &mut CallSummary) -> Result<Response, Failure> {
    check_headers(sim, headers)?;
    let task = super::polled(sim, Provider::Runway, id, summary)?;
    Ok(([super::requested_header(&task)], Json(task_json(&task, headers))).into_response())
}

/// Cancels a task not yet over; deletes one that is.
async fn cancel_or_delete(sim: &Simulator, id: &str, headers: &HeaderMap) -> Result<Response, Failure> {
    check_headers(sim, headers)?;
    match sim.video_tasks.cancel(Provider::Runway, id) {
        None => return Err(Failure::NoSuchTask),
        Some(phase) if phase.is_over() => {
            sim.video_tasks.delete(Provider::Runway, id);
        }
        Some(_) => {}
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn image_to_video_route(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    let result = create(&sim, &headers, read_image_to_video(&body)).await;
    super::respond(&sim, call(Method::POST, &format!("{PREFIX}/image_to_video")), &CallSummary::of_body(&body), result, failure_response)
}

async fn text_to_video_route(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    let result = create(&sim, &headers, read_text_to_video(&body)).await;
    super::respond(&sim, call(Method::POST, &format!("{PREFIX}/text_to_video")), &CallSummary::of_body(&body), result, failure_response)
}

async fn task_route(State(sim): State<Simulator>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let mut summary = CallSummary::default();
    let result = task(&sim, &id, &headers, &mut summary).await;
    super::respond(&sim, call(Method::GET, &format!("{PREFIX}/tasks/{id}")), &summary, result, failure_response)
}

async fn cancel_route(State(sim): State<Simulator>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let summary = CallSummary { model: sim.video_tasks.get(Provider::Runway, &id).map(|task| task.model), body: Value::Null };
    let result = cancel_or_delete(&sim, &id, &headers).await;
    super::respond(&sim, call(Method::DELETE, &format!("{PREFIX}/tasks/{id}")), &summary, result, failure_response)
}

fn call(method: Method, path: &str) -> Call<'_> {
    Call { provider: Provider::Runway, method, path }
}

/// A problem as a zod issue: `{code, path, message}`.
fn issue(problem: &Problem) -> Value {
    let (code, message) = match &problem.kind {
        Kind::Missing => ("invalid_type", "Required".to_owned()),
        Kind::Type(expected) => ("invalid_type", format!("Expected {}", expected.name())),
        Kind::NotOneOf { allowed, sent } => {
            let allowed: Vec<String> = allowed.iter().map(quoted).collect();
            ("invalid_enum_value", format!("Invalid enum value. Expected {}, received {}", allowed.join(" | "), quoted(sent)))
        }
        Kind::Empty => ("too_small", "String must contain at least 1 character(s)".to_owned()),
        Kind::TooLong { max_chars } => ("too_big", format!("String must contain at most {max_chars} character(s)")),
        Kind::OutOfRange { min, max } => ("too_big", format!("Number must be between {min} and {max}")),
        Kind::Rule(rule) => ("custom", (*rule).to_owned()),
    };
    json!({"code": code, "path": [problem.field], "message": message})
}

fn failure_response(failure: &Failure) -> Response {
    let error = |message: &str| json!({"error": message});
    let body = match failure {
        Failure::MissingKey | Failure::WrongKey => error("Invalid API key"),
        Failure::Version(None) => error(&format!("The X-Runway-Version header is required. Set it to {VERSION}.")),
        Failure::Version(Some(sent)) => error(&format!("Unsupported X-Runway-Version '{sent}'. Supported versions: {VERSION}.")),
        Failure::NotJson => error("The request body must be a JSON object."),
        Failure::Invalid(problems) => json!({"error": "Validation of body failed", "issues": problems.iter().map(issue).collect::<Vec<_>>()}),
        Failure::NoSuchTask => error("Task not found"),
        Failure::RateLimited { .. } => error("You have exceeded the rate limit for your API key. Please try again later."),
        Failure::Status(status) if *status >= 500 => error("An unexpected error occurred."),
        Failure::Status(_) => error("The request was refused."),
    };
    failure.answer(body)
}

pub fn router() -> Router<Simulator> {
    Router::new()
        .route(&format!("{PREFIX}/image_to_video"), post(image_to_video_route))
        .route(&format!("{PREFIX}/text_to_video"), post(text_to_video_route))
        .route(&format!("{PREFIX}/tasks/{{id}}"), get(task_route).delete(cancel_route))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues(result: Result<Generation, Failure>) -> Vec<Value> {
        match result {
            Err(Failure::Invalid(problems)) => problems.iter().map(issue).collect(),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn image_to_video_takes_the_models_ratios_and_durations() {
        let read = |body: Value| read_image_to_video(body.to_string().as_bytes());
        let generation = read(json!({"model": "gen4_turbo", "promptImage": "https://example.com/a.png", "ratio": "1584:672", "duration": 5})).unwrap();
        assert_eq!((generation.size(), generation.duration), ((1584, 672), 5));
        let generation = read(json!({"model": "gen3a_turbo", "promptImage": "data:image/png;base64,iVBORw0KGgo=", "ratio": "768:1280", "seed": 42})).unwrap();
        assert_eq!((generation.size(), generation.duration, generation.seed), ((768, 1280), 10, Some(42)));
        assert_eq!(
            issues(read(json!({"model": "gen3a_turbo", "promptImage": "https://example.com/a.png", "ratio": "1280:720"}))),
            [json!({"code": "invalid_enum_value", "path": ["ratio"], "message": "Invalid enum value. Expected '1280:768' | '768:1280', received '1280:720'"})]
        );
    }

    #[test]
    fn every_issue_is_listed() {
        let body = json!({"model": "gen5", "promptImage": "http://example.com/a.png", "promptText": "x".repeat(1001), "duration": 7, "seed": -1});
        let paths: Vec<Value> = issues(read_image_to_video(body.to_string().as_bytes())).iter().map(|issue| issue["path"][0].clone()).collect();
        assert_eq!(paths, [json!("model"), json!("promptImage"), json!("promptText"), json!("ratio"), json!("duration"), json!("seed")]);
        let issues = issues(read_text_to_video(json!({"model": "veo3", "ratio": "1280:720", "duration": 5}).to_string().as_bytes()));
        assert_eq!(issues[0], json!({"code": "invalid_type", "path": ["promptText"], "message": "Required"}));
        assert_eq!(issues[1]["message"], "Invalid enum value. Expected 8, received 5");
    }

    #[test]
    fn prompt_images_are_https_urls_or_data_uris() {
        assert!(is_image_uri("https://example.com/cat.jpg"));
        assert!(is_image_uri("data:image/jpeg;base64,/9j/4AAQ"));
        assert!(!is_image_uri("http://example.com/cat.jpg"));
        assert!(!is_image_uri("data:text/plain;base64,aGk="));
        assert!(!is_image_uri("data:image/png;base64,"));
    }
}
