//! The audio-generation providers — ElevenLabs under `/elevenlabs` (speech,
//! sound effects, music) and Stability's Stable Audio 2 under `/stability`,
//! beside its image API, which answer at once; and the song providers,
//! which answer with tasks polled until done: Suno through the
//! gcui-art/suno-api gateway under `/suno` and Udio through PiAPI's task
//! API under `/piapi` (`songs`) — each speaking its provider's wire format
//! (`elevenlabs`, `stable_audio`, `suno`, `piapi`) and answering with real
//! audio files (`tune`). What they share lives here: the providers and
//! their keys, the provider-neutral failures, how long a clip is, the step
//! from a valid request to a `Plan` (faults, `[sim:...]` markers, the
//! wait), and the request log.
//!
//! `GET /_sim/audio` lists the last 500 calls, oldest first
//! (`{"requests": [{provider, method, path, model, status, body}]}`, where a
//! Stable Audio body is its form fields; polls are listed too, their model
//! the task's); `DELETE /_sim/audio` forgets them.

mod elevenlabs;
mod piapi;
mod songs;
mod stable_audio;
mod suno;
mod tune;

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::Response;
use axum::Router;
use serde_json::{json, Value};

use crate::fields::Refusal;
use crate::{call_log, markers, Config, Simulator};
use crate::header;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    ElevenLabs,
    StableAudio,
    /// Through the gcui-art/suno-api gateway.
    Suno,
    /// Udio, through PiAPI's task API.
    PiApi,
}

impl Provider {
    /// The service name for `/_sim/faults`.
    pub fn service(self) -> &'static str {
        match self {
            Provider::ElevenLabs => "elevenlabs",
            Provider::StableAudio => "stable-audio",
            Provider::Suno => "suno",
            Provider::PiApi => "piapi",
        }
    }

    /// What `/_sim/audio` reports: the company whose API it is.
    fn name(self) -> &'static str {
        match self {
            Provider::ElevenLabs => "elevenlabs",
            Provider::StableAudio => "stability",
            Provider::Suno => "suno",
            Provider::PiApi => "piapi",
        }
    }

    /// Where the provider's API is on the simulator (its base URL's path).
    fn prefix(self) -> &'static str {
        match self {
            Provider::ElevenLabs => "/elevenlabs",
            Provider::StableAudio => "/stability",
            Provider::Suno => "/suno",
            Provider::PiApi => "/piapi",
        }
    }

    fn key(self, config: &Config) -> &str {
        match self {
            Provider::ElevenLabs => &config.elevenlabs_api_key,
            Provider::StableAudio => &config.stability_api_key,
            Provider::Suno => &config.suno_cookie,
            Provider::PiApi => &config.piapi_api_key,
        }
    }

    /// The key as sent: ElevenLabs' `xi-api-key`, Stability's
    /// `Authorization: Bearer`, the Suno session as the `Cookie` header (none
    /// without its `__client` cookie), PiAPI's `X-API-Key`.
    fn sent_key(self, headers: &HeaderMap) -> Option<&str> {
        match self {
            Provider::ElevenLabs => header(headers, "xi-api-key"),
            Provider::StableAudio => header(headers, "authorization").and_then(|a| a.strip_prefix("Bearer ")),
            Provider::Suno => header(headers, "cookie").filter(|cookie| cookie.contains("__client")),
            Provider::PiApi => header(headers, "x-api-key"),
        }
        .map(str::trim)
    }
}

/// The song providers' tasks (Suno's clips, PiAPI's tasks).
pub type Tasks = crate::tasks::Tasks<Provider>;

/// How many song tasks' files are kept (a song and its cover are a few hundred kB).
pub const KEPT_TASK_FILES: usize = 100;

/// One reason a provider refuses to read a request. ElevenLabs reports
/// each as FastAPI does (`loc`, `msg`, `type`); Stability lists the messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// Where the problem is: `["body", "text"]`, `["query", "output_format"]`.
    pub loc: Vec<&'static str>,
    /// Pydantic's name for it: `missing`, `string_too_long`, ...
    pub kind: &'static str,
    pub message: String,
}

/// Why a call fails, before each family words it its own way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    MissingKey,
    /// A key that is not the provider's, `[sim:401]` or an injected 401.
    WrongKey,
    /// A request the provider refuses to read (ElevenLabs 422, Stability 400).
    Invalid(Vec<Problem>),
    UnknownVoice(String),
    UnknownModel(String),
    /// ElevenLabs: `language_code` for a model that detects the language itself.
    LanguageNotSupported {
        model: String,
    },
    /// A task id the provider does not know.
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
    fn invalid(loc: Vec<&'static str>, kind: &'static str, message: impl Into<String>) -> Self {
        Failure::Invalid(vec![Problem { loc, kind, message: message.into() }])
    }

    /// An injected fault; a 429 that names no wait says `retry_after`.
    fn from_fault(fault: crate::faults::Fault, retry_after: u64) -> Self {
        match fault.status {
            401 => Failure::WrongKey,
            429 => Failure::RateLimited { retry_after: fault.retry_after.unwrap_or(retry_after) },
            status => Failure::Status(status),
        }
    }

    /// The status of a failure the song providers answer as HTTP says it.
    fn status(&self) -> u16 {
        match self {
            Failure::MissingKey | Failure::WrongKey => 401,
            Failure::Invalid(_) | Failure::UnknownVoice(_) | Failure::UnknownModel(_) | Failure::LanguageNotSupported { .. } => 400,
            Failure::NoSuchTask => 404,
            Failure::RateLimited { .. } => 429,
            Failure::Status(status) => *status,
        }
    }

    /// Every problem with the request in one sentence, each naming its field.
    fn problems(&self) -> String {
        match self {
            Failure::Invalid(problems) => problems.iter().map(|problem| problem.message.as_str()).collect::<Vec<_>>().join("; "),
            _ => String::new(),
        }
    }
}

/// A JSON body read field by field (the song providers'): each problem at
/// its field's path, said in a sentence naming it.
impl From<Refusal> for Failure {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotJson => Failure::invalid(vec!["body"], "json_invalid", "the body must be a JSON object"),
            Refusal::Invalid(problems) => Failure::Invalid(
                problems.iter().map(|problem| Problem { loc: problem.field.split('.').collect(), kind: problem.kind.name(), message: problem.describe() }).collect(),
            ),
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

/// `Ok` when the request carries the provider's key, where that provider looks for it.
fn check_key(sim: &Simulator, provider: Provider, headers: &HeaderMap) -> Result<(), Failure> {
    match provider.sent_key(headers) {
        None | Some("") => Err(Failure::MissingKey),
        Some(key) if key == provider.key(&sim.config) => Ok(()),
        Some(_) => Err(Failure::WrongKey),
    }
}

/// How long a clip is: what was asked for, and what is made — no longer
/// than `SIM_AUDIO_MAX_SECONDS`, so a three-minute song does not slow a
/// test run. Answers say the length asked for in `x-sim-requested-ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Length {
    pub requested: Duration,
    pub made: Duration,
}

impl Length {
    fn new(config: &Config, requested: Duration) -> Self {
        Self { requested, made: requested.min(Duration::from_secs(config.audio_max_seconds)) }
    }

    /// The header that tells the length asked for.
    fn header(self) -> (&'static str, String) {
        ("x-sim-requested-ms", self.requested.as_millis().to_string())
    }
}

/// What a successful call sends back, as the markers ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Sound,
    /// `[sim:bad-audio]`: a 200 whose "audio" is not any.
    BadAudio,
}

/// How an accepted call goes.
pub(crate) struct Plan {
    pub outcome: Outcome,
    /// How long the "model" takes: `[sim:delay=MS]` or `SIM_AUDIO_DELAY_MS`.
    pub delay: Duration,
}

/// What a `[sim:bad-audio]` answer holds instead of audio: encoded in
/// JSON answers, and sent raw (as an error page would be) otherwise.
pub(crate) const NOT_AUDIO: &[u8] = b"not audio";
pub(crate) const NOT_AUDIO_RAW: &[u8] = b"<html>oops</html>";

/// Long enough to test the site's timeouts, short enough not to hang a test run.
const MAX_DELAY: Duration = Duration::from_secs(60);

/// From a valid request to what happens: an injected fault (matched on the
/// model and the endpoint), a failing marker, or the answer with its wait.
/// The first outcome marker counts.
fn plan(sim: &Simulator, provider: Provider, model: &str, endpoint: &str, text: &str, headers: &HeaderMap) -> Result<Plan, Failure> {
    if let Some(fault) = sim.faults.take(provider.service(), &[model.to_owned(), endpoint.to_owned()]) {
        return Err(Failure::from_fault(fault, RETRY_AFTER_SECONDS));
    }
    let mut first = None;
    let mut delay = Duration::from_millis(sim.config.audio_delay_ms);
    for word in markers::words(text, header(headers, "x-sim-behaviour")) {
        let said = match word.as_str() {
            "401" => Err(Failure::WrongKey),
            "429" => Err(Failure::RateLimited { retry_after: RETRY_AFTER_SECONDS }),
            "500" => Err(Failure::Status(500)),
            "bad-audio" => Ok(Outcome::BadAudio),
            _ => {
                if let Some(asked) = markers::delay(&word, MAX_DELAY) {
                    delay = asked;
                }
                continue;
            }
        };
        first.get_or_insert(said);
    }
    Ok(Plan { outcome: first.unwrap_or(Ok(Outcome::Sound))?, delay })
}

/// Plays and encodes off the async workers: a long MP3 takes a moment.
/// The tune comes from `seed`, which leaves out markers, so a
/// `[sim:delay=...]` does not change the sound.
async fn record_clip(seed: String, length: Duration, encoding: tune::Encoding) -> Result<Vec<u8>, Failure> {
    let recorded = tokio::task::spawn_blocking(move || encoding.encode(&tune::Tune::compose(&seed).play(encoding.sample_rate(), length)));
    match recorded.await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(error)) => {
            eprintln!("webox-simulator: cannot encode a {length:?} clip as {encoding:?}: {error}");
            Err(Failure::Status(500))
        }
        Err(_) => Err(Failure::Status(500)),
    }
}

/// What `/_sim/audio` shows of a call, filled in as the request is read.
#[derive(Default)]
pub(crate) struct CallSummary {
    pub model: Option<String>,
    /// The JSON body as sent (`null` if it was not JSON), or Stable Audio's form fields.
    pub body: Value,
}

impl CallSummary {
    /// A JSON body as sent, its model from `field` (`null` if none).
    fn of_body(body: &[u8], field: &str) -> Self {
        let sent: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        CallSummary { model: sent.get(field).and_then(Value::as_str).map(str::to_owned), body: sent }
    }
}

/// One call to a provider as the call log sees it.
pub(crate) struct Call<'a> {
    pub provider: Provider,
    pub method: Method,
    pub path: &'a str,
}

impl<'a> Call<'a> {
    fn post(provider: Provider, path: &'a str) -> Self {
        Call { provider, method: Method::POST, path }
    }

    fn get(provider: Provider, path: &'a str) -> Self {
        Call { provider, method: Method::GET, path }
    }
}

/// Turns a family's result into its response and records the call.
fn respond(sim: &Simulator, call: Call, summary: &CallSummary, result: Result<Response, Failure>, render: fn(&Failure) -> Response) -> Response {
    let response = result.unwrap_or_else(|failure| render(&failure));
    sim.audio_calls.push(json!({
        "provider": call.provider.name(), "method": call.method.as_str(), "path": call.path,
        "model": summary.model, "status": response.status().as_u16(), "body": summary.body,
    }));
    response
}

pub fn router() -> Router<Simulator> {
    Router::new()
        .merge(call_log::routes("/_sim/audio", |sim| &sim.audio_calls))
        .merge(elevenlabs::router())
        .merge(stable_audio::router())
        .merge(suno::router())
        .merge(piapi::router())
        .merge(songs::router())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim() -> Simulator {
        Simulator::new(Config { audio_delay_ms: 5, audio_max_seconds: 12, ..Config::from_env() })
    }

    fn outcome(text: &str, header: Option<&str>) -> Result<Outcome, Failure> {
        let mut headers = HeaderMap::new();
        if let Some(value) = header {
            headers.insert("x-sim-behaviour", HeaderValue::from_str(value).unwrap());
        }
        plan(&sim(), Provider::ElevenLabs, "eleven_multilingual_v2", "text-to-speech", text, &headers).map(|plan| plan.outcome)
    }

    #[test]
    fn markers_choose_the_outcome_and_the_first_one_counts() {
        assert_eq!(outcome("Hello", None), Ok(Outcome::Sound));
        assert_eq!(outcome("Hello [sim:bad-audio]", None), Ok(Outcome::BadAudio));
        assert_eq!(outcome("Hello", Some("429")), Err(Failure::RateLimited { retry_after: 7 }));
        assert_eq!(outcome("[sim:bad-audio] [sim:500]", None), Ok(Outcome::BadAudio));
        assert_eq!(outcome("[sim:401] [sim:bad-audio]", None), Err(Failure::WrongKey));
    }

    #[test]
    fn the_delay_is_the_configured_one_unless_a_marker_says_otherwise() {
        let headers = HeaderMap::new();
        let delay = |text: &str| plan(&sim(), Provider::StableAudio, "stable-audio-2", "text-to-audio", text, &headers).map(|plan| plan.delay).unwrap();
        assert_eq!(delay("rain"), Duration::from_millis(5));
        assert_eq!(delay("rain [sim:delay=250]"), Duration::from_millis(250));
        assert_eq!(delay("rain [sim:delay=9999999]"), MAX_DELAY);
    }

    #[test]
    fn faults_match_the_model_or_the_endpoint() {
        let sim = sim();
        let fault = |status, retry_after| crate::faults::Fault { status, retry_after };
        sim.faults.add("elevenlabs", fault(429, Some(2)), 1, Some("music".into()));
        sim.faults.add("elevenlabs", fault(503, None), 1, Some("eleven_flash_v2_5".into()));
        let headers = HeaderMap::new();
        let failure = |model: &str, endpoint: &str| plan(&sim, Provider::ElevenLabs, model, endpoint, "x", &headers).err();
        assert_eq!(failure("eleven_multilingual_v2", "text-to-speech"), None);
        assert_eq!(failure("music_v1", "music"), Some(Failure::RateLimited { retry_after: 2 }));
        assert_eq!(failure("eleven_flash_v2_5", "text-to-speech"), Some(Failure::Status(503)));
        assert_eq!(Failure::from_fault(fault(401, None), RETRY_AFTER_SECONDS), Failure::WrongKey);
        assert_eq!(Failure::from_fault(fault(429, None), 2), Failure::RateLimited { retry_after: 2 });
    }

    #[test]
    fn clips_are_cut_to_the_longest_made_but_remember_the_length_asked_for() {
        let config = Config { audio_max_seconds: 12, ..Config::from_env() };
        let long = Length::new(&config, Duration::from_secs(190));
        assert_eq!((long.made, long.header()), (Duration::from_secs(12), ("x-sim-requested-ms", "190000".to_owned())));
        assert_eq!(Length::new(&config, Duration::from_millis(2500)).made, Duration::from_millis(2500));
    }
}
