//! Pika 2.2 through fal.ai's queue: `Authorization: Key KEY`, JSON bodies
//! checked as its FastAPI service checks them (every problem in one 422),
//! a request queued, polled and fetched.
//!
//! - `POST /fal/fal-ai/pika/v2.2/text-to-video` `{prompt, negative_prompt?,
//!   resolution? (720p (default) | 1080p), duration? (5 (default) | 10),
//!   aspect_ratio? (16:9 (default), 9:16, 1:1, 4:5, 5:4, 3:2, 2:3), seed?}`
//!   → `{request_id, status_url, response_url, cancel_url}`, absolute URLs
//!   under `/fal/fal-ai/pika/requests/{id}` on the host asked.
//! - `GET .../requests/{id}/status` → `IN_QUEUE` (with `queue_position`),
//!   `IN_PROGRESS` (with `logs`, a line every tenth of the way) or
//!   `COMPLETED` (whether it worked or not, as fal says).
//! - `GET .../requests/{id}` → `{video: {url, content_type, file_name,
//!   file_size}, seed}` once completed; 400 before; 500 `{detail,
//!   error_type}` if it failed.
//! - `PUT .../requests/{id}/cancel` → 202 `{"status":
//!   "CANCELLATION_REQUESTED"}`; 400 `ALREADY_COMPLETED` once it is done.
//!
//! The resolution is the picture's short side, the long side following
//! the aspect ratio. Errors are `{"detail": message}`.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{Call, CallSummary, Failure, NewTask, Provider};
use crate::fields::{quoted, Fields, Kind, Problem};
use crate::tasks::{Breakdown, Phase, Snapshot};
use crate::{markers, Simulator};

const SUBMIT_PATH: &str = "/fal/fal-ai/pika/v2.2/text-to-video";
/// Where fal's queue keeps the app's requests.
const REQUESTS_PATH: &str = "/fal/fal-ai/pika/requests";
const MODEL: &str = "fal-ai/pika/v2.2/text-to-video";

/// Each resolution and its short side in pixels.
const RESOLUTIONS: [(&str, u32); 2] = [("720p", 720), ("1080p", 1080)];
const DURATIONS: &[u64] = &[5, 10];
const ASPECT_RATIOS: &[&str] = &["16:9", "9:16", "1:1", "4:5", "5:4", "3:2", "2:3"];
const MAX_PROMPT_CHARS: usize = 5000;
const FAILURE: &str = "Video generation failed: the model returned no output.";

/// A request Pika accepts.
#[derive(Debug)]
struct Generation {
    prompt: String,
    resolution: &'static str,
    duration: u64,
    aspect_ratio: &'static str,
    seed: u64,
}

impl Generation {
    /// The short side is the resolution's; the long side follows the aspect ratio.
    fn size(&self) -> (u32, u32) {
        let short = RESOLUTIONS.iter().find(|(name, _)| *name == self.resolution).map_or(720, |&(_, pixels)| pixels);
        super::size_by_short_side(short, self.aspect_ratio)
    }

    fn film_seed(&self) -> String {
        format!("{}\n{}\n{}\n{}", self.resolution, self.aspect_ratio, self.seed, markers::strip(&self.prompt))
    }
}

/// Without a seed, one is taken from the prompt (without its markers) and reported.
fn seed_for(prompt: &str) -> u64 {
    let hash = Sha256::digest(markers::strip(prompt).as_bytes());
    u64::from(u32::from_le_bytes([hash[0], hash[1], hash[2], hash[3]]))
}

fn read(body: &[u8]) -> Result<Generation, Failure> {
    let mut fields = Fields::read(body)?;
    let prompt = fields.text("prompt", true, MAX_PROMPT_CHARS);
    fields.text("negative_prompt", false, MAX_PROMPT_CHARS);
    let resolution = fields.choice("resolution", &RESOLUTIONS.map(|(name, _)| name), Some("720p"));
    let duration = fields.number_choice("duration", DURATIONS, 5);
    let aspect_ratio = fields.choice("aspect_ratio", ASPECT_RATIOS, Some("16:9"));
    let seed = fields.integer("seed", (0, i64::MAX));
    match fields.finish((prompt, resolution, duration, aspect_ratio))? {
        (Some(prompt), Some(resolution), Some(duration), Some(aspect_ratio)) => {
            let seed = seed.map_or_else(|| seed_for(&prompt), i64::unsigned_abs);
            Ok(Generation { prompt, resolution, duration, aspect_ratio, seed })
        }
        // Each field missing here was refused above.
        _ => Err(Failure::Status(500)),
    }
}

fn request_url(headers: &HeaderMap, id: &str) -> String {
    format!("{}{REQUESTS_PATH}/{id}", crate::host_url(headers))
}

async fn submit(sim: &Simulator, headers: &HeaderMap, body: &[u8]) -> Result<Response, Failure> {
    super::check_key(sim, Provider::Fal, headers)?;
    let generation = read(body)?;
    let plan = super::plan(sim, Provider::Fal, MODEL, &generation.prompt, headers)?;
    let requested = Duration::from_secs(generation.duration);
    let film = super::film(&sim.config, generation.size(), requested, generation.film_seed());
    let details = json!({"seed": generation.seed});
    let task = super::start(sim, NewTask { provider: Provider::Fal, model: MODEL.to_owned(), outcome: plan.outcome, length: plan.length, requested, film, details });
    let url = request_url(headers, &task.id);
    let answer = json!({"request_id": task.id, "status_url": format!("{url}/status"), "response_url": url, "cancel_url": format!("{url}/cancel")});
    Ok(Json(answer).into_response())
}

/// What fal's log says after `progress` of the work: a line every tenth.
fn logs(progress: f64, at: &str) -> Vec<Value> {
    let tenths = (progress * 10.0).floor() as u32;
    (0..=tenths.min(9)).map(|tenth| json!({"message": format!("Generating video: {}%", tenth * 10), "level": "INFO", "source": "user", "timestamp": at})).collect()
}

async fn status(sim: &Simulator, id: &str, headers: &HeaderMap, summary: &mut CallSummary) -> Result<Response, Failure> {
    super::check_key(sim, Provider::Fal, headers)?;
    let task = super::polled(sim, Provider::Fal, id, summary)?;
    let url = request_url(headers, &task.id);
    let mut answer = json!({"request_id": task.id, "response_url": url, "status_url": format!("{url}/status"), "cancel_url": format!("{url}/cancel")});
    match task.phase {
        Phase::Queued => {
            answer["status"] = "IN_QUEUE".into();
            answer["queue_position"] = task.queue_position.into();
        }
        Phase::Running { progress } => {
            answer["status"] = "IN_PROGRESS".into();
            answer["logs"] = logs(progress, &crate::rfc3339_now()).into();
        }
        Phase::Succeeded | Phase::Failed(_) | Phase::Cancelled => answer["status"] = "COMPLETED".into(),
    }
    Ok(([super::requested_header(&task)], Json(answer)).into_response())
}

/// The result: the video once it is done, or why there is none.
fn result_of(task: &Snapshot, headers: &HeaderMap) -> Response {
    let refusal = |status: StatusCode, body: Value| (status, Json(body)).into_response();
    match &task.phase {
        Phase::Queued | Phase::Running { .. } => refusal(StatusCode::BAD_REQUEST, json!({"detail": "Request is still in progress"})),
        Phase::Succeeded => {
            let video = json!({
                "url": Provider::Fal.file_url(headers, &format!("{}.mp4", task.id)),
                "content_type": "video/mp4",
                "file_name": format!("{}.mp4", task.id),
                "file_size": task.file_size,
            });
            Json(json!({"video": video, "seed": task.details["seed"]})).into_response()
        }
        Phase::Failed(Breakdown::Marked) => refusal(StatusCode::INTERNAL_SERVER_ERROR, json!({"detail": FAILURE, "error_type": "generation_failed"})),
        Phase::Failed(Breakdown::Making(why)) => refusal(StatusCode::INTERNAL_SERVER_ERROR, json!({"detail": why, "error_type": "internal_error"})),
        Phase::Cancelled => refusal(StatusCode::BAD_REQUEST, json!({"detail": "Request was cancelled", "error_type": "request_cancelled"})),
    }
}

async fn result(sim: &Simulator, id: &str, headers: &HeaderMap, summary: &mut CallSummary) -> Result<Response, Failure> {
    super::check_key(sim, Provider::Fal, headers)?;
    let task = super::polled(sim, Provider::Fal, id, summary)?;
    let mut response = result_of(&task, headers);
    let (name, value) = super::requested_header(&task);
    if let Ok(value) = value.parse() {
        response.headers_mut().insert(name, value);
    }
    Ok(response)
}

async fn cancel(sim: &Simulator, id: &str, headers: &HeaderMap) -> Result<Response, Failure> {
    super::check_key(sim, Provider::Fal, headers)?;
    Ok(match sim.video_tasks.cancel(Provider::Fal, id) {
        None => (StatusCode::NOT_FOUND, Json(json!({"status": "NOT_FOUND"}))),
        Some(phase) if phase.is_over() => (StatusCode::BAD_REQUEST, Json(json!({"status": "ALREADY_COMPLETED"}))),
        Some(_) => (StatusCode::ACCEPTED, Json(json!({"status": "CANCELLATION_REQUESTED"}))),
    }
    .into_response())
}

async fn submit_route(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    let result = submit(&sim, &headers, &body).await;
    let summary = CallSummary { model: Some(MODEL.to_owned()), ..CallSummary::of_body(&body) };
    super::respond(&sim, call(Method::POST, SUBMIT_PATH), &summary, result, failure_response)
}

async fn status_route(State(sim): State<Simulator>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let mut summary = CallSummary::default();
    let result = status(&sim, &id, &headers, &mut summary).await;
    super::respond(&sim, call(Method::GET, &format!("{REQUESTS_PATH}/{id}/status")), &summary, result, failure_response)
}

async fn result_route(State(sim): State<Simulator>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let mut summary = CallSummary::default();
    let result = result(&sim, &id, &headers, &mut summary).await;
    super::respond(&sim, call(Method::GET, &format!("{REQUESTS_PATH}/{id}")), &summary, result, failure_response)
}

async fn cancel_route(State(sim): State<Simulator>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let summary = CallSummary { model: sim.video_tasks.get(Provider::Fal, &id).map(|task| task.model), body: Value::Null };
    let result = cancel(&sim, &id, &headers).await;
    super::respond(&sim, call(Method::PUT, &format!("{REQUESTS_PATH}/{id}/cancel")), &summary, result, failure_response)
}

fn call(method: Method, path: &str) -> Call<'_> {
    Call { provider: Provider::Fal, method, path }
}

/// A problem as pydantic reports it: `{loc, msg, type}`.
fn pydantic(problem: &Problem) -> Value {
    let (kind, message) = match &problem.kind {
        Kind::Missing => ("missing", "Field required".to_owned()),
        Kind::Type(expected) => match expected.name() {
            "integer" => ("int_type", "Input should be a valid integer".to_owned()),
            "boolean" => ("bool_type", "Input should be a valid boolean".to_owned()),
            _ => ("string_type", "Input should be a valid string".to_owned()),
        },
        Kind::NotOneOf { allowed, .. } => {
            let allowed: Vec<String> = allowed.iter().map(quoted).collect();
            let listed = match allowed.as_slice() {
                [rest @ .., last] if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                _ => allowed.concat(),
            };
            ("literal_error", format!("Input should be {listed}"))
        }
        Kind::Empty => ("string_too_short", "String should have at least 1 character".to_owned()),
        Kind::TooLong { max_chars } => ("string_too_long", format!("String should have at most {max_chars} characters")),
        Kind::OutOfRange { min, .. } => ("greater_than_equal", format!("Input should be greater than or equal to {min}")),
        Kind::Rule(rule) => ("value_error", (*rule).to_owned()),
    };
    json!({"loc": ["body", problem.field], "msg": message, "type": kind})
}

fn failure_response(failure: &Failure) -> Response {
    let (status, detail) = match failure {
        Failure::MissingKey => (None, json!("Missing authorization header: use 'Authorization: Key <your-fal-key>'")),
        Failure::WrongKey => (None, json!("No user found for Key ID and Secret")),
        Failure::Version(_) | Failure::NotJson => (Some(StatusCode::UNPROCESSABLE_ENTITY), json!([{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}])),
        Failure::Invalid(problems) => (Some(StatusCode::UNPROCESSABLE_ENTITY), problems.iter().map(pydantic).collect()),
        Failure::NoSuchTask => (None, json!("Request not found")),
        Failure::RateLimited { .. } => (None, json!("Rate limit exceeded. Please retry later.")),
        Failure::Status(status) if *status >= 500 => (None, json!("Internal server error")),
        Failure::Status(_) => (None, json!("The request was refused")),
    };
    let mut response = failure.answer(json!({"detail": detail}));
    if let Some(status) = status {
        *response.status_mut() = status;
    }
    response
}

pub fn router() -> Router<Simulator> {
    Router::new()
        .route(SUBMIT_PATH, post(submit_route))
        .route(&format!("{REQUESTS_PATH}/{{id}}"), get(result_route))
        .route(&format!("{REQUESTS_PATH}/{{id}}/status"), get(status_route))
        .route(&format!("{REQUESTS_PATH}/{{id}}/cancel"), put(cancel_route))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generation(body: Value) -> Result<Generation, Failure> {
        read(body.to_string().as_bytes())
    }

    #[test]
    fn sizes_follow_the_resolution_and_aspect_ratio() {
        let size = |resolution: &str, aspect_ratio: &str| generation(json!({"prompt": "a fox", "resolution": resolution, "aspect_ratio": aspect_ratio})).unwrap().size();
        assert_eq!(size("720p", "16:9"), (1280, 720));
        assert_eq!(size("1080p", "16:9"), (1920, 1080));
        assert_eq!(size("720p", "4:5"), (720, 900));
        assert_eq!(size("1080p", "2:3"), (1080, 1620));
        assert_eq!(size("720p", "1:1"), (720, 720));
    }

    #[test]
    fn without_a_seed_one_comes_from_the_prompt() {
        let seed = |body: Value| generation(body).unwrap().seed;
        assert_eq!(seed(json!({"prompt": "a fox"})), seed(json!({"prompt": "a fox [sim:task-ms=10]"})));
        assert_ne!(seed(json!({"prompt": "a fox"})), seed(json!({"prompt": "a whale"})));
        assert_eq!(seed(json!({"prompt": "a fox", "seed": 42})), 42);
    }

    #[test]
    fn every_problem_is_listed_as_pydantic_lists_it() {
        let refused = generation(json!({"resolution": "4k", "duration": 7, "aspect_ratio": 3})).unwrap_err();
        let Failure::Invalid(problems) = refused else { panic!("{refused:?}") };
        let listed: Vec<Value> = problems.iter().map(pydantic).collect();
        assert_eq!(
            listed,
            [
                json!({"loc": ["body", "prompt"], "msg": "Field required", "type": "missing"}),
                json!({"loc": ["body", "resolution"], "msg": "Input should be '720p' or '1080p'", "type": "literal_error"}),
                json!({"loc": ["body", "duration"], "msg": "Input should be 5 or 10", "type": "literal_error"}),
                json!({"loc": ["body", "aspect_ratio"], "msg": "Input should be a valid string", "type": "string_type"}),
            ]
        );
    }

    #[test]
    fn logs_grow_a_line_every_tenth() {
        assert_eq!(logs(0.0, "t").len(), 1);
        assert_eq!(logs(0.45, "t").len(), 5);
        assert_eq!(logs(1.0, "t").len(), 10);
        assert_eq!(logs(0.45, "t")[4]["message"], "Generating video: 40%");
    }
}
