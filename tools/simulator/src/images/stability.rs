//! Stability AI's Stable Image generation: `POST
//! /stability/v2beta/stable-image/generate/{core|ultra|sd3}`,
//! `Authorization: Bearer KEY`, a multipart/form-data body — `prompt`
//! (1 to 10000 characters), `negative_prompt?`, `aspect_ratio?` (1:1),
//! `seed?` (0 to 4294967294, 0 for any), `output_format?` (png | jpeg |
//! webp; sd3: png | jpeg) and, for sd3, `model?` (sd3.5-large |
//! sd3.5-large-turbo | sd3.5-medium). Every problem is listed in one 400.
//!
//! `Accept: image/*` (the default) answers the image itself, with
//! `finish-reason` and `seed` headers; `Accept: application/json` answers
//! `{image: base64, finish_reason, seed}`. The picture is 1 megapixel in
//! the aspect ratio asked for, as Stability's are. Errors are `{id, name,
//! errors: [...]}`.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::picture::Format;
use super::{CallSummary, Failure, Outcome, Problem, Provider};
use crate::{markers, Simulator};

const PREFIX: &str = "/stability/v2beta/stable-image/generate";
const ENDPOINTS: &[&str] = &["core", "ultra", "sd3"];
const SD3_MODELS: &[&str] = &["sd3.5-large", "sd3.5-large-turbo", "sd3.5-medium"];
/// Each aspect ratio and the size Stability draws it at (about a megapixel).
const ASPECT_RATIOS: [(&str, u32, u32); 9] = [
    ("16:9", 1344, 768),
    ("1:1", 1024, 1024),
    ("21:9", 1536, 640),
    ("2:3", 832, 1216),
    ("3:2", 1216, 832),
    ("4:5", 896, 1152),
    ("5:4", 1152, 896),
    ("9:16", 768, 1344),
    ("9:21", 640, 1536),
];
const FORMATS: &[&str] = &["png", "jpeg", "webp"];
const SD3_FORMATS: &[&str] = &["png", "jpeg"];
pub(crate) const MAX_PROMPT_CHARS: usize = 10_000;
pub(crate) const MAX_SEED: u64 = 4_294_967_294;

/// What `Accept` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Image,
    Json,
}

/// The form as sent: text fields, and uploaded files by their name and size.
#[derive(Default)]
struct Form {
    texts: BTreeMap<String, String>,
    files: BTreeMap<String, Value>,
}

impl Form {
    fn text(&self, name: &str) -> Option<&str> {
        self.texts.get(name).map(String::as_str)
    }

    /// What `/_sim/images` shows: every field, files without their bytes.
    fn summary(&self) -> Value {
        let texts = self.texts.iter().map(|(name, value)| (name.clone(), Value::from(value.as_str())));
        Value::Object(texts.chain(self.files.iter().map(|(name, file)| (name.clone(), file.clone()))).collect())
    }
}

/// A request Stability accepts.
struct Generation {
    model: String,
    prompt: String,
    width: u32,
    height: u32,
    /// The seed the picture is drawn with, and reported back.
    seed: u64,
    format: Format,
    answer: Answer,
}

impl Generation {
    /// What the picture is drawn from: the prompt without markers, so a
    /// `[sim:delay=...]` does not change the picture.
    fn picture_seed(&self) -> String {
        format!("{}\n{}\n{}", self.model, self.seed, markers::strip(&self.prompt))
    }
}

fn problem(param: &'static str, message: String) -> Problem {
    Problem { param: Some(param), message }
}

/// Seed 0 (or none) asks for any seed; the simulator takes one from the
/// prompt, so the answer stays reproducible.
pub(crate) fn seed_for(prompt: &str) -> u64 {
    let h = Sha256::digest(prompt.as_bytes());
    1 + u64::from(u32::from_be_bytes([h[0], h[1], h[2], h[3]])) % MAX_SEED
}

/// Checks the fields and the `Accept` header as Stability does, every problem at once.
fn read(endpoint: &str, form: &Form, headers: &HeaderMap) -> Result<Generation, Failure> {
    let mut problems = Vec::new();
    let answer = match super::header(headers, "accept").map(str::trim) {
        None | Some("image/*") => Answer::Image,
        Some("application/json") => Answer::Json,
        Some(other) => {
            problems.push(problem("accept", format!("accept: must be image/* or application/json, not {other}")));
            Answer::Image
        }
    };
    let prompt = form.text("prompt").unwrap_or_default();
    match (form.text("prompt"), prompt.chars().count()) {
        (None, _) => problems.push(problem("prompt", "prompt: is required".into())),
        (Some(_), 1..=MAX_PROMPT_CHARS) => {}
        (Some(_), _) => problems.push(problem("prompt", format!("prompt: must be between 1 and {MAX_PROMPT_CHARS} characters long"))),
    }
    if form.text("negative_prompt").is_some_and(|n| n.chars().count() > MAX_PROMPT_CHARS) {
        problems.push(problem("negative_prompt", format!("negative_prompt: must be at most {MAX_PROMPT_CHARS} characters long")));
    }
    let model = match endpoint {
        "sd3" => form.text("model").unwrap_or(SD3_MODELS[0]),
        other => other,
    };
    if endpoint == "sd3" && !SD3_MODELS.contains(&model) {
        problems.push(problem("model", format!("model: must be one of {}", SD3_MODELS.join(", "))));
    }
    let ratio = form.text("aspect_ratio").unwrap_or("1:1");
    let (width, height) = match ASPECT_RATIOS.iter().find(|(name, _, _)| *name == ratio) {
        Some(&(_, width, height)) => (width, height),
        None => {
            let names: Vec<&str> = ASPECT_RATIOS.iter().map(|(name, _, _)| *name).collect();
            problems.push(problem("aspect_ratio", format!("aspect_ratio: must be one of {}", names.join(", "))));
            (0, 0)
        }
    };
    let seed = match form.text("seed").map(|s| s.trim().parse::<u64>()) {
        None => 0,
        Some(Ok(seed)) if seed <= MAX_SEED => seed,
        Some(_) => {
            problems.push(problem("seed", format!("seed: must be an integer from 0 to {MAX_SEED}")));
            0
        }
    };
    let formats = if endpoint == "sd3" { SD3_FORMATS } else { FORMATS };
    let format_name = form.text("output_format").unwrap_or("png");
    let format = formats.contains(&format_name).then(|| Format::named(format_name)).flatten();
    if format.is_none() {
        problems.push(problem("output_format", format!("output_format: must be one of {}", formats.join(", "))));
    }
    match format {
        Some(format) if problems.is_empty() => {
            Ok(Generation { model: model.to_owned(), prompt: prompt.to_owned(), width, height, seed: if seed == 0 { seed_for(prompt) } else { seed }, format, answer })
        }
        _ => Err(Failure::Invalid(problems)),
    }
}

fn bad_form(message: String) -> Failure {
    Failure::Invalid(vec![Problem { param: None, message }])
}

async fn read_form(request: Request) -> Result<Form, Failure> {
    let mut multipart = Multipart::from_request(request, &()).await.map_err(|_| bad_form("content-type: must be multipart/form-data".into()))?;
    let mut form = Form::default();
    while let Some(field) = multipart.next_field().await.map_err(|e| bad_form(format!("body: {e}")))? {
        let name = field.name().unwrap_or_default().to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(|e| bad_form(format!("{name}: {e}")))?;
                form.files.insert(name, json!({"file_name": file_name, "bytes": bytes.len()}));
            }
            None => {
                let text = field.text().await.map_err(|e| bad_form(format!("{name}: {e}")))?;
                form.texts.insert(name, text);
            }
        }
    }
    Ok(form)
}

async fn generate_route(State(sim): State<Simulator>, Path(endpoint): Path<String>, request: Request) -> Response {
    let path = format!("{PREFIX}/{endpoint}");
    let mut summary = CallSummary::default();
    let result = generate(&sim, &endpoint, request, &mut summary).await;
    super::respond(&sim, Provider::Stability, &path, &summary, result, failure_response)
}

async fn generate(sim: &Simulator, endpoint: &str, request: Request, summary: &mut CallSummary) -> Result<Response, Failure> {
    if !ENDPOINTS.contains(&endpoint) {
        return Err(Failure::Status(404));
    }
    let headers = request.headers().clone();
    super::check_key(sim, Provider::Stability, &headers)?;
    let form = read_form(request).await?;
    summary.body = form.summary();
    summary.model = Some(if endpoint == "sd3" { form.text("model").unwrap_or(SD3_MODELS[0]) } else { endpoint }.to_owned());
    let generation = read(endpoint, &form, &headers)?;
    let plan = super::plan(sim, Provider::Stability, &generation.model, &generation.prompt, &headers)?;
    tokio::time::sleep(plan.delay).await;
    let bytes = match plan.outcome {
        Outcome::BadImage if generation.answer == Answer::Json => super::NOT_AN_IMAGE.to_vec(),
        Outcome::BadImage => super::NOT_AN_IMAGE_RAW.to_vec(),
        outcome => {
            let veiled = outcome == Outcome::Filtered;
            let painted = super::paint(vec![generation.picture_seed()], generation.width, generation.height, generation.format, veiled).await?;
            painted.into_iter().next().ok_or(Failure::Status(500))?
        }
    };
    let finish_reason = if plan.outcome == Outcome::Filtered { "CONTENT_FILTERED" } else { "SUCCESS" };
    Ok(match generation.answer {
        Answer::Json => Json(json!({"image": STANDARD.encode(bytes), "finish_reason": finish_reason, "seed": generation.seed})).into_response(),
        Answer::Image => {
            let headers =
                [(header::CONTENT_TYPE.as_str(), generation.format.content_type().to_owned()), ("finish-reason", finish_reason.to_owned()), ("seed", generation.seed.to_string())];
            (headers, bytes).into_response()
        }
    })
}

pub(crate) fn failure_response(failure: &Failure) -> Response {
    let (status, name, errors): (u16, &str, Vec<String>) = match failure {
        Failure::MissingKey => (401, "unauthorized", vec!["authorization: missing API key".into()]),
        Failure::WrongKey => (401, "unauthorized", vec!["authorization: invalid API key".into()]),
        Failure::Invalid(problems) => (400, "bad_request", problems.iter().map(|p| p.message.clone()).collect()),
        Failure::UnknownModel(model) => (404, "not_found", vec![format!("model: {model} was not found")]),
        Failure::RateLimited { .. } => {
            (429, "rate_limit_exceeded", vec!["You have exceeded the rate limit of 150 requests within a 10 second period, and have been timed out for 60 seconds.".into()])
        }
        Failure::Moderation => {
            (403, "content_moderation", vec!["Your request was flagged by our content moderation system, as a result your request was denied and you were not charged.".into()])
        }
        Failure::Status(402) => (
            402,
            "payment_required",
            vec!["You lack sufficient credits to make this request. Please purchase more credits at https://platform.stability.ai/account/credits and try again.".into()],
        ),
        Failure::Status(404) => (404, "not_found", vec![format!("path: not found; the generate endpoints are {}", ENDPOINTS.join(", "))]),
        Failure::Status(status) if *status >= 500 => (*status, "internal_error", vec!["An unexpected server error has occurred, please try again later.".into()]),
        Failure::Status(status) => (*status, "bad_request", vec!["The request was refused.".into()]),
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"id": crate::uuid_v4().replace('-', ""), "name": name, "errors": errors});
    super::with_retry_after((status, Json(body)).into_response(), failure)
}

pub fn router() -> Router<Simulator> {
    Router::new().route(&format!("{PREFIX}/{{endpoint}}"), post(generate_route))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)]) -> Form {
        Form { texts: fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(), files: BTreeMap::new() }
    }

    fn problems(endpoint: &str, fields: &[(&str, &str)]) -> Vec<String> {
        match read(endpoint, &form(fields), &HeaderMap::new()) {
            Err(Failure::Invalid(problems)) => problems.into_iter().map(|p| p.message).collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn sizes_follow_the_aspect_ratio_at_about_a_megapixel() {
        for (name, width, height) in ASPECT_RATIOS {
            let (w, h) = name.split_once(':').map(|(w, h)| (w.parse::<f64>().unwrap(), h.parse::<f64>().unwrap())).unwrap();
            let ratio = f64::from(width) / f64::from(height);
            assert!((ratio - w / h).abs() / (w / h) < 0.05, "{name}: {width}x{height}");
            assert!((900_000..=1_100_000).contains(&(width * height)), "{name}: {width}x{height}");
            assert_eq!((width % 64, height % 64), (0, 0), "{name}: multiples of 64");
        }
    }

    #[test]
    fn every_problem_is_listed() {
        let listed = problems("sd3", &[("aspect_ratio", "4:3"), ("seed", "-1"), ("output_format", "webp"), ("model", "sd4")]);
        assert_eq!(
            listed,
            [
                "prompt: is required",
                "model: must be one of sd3.5-large, sd3.5-large-turbo, sd3.5-medium",
                "aspect_ratio: must be one of 16:9, 1:1, 21:9, 2:3, 3:2, 4:5, 5:4, 9:16, 9:21",
                "seed: must be an integer from 0 to 4294967294",
                "output_format: must be one of png, jpeg",
            ]
        );
        assert_eq!(problems("core", &[("prompt", "")]), ["prompt: must be between 1 and 10000 characters long"]);
        assert!(problems("ultra", &[("prompt", "a fox"), ("output_format", "webp"), ("seed", "4294967294")]).is_empty());
    }

    #[test]
    fn without_a_seed_one_comes_from_the_prompt() {
        let seed = |fields: &[(&str, &str)]| read("core", &form(fields), &HeaderMap::new()).map(|g| g.seed).unwrap();
        assert_eq!(seed(&[("prompt", "a fox")]), seed(&[("prompt", "a fox"), ("seed", "0")]));
        assert_ne!(seed(&[("prompt", "a fox")]), seed(&[("prompt", "a whale")]));
        assert_eq!(seed(&[("prompt", "a fox"), ("seed", "42")]), 42);
        assert!((1..=MAX_SEED).contains(&seed_for("anything")));
    }
}
