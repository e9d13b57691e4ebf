//! Songs from Suno and Udio. Neither has an official public API, so each
//! is reached through the most widely used gateway speaking for it:
//!
//! - **Suno**: a self-hosted [suno-api](https://github.com/gcui-art/suno-api)
//!   gateway (`SUNO_API_BASE`). The user's suno.com session cookie is sent
//!   as the `Cookie` header (the gateway uses it instead of its own
//!   `SUNO_COOKIE`). `POST /api/generate` `{prompt, make_instrumental,
//!   model, wait_audio: false}` (Suno writes the lyrics) or `POST
//!   /api/custom_generate` `{prompt: lyrics, tags: style, title,
//!   make_instrumental: false, model, wait_audio: false}` → an array of two
//!   clips `[{id, status, audio_url, image_url, ...}]`; then `GET
//!   /api/get?ids=a,b` → the clips, `status` submitted → queued → streaming
//!   → complete (or error, with `error_message`).
//! - **Udio**: PiAPI's task API (`UDIO_API_BASE`, default
//!   `https://api.piapi.ai`, key as `X-API-Key`). `POST /api/v1/task`
//!   `{model: "music-u", task_type: "generate_music", input:
//!   {gpt_description_prompt, lyrics_type: generate|instrumental|user,
//!   lyrics?, negative_tags?, seed}}` → `{code, data: {task_id, status},
//!   message}`; `GET /api/v1/task/{task_id}` → `data.status` pending →
//!   processing → completed (`data.output.songs[].song_path`,
//!   `image_path`) or failed (`data.error.message`).

use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult};
use crate::media::audio::{AudioProvider, AudioRequest};
use crate::media::task::TaskState;
use crate::provider_failure;

/// The headers every call carries: Suno's cookie, PiAPI's key.
pub fn headers(provider: AudioProvider, key: &str) -> Vec<(&'static str, String)> {
    match provider {
        AudioProvider::Suno => vec![("Cookie", key.to_owned())],
        _ => vec![("X-API-Key", key.to_owned())],
    }
}

/// The task-creating call: (path, JSON body).
pub fn create_call(request: &AudioRequest) -> (String, Value) {
    match request.provider {
        AudioProvider::Suno => match &request.lyrics {
            Some(lyrics) => {
                let title = request.title.clone().unwrap_or_else(|| request.prompt.chars().take(80).collect());
                (
                    "/api/custom_generate".into(),
                    json!({"prompt": lyrics, "tags": request.prompt, "title": title, "make_instrumental": false, "model": request.model, "wait_audio": false}),
                )
            }
            None => ("/api/generate".into(), json!({"prompt": request.prompt, "make_instrumental": request.instrumental, "model": request.model, "wait_audio": false})),
        },
        _ => {
            let lyrics_type = match (&request.lyrics, request.instrumental) {
                (Some(_), _) => "user",
                (None, true) => "instrumental",
                (None, false) => "generate",
            };
            let mut input = json!({"gpt_description_prompt": request.prompt, "lyrics_type": lyrics_type, "seed": request.seed.unwrap_or(-1)});
            if let Some(lyrics) = &request.lyrics {
                input["lyrics"] = json!(lyrics);
            }
            if let Some(negative) = &request.negative_tags {
                input["negative_tags"] = json!(negative);
            }
            ("/api/v1/task".into(), json!({"model": request.model, "task_type": "generate_music", "input": input}))
        }
    }
}

/// A refused call. The suno-api gateway answers `{"error": "..."}`, and a
/// 500 when it has no usable cookie: that is a key problem.
pub fn from_http(provider: AudioProvider, status: u16, body: &str, retry_after: Option<u64>) -> ApiError {
    if provider == AudioProvider::Suno && status == 500 && body.contains("cookie") {
        return provider_failure::auth(provider);
    }
    provider_failure::from_http(provider, status, body, retry_after)
}

/// The task id from the creating call's answer: Suno's two clip ids,
/// comma-separated (that is how they are polled), or PiAPI's `task_id`.
pub fn parse_created(provider: AudioProvider, body: &str) -> ApiResult<String> {
    let bad = || provider_failure::bad_answer(provider);
    let value: Value = serde_json::from_str(body).map_err(|_| bad())?;
    let id = match provider {
        AudioProvider::Suno => {
            let ids: Vec<&str> = value.as_array().ok_or_else(bad)?.iter().filter_map(|clip| clip.get("id").and_then(Value::as_str)).collect();
            ids.join(",")
        }
        _ => value.pointer("/data/task_id").and_then(Value::as_str).unwrap_or_default().to_owned(),
    };
    if id.is_empty() || id.contains(['/', '?', '&', '#', ' ']) {
        return Err(bad());
    }
    Ok(id)
}

/// Where the task's state is read.
pub fn poll_path(provider: AudioProvider, task_id: &str) -> String {
    match provider {
        AudioProvider::Suno => format!("/api/get?ids={task_id}"),
        _ => format!("/api/v1/task/{task_id}"),
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Reads a poll answer.
pub fn parse_poll(provider: AudioProvider, body: &str) -> ApiResult<TaskState> {
    let bad = || provider_failure::bad_answer(provider);
    let value: Value = serde_json::from_str(body).map_err(|_| bad())?;
    match provider {
        AudioProvider::Suno => suno_state(value.as_array().filter(|clips| !clips.is_empty()).ok_or_else(bad)?).ok_or_else(bad),
        _ => piapi_state(value.get("data").ok_or_else(bad)?).ok_or_else(bad),
    }
}

/// Both clips done (complete or error): the complete ones; until then, how
/// far the slowest is.
fn suno_state(clips: &[Value]) -> Option<TaskState> {
    let status = |clip: &Value| clip.get("status").and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut progress = 100;
    for clip in clips {
        progress = progress.min(match status(clip).as_str() {
            "submitted" => 0,
            "queued" => 10,
            "streaming" => 60,
            "complete" | "error" => 100,
            _ => return None,
        });
    }
    if progress < 100 {
        return Some(if progress == 0 { TaskState::Queued } else { TaskState::Running { progress } });
    }
    let done: Vec<&Value> = clips.iter().filter(|clip| status(clip) == "complete").collect();
    if done.is_empty() {
        let reason = clips.iter().find_map(|clip| text(clip.get("error_message"))).unwrap_or_else(|| "the song could not be made".into());
        return Some(TaskState::Failed { reason });
    }
    let urls: Option<Vec<String>> = done.iter().map(|clip| text(clip.get("audio_url"))).collect();
    Some(TaskState::Succeeded { urls: urls?, thumbnail: text(done[0].get("image_url")) })
}

fn piapi_state(data: &Value) -> Option<TaskState> {
    let status = data.get("status").and_then(Value::as_str)?.to_ascii_lowercase();
    Some(match status.as_str() {
        "pending" | "staged" => TaskState::Queued,
        "processing" => TaskState::Running { progress: 50 },
        "completed" => {
            let songs = data.pointer("/output/songs").and_then(Value::as_array).filter(|s| !s.is_empty())?;
            let urls: Option<Vec<String>> = songs.iter().map(|song| text(song.get("song_path"))).collect();
            TaskState::Succeeded { urls: urls?, thumbnail: text(songs[0].get("image_path")) }
        }
        "failed" => {
            let reason = text(data.pointer("/error/message")).or_else(|| text(data.pointer("/error/raw_message"))).unwrap_or_else(|| "the song could not be made".into());
            TaskState::Failed { reason }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::JsonObject;

    fn request(json: &str) -> ApiResult<AudioRequest> {
        AudioRequest::parse(&JsonObject::parse(json.as_bytes()).unwrap())
    }

    #[test]
    fn suno_calls_by_mode() {
        let simple = request(r#"{"provider":"suno","prompt":"a sea shanty","instrumental":true}"#).unwrap();
        let (path, body) = create_call(&simple);
        assert_eq!(path, "/api/generate");
        assert_eq!(body, json!({"prompt": "a sea shanty", "make_instrumental": true, "model": "chirp-v3-5", "wait_audio": false}));
        assert_eq!((simple.cost_micros(), simple.credits()), (40_000, 3));
        let custom = request(r#"{"provider":"suno","prompt":"folk, guitar","lyrics":"[Verse] hello","title":"Hi"}"#).unwrap();
        let (path, body) = create_call(&custom);
        assert_eq!(path, "/api/custom_generate");
        assert_eq!((body["prompt"].as_str(), body["tags"].as_str(), body["title"].as_str()), (Some("[Verse] hello"), Some("folk, guitar"), Some("Hi")));
        assert_eq!(headers(AudioProvider::Suno, "__client=x"), vec![("Cookie", "__client=x".to_owned())]);
    }

    #[test]
    fn udio_calls_by_lyrics_type() {
        let r = request(r#"{"provider":"udio","prompt":"night breeze, piano","negative_tags":"metal","seed":42}"#).unwrap();
        let (path, body) = create_call(&r);
        assert_eq!(path, "/api/v1/task");
        assert_eq!(body["input"], json!({"gpt_description_prompt": "night breeze, piano", "lyrics_type": "generate", "seed": 42, "negative_tags": "metal"}));
        assert_eq!((body["model"].as_str(), body["task_type"].as_str()), (Some("music-u"), Some("generate_music")));
        let words = request(r#"{"provider":"udio","prompt":"pop","lyrics":"la la"}"#).unwrap();
        assert_eq!(create_call(&words).1["input"]["lyrics_type"], "user");
        assert_eq!(create_call(&request(r#"{"provider":"udio","prompt":"pop","instrumental":true}"#).unwrap()).1["input"]["lyrics_type"], "instrumental");
    }

    #[test]
    fn song_options_are_checked() {
        let err = |json: &str| request(json).unwrap_err();
        assert_eq!(err(r#"{"provider":"suno","prompt":"x","instrumental":true,"lyrics":"la"}"#).code, "conflicting_options");
        assert_eq!(err(r#"{"provider":"suno","prompt":"x","title":"T"}"#).field.as_deref(), Some("title"));
        assert_eq!(err(r#"{"provider":"suno","prompt":"x","seed":3}"#).code, "unsupported_option");
        assert_eq!(err(r#"{"provider":"suno","prompt":"x","negative_tags":"rock"}"#).field.as_deref(), Some("negative_tags"));
        assert_eq!(err(r#"{"provider":"suno","prompt":"x","duration":30}"#).code, "unsupported_option");
        assert!(err(r#"{"provider":"suno","prompt":"x","model":"chirp-v9"}"#).message.contains("chirp-v3-5, chirp-v3-0"));
        assert_eq!(err(r#"{"provider":"udio","prompt":"x","instrumental":"yes"}"#).code, "invalid_type");
        assert!(err(r#"{"provider":"udio","prompt":"x","output_format":"wav"}"#).message.contains("mp3"));
        let long = format!(r#"{{"provider":"udio","prompt":"x","lyrics":"{}"}}"#, "a".repeat(3_001));
        assert_eq!(err(&long).code, "too_long");
    }

    #[test]
    fn created_tasks() {
        assert_eq!(parse_created(AudioProvider::Suno, r#"[{"id":"c1","status":"submitted"},{"id":"c2","status":"submitted"}]"#).unwrap(), "c1,c2");
        assert_eq!(poll_path(AudioProvider::Suno, "c1,c2"), "/api/get?ids=c1,c2");
        assert_eq!(parse_created(AudioProvider::Udio, r#"{"code":200,"data":{"task_id":"t9","status":"pending"},"message":"success"}"#).unwrap(), "t9");
        assert!(parse_created(AudioProvider::Suno, r#"{"error":"x"}"#).is_err());
        assert!(parse_created(AudioProvider::Suno, r#"[{"id":"../x"}]"#).is_err());
        assert_eq!(from_http(AudioProvider::Suno, 500, r#"{"error":"Internal error: Please provide a cookie"}"#, None).code, "provider_auth");
        assert_eq!(from_http(AudioProvider::Suno, 500, r#"{"error":"Internal error"}"#, None).code, "provider_unavailable");
    }

    #[test]
    fn suno_states() {
        let poll = |json: &str| parse_poll(AudioProvider::Suno, json);
        assert_eq!(poll(r#"[{"status":"submitted"},{"status":"queued"}]"#).unwrap(), TaskState::Queued);
        assert_eq!(poll(r#"[{"status":"streaming"},{"status":"queued"}]"#).unwrap(), TaskState::Running { progress: 10 });
        let done = poll(r#"[{"status":"complete","audio_url":"https://c/1.mp3","image_url":"https://c/1.jpeg"},{"status":"complete","audio_url":"https://c/2.mp3"}]"#).unwrap();
        assert_eq!(done, TaskState::Succeeded { urls: vec!["https://c/1.mp3".into(), "https://c/2.mp3".into()], thumbnail: Some("https://c/1.jpeg".into()) });
        let half = poll(r#"[{"status":"error","error_message":"x"},{"status":"complete","audio_url":"https://c/2.mp3"}]"#).unwrap();
        assert_eq!(half, TaskState::Succeeded { urls: vec!["https://c/2.mp3".into()], thumbnail: None });
        assert_eq!(poll(r#"[{"status":"error","error_message":"rejected"},{"status":"error"}]"#).unwrap(), TaskState::Failed { reason: "rejected".into() });
        assert!(poll("[]").is_err() && poll(r#"[{"status":"complete","audio_url":""}]"#).is_err() && poll(r#"[{"status":"weird"}]"#).is_err());
    }

    #[test]
    fn piapi_states() {
        let poll = |json: &str| parse_poll(AudioProvider::Udio, json);
        assert_eq!(poll(r#"{"code":200,"data":{"status":"pending"}}"#).unwrap(), TaskState::Queued);
        assert_eq!(poll(r#"{"code":200,"data":{"status":"Processing"}}"#).unwrap(), TaskState::Running { progress: 50 });
        let done = poll(r#"{"code":200,"data":{"status":"completed","output":{"songs":[{"song_path":"https://p/1.mp3","image_path":"https://p/1.jpg"},{"song_path":"https://p/2.mp3"}]}}}"#).unwrap();
        assert_eq!(done, TaskState::Succeeded { urls: vec!["https://p/1.mp3".into(), "https://p/2.mp3".into()], thumbnail: Some("https://p/1.jpg".into()) });
        assert_eq!(poll(r#"{"code":200,"data":{"status":"failed","error":{"code":10000,"message":"bad prompt"}}}"#).unwrap(), TaskState::Failed { reason: "bad prompt".into() });
        assert!(poll(r#"{"code":200,"data":{"status":"completed","output":{"songs":[]}}}"#).is_err());
    }
}
