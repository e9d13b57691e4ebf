//! Image generation: which providers and models, which options each takes
//! (refused with the allowed values otherwise), what it costs, and the wire
//! formats — OpenAI Images (`/v1/images/generations`, JSON), Stability AI
//! (`/v2beta/stable-image/generate/{core|sd3|ultra}`, multipart) and the
//! Workers AI binding.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::json::JsonObject;
use crate::media::{allowed, allowed_for, not_for};
use crate::provider_failure::{self, Named};

pub const MAX_PROMPT_CHARS: usize = 4_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageProvider {
    Openai,
    Stability,
    WorkersAi,
}

impl Named for ImageProvider {
    fn name(self) -> &'static str {
        match self {
            ImageProvider::Openai => "OpenAI",
            ImageProvider::Stability => "Stability AI",
            ImageProvider::WorkersAi => "Workers AI",
        }
    }
}

impl ImageProvider {
    pub const ALL: [ImageProvider; 3] = [ImageProvider::Openai, ImageProvider::Stability, ImageProvider::WorkersAi];
    /// The ids, for filters.
    pub const ALL_IDS: [&'static str; 3] = [ImageProvider::Openai.id(), ImageProvider::Stability.id(), ImageProvider::WorkersAi.id()];

    pub const fn id(self) -> &'static str {
        match self {
            ImageProvider::Openai => "openai",
            ImageProvider::Stability => "stability",
            ImageProvider::WorkersAi => "workers_ai",
        }
    }

    pub fn parse(raw: &str) -> ApiResult<Self> {
        Self::ALL.into_iter().find(|p| p.id() == raw.trim()).ok_or_else(|| allowed("provider", &Self::ALL.map(|p| p.id())))
    }

    pub fn models(self) -> &'static [&'static str] {
        match self {
            ImageProvider::Openai => &["dall-e-3", "dall-e-2"],
            ImageProvider::Stability => &["core", "ultra", "sd3.5-large", "sd3.5-large-turbo", "sd3.5-medium"],
            ImageProvider::WorkersAi => &["@cf/black-forest-labs/flux-1-schnell", "@cf/stabilityai/stable-diffusion-xl-base-1.0"],
        }
    }

    /// `{PREFIX}_API_BASE` / `{PREFIX}_API_KEY` (Workers AI: the binding).
    pub fn config_prefix(self) -> &'static str {
        match self {
            ImageProvider::Openai => "OPENAI",
            ImageProvider::Stability => "STABILITY",
            ImageProvider::WorkersAi => "WORKERS_AI",
        }
    }

    pub fn default_base(self) -> &'static str {
        match self {
            ImageProvider::Openai => "https://api.openai.com",
            ImageProvider::Stability => "https://api.stability.ai",
            ImageProvider::WorkersAi => "",
        }
    }

    pub fn key_provider(self) -> Option<crate::api_keys::Provider> {
        match self {
            ImageProvider::Openai => Some(crate::api_keys::Provider::Openai),
            ImageProvider::Stability => Some(crate::api_keys::Provider::Stability),
            ImageProvider::WorkersAi => None,
        }
    }
}


const DALLE3_SIZES: &[&str] = &["1024x1024", "1792x1024", "1024x1792"];
const DALLE2_SIZES: &[&str] = &["256x256", "512x512", "1024x1024"];
const QUALITIES: &[&str] = &["standard", "hd"];
const STYLES: &[&str] = &["vivid", "natural"];
pub const ASPECT_RATIOS: &[&str] = &["16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"];
const STABILITY_FORMATS: &[&str] = &["png", "jpeg", "webp"];
const SD3_FORMATS: &[&str] = &["png", "jpeg"];
const MAX_SEED: i64 = 4_294_967_294;

/// A validated image request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRequest {
    pub provider: ImageProvider,
    pub model: String,
    pub prompt: String,
    /// What is sent besides the prompt, as the provider names it; also what
    /// the history shows.
    pub parameters: Map<String, Value>,
    /// Images asked for (DALL-E 2 only takes more than one).
    pub n: u32,
}

const FIELDS: &[&str] = &["provider", "model", "prompt", "negative_prompt", "size", "n", "quality", "style", "aspect_ratio", "seed", "output_format"];

impl ImageRequest {
    pub fn parse(body: &JsonObject) -> ApiResult<Self> {
        body.only_keys(FIELDS, "")?;
        let provider = ImageProvider::parse(body.required_str("provider")?)?;
        let model = match body.optional_str("model")? {
            Some(m) => m.trim().to_owned(),
            None => provider.models()[0].to_owned(),
        };
        if !provider.models().contains(&model.as_str()) {
            return Err(allowed_for("model", provider.name(), provider.models()));
        }
        let prompt = body.required_str("prompt")?.trim().to_owned();
        if prompt.is_empty() {
            return Err(ApiError::invalid("empty_field", "prompt", "`prompt` must not be empty"));
        }
        if prompt.chars().count() > MAX_PROMPT_CHARS {
            return Err(ApiError::invalid("too_long", "prompt", format!("`prompt` must be at most {MAX_PROMPT_CHARS} characters")));
        }
        let text = |field: &str| body.optional_str(field).map(|v| v.map(|s| s.trim().to_owned()));
        let mut parameters = Map::new();
        let mut n = 1;
        match provider {
            ImageProvider::Openai => {
                for field in ["negative_prompt", "aspect_ratio", "seed", "output_format"] {
                    if body.get(field).is_some() {
                        return Err(not_for(field, &model));
                    }
                }
                let dalle3 = model == "dall-e-3";
                let sizes = if dalle3 { DALLE3_SIZES } else { DALLE2_SIZES };
                let size = text("size")?.unwrap_or_else(|| "1024x1024".into());
                if !sizes.contains(&size.as_str()) {
                    return Err(allowed_for("size", &model, sizes));
                }
                parameters.insert("size".into(), json!(size));
                if let Some(count) = body.optional_int("n")? {
                    let max = if dalle3 { 1 } else { 10 };
                    if !(1..=max).contains(&count) {
                        return Err(ApiError::invalid("invalid_value", "n", format!("`n` for {model} must be from 1 to {max}")));
                    }
                    n = count as u32;
                }
                for (field, values, default) in [("quality", QUALITIES, "standard"), ("style", STYLES, "vivid")] {
                    match text(field)? {
                        Some(_) if !dalle3 => return Err(not_for(field, &model)),
                        Some(v) if !values.contains(&v.as_str()) => return Err(allowed_for(field, &model, values)),
                        Some(v) => {
                            parameters.insert(field.into(), json!(v));
                        }
                        None if dalle3 => {
                            parameters.insert(field.into(), json!(default));
                        }
                        None => {}
                    }
                }
            }
            ImageProvider::Stability | ImageProvider::WorkersAi => {
                for field in ["size", "n", "quality", "style"] {
                    if body.get(field).is_some() {
                        return Err(not_for(field, &model));
                    }
                }
                if provider == ImageProvider::WorkersAi {
                    for field in ["aspect_ratio", "output_format"] {
                        if body.get(field).is_some() {
                            return Err(not_for(field, &model));
                        }
                    }
                } else {
                    let ratio = text("aspect_ratio")?.unwrap_or_else(|| "1:1".into());
                    if !ASPECT_RATIOS.contains(&ratio.as_str()) {
                        return Err(allowed_for("aspect_ratio", &model, ASPECT_RATIOS));
                    }
                    parameters.insert("aspect_ratio".into(), json!(ratio));
                    let formats = if model.starts_with("sd3") { SD3_FORMATS } else { STABILITY_FORMATS };
                    let format = text("output_format")?.unwrap_or_else(|| "png".into());
                    if !formats.contains(&format.as_str()) {
                        return Err(allowed_for("output_format", &model, formats));
                    }
                    parameters.insert("output_format".into(), json!(format));
                }
                if let Some(negative) = text("negative_prompt")?.filter(|n| !n.is_empty()) {
                    if model == "sd3.5-large-turbo" {
                        return Err(not_for("negative_prompt", &model));
                    }
                    parameters.insert("negative_prompt".into(), json!(negative));
                }
                if let Some(seed) = body.optional_int("seed")? {
                    if !(0..=MAX_SEED).contains(&seed) {
                        return Err(ApiError::invalid("invalid_value", "seed", format!("`seed` must be from 0 to {MAX_SEED}")));
                    }
                    parameters.insert("seed".into(), json!(seed));
                }
            }
        }
        Ok(Self { provider, model, prompt, parameters, n })
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.parameters.get(name).and_then(Value::as_str)
    }

    /// Plan credits this takes: one per image.
    pub fn credits(&self) -> i64 {
        i64::from(self.n)
    }

    /// Micro-dollars for this request, from the providers' price lists.
    pub fn cost_micros(&self) -> i64 {
        let each: i64 = match (self.provider, self.model.as_str()) {
            (ImageProvider::Openai, "dall-e-3") => match (self.param("quality"), self.param("size")) {
                (Some("hd"), Some("1024x1024")) => 80_000,
                (Some("hd"), _) => 120_000,
                (_, Some("1024x1024")) => 40_000,
                _ => 80_000,
            },
            (ImageProvider::Openai, _) => match self.param("size") {
                Some("256x256") => 16_000,
                Some("512x512") => 18_000,
                _ => 20_000,
            },
            (ImageProvider::Stability, "ultra") => 80_000,
            (ImageProvider::Stability, "core") => 30_000,
            (ImageProvider::Stability, "sd3.5-large") => 65_000,
            (ImageProvider::Stability, "sd3.5-large-turbo") => 40_000,
            (ImageProvider::Stability, _) => 35_000,
            (ImageProvider::WorkersAi, _) => 1_000,
        };
        each * i64::from(self.n)
    }

    /// OpenAI Images: the JSON body (images come back base64-encoded).
    pub fn openai_body(&self) -> Value {
        let mut body = self.parameters.clone();
        body.insert("model".into(), json!(self.model));
        body.insert("prompt".into(), json!(self.prompt));
        body.insert("n".into(), json!(self.n));
        body.insert("response_format".into(), json!("b64_json"));
        Value::Object(body)
    }

    /// Stability: the endpoint's path and its multipart fields.
    pub fn stability_call(&self) -> (String, Vec<(&'static str, String)>) {
        let endpoint = if self.model.starts_with("sd3") { "sd3" } else { self.model.as_str() };
        let mut fields = vec![("prompt", self.prompt.clone())];
        if endpoint == "sd3" {
            fields.push(("model", self.model.clone()));
        }
        for name in ["negative_prompt", "aspect_ratio", "output_format"] {
            if let Some(value) = self.param(name) {
                fields.push((name, value.to_owned()));
            }
        }
        if let Some(seed) = self.parameters.get("seed").and_then(Value::as_i64) {
            fields.push(("seed", seed.to_string()));
        }
        (format!("/v2beta/stable-image/generate/{endpoint}"), fields)
    }

    /// Workers AI: the binding's input.
    pub fn workers_ai_input(&self) -> Value {
        let mut input = Map::new();
        input.insert("prompt".into(), json!(self.prompt));
        if let Some(negative) = self.param("negative_prompt") {
            input.insert("negative_prompt".into(), json!(negative));
        }
        if let Some(seed) = self.parameters.get("seed") {
            input.insert("seed".into(), seed.clone());
        }
        Value::Object(input)
    }
}

/// One image a provider returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedImage {
    pub bytes: Vec<u8>,
    pub revised_prompt: Option<String>,
}

/// OpenAI's `{created, data: [{b64_json, revised_prompt?}]}`.
pub fn parse_openai(body: &str) -> ApiResult<Vec<GeneratedImage>> {
    let bad = || provider_failure::bad_answer(ImageProvider::Openai);
    let value: Value = serde_json::from_str(body).map_err(|_| bad())?;
    let data = value.get("data").and_then(Value::as_array).ok_or_else(bad)?;
    data.iter()
        .map(|item| {
            let b64 = item.get("b64_json").and_then(Value::as_str).ok_or_else(bad)?;
            let bytes = STANDARD.decode(b64).map_err(|_| bad())?;
            Ok(GeneratedImage { bytes, revised_prompt: item.get("revised_prompt").and_then(Value::as_str).map(str::to_owned) })
        })
        .collect()
}

/// Stability's JSON answer `{image: base64, finish_reason, seed}`; a
/// `CONTENT_FILTERED` finish is a refusal.
pub fn parse_stability(body: &str) -> ApiResult<GeneratedImage> {
    let bad = || provider_failure::bad_answer(ImageProvider::Stability);
    let value: Value = serde_json::from_str(body).map_err(|_| bad())?;
    if value.get("finish_reason").and_then(Value::as_str) == Some("CONTENT_FILTERED") {
        return Err(provider_failure::refused(ImageProvider::Stability));
    }
    let b64 = value.get("image").and_then(Value::as_str).ok_or_else(bad)?;
    Ok(GeneratedImage { bytes: STANDARD.decode(b64).map_err(|_| bad())?, revised_prompt: None })
}

/// Stability reports errors as `{name, errors: [...]}`; 403 is its content
/// moderation.
pub fn stability_error(status: u16, body: &str, retry_after: Option<u64>) -> ApiError {
    if status == 403 && body.contains("content_moderation") {
        return provider_failure::refused(ImageProvider::Stability);
    }
    provider_failure::from_http(ImageProvider::Stability, status, body, retry_after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> ApiResult<ImageRequest> {
        ImageRequest::parse(&JsonObject::parse(json.as_bytes()).unwrap())
    }

    #[test]
    fn dalle3_defaults_and_body() {
        let r = parse(r#"{"provider":"openai","prompt":" a red fox "}"#).unwrap();
        assert_eq!((r.model.as_str(), r.prompt.as_str(), r.n), ("dall-e-3", "a red fox", 1));
        assert_eq!(r.openai_body(), json!({"model": "dall-e-3", "prompt": "a red fox", "n": 1, "size": "1024x1024", "quality": "standard", "style": "vivid", "response_format": "b64_json"}));
        assert_eq!(r.cost_micros(), 40_000);
        let hd = parse(r#"{"provider":"openai","model":"dall-e-3","prompt":"x","size":"1792x1024","quality":"hd","style":"natural"}"#).unwrap();
        assert_eq!(hd.cost_micros(), 120_000);
    }

    #[test]
    fn options_are_checked_per_model_with_the_allowed_values() {
        let err = |json: &str| parse(json).unwrap_err();
        let e = err(r#"{"provider":"openai","model":"dall-e-3","prompt":"x","size":"512x512"}"#);
        assert_eq!((e.code, e.field.as_deref()), ("invalid_value", Some("size")));
        assert!(e.message.contains("1024x1024, 1792x1024, 1024x1792"), "{}", e.message);
        assert_eq!(err(r#"{"provider":"openai","model":"dall-e-2","prompt":"x","style":"vivid"}"#).code, "unsupported_option");
        assert!(err(r#"{"provider":"openai","model":"dall-e-3","prompt":"x","quality":"ultra"}"#).message.contains("standard, hd"));
        assert_eq!(err(r#"{"provider":"openai","model":"dall-e-3","prompt":"x","n":2}"#).field.as_deref(), Some("n"));
        assert_eq!(err(r#"{"provider":"openai","prompt":"x","seed":3}"#).field.as_deref(), Some("seed"));
        assert!(err(r#"{"provider":"stability","prompt":"x","aspect_ratio":"4:3"}"#).message.contains("16:9, 1:1"));
        assert_eq!(err(r#"{"provider":"stability","model":"sd3.5-medium","prompt":"x","output_format":"webp"}"#).field.as_deref(), Some("output_format"));
        assert_eq!(err(r#"{"provider":"stability","model":"sd3.5-large-turbo","prompt":"x","negative_prompt":"blur"}"#).code, "unsupported_option");
        assert_eq!(err(r#"{"provider":"stability","prompt":"x","seed":-1}"#).field.as_deref(), Some("seed"));
        assert!(err(r#"{"provider":"midjourney","prompt":"x"}"#).message.contains("openai, stability, workers_ai"));
        assert!(err(r#"{"provider":"openai","model":"dall-e-4","prompt":"x"}"#).message.contains("dall-e-3, dall-e-2"));
        assert_eq!(err(r#"{"provider":"openai","prompt":"  "}"#).code, "empty_field");
    }

    #[test]
    fn dalle2_takes_several_images_and_costs_each() {
        let r = parse(r#"{"provider":"openai","model":"dall-e-2","prompt":"x","size":"512x512","n":3}"#).unwrap();
        assert_eq!((r.n, r.cost_micros()), (3, 54_000));
        assert!(r.openai_body().get("quality").is_none());
    }

    #[test]
    fn stability_fields_and_endpoints() {
        let r = parse(r#"{"provider":"stability","model":"sd3.5-large","prompt":"x","negative_prompt":"blur","aspect_ratio":"16:9","seed":42,"output_format":"jpeg"}"#).unwrap();
        let (path, fields) = r.stability_call();
        assert_eq!(path, "/v2beta/stable-image/generate/sd3");
        assert!(fields.contains(&("model", "sd3.5-large".into())) && fields.contains(&("seed", "42".into())) && fields.contains(&("aspect_ratio", "16:9".into())));
        let core = parse(r#"{"provider":"stability","prompt":"x"}"#).unwrap();
        assert_eq!(core.stability_call().0, "/v2beta/stable-image/generate/core");
        assert_eq!(core.cost_micros(), 30_000);
    }

    #[test]
    fn answers_are_decoded() {
        let images = parse_openai(r#"{"created":1,"data":[{"b64_json":"iVBORw0KGgo=","revised_prompt":"a fox"}]}"#).unwrap();
        assert_eq!(images[0].bytes, b"\x89PNG\r\n\x1a\n");
        assert_eq!(images[0].revised_prompt.as_deref(), Some("a fox"));
        assert_eq!(parse_openai(r#"{"data":[{"url":"https://x"}]}"#).unwrap_err().code, "provider_bad_response");
        assert_eq!(parse_stability(r#"{"image":"","finish_reason":"CONTENT_FILTERED","seed":1}"#).unwrap_err().code, "provider_refused");
        assert_eq!(stability_error(403, r#"{"name":"content_moderation","errors":["flagged"]}"#, None).code, "provider_refused");
        assert_eq!(stability_error(401, r#"{"name":"unauthorized","errors":["bad key"]}"#, None).code, "provider_auth");
    }
}
