//! Stability AI's Stable Audio 2: `POST
//! /stability/v2beta/audio/stable-audio-2/text-to-audio`, `Authorization:
//! Bearer KEY` (the image API's key), a multipart/form-data body — `prompt`
//! (1 to 10000 characters), `duration?` (1 to 190 seconds, default 190),
//! `seed?` (0 to 4294967294, 0 for any), `steps?`, `cfg_scale?` (1 to 25),
//! `output_format?` (mp3 | wav) and `model?` (stable-audio-2 (default):
//! 30 to 100 steps; stable-audio-2.5: 4 to 8). Every problem is listed in
//! one 400, and every error is worded as the image API words it.
//!
//! `Accept: audio/*` (the default) answers the audio itself, with
//! `finish-reason` and `seed` headers; `Accept: application/json` answers
//! `{audio: base64, finish_reason, seed}`.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use super::tune::Encoding;
use super::{Call, CallSummary, Failure, Length, Outcome, Problem, Provider};
use crate::images::stability::{MAX_PROMPT_CHARS, MAX_SEED};
use crate::{images, markers, Simulator};

const PATH: &str = "/stability/v2beta/audio/stable-audio-2/text-to-audio";
/// Each model and the diffusion steps it takes (fewest, most, default).
const MODELS: [(&str, (u64, u64, u64)); 2] = [("stable-audio-2", (30, 100, 50)), ("stable-audio-2.5", (4, 8, 8))];
const SECONDS: (f64, f64) = (1.0, 190.0);
const CFG_SCALE: (f64, f64) = (1.0, 25.0);
/// Stable Audio's clips are CD quality.
const FORMATS: [(&str, Encoding); 2] = [("mp3", Encoding::Mp3 { sample_rate: 44_100, kbps: 192 }), ("wav", Encoding::Wav { sample_rate: 44_100 })];

/// What `Accept` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Audio,
    Json,
}

/// A request Stable Audio accepts.
struct Generation {
    model: &'static str,
    prompt: String,
    length: Duration,
    /// The seed the clip is made with, and reported back.
    seed: u64,
    encoding: Encoding,
    answer: Answer,
}

fn problem(field: &'static str, message: String) -> Problem {
    Problem { loc: vec![field], kind: "", message }
}

/// A number field within `(min, max)`, if it was sent.
fn number<T: std::str::FromStr + PartialOrd>(fields: &BTreeMap<String, String>, name: &str, (min, max): (T, T)) -> Result<Option<T>, ()> {
    match fields.get(name).map(|value| value.trim().parse::<T>()) {
        None => Ok(None),
        Some(Ok(value)) if value >= min && value <= max => Ok(Some(value)),
        Some(_) => Err(()),
    }
}

/// Checks the fields and the `Accept` header as Stability does, every problem at once.
fn read(fields: &BTreeMap<String, String>, headers: &HeaderMap) -> Result<Generation, Failure> {
    let mut problems = Vec::new();
    let answer = match super::header(headers, "accept").map(str::trim) {
        None | Some("audio/*") => Answer::Audio,
        Some("application/json") => Answer::Json,
        Some(other) => {
            problems.push(problem("accept", format!("accept: must be audio/* or application/json, not {other}")));
            Answer::Audio
        }
    };
    let prompt = fields.get("prompt").map(String::as_str);
    match prompt.map(|p| p.chars().count()) {
        None => problems.push(problem("prompt", "prompt: is required".into())),
        Some(1..=MAX_PROMPT_CHARS) => {}
        Some(_) => problems.push(problem("prompt", format!("prompt: must be between 1 and {MAX_PROMPT_CHARS} characters long"))),
    }
    let model_name = fields.get("model").map(String::as_str).unwrap_or(MODELS[0].0);
    let (model, (fewest, most, _)) = MODELS.iter().copied().find(|(name, _)| *name == model_name).unwrap_or_else(|| {
        let names: Vec<&str> = MODELS.iter().map(|(name, _)| *name).collect();
        problems.push(problem("model", format!("model: must be one of {}", names.join(", "))));
        MODELS[0]
    });
    let seconds = number(fields, "duration", SECONDS).unwrap_or_else(|()| {
        problems.push(problem("duration", format!("duration: must be a number from {} to {}", SECONDS.0, SECONDS.1)));
        None
    });
    let seed = number(fields, "seed", (0, MAX_SEED)).unwrap_or_else(|()| {
        problems.push(problem("seed", format!("seed: must be an integer from 0 to {MAX_SEED}")));
        None
    });
    if number(fields, "steps", (fewest, most)).is_err() {
        problems.push(problem("steps", format!("steps: must be an integer from {fewest} to {most} for {model}")));
    }
    if number(fields, "cfg_scale", CFG_SCALE).is_err() {
        problems.push(problem("cfg_scale", format!("cfg_scale: must be a number from {} to {}", CFG_SCALE.0, CFG_SCALE.1)));
    }
    let format_name = fields.get("output_format").map(String::as_str).unwrap_or(FORMATS[0].0);
    let encoding = FORMATS.iter().find(|(name, _)| *name == format_name).map(|&(_, encoding)| encoding);
    if encoding.is_none() {
        let names: Vec<&str> = FORMATS.iter().map(|(name, _)| *name).collect();
        problems.push(problem("output_format", format!("output_format: must be one of {}", names.join(", "))));
    }
    match (prompt, encoding) {
        (Some(prompt), Some(encoding)) if problems.is_empty() => Ok(Generation {
            model,
            prompt: prompt.to_owned(),
            length: Duration::from_secs_f64(seconds.unwrap_or(SECONDS.1)),
            seed: seed.filter(|&s| s != 0).unwrap_or_else(|| images::stability::seed_for(prompt)),
            encoding,
            answer,
        }),
        _ => Err(Failure::Invalid(problems)),
    }
}

fn bad_form(message: String) -> Failure {
    Failure::Invalid(vec![Problem { loc: Vec::new(), kind: "", message }])
}

/// The form's text fields; what `/_sim/audio` shows also lists any file by
/// its name and size.
async fn read_form(request: Request, summary: &mut CallSummary) -> Result<BTreeMap<String, String>, Failure> {
    let mut multipart = Multipart::from_request(request, &()).await.map_err(|_| bad_form("content-type: must be multipart/form-data".into()))?;
    let (mut texts, mut shown) = (BTreeMap::new(), serde_json::Map::new());
    while let Some(field) = multipart.next_field().await.map_err(|e| bad_form(format!("body: {e}")))? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(|e| bad_form(format!("{name}: {e}")))?;
                shown.insert(name, json!({"file_name": file_name, "bytes": bytes.len()}));
            }
            None => {
                let text = field.text().await.map_err(|e| bad_form(format!("{name}: {e}")))?;
                shown.insert(name.clone(), Value::from(text.as_str()));
                texts.insert(name, text);
            }
        }
    }
    summary.body = Value::Object(shown);
    Ok(texts)
}

async fn generate_route(State(sim): State<Simulator>, request: Request) -> Response {
    let mut summary = CallSummary::default();
    let result = generate(&sim, request, &mut summary).await;
    super::respond(&sim, Call::post(Provider::StableAudio, PATH), &summary, result, failure_response)
}

async fn generate(sim: &Simulator, request: Request, summary: &mut CallSummary) -> Result<Response, Failure> {
    let headers = request.headers().clone();
    super::check_key(sim, Provider::StableAudio, &headers)?;
    let fields = read_form(request, summary).await?;
    summary.model = Some(fields.get("model").map(String::as_str).unwrap_or(MODELS[0].0).to_owned());
    let generation = read(&fields, &headers)?;
    let plan = super::plan(sim, Provider::StableAudio, generation.model, "text-to-audio", &generation.prompt, &headers)?;
    tokio::time::sleep(plan.delay).await;
    let length = Length::new(&sim.config, generation.length);
    let bytes = match plan.outcome {
        Outcome::BadAudio if generation.answer == Answer::Json => super::NOT_AUDIO.to_vec(),
        Outcome::BadAudio => super::NOT_AUDIO_RAW.to_vec(),
        Outcome::Sound => {
            let seed = format!("{}\n{}\n{}", generation.model, generation.seed, markers::strip(&generation.prompt));
            super::record_clip(seed, length.made, generation.encoding).await?
        }
    };
    Ok(match generation.answer {
        Answer::Json => ([length.header()], Json(json!({"audio": STANDARD.encode(bytes), "finish_reason": "SUCCESS", "seed": generation.seed}))).into_response(),
        Answer::Audio => {
            let headers = [
                (header::CONTENT_TYPE.as_str(), generation.encoding.content_type().to_owned()),
                ("finish-reason", "SUCCESS".to_owned()),
                ("seed", generation.seed.to_string()),
                length.header(),
            ];
            (headers, bytes).into_response()
        }
    })
}

/// Stability words its audio errors as it words its image ones.
fn failure_response(failure: &Failure) -> Response {
    use images::Failure as Said;
    let said = match failure {
        Failure::MissingKey => Said::MissingKey,
        Failure::WrongKey => Said::WrongKey,
        Failure::Invalid(problems) => Said::Invalid(problems.iter().map(|p| images::Problem { param: p.loc.first().copied(), message: p.message.clone() }).collect()),
        Failure::UnknownModel(model) => Said::UnknownModel(model.clone()),
        Failure::RateLimited { retry_after } => Said::RateLimited { retry_after: *retry_after },
        // Content moderation is the only 403 Stability documents.
        Failure::Status(403) => Said::Moderation,
        Failure::Status(status) => Said::Status(*status),
        // ElevenLabs' refusals, which Stable Audio never makes.
        Failure::UnknownVoice(_) | Failure::LanguageNotSupported { .. } => Said::Status(400),
        Failure::NoSuchTask => Said::Status(404),
    };
    images::stability::failure_response(&said)
}

pub fn router() -> Router<Simulator> {
    Router::new().route(PATH, post(generate_route))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn problems(pairs: &[(&str, &str)]) -> Vec<String> {
        match read(&fields(pairs), &HeaderMap::new()) {
            Err(Failure::Invalid(problems)) => problems.into_iter().map(|p| p.message).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn every_problem_is_listed() {
        assert_eq!(
            problems(&[("duration", "191"), ("seed", "-1"), ("steps", "10"), ("cfg_scale", "0"), ("output_format", "ogg")]),
            [
                "prompt: is required",
                "duration: must be a number from 1 to 190",
                "seed: must be an integer from 0 to 4294967294",
                "steps: must be an integer from 30 to 100 for stable-audio-2",
                "cfg_scale: must be a number from 1 to 25",
                "output_format: must be one of mp3, wav",
            ]
        );
        assert_eq!(problems(&[("prompt", "rain"), ("model", "stable-audio-2.5"), ("steps", "50")]), ["steps: must be an integer from 4 to 8 for stable-audio-2.5"]);
        assert_eq!(problems(&[("prompt", "rain"), ("model", "stable-audio-3")]), ["model: must be one of stable-audio-2, stable-audio-2.5"]);
        assert!(problems(&[("prompt", "rain"), ("duration", "2.5"), ("steps", "100"), ("cfg_scale", "7"), ("output_format", "wav")]).is_empty());
    }

    #[test]
    fn the_defaults_are_190_seconds_of_mp3_with_a_seed_from_the_prompt() {
        let generation = read(&fields(&[("prompt", "rain on a tin roof")]), &HeaderMap::new()).unwrap();
        assert_eq!((generation.model, generation.length, generation.encoding), ("stable-audio-2", Duration::from_secs(190), FORMATS[0].1));
        assert_eq!(generation.seed, images::stability::seed_for("rain on a tin roof"));
        assert_eq!(generation.answer, Answer::Audio);
        let seeded = read(&fields(&[("prompt", "rain"), ("seed", "42")]), &HeaderMap::new()).unwrap();
        assert_eq!(seeded.seed, 42);
    }
}
