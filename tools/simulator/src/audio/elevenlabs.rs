//! ElevenLabs: `xi-api-key: KEY` on every call, JSON bodies checked as its
//! FastAPI service checks them (every problem in one 422), audio answered
//! as the bytes themselves in the `output_format` asked for (query,
//! default `mp3_44100_128`; `pcm_*` is bare 16-bit little-endian mono).
//!
//! - `GET /elevenlabs/v1/voices` — the premade voices; each `preview_url`
//!   is `GET /elevenlabs/_previews/{voice_id}.mp3` on the host asked.
//! - `POST /elevenlabs/v1/text-to-speech/{voice_id}` `{text (≤ 5000),
//!   model_id?, language_code? (turbo and flash v2.5 only), voice_settings?}`
//!   — about 60 ms a character, from 0.5 to 20 s; `character-cost` says
//!   how many characters were billed.
//! - `POST /elevenlabs/v1/sound-generation` `{text, duration_seconds?
//!   (0.5–30, default 2), prompt_influence? (0–1)}`.
//! - `POST /elevenlabs/v1/music` `{prompt, music_length_ms? (10000–300000,
//!   default 30000), model_id? (music_v1), force_instrumental?}`.
//!
//! Errors are `{"detail": {status, message}}`, or FastAPI's `{"detail":
//! [{loc, msg, type}]}` for a body it cannot read.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::tune::Encoding;
use super::{Call, CallSummary, Failure, Length, Outcome, Problem, Provider};
use crate::{markers, Simulator};

const PREFIX: &str = "/elevenlabs/v1";

/// The query string: only `output_format` matters.
type Params = Query<HashMap<String, String>>;

/// A premade voice, as `GET /v1/voices` lists it.
struct Voice {
    id: &'static str,
    name: &'static str,
    /// `accent`, `description`, `age`, `gender`, `use_case`.
    labels: [&'static str; 5],
}

const VOICES: [Voice; 4] = [
    Voice { id: "21m00Tcm4TlvDq8ikWAM", name: "Rachel", labels: ["american", "calm", "young", "female", "narration"] },
    Voice { id: "AZnzlk1XvdvUeBnXmlld", name: "Domi", labels: ["american", "strong", "young", "female", "narration"] },
    Voice { id: "EXAVITQu4vr4xnSDxMaL", name: "Bella", labels: ["american", "soft", "young", "female", "narration"] },
    Voice { id: "ErXwobaYiN019PkySvjV", name: "Antoni", labels: ["american", "well-rounded", "young", "male", "narration"] },
];
const LABELS: [&str; 5] = ["accent", "description", "age", "gender", "use_case"];

const SPEECH_MODELS: &[&str] = &["eleven_multilingual_v2", "eleven_turbo_v2_5", "eleven_flash_v2_5"];
/// The models that take a `language_code`; the others detect the language.
const LANGUAGE_MODELS: &[&str] = &["eleven_turbo_v2_5", "eleven_flash_v2_5"];
const SOUND_MODELS: &[&str] = &["eleven_text_to_sound_v2"];
const MUSIC_MODEL: &str = "music_v1";
const MAX_TEXT_CHARS: usize = 5000;
/// How long speech takes: per character, and its shortest and longest.
const SPEECH_MS_PER_CHAR: u64 = 60;
const SPEECH_MS: (u64, u64) = (500, 20_000);
const SOUND_SECONDS: (f64, f64) = (0.5, 30.0);
const DEFAULT_SOUND_SECONDS: f64 = 2.0;
const MUSIC_MS: (i64, i64) = (10_000, 300_000);
const DEFAULT_MUSIC_MS: i64 = 30_000;
const PREVIEW: Duration = Duration::from_secs(2);

/// The `output_format`s served, the first being the default.
const OUTPUT_FORMATS: [(&str, Encoding); 7] = [
    ("mp3_44100_128", Encoding::Mp3 { sample_rate: 44_100, kbps: 128 }),
    ("mp3_44100_192", Encoding::Mp3 { sample_rate: 44_100, kbps: 192 }),
    ("mp3_22050_32", Encoding::Mp3 { sample_rate: 22_050, kbps: 32 }),
    ("pcm_16000", Encoding::Pcm { sample_rate: 16_000 }),
    ("pcm_22050", Encoding::Pcm { sample_rate: 22_050 }),
    ("pcm_24000", Encoding::Pcm { sample_rate: 24_000 }),
    ("pcm_44100", Encoding::Pcm { sample_rate: 44_100 }),
];

/// `'a', 'b' or 'c'`: how pydantic lists the values it takes.
fn choices(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    match quoted.as_slice() {
        [rest @ .., last] if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

/// Reads fields as pydantic does, keeping every problem.
#[derive(Default)]
struct Checks {
    problems: Vec<Problem>,
}

impl Checks {
    fn refuse(&mut self, loc: &[&'static str], kind: &'static str, message: impl Into<String>) {
        self.problems.push(Problem { loc: loc.to_vec(), kind, message: message.into() });
    }

    /// An optional string; `null` counts as absent.
    fn text<'a>(&mut self, loc: &[&'static str], value: Option<&'a Value>) -> Option<&'a str> {
        match value {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text),
            Some(_) => {
                self.refuse(loc, "string_type", "Input should be a valid string");
                None
            }
        }
    }

    /// A required string of 1 to `max_chars` characters.
    fn required_text<'a>(&mut self, loc: &[&'static str], value: Option<&'a Value>, max_chars: Option<usize>) -> Option<&'a str> {
        if value.is_none() {
            self.refuse(loc, "missing", "Field required");
            return None;
        }
        if value == Some(&Value::Null) {
            self.refuse(loc, "string_type", "Input should be a valid string");
            return None;
        }
        let text = self.text(loc, value)?;
        let length = text.chars().count();
        match max_chars {
            _ if text.trim().is_empty() => self.refuse(loc, "string_too_short", "String should have at least 1 character"),
            Some(max) if length > max => self.refuse(loc, "string_too_long", format!("String should have at most {max} characters")),
            _ => return Some(text),
        }
        None
    }

    /// An optional number from `min` to `max`.
    fn number(&mut self, loc: &[&'static str], value: Option<&Value>, (min, max): (f64, f64)) -> Option<f64> {
        let number = match value {
            None | Some(Value::Null) => return None,
            Some(Value::Number(n)) => n.as_f64()?,
            Some(_) => {
                self.refuse(loc, "float_type", "Input should be a valid number");
                return None;
            }
        };
        self.within(loc, number, min, max)
    }

    /// An optional whole number from `min` to `max`.
    fn integer(&mut self, loc: &[&'static str], value: Option<&Value>, (min, max): (i64, i64)) -> Option<i64> {
        let integer = match value {
            None | Some(Value::Null) => return None,
            Some(Value::Number(n)) if n.is_i64() => n.as_i64()?,
            Some(_) => {
                self.refuse(loc, "int_type", "Input should be a valid integer");
                return None;
            }
        };
        self.within(loc, integer, min, max)
    }

    fn within<T: PartialOrd + std::fmt::Display>(&mut self, loc: &[&'static str], value: T, min: T, max: T) -> Option<T> {
        if value < min {
            self.refuse(loc, "greater_than_equal", format!("Input should be greater than or equal to {min}"));
        } else if value > max {
            self.refuse(loc, "less_than_equal", format!("Input should be less than or equal to {max}"));
        } else {
            return Some(value);
        }
        None
    }

    fn boolean(&mut self, loc: &[&'static str], value: Option<&Value>) {
        if !matches!(value, None | Some(Value::Null | Value::Bool(_))) {
            self.refuse(loc, "bool_type", "Input should be a valid boolean");
        }
    }

    /// The problems, if any, as one refusal.
    fn finish<T>(self, read: T) -> Result<T, Failure> {
        if self.problems.is_empty() {
            Ok(read)
        } else {
            Err(Failure::Invalid(self.problems))
        }
    }
}

/// The body as a JSON object, or FastAPI's refusal.
fn object(body: &[u8]) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(Failure::invalid(vec!["body"], "model_attributes_type", "Input should be a valid dictionary or object to extract fields from")),
        Err(_) => Err(Failure::invalid(vec!["body"], "json_invalid", "JSON decode error")),
    }
}

fn output_format(checks: &mut Checks, query: &HashMap<String, String>) -> Encoding {
    let name = query.get("output_format").map(String::as_str).unwrap_or(OUTPUT_FORMATS[0].0);
    match OUTPUT_FORMATS.iter().find(|(format, _)| *format == name) {
        Some(&(_, encoding)) => encoding,
        None => {
            let names: Vec<&str> = OUTPUT_FORMATS.iter().map(|(format, _)| *format).collect();
            checks.refuse(&["query", "output_format"], "enum", format!("Input should be {}", choices(&names)));
            OUTPUT_FORMATS[0].1
        }
    }
}

/// A text-to-speech request ElevenLabs accepts.
struct Speech {
    voice: &'static Voice,
    text: String,
    model: &'static str,
    encoding: Encoding,
}

impl Speech {
    /// About 60 ms a character of what is spoken (markers are not).
    fn length(&self) -> Duration {
        let characters = markers::strip(&self.text).chars().count() as u64;
        Duration::from_millis((characters * SPEECH_MS_PER_CHAR).clamp(SPEECH_MS.0, SPEECH_MS.1))
    }

    fn tune_seed(&self) -> String {
        format!("{}\n{}\n{}", self.voice.id, self.model, markers::strip(&self.text))
    }
}

/// Checks a text-to-speech request: the body first, then the voice, the model and the language.
fn read_speech(voice_id: &str, query: &HashMap<String, String>, body: &[u8]) -> Result<Speech, Failure> {
    let body = object(body)?;
    let mut checks = Checks::default();
    let text = checks.required_text(&["body", "text"], body.get("text"), Some(MAX_TEXT_CHARS));
    let model = checks.text(&["body", "model_id"], body.get("model_id")).unwrap_or(SPEECH_MODELS[0]).to_owned();
    let language = checks.text(&["body", "language_code"], body.get("language_code"));
    if language.is_some_and(|code| code.len() != 2 || !code.bytes().all(|b| b.is_ascii_lowercase())) {
        checks.refuse(&["body", "language_code"], "string_pattern_mismatch", "String should match pattern '^[a-z]{2}$'");
    }
    match body.get("voice_settings") {
        None | Some(Value::Null) => {}
        Some(Value::Object(settings)) => {
            for name in ["stability", "similarity_boost"] {
                let loc = ["body", "voice_settings", name];
                if settings.contains_key(name) {
                    checks.number(&loc, settings.get(name), (0.0, 1.0));
                } else {
                    checks.refuse(&loc, "missing", "Field required");
                }
            }
            checks.number(&["body", "voice_settings", "style"], settings.get("style"), (0.0, 1.0));
            checks.boolean(&["body", "voice_settings", "use_speaker_boost"], settings.get("use_speaker_boost"));
        }
        Some(_) => checks.refuse(&["body", "voice_settings"], "model_type", "Input should be a valid dictionary or instance of VoiceSettings"),
    }
    let encoding = output_format(&mut checks, query);
    let text = checks.finish(text)?.unwrap_or_default().to_owned();
    let voice = VOICES.iter().find(|v| v.id == voice_id).ok_or_else(|| Failure::UnknownVoice(voice_id.to_owned()))?;
    let model = SPEECH_MODELS.iter().copied().find(|m| *m == model).ok_or(Failure::UnknownModel(model))?;
    if language.is_some() && !LANGUAGE_MODELS.contains(&model) {
        return Err(Failure::LanguageNotSupported { model: model.to_owned() });
    }
    Ok(Speech { voice, text, model, encoding })
}

/// A sound-effect or music request: what to play, for how long, how.
struct Clip {
    model: &'static str,
    prompt: String,
    length: Duration,
    encoding: Encoding,
}

fn read_sound(query: &HashMap<String, String>, body: &[u8]) -> Result<Clip, Failure> {
    let body = object(body)?;
    let mut checks = Checks::default();
    let text = checks.required_text(&["body", "text"], body.get("text"), None);
    let seconds = checks.number(&["body", "duration_seconds"], body.get("duration_seconds"), SOUND_SECONDS).unwrap_or(DEFAULT_SOUND_SECONDS);
    checks.number(&["body", "prompt_influence"], body.get("prompt_influence"), (0.0, 1.0));
    let model = checks.text(&["body", "model_id"], body.get("model_id")).unwrap_or(SOUND_MODELS[0]).to_owned();
    let encoding = output_format(&mut checks, query);
    let prompt = checks.finish(text)?.unwrap_or_default().to_owned();
    let model = SOUND_MODELS.iter().copied().find(|m| *m == model).ok_or(Failure::UnknownModel(model))?;
    Ok(Clip { model, prompt, length: Duration::from_secs_f64(seconds), encoding })
}

fn read_music(query: &HashMap<String, String>, body: &[u8]) -> Result<Clip, Failure> {
    let body = object(body)?;
    let mut checks = Checks::default();
    let prompt = checks.required_text(&["body", "prompt"], body.get("prompt"), None);
    let ms = checks.integer(&["body", "music_length_ms"], body.get("music_length_ms"), MUSIC_MS).unwrap_or(DEFAULT_MUSIC_MS);
    if checks.text(&["body", "model_id"], body.get("model_id")).is_some_and(|model| model != MUSIC_MODEL) {
        checks.refuse(&["body", "model_id"], "literal_error", format!("Input should be {}", choices(&[MUSIC_MODEL])));
    }
    checks.boolean(&["body", "force_instrumental"], body.get("force_instrumental"));
    let encoding = output_format(&mut checks, query);
    let prompt = checks.finish(prompt)?.unwrap_or_default().to_owned();
    Ok(Clip { model: MUSIC_MODEL, prompt, length: Duration::from_millis(ms.unsigned_abs()), encoding })
}

/// The audio itself, with ElevenLabs' `request-id` and the length asked for.
async fn answer(sim: &Simulator, outcome: Outcome, seed: String, length: Duration, encoding: Encoding) -> Result<Response, Failure> {
    let length = Length::new(&sim.config, length);
    let bytes = match outcome {
        Outcome::BadAudio => super::NOT_AUDIO_RAW.to_vec(),
        Outcome::Sound => super::record_clip(seed, length.made, encoding).await?,
    };
    let headers = [(header::CONTENT_TYPE.as_str(), encoding.content_type().to_owned()), ("request-id", crate::uuid_v4().replace('-', "")), length.header()];
    Ok((headers, bytes).into_response())
}

async fn text_to_speech(
    sim: &Simulator,
    voice_id: &str,
    query: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
    summary: &mut CallSummary,
) -> Result<Response, Failure> {
    super::check_key(sim, Provider::ElevenLabs, headers)?;
    let speech = read_speech(voice_id, query, body)?;
    summary.model = Some(speech.model.to_owned());
    let plan = super::plan(sim, Provider::ElevenLabs, speech.model, "text-to-speech", &speech.text, headers)?;
    tokio::time::sleep(plan.delay).await;
    let mut response = answer(sim, plan.outcome, speech.tune_seed(), speech.length(), speech.encoding).await?;
    response.headers_mut().insert("character-cost", speech.text.chars().count().into());
    Ok(response)
}

/// Sound effects and music: `endpoint` is `sound-generation` or `music`.
async fn clip(sim: &Simulator, endpoint: &str, query: &HashMap<String, String>, headers: &HeaderMap, body: &[u8], summary: &mut CallSummary) -> Result<Response, Failure> {
    super::check_key(sim, Provider::ElevenLabs, headers)?;
    let clip = if endpoint == "music" { read_music(query, body) } else { read_sound(query, body) }?;
    summary.model = Some(clip.model.to_owned());
    let plan = super::plan(sim, Provider::ElevenLabs, clip.model, endpoint, &clip.prompt, headers)?;
    tokio::time::sleep(plan.delay).await;
    let seed = format!("{}\n{}", clip.model, markers::strip(&clip.prompt));
    answer(sim, plan.outcome, seed, clip.length, clip.encoding).await
}

async fn voices(sim: &Simulator, headers: &HeaderMap) -> Result<Response, Failure> {
    super::check_key(sim, Provider::ElevenLabs, headers)?;
    let plan = super::plan(sim, Provider::ElevenLabs, "", "voices", "", headers)?;
    tokio::time::sleep(plan.delay).await;
    let base = crate::host_url(headers);
    let voices: Vec<Value> = VOICES
        .iter()
        .map(|voice| {
            let labels: Map<String, Value> = LABELS.iter().zip(voice.labels).map(|(name, value)| ((*name).to_owned(), value.into())).collect();
            let preview_url = format!("{base}/elevenlabs/_previews/{}.mp3", voice.id);
            json!({"voice_id": voice.id, "name": voice.name, "category": "premade", "labels": labels, "preview_url": preview_url})
        })
        .collect();
    Ok(Json(json!({"voices": voices})).into_response())
}

/// A voice saying its name: what `preview_url` links to (as on ElevenLabs'
/// storage, no key needed).
async fn preview(Path(file): Path<String>) -> Response {
    let voice = file.strip_suffix(".mp3").and_then(|id| VOICES.iter().find(|v| v.id == id));
    let Some(voice) = voice else {
        return (StatusCode::NOT_FOUND, Json(json!({"detail": {"status": "not_found", "message": "No such preview."}}))).into_response();
    };
    let encoding = OUTPUT_FORMATS[0].1;
    match super::record_clip(format!("{}\n{}", voice.id, voice.name), PREVIEW, encoding).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, encoding.content_type())], bytes).into_response(),
        Err(failure) => failure_response(&failure),
    }
}

async fn voices_route(State(sim): State<Simulator>, headers: HeaderMap) -> Response {
    let result = voices(&sim, &headers).await;
    super::respond(&sim, Call::get(Provider::ElevenLabs, &format!("{PREFIX}/voices")), &CallSummary::default(), result, failure_response)
}

async fn text_to_speech_route(State(sim): State<Simulator>, Path(voice_id): Path<String>, Query(query): Params, headers: HeaderMap, body: Bytes) -> Response {
    let mut summary = CallSummary::of_body(&body, "model_id");
    let result = text_to_speech(&sim, &voice_id, &query, &headers, &body, &mut summary).await;
    super::respond(&sim, Call::post(Provider::ElevenLabs, &format!("{PREFIX}/text-to-speech/{voice_id}")), &summary, result, failure_response)
}

async fn sound_generation_route(State(sim): State<Simulator>, Query(query): Params, headers: HeaderMap, body: Bytes) -> Response {
    let mut summary = CallSummary::of_body(&body, "model_id");
    let result = clip(&sim, "sound-generation", &query, &headers, &body, &mut summary).await;
    super::respond(&sim, Call::post(Provider::ElevenLabs, &format!("{PREFIX}/sound-generation")), &summary, result, failure_response)
}

async fn music_route(State(sim): State<Simulator>, Query(query): Params, headers: HeaderMap, body: Bytes) -> Response {
    let mut summary = CallSummary::of_body(&body, "model_id");
    let result = clip(&sim, "music", &query, &headers, &body, &mut summary).await;
    super::respond(&sim, Call::post(Provider::ElevenLabs, &format!("{PREFIX}/music")), &summary, result, failure_response)
}

fn failure_response(failure: &Failure) -> Response {
    let detail = |status: &str, message: String| json!({"status": status, "message": message});
    let (status, detail) = match failure {
        Failure::MissingKey | Failure::WrongKey => (401, detail("invalid_api_key", "Invalid API key".into())),
        Failure::Invalid(problems) => (422, problems.iter().map(|p| json!({"loc": p.loc, "msg": p.message, "type": p.kind})).collect()),
        Failure::UnknownVoice(id) => (404, detail("voice_not_found", format!("A voice with the voice_id {id} was not found."))),
        Failure::UnknownModel(id) => (400, detail("model_not_found", format!("A model with model ID {id} does not exist."))),
        Failure::NoSuchTask => (404, detail("not_found", "Not found.".into())),
        Failure::LanguageNotSupported { model } => (
            400,
            detail("unsupported_language", format!("Model '{model}' does not support language_code. Language enforcement is only supported by {}.", LANGUAGE_MODELS.join(" and "))),
        ),
        Failure::RateLimited { .. } => {
            (429, detail("too_many_concurrent_requests", "Too many concurrent requests for your subscription. Please try again once your other requests have finished.".into()))
        }
        Failure::Status(402) => (402, detail("payment_required", "Your subscription does not have enough credits for this request.".into())),
        Failure::Status(status) if *status >= 500 => (*status, detail("internal_server_error", "An internal server error occurred. Please try again later.".into())),
        Failure::Status(status) => (*status, detail("invalid_request", "The request was refused.".into())),
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    super::with_retry_after((status, Json(json!({"detail": detail}))).into_response(), failure)
}

pub fn router() -> Router<Simulator> {
    Router::new()
        .route(&format!("{PREFIX}/voices"), get(voices_route))
        .route(&format!("{PREFIX}/text-to-speech/{{voice_id}}"), post(text_to_speech_route))
        .route(&format!("{PREFIX}/sound-generation"), post(sound_generation_route))
        .route(&format!("{PREFIX}/music"), post(music_route))
        .route("/elevenlabs/_previews/{file}", get(preview))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(format: Option<&str>) -> HashMap<String, String> {
        format.map(|f| ("output_format".to_owned(), f.to_owned())).into_iter().collect()
    }

    fn problems(result: Result<impl Sized, Failure>) -> Vec<(String, String)> {
        match result {
            Err(Failure::Invalid(problems)) => problems.into_iter().map(|p| (p.loc.join("."), p.message)).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn pydantic_lists_choices_with_a_final_or() {
        assert_eq!(choices(&["music_v1"]), "'music_v1'");
        assert_eq!(choices(&["a", "b", "c"]), "'a', 'b' or 'c'");
    }

    #[test]
    fn speech_lasts_about_60_ms_a_spoken_character_within_bounds() {
        let length = |text: &str| read_speech(VOICES[0].id, &query(None), json!({"text": text}).to_string().as_bytes()).map(|s| s.length()).unwrap();
        assert_eq!(length(&"a".repeat(100)), Duration::from_secs(6));
        assert_eq!(length("Hi"), Duration::from_millis(500));
        assert_eq!(length(&"a".repeat(5000)), Duration::from_secs(20));
        assert_eq!(length(&format!("{} [sim:delay=5]", "a".repeat(50))), Duration::from_secs(3), "markers are not spoken");
    }

    #[test]
    fn every_body_problem_is_listed_where_it_is() {
        let body = json!({"model_id": 3, "voice_settings": {"stability": 2, "style": "x"}}).to_string();
        assert_eq!(
            problems(read_speech(VOICES[0].id, &query(Some("ogg")), body.as_bytes())),
            [
                ("body.text".to_owned(), "Field required".to_owned()),
                ("body.model_id".to_owned(), "Input should be a valid string".to_owned()),
                ("body.voice_settings.stability".to_owned(), "Input should be less than or equal to 1".to_owned()),
                ("body.voice_settings.similarity_boost".to_owned(), "Field required".to_owned()),
                ("body.voice_settings.style".to_owned(), "Input should be a valid number".to_owned()),
                (
                    "query.output_format".to_owned(),
                    "Input should be 'mp3_44100_128', 'mp3_44100_192', 'mp3_22050_32', 'pcm_16000', 'pcm_22050', 'pcm_24000' or 'pcm_44100'".to_owned()
                ),
            ]
        );
        let body = json!({"prompt": "x", "music_length_ms": 5000, "model_id": "music_v2", "force_instrumental": "yes"}).to_string();
        assert_eq!(
            problems(read_music(&query(None), body.as_bytes())),
            [
                ("body.music_length_ms".to_owned(), "Input should be greater than or equal to 10000".to_owned()),
                ("body.model_id".to_owned(), "Input should be 'music_v1'".to_owned()),
                ("body.force_instrumental".to_owned(), "Input should be a valid boolean".to_owned()),
            ]
        );
        assert_eq!(
            problems(read_sound(&query(None), b"{\"text\": \"door\", \"duration_seconds\": 0.2}")),
            [("body.duration_seconds".to_owned(), "Input should be greater than or equal to 0.5".to_owned())]
        );
        assert_eq!(problems(read_sound(&query(None), b"not json")), [("body".to_owned(), "JSON decode error".to_owned())]);
    }

    #[test]
    fn after_the_body_the_voice_model_and_language_are_checked() {
        let speech = |voice: &str, body: Value| read_speech(voice, &query(None), body.to_string().as_bytes()).err();
        assert_eq!(speech("nobody", json!({"text": "Hi"})), Some(Failure::UnknownVoice("nobody".into())));
        assert_eq!(speech(VOICES[1].id, json!({"text": "Hi", "model_id": "eleven_v9"})), Some(Failure::UnknownModel("eleven_v9".into())));
        assert_eq!(speech(VOICES[1].id, json!({"text": "Hi", "language_code": "fr"})), Some(Failure::LanguageNotSupported { model: "eleven_multilingual_v2".into() }));
        assert_eq!(speech(VOICES[1].id, json!({"text": "Bonjour", "model_id": "eleven_flash_v2_5", "language_code": "fr"})), None);
        assert!(matches!(speech("nobody", json!({"text": ""})), Some(Failure::Invalid(_))), "the body before the voice");
    }

    #[test]
    fn clips_default_to_two_seconds_of_sound_and_thirty_of_music() {
        let sound = read_sound(&query(Some("pcm_16000")), br#"{"text": "a door creaks", "duration_seconds": null}"#).unwrap();
        assert_eq!((sound.length, sound.encoding, sound.model), (Duration::from_secs(2), Encoding::Pcm { sample_rate: 16_000 }, "eleven_text_to_sound_v2"));
        let music = read_music(&query(None), br#"{"prompt": "lo-fi piano", "model_id": "music_v1"}"#).unwrap();
        assert_eq!((music.length, music.encoding), (Duration::from_secs(30), Encoding::Mp3 { sample_rate: 44_100, kbps: 128 }));
    }
}
