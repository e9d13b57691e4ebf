//! Video generation: asynchronous tasks at Runway (`/v1/image_to_video`,
//! `/v1/text_to_video`, polled at `/v1/tasks/{id}`), Luma Dream Machine
//! (`/dream-machine/v1/generations`, polled by id) and Pika through fal.ai's
//! queue API (`/fal-ai/pika/v2.2/text-to-video`, then
//! `/fal-ai/pika/requests/{id}/status` and the result). The options each
//! takes, what it costs, the calls, and how a task's state is read.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::json::JsonObject;
use crate::media::{allowed, allowed_for, not_for};
use crate::media::task::TaskState;
use crate::provider_failure::{self, Named};

pub const MAX_PROMPT_CHARS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoProvider {
    Runway,
    Luma,
    Pika,
}

impl Named for VideoProvider {
    fn name(self) -> &'static str {
        match self {
            VideoProvider::Runway => "Runway",
            VideoProvider::Luma => "Luma Dream Machine",
            VideoProvider::Pika => "Pika (through fal.ai)",
        }
    }
}

impl VideoProvider {
    pub const ALL: [VideoProvider; 3] = [VideoProvider::Runway, VideoProvider::Luma, VideoProvider::Pika];
    /// The ids, for filters.
    pub const ALL_IDS: [&'static str; 3] = [VideoProvider::Runway.id(), VideoProvider::Luma.id(), VideoProvider::Pika.id()];

    pub const fn id(self) -> &'static str {
        match self {
            VideoProvider::Runway => "runway",
            VideoProvider::Luma => "luma",
            VideoProvider::Pika => "pika",
        }
    }

    pub fn parse(raw: &str) -> ApiResult<Self> {
        Self::ALL.into_iter().find(|p| p.id() == raw.trim()).ok_or_else(|| allowed("provider", &Self::ALL.map(|p| p.id())))
    }

    /// `{PREFIX}_API_BASE` / `{PREFIX}_API_KEY`; Pika's are fal.ai's.
    pub fn config_prefix(self) -> &'static str {
        match self {
            VideoProvider::Runway => "RUNWAY",
            VideoProvider::Luma => "LUMA",
            VideoProvider::Pika => "FAL",
        }
    }

    pub fn default_base(self) -> &'static str {
        match self {
            VideoProvider::Runway => "https://api.dev.runwayml.com",
            VideoProvider::Luma => "https://api.lumalabs.ai",
            VideoProvider::Pika => "https://queue.fal.run",
        }
    }

    pub fn key_provider(self) -> crate::api_keys::Provider {
        match self {
            VideoProvider::Runway => crate::api_keys::Provider::Runway,
            VideoProvider::Luma => crate::api_keys::Provider::Luma,
            VideoProvider::Pika => crate::api_keys::Provider::Pika,
        }
    }

    pub fn models(self) -> &'static [&'static str] {
        match self {
            VideoProvider::Runway => &["gen4_turbo", "gen3a_turbo", "veo3"],
            VideoProvider::Luma => &["ray-2", "ray-flash-2"],
            VideoProvider::Pika => &["pika-2.2"],
        }
    }

    /// What each model accepts: (resolutions, durations in s, aspect ratios).
    pub fn options(self, model: &str) -> (&'static [&'static str], &'static [i64], &'static [&'static str]) {
        match (self, model) {
            (VideoProvider::Runway, "gen4_turbo") => (&["720p"], &[5, 10], &["16:9", "9:16", "4:3", "3:4", "1:1", "21:9"]),
            (VideoProvider::Runway, "gen3a_turbo") => (&["720p"], &[5, 10], &["16:9", "9:16"]),
            (VideoProvider::Runway, _) => (&["720p"], &[8], &["16:9", "9:16"]),
            (VideoProvider::Luma, _) => (&["540p", "720p", "1080p", "4k"], &[5, 9], &["16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21"]),
            (VideoProvider::Pika, _) => (&["720p", "1080p"], &[5, 10], &["16:9", "9:16", "1:1", "4:5", "5:4", "3:2", "2:3"]),
        }
    }

    /// Runway's image-to-video models need a first frame.
    pub fn needs_image(self, model: &str) -> bool {
        self == VideoProvider::Runway && model != "veo3"
    }
}


#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VideoRequest {
    pub provider: VideoProvider,
    pub model: String,
    pub prompt: String,
    pub image_url: Option<String>,
    pub resolution: String,
    pub duration: i64,
    pub aspect_ratio: String,
    pub seed: Option<i64>,
    pub negative_prompt: Option<String>,
    /// What the history shows.
    pub parameters: Map<String, Value>,
}

const FIELDS: &[&str] = &["provider", "model", "prompt", "image_url", "resolution", "duration", "aspect_ratio", "fps", "seed", "negative_prompt"];

impl VideoRequest {
    pub fn parse(body: &JsonObject) -> ApiResult<Self> {
        body.only_keys(FIELDS, "")?;
        let provider = VideoProvider::parse(body.required_str("provider")?)?;
        let model = body.optional_str("model")?.map(|m| m.trim().to_owned()).unwrap_or_else(|| provider.models()[0].to_owned());
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
        // None of these providers lets the frame rate be chosen.
        if body.get("fps").is_some() {
            return Err(ApiError::invalid("unsupported_option", "fps", format!("{} does not let the frame rate be chosen (it renders at its own rate)", provider.name())));
        }
        let (resolutions, durations, ratios) = provider.options(&model);
        let resolution = body.optional_str("resolution")?.map(|r| r.trim().to_owned()).unwrap_or_else(|| resolutions[resolutions.len().min(2) - 1].to_owned());
        if !resolutions.contains(&resolution.as_str()) {
            return Err(allowed_for("resolution", &model, resolutions));
        }
        let duration = body.optional_int("duration")?.unwrap_or(durations[0]);
        if !durations.contains(&duration) {
            let list: Vec<String> = durations.iter().map(|d| d.to_string()).collect();
            let list: Vec<&str> = list.iter().map(String::as_str).collect();
            return Err(allowed_for("duration", &model, &list));
        }
        let aspect_ratio = body.optional_str("aspect_ratio")?.map(|r| r.trim().to_owned()).unwrap_or_else(|| "16:9".to_owned());
        if !ratios.contains(&aspect_ratio.as_str()) {
            return Err(allowed_for("aspect_ratio", &model, ratios));
        }
        let image_url = body.optional_str("image_url")?.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
        match (&image_url, provider.needs_image(&model)) {
            (None, true) => return Err(ApiError::invalid("missing_field", "image_url", format!("{model} animates an image: send `image_url` (https URL or data:image URI)"))),
            (Some(_), false) => return Err(not_for("image_url", &model)),
            (Some(url), true) if !(url.starts_with("https://") || url.starts_with("data:image/")) => {
                return Err(ApiError::invalid("invalid_value", "image_url", "`image_url` must be an https URL or a data:image URI"))
            }
            _ => {}
        }
        let seed = match body.optional_int("seed")? {
            Some(_) if provider == VideoProvider::Luma => return Err(not_for("seed", &model)),
            Some(s) if !(0..=4_294_967_295).contains(&s) => return Err(ApiError::invalid("invalid_value", "seed", "`seed` must be from 0 to 4294967295")),
            seed => seed,
        };
        let negative_prompt = body.optional_str("negative_prompt")?.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if negative_prompt.is_some() && provider != VideoProvider::Pika {
            return Err(not_for("negative_prompt", &model));
        }
        let mut parameters = Map::new();
        parameters.insert("resolution".into(), json!(resolution));
        parameters.insert("duration".into(), json!(duration));
        parameters.insert("aspect_ratio".into(), json!(aspect_ratio));
        if let Some(s) = seed {
            parameters.insert("seed".into(), json!(s));
        }
        if let Some(n) = &negative_prompt {
            parameters.insert("negative_prompt".into(), json!(n));
        }
        if image_url.is_some() {
            parameters.insert("image".into(), json!(true));
        }
        Ok(Self { provider, model, prompt, image_url, resolution, duration, aspect_ratio, seed, negative_prompt, parameters })
    }

    /// Plan credits this takes: two per second of video.
    pub fn credits(&self) -> i64 {
        2 * self.duration
    }

    /// Micro-dollars: per second of video, by model and resolution.
    pub fn cost_micros(&self) -> i64 {
        let per_second: i64 = match (self.provider, self.model.as_str(), self.resolution.as_str()) {
            (VideoProvider::Runway, "veo3", _) => 400_000,
            (VideoProvider::Runway, _, _) => 50_000,
            (VideoProvider::Luma, model, resolution) => {
                let base = match resolution {
                    "540p" => 100_000,
                    "720p" => 140_000,
                    "1080p" => 300_000,
                    _ => 560_000,
                };
                if model == "ray-flash-2" {
                    base / 3
                } else {
                    base
                }
            }
            (VideoProvider::Pika, _, "1080p") => 90_000,
            (VideoProvider::Pika, _, _) => 40_000,
        };
        per_second * self.duration
    }

    fn runway_ratio(&self) -> &'static str {
        match (self.model.as_str(), self.aspect_ratio.as_str()) {
            ("gen3a_turbo", "9:16") => "768:1280",
            ("gen3a_turbo", _) => "1280:768",
            (_, "9:16") => "720:1280",
            (_, "4:3") => "1104:832",
            (_, "3:4") => "832:1104",
            (_, "1:1") => "960:960",
            (_, "21:9") => "1584:672",
            _ => "1280:720",
        }
    }

    /// The task-creating call: (path, JSON body).
    pub fn create_call(&self) -> (String, Value) {
        match self.provider {
            VideoProvider::Runway => {
                let mut body = json!({"model": self.model, "promptText": self.prompt, "ratio": self.runway_ratio(), "duration": self.duration});
                if let Some(seed) = self.seed {
                    body["seed"] = json!(seed);
                }
                match &self.image_url {
                    Some(image) => {
                        body["promptImage"] = json!(image);
                        ("/v1/image_to_video".into(), body)
                    }
                    None => ("/v1/text_to_video".into(), body),
                }
            }
            VideoProvider::Luma => (
                "/dream-machine/v1/generations".into(),
                json!({"prompt": self.prompt, "model": self.model, "resolution": self.resolution, "duration": format!("{}s", self.duration), "aspect_ratio": self.aspect_ratio}),
            ),
            VideoProvider::Pika => {
                let mut body = json!({"prompt": self.prompt, "resolution": self.resolution, "duration": self.duration, "aspect_ratio": self.aspect_ratio});
                if let Some(seed) = self.seed {
                    body["seed"] = json!(seed);
                }
                if let Some(negative) = &self.negative_prompt {
                    body["negative_prompt"] = json!(negative);
                }
                ("/fal-ai/pika/v2.2/text-to-video".into(), body)
            }
        }
    }
}

/// The headers every call to `provider` carries.
pub fn headers(provider: VideoProvider, key: &str) -> Vec<(&'static str, String)> {
    match provider {
        VideoProvider::Runway => vec![("Authorization", format!("Bearer {key}")), ("X-Runway-Version", "2024-11-06".into())],
        VideoProvider::Luma => vec![("Authorization", format!("Bearer {key}"))],
        VideoProvider::Pika => vec![("Authorization", format!("Key {key}"))],
    }
}

/// The provider's task id from the creating call's answer.
pub fn parse_created(provider: VideoProvider, body: &str) -> ApiResult<String> {
    let value: Value = serde_json::from_str(body).map_err(|_| provider_failure::bad_answer(provider))?;
    let field = if provider == VideoProvider::Pika { "request_id" } else { "id" };
    value.get(field).and_then(Value::as_str).filter(|id| !id.is_empty()).map(str::to_owned).ok_or_else(|| provider_failure::bad_answer(provider))
}

/// Where the task's state is read.
pub fn poll_path(provider: VideoProvider, task_id: &str) -> String {
    match provider {
        VideoProvider::Runway => format!("/v1/tasks/{task_id}"),
        VideoProvider::Luma => format!("/dream-machine/v1/generations/{task_id}"),
        VideoProvider::Pika => format!("/fal-ai/pika/requests/{task_id}/status"),
    }
}

/// Where a finished fal.ai request's result is read.
pub fn result_path(task_id: &str) -> String {
    format!("/fal-ai/pika/requests/{task_id}")
}

/// Reads a poll answer.
pub fn parse_poll(provider: VideoProvider, body: &str) -> ApiResult<TaskState> {
    let value: Value = serde_json::from_str(body).map_err(|_| provider_failure::bad_answer(provider))?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let state = match provider {
        VideoProvider::Runway => match value.get("status").and_then(Value::as_str) {
            Some("PENDING") | Some("THROTTLED") => TaskState::Queued,
            Some("RUNNING") => TaskState::Running { progress: (value.get("progress").and_then(Value::as_f64).unwrap_or(0.0) * 100.0).round().clamp(0.0, 99.0) as i64 },
            Some("SUCCEEDED") => TaskState::one(text(value.pointer("/output/0")).ok_or_else(|| provider_failure::bad_answer(provider))?, None),
            Some("FAILED") => TaskState::Failed { reason: text(value.get("failure")).unwrap_or_else(|| "the task failed".into()) },
            Some("CANCELLED") => TaskState::Failed { reason: "the task was cancelled".into() },
            _ => return Err(provider_failure::bad_answer(provider)),
        },
        VideoProvider::Luma => match value.get("state").and_then(Value::as_str) {
            Some("queued") => TaskState::Queued,
            Some("dreaming") => TaskState::Running { progress: 50 },
            // `assets.image` is the video's poster.
            Some("completed") => TaskState::one(text(value.pointer("/assets/video")).ok_or_else(|| provider_failure::bad_answer(provider))?, text(value.pointer("/assets/image"))),
            Some("failed") => TaskState::Failed { reason: text(value.get("failure_reason")).unwrap_or_else(|| "the generation failed".into()) },
            _ => return Err(provider_failure::bad_answer(provider)),
        },
        VideoProvider::Pika => match value.get("status").and_then(Value::as_str) {
            Some("IN_QUEUE") => TaskState::Queued,
            Some("IN_PROGRESS") => TaskState::Running { progress: 50 },
            Some("COMPLETED") => TaskState::Ready,
            _ => return Err(provider_failure::bad_answer(provider)),
        },
    };
    Ok(state)
}

/// A fal.ai result: the video URL, or the failure it reports.
pub fn parse_result(body: &str) -> ApiResult<TaskState> {
    let provider = VideoProvider::Pika;
    let value: Value = serde_json::from_str(body).map_err(|_| provider_failure::bad_answer(provider))?;
    if let Some(url) = value.pointer("/video/url").and_then(Value::as_str) {
        return Ok(TaskState::one(url.to_owned(), None));
    }
    let reason = value.get("detail").map(|d| d.as_str().map(str::to_owned).unwrap_or_else(|| d.to_string())).unwrap_or_else(|| "the request failed".into());
    Ok(TaskState::Failed { reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> ApiResult<VideoRequest> {
        VideoRequest::parse(&JsonObject::parse(json.as_bytes()).unwrap())
    }

    #[test]
    fn runway_needs_an_image_and_maps_ratios() {
        let r = parse(r#"{"provider":"runway","prompt":"waves","image_url":"https://example.com/a.png","aspect_ratio":"9:16","duration":10}"#).unwrap();
        let (path, body) = r.create_call();
        assert_eq!(path, "/v1/image_to_video");
        assert_eq!((body["ratio"].as_str(), body["duration"].as_i64(), body["promptImage"].as_str()), (Some("720:1280"), Some(10), Some("https://example.com/a.png")));
        assert_eq!(r.cost_micros(), 500_000);
        assert_eq!(parse(r#"{"provider":"runway","prompt":"waves"}"#).unwrap_err().field.as_deref(), Some("image_url"));
        let t2v = parse(r#"{"provider":"runway","model":"veo3","prompt":"waves","duration":8}"#).unwrap();
        assert_eq!(t2v.create_call().0, "/v1/text_to_video");
        assert_eq!(headers(VideoProvider::Runway, "k")[1], ("X-Runway-Version", "2024-11-06".to_owned()));
    }

    #[test]
    fn options_per_model_with_allowed_values() {
        let err = |json: &str| parse(json).unwrap_err();
        assert!(err(r#"{"provider":"luma","prompt":"x","resolution":"8k"}"#).message.contains("540p, 720p, 1080p, 4k"));
        assert!(err(r#"{"provider":"pika","prompt":"x","duration":7}"#).message.contains("5, 10"));
        assert_eq!(err(r#"{"provider":"luma","prompt":"x","fps":60}"#).code, "unsupported_option");
        assert_eq!(err(r#"{"provider":"runway","model":"gen3a_turbo","prompt":"x","image_url":"https://a/b.png","aspect_ratio":"1:1"}"#).field.as_deref(), Some("aspect_ratio"));
        assert_eq!(err(r#"{"provider":"luma","prompt":"x","seed":4}"#).code, "unsupported_option");
        assert_eq!(err(r#"{"provider":"luma","prompt":"x","negative_prompt":"rain"}"#).field.as_deref(), Some("negative_prompt"));
        assert_eq!(err(r#"{"provider":"runway","prompt":"x","image_url":"ftp://a"}"#).field.as_deref(), Some("image_url"));
        assert!(err(r#"{"provider":"sora","prompt":"x"}"#).message.contains("runway, luma, pika"));
        let luma = parse(r#"{"provider":"luma","prompt":"x","resolution":"1080p","duration":9}"#).unwrap();
        assert_eq!(luma.create_call().1["duration"], "9s");
        assert_eq!(luma.cost_micros(), 2_700_000);
        assert_eq!(parse(r#"{"provider":"pika","prompt":"x"}"#).unwrap().resolution, "1080p");
    }

    #[test]
    fn task_states() {
        assert_eq!(parse_created(VideoProvider::Runway, r#"{"id":"t1"}"#).unwrap(), "t1");
        assert_eq!(parse_created(VideoProvider::Pika, r#"{"request_id":"r1","status_url":"x"}"#).unwrap(), "r1");
        assert_eq!(parse_poll(VideoProvider::Runway, r#"{"status":"RUNNING","progress":0.42}"#).unwrap(), TaskState::Running { progress: 42 });
        assert_eq!(parse_poll(VideoProvider::Runway, r#"{"status":"SUCCEEDED","output":["https://v/1.mp4"]}"#).unwrap(), TaskState::one("https://v/1.mp4".into(), None));
        assert!(matches!(parse_poll(VideoProvider::Runway, r#"{"status":"FAILED","failure":"bad"}"#).unwrap(), TaskState::Failed { .. }));
        assert_eq!(parse_poll(VideoProvider::Luma, r#"{"state":"completed","assets":{"video":"https://v/2.mp4"}}"#).unwrap(), TaskState::one("https://v/2.mp4".into(), None));
        let poster = parse_poll(VideoProvider::Luma, r#"{"state":"completed","assets":{"video":"https://v/2.mp4","image":"https://v/2.jpg"}}"#).unwrap();
        assert_eq!(poster, TaskState::one("https://v/2.mp4".into(), Some("https://v/2.jpg".into())));
        assert_eq!(parse_poll(VideoProvider::Pika, r#"{"status":"COMPLETED"}"#).unwrap(), TaskState::Ready);
        assert_eq!(parse_result(r#"{"video":{"url":"https://v/3.mp4"}}"#).unwrap(), TaskState::one("https://v/3.mp4".into(), None));
        assert!(parse_poll(VideoProvider::Luma, r#"{"state":"weird"}"#).is_err());
        assert_eq!(poll_path(VideoProvider::Pika, "r1"), "/fal-ai/pika/requests/r1/status");
    }
}
