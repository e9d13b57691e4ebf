//! The image-generation providers — OpenAI Images under `/openai`, beside
//! its chat API, so the site's one `OPENAI_API_BASE` serves both, and
//! Stability AI under `/stability` — each speaking its provider's wire
//! format (`openai`, `stability`) and answering with real image files
//! (`picture`). What they share lives here: the providers and their keys,
//! the provider-neutral failures, the step from a valid request to a `Plan`
//! (faults, `[sim:...]` markers, the wait), the request log, and the files
//! behind OpenAI's `url` answers.
//!
//! `GET /_sim/images` lists the last 500 calls, oldest first
//! (`{"requests": [{provider, path, model, status, body}]}`, where a
//! Stability body is its form fields and an uploaded file only its name and
//! size); `DELETE /_sim/images` forgets them.

mod openai;
/// Also the video posters' and song covers'.
pub(crate) mod picture;
/// Also Stable Audio's: Stability answers its audio API as its image one.
pub(crate) mod stability;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use axum::Router;
use serde_json::{json, Value};

use crate::{call_log, markers, Config, Simulator};
use crate::header;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    OpenAi,
    Stability,
}

impl Provider {
    /// The service name for `/_sim/faults`.
    pub fn service(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai-images",
            Provider::Stability => "stability",
        }
    }

    /// What `/_sim/images` reports.
    fn name(self) -> &'static str {
        match self {
            Provider::OpenAi => "openai",
            Provider::Stability => "stability",
        }
    }

    fn key(self, config: &Config) -> &str {
        match self {
            Provider::OpenAi => &config.openai_api_key,
            Provider::Stability => &config.stability_api_key,
        }
    }
}

/// One reason a provider refuses to read a request; OpenAI reports the
/// first with its `param`, Stability lists them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub param: Option<&'static str>,
    pub message: String,
}

/// Why a call fails, before each family words it its own way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    MissingKey,
    /// A key that is not the provider's, `[sim:401]` or an injected 401.
    WrongKey,
    /// A request the provider refuses to read (400).
    Invalid(Vec<Problem>),
    UnknownModel(String),
    RateLimited {
        retry_after: u64,
    },
    /// `[sim:moderation]`: the provider's safety system refused the prompt.
    Moderation,
    /// Any other status: `[sim:500]`, an unknown endpoint, or an injected fault.
    Status(u16),
}

/// Seconds a rate-limited caller is told to wait when a fault names none.
const RETRY_AFTER_SECONDS: u64 = 7;

impl Failure {
    fn invalid(param: &'static str, message: impl Into<String>) -> Self {
        Failure::Invalid(vec![Problem { param: Some(param), message: message.into() }])
    }

    fn from_fault(fault: crate::faults::Fault, provider: Provider, model: &str) -> Self {
        match (fault.status, provider) {
            (401, _) => Failure::WrongKey,
            (404, Provider::OpenAi) => Failure::UnknownModel(model.to_owned()),
            // Content moderation is the only 403 Stability documents.
            (403, Provider::Stability) => Failure::Moderation,
            (429, _) => Failure::RateLimited { retry_after: fault.retry_after.unwrap_or(RETRY_AFTER_SECONDS) },
            (status, _) => Failure::Status(status),
        }
    }
}

/// Adds `retry-after` to a rate-limited answer, as both providers do.
fn with_retry_after(mut response: Response, failure: &Failure) -> Response {
    if let Failure::RateLimited { retry_after } = failure {
        response.headers_mut().insert("retry-after", HeaderValue::from(*retry_after));
    }
    response
}

/// `Ok` when `Authorization: Bearer` holds the provider's key.
fn check_key(sim: &Simulator, provider: Provider, headers: &HeaderMap) -> Result<(), Failure> {
    match header(headers, "authorization").and_then(|a| a.strip_prefix("Bearer ")).map(str::trim) {
        None | Some("") => Err(Failure::MissingKey),
        Some(key) if key == provider.key(&sim.config) => Ok(()),
        Some(_) => Err(Failure::WrongKey),
    }
}

/// What a successful call sends back, as the markers ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Picture,
    /// `[sim:bad-image]`: a 200 whose "image" is not one.
    BadImage,
    /// `[sim:filtered]`: Stability's veiled picture with `CONTENT_FILTERED`
    /// (OpenAI has no such answer and draws the picture).
    Filtered,
}

/// How an accepted call goes.
pub(crate) struct Plan {
    pub outcome: Outcome,
    /// How long the "model" takes: `[sim:delay=MS]` or `SIM_IMAGE_DELAY_MS`.
    pub delay: Duration,
}

/// What a `[sim:bad-image]` answer holds instead of an image: encoded in
/// JSON answers, and sent raw (as an error page would be) otherwise.
pub(crate) const NOT_AN_IMAGE: &[u8] = b"not an image";
pub(crate) const NOT_AN_IMAGE_RAW: &[u8] = b"<html>oops</html>";

/// Long enough to test the site's timeouts, short enough not to hang a test run.
const MAX_DELAY_MS: u64 = 60_000;

/// From a valid request to what happens: an injected fault, a failing
/// marker, or the answer with its wait. The first outcome marker counts.
fn plan(sim: &Simulator, provider: Provider, model: &str, prompt: &str, headers: &HeaderMap) -> Result<Plan, Failure> {
    if let Some(fault) = sim.faults.take(provider.service(), &[model.to_owned()]) {
        return Err(Failure::from_fault(fault, provider, model));
    }
    let mut first = None;
    let mut delay = Duration::from_millis(sim.config.image_delay_ms);
    for word in markers::words(prompt, header(headers, "x-sim-behaviour")) {
        let said = match word.as_str() {
            "401" => Err(Failure::WrongKey),
            "429" => Err(Failure::RateLimited { retry_after: RETRY_AFTER_SECONDS }),
            "500" => Err(Failure::Status(500)),
            "moderation" => Err(Failure::Moderation),
            "bad-image" => Ok(Outcome::BadImage),
            "filtered" => Ok(Outcome::Filtered),
            _ => {
                if let Some(asked) = markers::delay(&word, Duration::from_millis(MAX_DELAY_MS)) {
                    delay = asked;
                }
                continue;
            }
        };
        first.get_or_insert(said);
    }
    Ok(Plan { outcome: first.unwrap_or(Ok(Outcome::Picture))?, delay })
}

/// What `/_sim/images` shows of a call, filled in as the request is read.
#[derive(Default)]
pub(crate) struct CallSummary {
    pub model: Option<String>,
    /// The JSON body as sent (`null` if it was not JSON), or Stability's form fields.
    pub body: Value,
}

/// The images behind OpenAI's `url` answers, by file name; only the last
/// few are kept, as OpenAI's links expire.
#[derive(Clone, Default)]
pub struct Files(Arc<Mutex<VecDeque<NamedFile>>>);

/// A file's name and its bytes.
type NamedFile = (String, Vec<u8>);

const KEPT_FILES: usize = 50;

impl Files {
    /// Keeps `bytes` and answers the name they are served under.
    fn keep(&self, bytes: Vec<u8>, extension: &str) -> String {
        let name = format!("img-{}.{extension}", crate::uuid_v4().replace('-', ""));
        if let Ok(mut files) = self.0.lock() {
            if files.len() == KEPT_FILES {
                files.pop_front();
            }
            files.push_back((name.clone(), bytes));
        }
        name
    }

    fn get(&self, name: &str) -> Option<Vec<u8>> {
        self.0.lock().ok()?.iter().find(|(kept, _)| kept == name).map(|(_, bytes)| bytes.clone())
    }
}

/// Turns a family's result into its response and records the call.
fn respond(sim: &Simulator, provider: Provider, path: &str, summary: &CallSummary, result: Result<Response, Failure>, render: fn(&Failure) -> Response) -> Response {
    let response = result.unwrap_or_else(|failure| render(&failure));
    sim.image_calls.push(json!({"provider": provider.name(), "path": path, "model": summary.model, "status": response.status().as_u16(), "body": summary.body}));
    response
}

/// Draws and encodes off the async workers: a large picture takes a while.
async fn paint(seeds: Vec<String>, width: u32, height: u32, format: picture::Format, veiled: bool) -> Result<Vec<Vec<u8>>, Failure> {
    let painted = tokio::task::spawn_blocking(move || {
        seeds
            .iter()
            .map(|seed| {
                let picture = picture::Picture::draw(seed, width, height);
                if veiled { picture.veiled() } else { picture }.encode(format)
            })
            .collect::<Result<Vec<_>, String>>()
    });
    match painted.await {
        Ok(Ok(images)) => Ok(images),
        Ok(Err(error)) => {
            eprintln!("webox-simulator: cannot encode a {width}x{height} picture: {error}");
            Err(Failure::Status(500))
        }
        Err(_) => Err(Failure::Status(500)),
    }
}

pub fn router() -> Router<Simulator> {
    Router::new()
        .merge(call_log::routes("/_sim/images", |sim| &sim.image_calls))
        .merge(openai::router())
        .merge(stability::router())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim() -> Simulator {
        Simulator::new(Config { image_delay_ms: 5, ..Config::from_env() })
    }

    fn outcome(prompt: &str, header: Option<&str>) -> Result<Outcome, Failure> {
        let mut headers = HeaderMap::new();
        if let Some(value) = header {
            headers.insert("x-sim-behaviour", HeaderValue::from_str(value).unwrap());
        }
        plan(&sim(), Provider::OpenAi, "dall-e-3", prompt, &headers).map(|plan| plan.outcome)
    }

    #[test]
    fn markers_choose_the_outcome_and_the_first_one_counts() {
        assert_eq!(outcome("a fox", None), Ok(Outcome::Picture));
        assert_eq!(outcome("a fox [sim:moderation]", None), Err(Failure::Moderation));
        assert_eq!(outcome("a fox", Some("429")), Err(Failure::RateLimited { retry_after: 7 }));
        assert_eq!(outcome("[sim:bad-image] [sim:500]", None), Ok(Outcome::BadImage));
        assert_eq!(outcome("[sim:401] [sim:bad-image]", None), Err(Failure::WrongKey));
    }

    #[test]
    fn the_delay_is_the_configured_one_unless_a_marker_says_otherwise() {
        let headers = HeaderMap::new();
        let delay = |prompt: &str| plan(&sim(), Provider::Stability, "core", prompt, &headers).map(|plan| plan.delay).unwrap();
        assert_eq!(delay("a fox"), Duration::from_millis(5));
        assert_eq!(delay("a fox [sim:delay=250]"), Duration::from_millis(250));
        assert_eq!(delay("a fox [sim:delay=9999999]"), Duration::from_millis(MAX_DELAY_MS));
    }

    #[test]
    fn injected_faults_become_the_providers_failures() {
        let fault = |status, retry_after| crate::faults::Fault { status, retry_after };
        assert_eq!(Failure::from_fault(fault(429, Some(2)), Provider::OpenAi, "dall-e-3"), Failure::RateLimited { retry_after: 2 });
        assert_eq!(Failure::from_fault(fault(404, None), Provider::OpenAi, "dall-e-3"), Failure::UnknownModel("dall-e-3".into()));
        assert_eq!(Failure::from_fault(fault(403, None), Provider::Stability, "core"), Failure::Moderation);
        assert_eq!(Failure::from_fault(fault(503, None), Provider::Stability, "core"), Failure::Status(503));
    }

    #[test]
    fn only_the_last_files_are_kept() {
        let files = Files::default();
        let first = files.keep(b"first".to_vec(), "png");
        assert!(first.starts_with("img-") && first.ends_with(".png"));
        assert_eq!(files.get(&first).as_deref(), Some(&b"first"[..]));
        for _ in 0..KEPT_FILES {
            files.keep(Vec::new(), "png");
        }
        assert_eq!(files.get(&first), None);
    }
}
