//! Luma Dream Machine: `Authorization: Bearer KEY`, JSON bodies, a
//! generation polled until it is done.
//!
//! - `POST /luma/dream-machine/v1/generations` `{prompt, model (ray-2 |
//!   ray-flash-2), resolution? (540p | 720p (default) | 1080p | 4k),
//!   duration? (5s (default) | 9s), aspect_ratio? (16:9 (default), 9:16,
//!   1:1, 4:3, 3:4, 21:9, 9:21), loop?}` → 201 with the generation.
//! - `GET /luma/dream-machine/v1/generations/{id}` → `{id, generation_type:
//!   "video", state (queued → dreaming → completed | failed),
//!   failure_reason, created_at, assets (`{"video": url, "image": url}`
//!   once completed: the MP4 and a JPEG poster of the same size), model,
//!   request}`.
//! - `DELETE` the same path → 204, and the generation is gone (404).
//!
//! The resolution is the picture's short side (4k: 2160), the long side
//! following the aspect ratio. Errors are `{"detail": message}`; a body it
//! cannot read says its first problem.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{Call, CallSummary, Failure, NewTask, Provider};
use crate::fields::Fields;
use crate::tasks::{Breakdown, Phase, Snapshot};
use crate::{markers, Simulator};

const PATH: &str = "/luma/dream-machine/v1/generations";

const MODELS: &[&str] = &["ray-2", "ray-flash-2"];
/// Each resolution and its short side in pixels.
const RESOLUTIONS: [(&str, u32); 4] = [("540p", 540), ("720p", 720), ("1080p", 1080), ("4k", 2160)];
const DURATIONS: [(&str, u64); 2] = [("5s", 5), ("9s", 9)];
const ASPECT_RATIOS: &[&str] = &["16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21"];
const MAX_PROMPT_CHARS: usize = 5000;
const FAILURE: &str = "The generation failed: the model could not produce a video for this prompt.";

/// A request Luma accepts.
#[derive(Debug)]
struct Generation {
    prompt: String,
    model: &'static str,
    resolution: &'static str,
    duration: &'static str,
    aspect_ratio: &'static str,
    looped: bool,
}

impl Generation {
    /// The short side is the resolution's; the long side follows the aspect ratio.
    fn size(&self) -> (u32, u32) {
        let short = RESOLUTIONS.iter().find(|(name, _)| *name == self.resolution).map_or(720, |&(_, pixels)| pixels);
        super::size_by_short_side(short, self.aspect_ratio)
    }

    fn seconds(&self) -> u64 {
        DURATIONS.iter().find(|(name, _)| *name == self.duration).map_or(5, |&(_, seconds)| seconds)
    }

    /// What `request` echoes.
    fn request(&self) -> Value {
        json!({
            "generation_type": "video",
            "prompt": self.prompt,
            "model": self.model,
            "resolution": self.resolution,
            "duration": self.duration,
            "aspect_ratio": self.aspect_ratio,
            "loop": self.looped,
        })
    }

    fn film_seed(&self) -> String {
        format!("{}\n{}\n{}\n{}", self.model, self.resolution, self.aspect_ratio, markers::strip(&self.prompt))
    }
}

fn read(body: &[u8]) -> Result<Generation, Failure> {
    let mut fields = Fields::read(body)?;
    let prompt = fields.text("prompt", true, MAX_PROMPT_CHARS);
    let model = fields.choice("model", MODELS, None);
    let resolution = fields.choice("resolution", &RESOLUTIONS.map(|(name, _)| name), Some("720p"));
    let duration = fields.choice("duration", &DURATIONS.map(|(name, _)| name), Some("5s"));
    let aspect_ratio = fields.choice("aspect_ratio", ASPECT_RATIOS, Some("16:9"));
    let looped = fields.boolean("loop").unwrap_or(false);
    match fields.finish((prompt, model, resolution, duration, aspect_ratio))? {
        (Some(prompt), Some(model), Some(resolution), Some(duration), Some(aspect_ratio)) => Ok(Generation { prompt, model, resolution, duration, aspect_ratio, looped }),
        // Each field missing here was refused above.
        _ => Err(Failure::Status(500)),
    }
}

async fn create(sim: &Simulator, headers: &HeaderMap, body: &[u8]) -> Result<Response, Failure> {
    super::check_key(sim, Provider::Luma, headers)?;
    let generation = read(body)?;
    let plan = super::plan(sim, Provider::Luma, generation.model, &generation.prompt, headers)?;
    let requested = Duration::from_secs(generation.seconds());
    let film = super::film(&sim.config, generation.size(), requested, generation.film_seed());
    let task = NewTask { provider: Provider::Luma, model: generation.model.to_owned(), outcome: plan.outcome, length: plan.length, requested, film, details: generation.request() };
    let task = super::start(sim, task);
    Ok((StatusCode::CREATED, [super::requested_header(&task)], Json(generation_json(&task, headers))).into_response())
}

/// A generation as Luma shows it.
fn generation_json(task: &Snapshot, headers: &HeaderMap) -> Value {
    let (state, failure_reason, assets) = match &task.phase {
        Phase::Queued => ("queued", None, None),
        Phase::Running { .. } => ("dreaming", None, None),
        Phase::Succeeded => ("completed", None, Some(assets(task, headers))),
        Phase::Failed(Breakdown::Marked) => ("failed", Some(FAILURE.to_owned()), None),
        Phase::Failed(Breakdown::Making(why)) => ("failed", Some(why.clone()), None),
        // A deleted generation is gone; none is ever shown cancelled.
        Phase::Cancelled => ("failed", Some("The generation was cancelled.".to_owned()), None),
    };
    json!({
        "id": task.id,
        "generation_type": "video",
        "state": state,
        "failure_reason": failure_reason,
        "created_at": task.created_at,
        "assets": assets,
        "model": task.model,
        "request": task.details,
    })
}

/// A completed generation's files: the video and its poster.
fn assets(task: &Snapshot, headers: &HeaderMap) -> Value {
    let url = |extension: &str| Provider::Luma.file_url(headers, &format!("{}.{extension}", task.id));
    json!({"video": url("mp4"), "image": url("jpg")})
}

async fn generation(sim: &Simulator, id: &str, headers: &HeaderMap, summary: &mut CallSummary) -> Result<Response, Failure> {
    super::check_key(sim, Provider::Luma, headers)?;
    let task = super::polled(sim, Provider::Luma, id, summary)?;
    Ok(([super::requested_header(&task)], Json(generation_json(&task, headers))).into_response())
}

async fn delete(sim: &Simulator, id: &str, headers: &HeaderMap) -> Result<Response, Failure> {
    super::check_key(sim, Provider::Luma, headers)?;
    sim.video_tasks.delete(Provider::Luma, id).ok_or(Failure::NoSuchTask)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn create_route(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    let result = create(&sim, &headers, &body).await;
    super::respond(&sim, call(Method::POST, PATH), &CallSummary::of_body(&body), result, failure_response)
}

async fn generation_route(State(sim): State<Simulator>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let mut summary = CallSummary::default();
    let result = generation(&sim, &id, &headers, &mut summary).await;
    super::respond(&sim, call(Method::GET, &format!("{PATH}/{id}")), &summary, result, failure_response)
}

async fn delete_route(State(sim): State<Simulator>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let summary = CallSummary { model: sim.video_tasks.get(Provider::Luma, &id).map(|task| task.model), body: Value::Null };
    let result = delete(&sim, &id, &headers).await;
    super::respond(&sim, call(Method::DELETE, &format!("{PATH}/{id}")), &summary, result, failure_response)
}

fn call(method: Method, path: &str) -> Call<'_> {
    Call { provider: Provider::Luma, method, path }
}

fn failure_response(failure: &Failure) -> Response {
    let detail = match failure {
        Failure::MissingKey | Failure::WrongKey => "Invalid API key".to_owned(),
        Failure::Version(_) | Failure::NotJson => "Invalid request: the body must be a JSON object".to_owned(),
        Failure::Invalid(problems) => match problems.first() {
            Some(problem) => format!("Invalid request: {}", problem.describe()),
            None => "Invalid request".to_owned(),
        },
        Failure::NoSuchTask => "Generation not found".to_owned(),
        Failure::RateLimited { .. } => "Too many requests: rate limit exceeded".to_owned(),
        Failure::Status(status) if *status >= 500 => "Internal server error".to_owned(),
        Failure::Status(_) => "The request was refused".to_owned(),
    };
    failure.answer(json!({"detail": detail}))
}

pub fn router() -> Router<Simulator> {
    Router::new().route(PATH, post(create_route)).route(&format!("{PATH}/{{id}}"), get(generation_route).delete(delete_route))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generation(body: Value) -> Result<Generation, Failure> {
        read(body.to_string().as_bytes())
    }

    #[test]
    fn the_resolution_is_the_short_side() {
        let size =
            |resolution: &str, aspect_ratio: &str| generation(json!({"prompt": "a fox", "model": "ray-2", "resolution": resolution, "aspect_ratio": aspect_ratio})).unwrap().size();
        assert_eq!(size("720p", "16:9"), (1280, 720));
        assert_eq!(size("1080p", "16:9"), (1920, 1080));
        assert_eq!(size("4k", "16:9"), (3840, 2160));
        assert_eq!(size("540p", "16:9"), (960, 540));
        assert_eq!(size("720p", "9:16"), (720, 1280));
        assert_eq!(size("720p", "1:1"), (720, 720));
        assert_eq!(size("540p", "21:9"), (1260, 540));
        assert_eq!(size("1080p", "3:4"), (1080, 1440));
    }

    #[test]
    fn absent_settings_take_lumas_defaults() {
        let read = generation(json!({"prompt": "a fox", "model": "ray-flash-2"})).unwrap();
        assert_eq!((read.resolution, read.duration, read.aspect_ratio, read.looped, read.seconds()), ("720p", "5s", "16:9", false, 5));
        assert_eq!(read.request()["generation_type"], "video");
    }

    #[test]
    fn the_first_problem_is_said() {
        let refused = generation(json!({"model": "ray-3", "duration": "7s"})).unwrap_err();
        let body = failure_response(&refused);
        assert_eq!(body.status(), 400);
        match refused {
            Failure::Invalid(problems) => assert_eq!(problems.iter().map(|p| p.field).collect::<Vec<_>>(), ["prompt", "model", "duration"]),
            other => panic!("{other:?}"),
        }
    }
}
