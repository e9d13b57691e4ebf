//! The video-generation providers — Runway under `/runway`, Luma Dream
//! Machine under `/luma` and Pika through fal.ai's queue under `/fal` —
//! each speaking its provider's wire format (`runway`, `luma`, `fal`).
//! Video is asynchronous: a request makes a task (`crate::tasks`) that is
//! polled until it is done, and its film (`film`, a real MP4 made by
//! ffmpeg) is then downloaded from `GET /<prefix>/_files/{id}.mp4` (Luma's
//! poster, a JPEG of the same picture, from `.../_files/{id}.jpg`). What the
//! providers share lives here: their keys, the provider-neutral failures,
//! the step from a valid request to a `Plan` (faults, `[sim:...]` markers),
//! the job that films a task, the checks on a poll, the files and the
//! request log.
//!
//! `GET /_sim/video` lists the last 500 calls, oldest first
//! (`{"requests": [{provider, method, path, model, status, body}]}`);
//! `DELETE /_sim/video` forgets them.

mod fal;
mod film;
mod luma;
mod runway;

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::fields::{Problem, Refusal};
use crate::tasks::{Ending, Job, Snapshot};
use crate::{call_log, markers, tasks, Config, Simulator};
use crate::header;
use film::Film;

/// The video providers' tasks.
pub type Tasks = tasks::Tasks<Provider>;

/// How many tasks' files are kept (a 4K film is megabytes).
pub const KEPT_TASK_FILES: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Runway,
    Luma,
    Fal,
}

impl Provider {
    /// The service name for `/_sim/faults`, and what `/_sim/video` reports.
    pub fn service(self) -> &'static str {
        match self {
            Provider::Runway => "runway",
            Provider::Luma => "luma",
            Provider::Fal => "fal",
        }
    }

    /// Where the provider's API is on the simulator (its base URL's path).
    fn prefix(self) -> &'static str {
        match self {
            Provider::Runway => "/runway",
            Provider::Luma => "/luma",
            Provider::Fal => "/fal",
        }
    }

    fn key(self, config: &Config) -> &str {
        match self {
            Provider::Runway => &config.runway_api_key,
            Provider::Luma => &config.luma_api_key,
            Provider::Fal => &config.fal_api_key,
        }
    }

    /// The key as sent: `Authorization: Bearer KEY`, fal's `Authorization: Key KEY`.
    fn sent_key(self, headers: &HeaderMap) -> Option<&str> {
        let scheme = if self == Provider::Fal { "Key " } else { "Bearer " };
        header(headers, "authorization").and_then(|a| a.strip_prefix(scheme)).map(str::trim)
    }

    /// `http://<Host>/<prefix>`: where the provider's URLs point, on the host asked.
    fn base_url(self, headers: &HeaderMap) -> String {
        format!("{}{}", crate::host_url(headers), self.prefix())
    }

    /// Where a task's file `name` (`{id}.mp4`, `{id}.jpg`) is served.
    fn file_url(self, headers: &HeaderMap, name: &str) -> String {
        format!("{}/_files/{name}", self.base_url(headers))
    }

    /// Whether a finished task also has a poster (Luma's `assets.image`).
    fn has_poster(self) -> bool {
        self == Provider::Luma
    }
}

/// Why a call fails, before each provider words it its own way.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Failure {
    MissingKey,
    /// A key that is not the provider's, `[sim:401]` or an injected 401.
    WrongKey,
    /// Runway: no `X-Runway-Version`, or one it does not serve.
    Version(Option<String>),
    /// A body that is not a JSON object.
    NotJson,
    /// A body the provider refuses to read, with every problem.
    Invalid(Vec<Problem>),
    /// A task id the provider does not know (or has deleted).
    NoSuchTask,
    RateLimited {
        retry_after: u64,
    },
    /// Any other status: `[sim:500]` or an injected fault.
    Status(u16),
}

/// Seconds a rate-limited caller is told to wait when a fault names none.
const RETRY_AFTER_SECONDS: u64 = 7;

impl Failure {
    fn from_fault(fault: crate::faults::Fault) -> Self {
        match fault.status {
            401 => Failure::WrongKey,
            429 => Failure::RateLimited { retry_after: fault.retry_after.unwrap_or(RETRY_AFTER_SECONDS) },
            status => Failure::Status(status),
        }
    }

    /// The status the failure answers with where the providers agree.
    fn status(&self) -> StatusCode {
        let code = match self {
            Failure::MissingKey | Failure::WrongKey => 401,
            Failure::Version(_) | Failure::NotJson | Failure::Invalid(_) => 400,
            Failure::NoSuchTask => 404,
            Failure::RateLimited { .. } => 429,
            Failure::Status(status) => *status,
        };
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The failure's status and `body`, with `retry-after` when rate limited.
    fn answer(&self, body: Value) -> Response {
        let mut response = (self.status(), Json(body)).into_response();
        if let Failure::RateLimited { retry_after } = self {
            response.headers_mut().insert("retry-after", HeaderValue::from(*retry_after));
        }
        response
    }
}

impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotJson => Failure::NotJson,
            Refusal::Invalid(problems) => Failure::Invalid(problems),
        }
    }
}

/// `Ok` when the request carries the provider's key.
fn check_key(sim: &Simulator, provider: Provider, headers: &HeaderMap) -> Result<(), Failure> {
    match provider.sent_key(headers) {
        None | Some("") => Err(Failure::MissingKey),
        Some(key) if key == provider.key(&sim.config) => Ok(()),
        Some(_) => Err(Failure::WrongKey),
    }
}

/// How a task ends, as the markers ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Video,
    /// `[sim:fail]`: the task fails when its time is up.
    Fail,
    /// `[sim:stuck]`: it runs forever, its progress stopping at 0.5.
    Stuck,
    /// `[sim:bad-video]`: it succeeds, but its file is no video.
    BadVideo,
}

impl Outcome {
    fn ending(self) -> Ending {
        match self {
            Outcome::Video | Outcome::BadVideo => Ending::Done,
            Outcome::Fail => Ending::Fail,
            Outcome::Stuck => Ending::Stuck,
        }
    }
}

/// How an accepted request goes.
#[derive(Debug)]
pub(crate) struct Plan {
    pub outcome: Outcome,
    /// How long the task takes: `[sim:task-ms=N]` or `SIM_VIDEO_TASK_MS`.
    pub length: Duration,
}

/// From a valid request to what happens: an injected fault (matched on
/// the model), a failing marker, or the task's outcome and length. The
/// first outcome marker counts.
fn plan(sim: &Simulator, provider: Provider, model: &str, prompt: &str, headers: &HeaderMap) -> Result<Plan, Failure> {
    if let Some(fault) = sim.faults.take(provider.service(), &[model.to_owned()]) {
        return Err(Failure::from_fault(fault));
    }
    let words = markers::words(prompt, header(headers, "x-sim-behaviour"));
    let (first, length) = tasks::read_markers(words, Duration::from_millis(sim.config.video_task_ms), |word| match word {
        "fail" => Some(Outcome::Fail),
        "stuck" => Some(Outcome::Stuck),
        "bad-video" => Some(Outcome::BadVideo),
        _ => None,
    });
    let outcome = match first {
        None => Outcome::Video,
        Some(Ok(outcome)) => outcome,
        Some(Err(tasks::Refusal::WrongKey)) => return Err(Failure::WrongKey),
        Some(Err(tasks::Refusal::RateLimited)) => return Err(Failure::RateLimited { retry_after: RETRY_AFTER_SECONDS }),
        Some(Err(tasks::Refusal::Status(status))) => return Err(Failure::Status(status)),
    };
    Ok(Plan { outcome, length })
}

/// The provider's task `id` for a poll or a cancel: an injected fault
/// (matched on the task's model or id) answers once instead.
fn polled(sim: &Simulator, provider: Provider, id: &str, summary: &mut CallSummary) -> Result<Snapshot, Failure> {
    let task = sim.video_tasks.get(provider, id).ok_or(Failure::NoSuchTask)?;
    summary.model = Some(task.model.clone());
    match sim.faults.take(provider.service(), &[task.model.clone(), task.id.clone()]) {
        Some(fault) => Err(Failure::from_fault(fault)),
        None => Ok(task),
    }
}

/// What a provider asks to be filmed: `width`×`height`, as long as
/// `requested` but no longer than `SIM_VIDEO_MAX_SECONDS`.
fn film(config: &Config, (width, height): (u32, u32), requested: Duration, seed: String) -> Film {
    Film { width, height, length: requested.min(Duration::from_secs(config.video_max_seconds.max(1))), seed }
}

/// The size of a picture whose short side is `short` pixels at `aspect_ratio`
/// (`W:H`; 16:9 if unreadable), the long side rounded to even, as H.264 needs.
fn size_by_short_side(short: u32, aspect_ratio: &str) -> (u32, u32) {
    let (w, h) = aspect_ratio.split_once(':').and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?))).filter(|&(w, h)| w > 0 && h > 0).unwrap_or((16, 9));
    let long = |long_part: u32, short_part: u32| (short * long_part / short_part).div_ceil(2) * 2;
    if w >= h {
        (long(w, h), short)
    } else {
        (short, long(h, w))
    }
}

/// What a provider asks for when it takes a request.
pub(crate) struct NewTask {
    pub provider: Provider,
    pub model: String,
    pub outcome: Outcome,
    /// How long the task takes, from queued to done.
    pub length: Duration,
    /// The video's length asked for (the film may be shorter).
    pub requested: Duration,
    pub film: Film,
    /// Whatever else the provider reports about it (Luma's `request`, fal's `seed`).
    pub details: Value,
}

/// Starts the task a provider accepted, filming it if it is to succeed.
fn start(sim: &Simulator, task: NewTask) -> Snapshot {
    let id = crate::uuid_v4();
    let ending = task.outcome.ending();
    let job = (ending == Ending::Done).then(|| film_job(&id, task.outcome, task.film, sim.config.ffmpeg.clone(), task.provider.has_poster()));
    let NewTask { provider, model, length, requested, details, .. } = task;
    sim.video_tasks.start(tasks::NewTask { id, provider, model, ending, length, requested, details, job })
}

/// Films the task (`[sim:bad-video]`: keeps no video instead) and, at the
/// same time, draws its poster if it has one.
fn film_job(id: &str, outcome: Outcome, film: Film, ffmpeg: String, poster: bool) -> Job {
    let id = id.to_owned();
    Box::pin(async move {
        let video = async {
            match outcome {
                Outcome::BadVideo => Ok(NOT_VIDEO.to_vec()),
                _ => film.shoot(&ffmpeg).await,
            }
        };
        let drawn = async {
            if poster {
                film.poster().await.map(Some)
            } else {
                Ok(None)
            }
        };
        let (video, drawn) = tokio::join!(video, drawn);
        let mut files = vec![(format!("{id}.mp4"), video?)];
        if let Some(poster) = drawn? {
            files.push((format!("{id}.jpg"), poster));
        }
        Ok(files)
    })
}

/// The header that tells the video length asked for (the film may be shorter).
fn requested_header(task: &Snapshot) -> (&'static str, String) {
    ("x-sim-requested-ms", task.requested.as_millis().to_string())
}

/// What a `[sim:bad-video]` task's file holds, served as `video/mp4`.
pub(crate) const NOT_VIDEO: &[u8] = b"<html>oops</html>";

/// `GET /<prefix>/_files/{name}`: a task's film or poster, as the providers' CDNs serve them.
async fn file(State(sim): State<Simulator>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    tasks::serve(sim.video_tasks.files(), &name, &headers)
}

/// What `/_sim/video` shows of a call, filled in as the request is read.
#[derive(Default)]
pub(crate) struct CallSummary {
    pub model: Option<String>,
    /// The JSON body as sent (`null` if none or not JSON).
    pub body: Value,
}

impl CallSummary {
    fn of_body(body: &[u8]) -> Self {
        let sent: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        CallSummary { model: sent.get("model").and_then(Value::as_str).map(str::to_owned), body: sent }
    }
}

/// One call to a provider as the call log sees it.
struct Call<'a> {
    provider: Provider,
    method: Method,
    path: &'a str,
}

/// Turns a provider's result into its response and records the call.
fn respond(sim: &Simulator, call: Call, summary: &CallSummary, result: Result<Response, Failure>, render: fn(&Failure) -> Response) -> Response {
    let response = result.unwrap_or_else(|failure| render(&failure));
    sim.video_calls.push(json!({
        "provider": call.provider.service(), "method": call.method.as_str(), "path": call.path,
        "model": summary.model, "status": response.status().as_u16(), "body": summary.body,
    }));
    response
}

pub fn router() -> Router<Simulator> {
    let files = [Provider::Runway, Provider::Luma, Provider::Fal]
        .into_iter()
        .fold(Router::new(), |router, provider| router.route(&format!("{}/_files/{{name}}", provider.prefix()), get(file)));
    Router::new().merge(call_log::routes("/_sim/video", |sim| &sim.video_calls)).merge(files).merge(runway::router()).merge(luma::router()).merge(fal::router())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim() -> Simulator {
        Simulator::new(Config { video_task_ms: 3000, video_max_seconds: 2, ..Config::from_env() })
    }

    fn planned(prompt: &str, header: Option<&str>) -> Result<(Outcome, Duration), Failure> {
        let mut headers = HeaderMap::new();
        if let Some(value) = header {
            headers.insert("x-sim-behaviour", HeaderValue::from_str(value).unwrap());
        }
        plan(&sim(), Provider::Runway, "gen4_turbo", prompt, &headers).map(|plan| (plan.outcome, plan.length))
    }

    #[test]
    fn markers_choose_the_outcome_and_the_task_length() {
        let usual = Duration::from_secs(3);
        assert_eq!(planned("a fox", None), Ok((Outcome::Video, usual)));
        assert_eq!(planned("a fox [sim:fail]", None), Ok((Outcome::Fail, usual)));
        assert_eq!(planned("a fox", Some("stuck")), Ok((Outcome::Stuck, usual)));
        assert_eq!(planned("a fox [sim:bad-video] [sim:500]", None), Ok((Outcome::BadVideo, usual)));
        assert_eq!(planned("a fox [sim:429] [sim:fail]", None), Err(Failure::RateLimited { retry_after: 7 }));
        assert_eq!(planned("a fox [sim:task-ms=800]", Some("fail")), Ok((Outcome::Fail, Duration::from_millis(800))));
        assert_eq!(planned("a fox [sim:task-ms=99999999]", None), Ok((Outcome::Video, tasks::MAX_TASK_LENGTH)));
    }

    #[test]
    fn faults_on_creation_match_the_model() {
        let sim = sim();
        sim.faults.add("luma", crate::faults::Fault { status: 503, retry_after: None }, 1, Some("ray-flash-2".into()));
        let headers = HeaderMap::new();
        assert!(plan(&sim, Provider::Luma, "ray-2", "a fox", &headers).is_ok());
        assert_eq!(plan(&sim, Provider::Luma, "ray-flash-2", "a fox", &headers).err(), Some(Failure::Status(503)));
        assert!(plan(&sim, Provider::Luma, "ray-flash-2", "a fox", &headers).is_ok(), "used once");
    }

    #[test]
    fn films_are_cut_to_the_longest_made() {
        let config = Config { video_max_seconds: 2, ..Config::from_env() };
        assert_eq!(film(&config, (1280, 720), Duration::from_secs(10), "x".into()).length, Duration::from_secs(2));
        assert_eq!(film(&config, (1280, 720), Duration::from_millis(1500), "x".into()).length, Duration::from_millis(1500));
    }

    #[test]
    fn sizes_by_the_short_side_follow_the_aspect_ratio() {
        assert_eq!(size_by_short_side(720, "16:9"), (1280, 720));
        assert_eq!(size_by_short_side(720, "9:16"), (720, 1280));
        assert_eq!(size_by_short_side(1080, "4:5"), (1080, 1350));
        assert_eq!(size_by_short_side(540, "9:21"), (540, 1260));
        assert_eq!(size_by_short_side(720, "0:0"), (1280, 720));
    }
}
