//! OpenAI Images: `POST /openai/v1/images/generations`, `Authorization:
//! Bearer KEY`, JSON `{model?, prompt, n?, size?, quality?, style?,
//! response_format?, user?}`, checked per model as OpenAI checks it —
//! `dall-e-3`: one image, 1024x1024 | 1792x1024 | 1024x1792, quality
//! standard | hd, style vivid | natural, prompts up to 4000 characters;
//! `dall-e-2` (the default): 1 to 10 images, 256x256 | 512x512 | 1024x1024,
//! no style (quality is ignored), prompts up to 1000 characters.
//!
//! The answer is `{created, data: [{b64_json | url, revised_prompt?}]}`
//! with PNGs of exactly the size asked for (DALL·E 3 also says how it
//! rewrote the prompt). A `url` (OpenAI's default `response_format`) points
//! at `GET /openai/_files/{name}` on the host the request was sent to.
//! Errors are `{"error": {message, type, param, code}}`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map, Value};

use super::picture::Format;
use super::{CallSummary, Failure, Outcome, Problem, Provider};
use crate::{markers, Simulator};

const PATH: &str = "/openai/v1/images/generations";

/// What one model takes.
struct Model {
    name: &'static str,
    sizes: &'static [&'static str],
    max_images: i64,
    max_prompt_chars: usize,
    /// DALL·E 3 alone has a `style`, and rewrites every prompt.
    dalle3: bool,
}

const MODELS: [Model; 2] = [
    Model { name: "dall-e-2", sizes: &["256x256", "512x512", "1024x1024"], max_images: 10, max_prompt_chars: 1000, dalle3: false },
    Model { name: "dall-e-3", sizes: &["1024x1024", "1792x1024", "1024x1792"], max_images: 1, max_prompt_chars: 4000, dalle3: true },
];
const QUALITIES: &[&str] = &["standard", "hd"];
const STYLES: &[&str] = &["vivid", "natural"];
const RESPONSE_FORMATS: &[&str] = &["url", "b64_json"];
const FIELDS: &[&str] = &["model", "prompt", "n", "size", "quality", "style", "response_format", "user"];

/// A request OpenAI accepts.
struct Generation {
    model: &'static Model,
    prompt: String,
    n: usize,
    size: &'static str,
    quality: String,
    style: String,
    as_url: bool,
}

impl Generation {
    fn dimensions(&self) -> (u32, u32) {
        self.size.split_once('x').and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?))).unwrap_or((1024, 1024))
    }

    /// How DALL·E 3 "rewrote" the prompt; DALL·E 2 takes it as it is.
    fn revised_prompt(&self) -> Option<String> {
        let detail = if self.quality == "hd" { "fine, crisp detail" } else { "clear detail" };
        let colours = if self.style == "natural" { "natural, true-to-life colours" } else { "vivid, dramatic colours" };
        self.model.dalle3.then(|| format!("{}, shown in {detail} with {colours}.", markers::strip(&self.prompt).trim_end_matches('.')))
    }

    /// What each image is drawn from: the prompt without markers, so a
    /// `[sim:delay=...]` does not change the picture.
    fn seeds(&self) -> Vec<String> {
        (0..self.n).map(|i| format!("{}\n{}\n{}\n{i}\n{}", self.model.name, self.size, self.style, markers::strip(&self.prompt))).collect()
    }
}

/// A JSON type in OpenAI's words.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a decimal",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn text<'a>(body: &'a Map<String, Value>, name: &'static str) -> Result<Option<&'a str>, Failure> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(other) => Err(Failure::invalid(name, format!("Invalid type for '{name}': expected a string, but got {} instead.", kind(other)))),
    }
}

/// `'a' and 'b'`, `'a', 'b', and 'c'`: how OpenAI lists the values it takes.
fn quoted(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [first, second] => format!("{first} and {second}"),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
    }
}

fn one_of(name: &'static str, value: &str, allowed: &'static [&'static str]) -> Result<&'static str, Failure> {
    allowed.iter().find(|a| **a == value).copied().ok_or_else(|| Failure::invalid(name, format!("Invalid value: '{value}'. Supported values are: {}.", quoted(allowed))))
}

/// Checks the request as OpenAI does, first problem first.
fn read(body: &[u8]) -> Result<Generation, Failure> {
    let not_json = || {
        let message = "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. \
                       The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)";
        Failure::Invalid(vec![Problem { param: None, message: message.into() }])
    };
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else { return Err(not_json()) };
    if let Some(unknown) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(Failure::Invalid(vec![Problem { param: None, message: format!("Unrecognized request argument supplied: {unknown}") }]));
    }
    let model_name = text(&body, "model")?.unwrap_or("dall-e-2");
    let model = MODELS.iter().find(|m| m.name == model_name).ok_or_else(|| Failure::UnknownModel(model_name.to_owned()))?;
    let prompt = text(&body, "prompt")?.ok_or_else(|| Failure::invalid("prompt", "Missing required parameter: 'prompt'."))?;
    if prompt.is_empty() {
        return Err(Failure::invalid("prompt", "Invalid 'prompt': empty string. Expected a string with minimum length 1, but got an empty string instead."));
    }
    let length = prompt.chars().count();
    if length > model.max_prompt_chars {
        let message =
            format!("Invalid 'prompt': string too long. Expected a string with maximum length {}, but got a string with length {length} instead.", model.max_prompt_chars);
        return Err(Failure::invalid("prompt", message));
    }
    let n = match body.get("n") {
        None | Some(Value::Null) => 1,
        Some(value) => value.as_i64().ok_or_else(|| Failure::invalid("n", format!("Invalid type for 'n': expected an integer, but got {} instead.", kind(value))))?,
    };
    if n < 1 {
        return Err(Failure::invalid("n", format!("Invalid 'n': integer below minimum value. Expected a value >= 1, but got {n} instead.")));
    }
    if model.dalle3 && n > 1 {
        return Err(Failure::invalid("n", "You must provide n=1 for this model."));
    }
    if n > model.max_images {
        return Err(Failure::invalid("n", format!("Invalid 'n': integer above maximum value. Expected a value <= {}, but got {n} instead.", model.max_images)));
    }
    let size = one_of("size", text(&body, "size")?.unwrap_or("1024x1024"), model.sizes)?;
    let quality = one_of("quality", text(&body, "quality")?.unwrap_or("standard"), QUALITIES)?;
    let style = match text(&body, "style")? {
        Some(_) if !model.dalle3 => return Err(Failure::invalid("style", "style is only supported for dall-e-3.")),
        Some(style) => one_of("style", style, STYLES)?,
        None => "vivid",
    };
    let response_format = one_of("response_format", text(&body, "response_format")?.unwrap_or("url"), RESPONSE_FORMATS)?;
    text(&body, "user")?;
    Ok(Generation {
        model,
        prompt: prompt.to_owned(),
        n: usize::try_from(n).unwrap_or(1),
        size,
        quality: quality.to_owned(),
        style: style.to_owned(),
        as_url: response_format == "url",
    })
}

async fn generations(sim: Simulator, headers: HeaderMap, body: Bytes) -> Response {
    let sent: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut summary = CallSummary { model: sent.get("model").and_then(Value::as_str).map(str::to_owned), body: sent };
    let result = generate(&sim, &headers, &body, &mut summary).await;
    super::respond(&sim, Provider::OpenAi, PATH, &summary, result, failure_response)
}

async fn generate(sim: &Simulator, headers: &HeaderMap, body: &[u8], summary: &mut CallSummary) -> Result<Response, Failure> {
    super::check_key(sim, Provider::OpenAi, headers)?;
    let generation = read(body)?;
    summary.model = Some(generation.model.name.to_owned());
    let plan = super::plan(sim, Provider::OpenAi, generation.model.name, &generation.prompt, headers)?;
    tokio::time::sleep(plan.delay).await;
    let images = match plan.outcome {
        // A link to an error page served as a PNG; inline, bytes that decode to no image.
        Outcome::BadImage if generation.as_url => vec![super::NOT_AN_IMAGE_RAW.to_vec(); generation.n],
        Outcome::BadImage => vec![super::NOT_AN_IMAGE.to_vec(); generation.n],
        Outcome::Picture | Outcome::Filtered => {
            let (width, height) = generation.dimensions();
            super::paint(generation.seeds(), width, height, Format::Png, false).await?
        }
    };
    let host = super::header(headers, "host").unwrap_or("127.0.0.1");
    let revised_prompt = generation.revised_prompt();
    let data: Vec<Value> = images
        .into_iter()
        .map(|bytes| {
            let mut item = if generation.as_url {
                json!({"url": format!("http://{host}/openai/_files/{}", sim.image_files.keep(bytes, "png"))})
            } else {
                json!({"b64_json": STANDARD.encode(bytes)})
            };
            if let Some(revised) = &revised_prompt {
                item["revised_prompt"] = revised.as_str().into();
            }
            item
        })
        .collect();
    Ok(Json(json!({"created": crate::unix_now(), "data": data})).into_response())
}

fn failure_response(failure: &Failure) -> Response {
    let (status, kind, code, param, message) = match failure {
        Failure::MissingKey => (
            401,
            "invalid_request_error",
            None,
            None,
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).".to_owned(),
        ),
        Failure::WrongKey => (
            401,
            "invalid_request_error",
            Some("invalid_api_key"),
            None,
            "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.".to_owned(),
        ),
        Failure::Invalid(problems) => {
            let first = problems.first();
            (400, "invalid_request_error", None, first.and_then(|p| p.param), first.map(|p| p.message.clone()).unwrap_or_default())
        }
        Failure::UnknownModel(model) => {
            (404, "invalid_request_error", Some("model_not_found"), Some("model"), format!("The model `{model}` does not exist or you do not have access to it."))
        }
        Failure::RateLimited { retry_after } => {
            (429, "requests", Some("rate_limit_exceeded"), None, format!("Rate limit exceeded for images per minute. Please try again in {retry_after}s."))
        }
        Failure::Moderation => (
            400,
            "invalid_request_error",
            Some("content_policy_violation"),
            None,
            "Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.".to_owned(),
        ),
        Failure::Status(503) => (503, "service_unavailable_error", Some("server_is_overloaded"), None, "The server is overloaded or not ready yet.".to_owned()),
        Failure::Status(status) if *status >= 500 => (*status, "server_error", None, None, "The server had an error while processing your request. Sorry about that!".to_owned()),
        Failure::Status(status) => (*status, "invalid_request_error", None, None, "The request was refused.".to_owned()),
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"error": {"message": message, "type": kind, "param": param, "code": code}});
    super::with_retry_after((status, Json(body)).into_response(), failure)
}

/// Where an expired or unknown link leads: the blob store's answer.
const BLOB_NOT_FOUND: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>";

async fn file(State(sim): State<Simulator>, Path(name): Path<String>) -> Response {
    match sim.image_files.get(&name) {
        Some(bytes) => ([(header::CONTENT_TYPE, "image/png")], bytes).into_response(),
        None => (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "application/xml")], BLOB_NOT_FOUND).into_response(),
    }
}

pub fn router() -> Router<Simulator> {
    Router::new().route(PATH, post(|State(sim): State<Simulator>, headers: HeaderMap, body: Bytes| generations(sim, headers, body))).route("/openai/_files/{name}", get(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_values_are_listed_as_openai_lists_them() {
        assert_eq!(quoted(&["url"]), "'url'");
        assert_eq!(quoted(&["url", "b64_json"]), "'url' and 'b64_json'");
        assert_eq!(quoted(&["a", "b", "c"]), "'a', 'b', and 'c'");
    }

    #[test]
    fn dalle3_rewrites_the_prompt_without_markers() {
        let generation = read(br#"{"model": "dall-e-3", "prompt": "A red fox. [sim:delay=5]", "style": "natural"}"#).unwrap();
        assert_eq!(generation.revised_prompt().unwrap(), "A red fox, shown in clear detail with natural, true-to-life colours.");
        assert_eq!(generation.dimensions(), (1024, 1024));
        assert!(generation.as_url, "url is OpenAI's default");
        let dalle2 = read(br#"{"prompt": "A red fox", "n": 2, "size": "256x256", "response_format": "b64_json"}"#).unwrap();
        assert_eq!((dalle2.model.name, dalle2.n, dalle2.revised_prompt()), ("dall-e-2", 2, None));
        assert_ne!(dalle2.seeds()[0], dalle2.seeds()[1], "each image its own picture");
    }

    #[test]
    fn wrong_types_are_named() {
        let Err(Failure::Invalid(problems)) = read(br#"{"prompt": "x", "n": "2"}"#) else { panic!("accepted") };
        assert_eq!(problems[0].message, "Invalid type for 'n': expected an integer, but got a string instead.");
        assert!(matches!(read(b"[1]"), Err(Failure::Invalid(_))));
    }
}
