//! Suno, through the self-hosted gcui-art/suno-api gateway (Next.js): the
//! user's Suno session as the `Cookie` header (it must hold `__client=`;
//! the simulator takes exactly `SIM_SUNO_COOKIE`), JSON bodies, answers
//! that are JSON arrays of clips (the gateway's `AudioInfo`), each clip
//! polled until it is complete.
//!
//! - `POST /suno/api/generate` `{prompt (≤ 3000), make_instrumental, model?
//!   (chirp-v3-5 (default) | chirp-v3-0), wait_audio}`: the model writes
//!   the title, lyrics and styles from the description.
//! - `POST /suno/api/custom_generate` `{prompt (the lyrics, ≤ 3000), tags,
//!   title (≤ 80), make_instrumental, model?, wait_audio, negative_tags?}`.
//!
//!   Both answer two clips, `submitted`, with `audio_url: ""`;
//!   `wait_audio: true` holds the answer until both are over (complete or
//!   error), for at most the gateway's 100 s.
//! - `GET /suno/api/get?ids=ID1,ID2` → those clips, in that order (unknown
//!   ids left out; without `ids`, the last 20): `submitted` → `queued` →
//!   `streaming` → `complete` (with `audio_url` (MP3), `image_url` (JPEG)
//!   and `duration` (seconds, as a string)) or `error` (with
//!   `error_message`); a stuck clip stays `queued`.
//! - `GET /suno/api/get_limit` → `{credits_left, period, monthly_limit,
//!   monthly_usage}`, 10 credits a generation made.
//!
//! Errors are `{"error": message}`: no cookie (or none with `__client`) is
//! the gateway's 500, another session `401 API Error: Unauthorized`, a body
//! it cannot read a 400 naming each field, any other failure `API Error:
//! <reason>` with its status.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::songs::{self, NewSongs, Plan, Recording};
use super::{Call, CallSummary, Failure, Provider};
use crate::fields::Fields;
use crate::tasks::{Breakdown, Phase, Snapshot};
use crate::{markers, Simulator};

const PREFIX: &str = "/suno/api";
const MODELS: &[&str] = &["chirp-v3-5", "chirp-v3-0"];
const MAX_PROMPT_CHARS: usize = 3000;
const MAX_TAGS_CHARS: usize = 3000;
const MAX_TITLE_CHARS: usize = 80;
/// Suno makes two clips a generation.
const CLIPS: usize = 2;
/// How many clips `GET /api/get` without ids lists (a page of the feed).
const FEED_PAGE: usize = 20;
const CREDITS: usize = 500;
const CREDITS_PER_GENERATION: usize = 10;
/// How long the gateway's `wait_audio` waits at most, and how often it looks.
const LONGEST_WAIT: Duration = Duration::from_secs(100);
const WAIT_STEP: Duration = Duration::from_millis(100);
const FAILURE: &str = "Song generation failed: the prompt was rejected";
const NO_COOKIE: &str = "Internal error: Please provide a cookie either in the .env file or in the Cookie header of your request.";

/// A generation the gateway accepts, from either route.
#[derive(Debug)]
struct Generation {
    model: &'static str,
    /// What the clips show before they are made: `title`, `lyric`,
    /// `prompt`, `gpt_description_prompt`, `tags`, `negative_tags`.
    shown: Value,
    /// What markers are read from (the prompt and the tags), and without
    /// them what the songs are played from.
    marked: String,
    wait: bool,
}

/// `/api/generate`: a description, from which the model writes the song.
fn read_generate(body: &[u8]) -> Result<Generation, Failure> {
    let mut fields = Fields::read(body)?;
    let prompt = fields.text("prompt", true, MAX_PROMPT_CHARS);
    let instrumental = fields.required_boolean("make_instrumental");
    let model = fields.choice("model", MODELS, Some(MODELS[0]));
    let wait = fields.required_boolean("wait_audio");
    let (Some(prompt), Some(instrumental), Some(model), Some(wait)) = fields.finish((prompt, instrumental, model, wait))? else {
        // Each field missing here was refused above.
        return Err(Failure::Status(500));
    };
    let lyrics = if instrumental { String::new() } else { songs::lyrics_for(&prompt) };
    let tags = songs::styles_for(&prompt).join(", ");
    let shown = json!({"title": songs::title_for(&prompt), "lyric": lyrics, "prompt": lyrics, "gpt_description_prompt": prompt, "tags": tags, "negative_tags": ""});
    Ok(Generation { model, shown, marked: prompt, wait })
}

/// `/api/custom_generate`: the lyrics, styles and title as the user wrote them.
fn read_custom(body: &[u8]) -> Result<Generation, Failure> {
    let mut fields = Fields::read(body)?;
    let lyrics = fields.any_text("prompt", true, MAX_PROMPT_CHARS);
    let tags = fields.text("tags", true, MAX_TAGS_CHARS);
    let title = fields.text("title", true, MAX_TITLE_CHARS);
    let instrumental = fields.required_boolean("make_instrumental");
    let model = fields.choice("model", MODELS, Some(MODELS[0]));
    let wait = fields.required_boolean("wait_audio");
    let negative_tags = fields.any_text("negative_tags", false, MAX_TAGS_CHARS);
    let (Some(lyrics), Some(tags), Some(title), Some(_), Some(model), Some(wait)) = fields.finish((lyrics, tags, title, instrumental, model, wait))? else {
        return Err(Failure::Status(500));
    };
    let marked = format!("{lyrics}\n{tags}");
    let shown = json!({"title": title, "lyric": lyrics, "prompt": lyrics, "gpt_description_prompt": null, "tags": tags, "negative_tags": negative_tags.unwrap_or_default()});
    Ok(Generation { model, shown, marked, wait })
}

/// Starts clip `n` of a generation.
fn start_clip(sim: &Simulator, generation: &Generation, plan: Plan, n: usize) -> Snapshot {
    let id = crate::uuid_v4();
    let mut details = generation.shown.clone();
    details["model_name"] = generation.model.into();
    details["type"] = "gen".into();
    details["video_url"] = "".into();
    let seed = format!("suno\n{}\n{n}\n{}", generation.model, markers::strip(&generation.marked));
    let songs = vec![Recording { id: id.clone(), seed }];
    songs::start(sim, NewSongs { provider: Provider::Suno, id, model: generation.model.to_owned(), plan, details, songs })
}

/// The gateway's `status` and `error_message` for where a clip is: a
/// stuck clip (its progress held at a half) stays `queued`.
fn status(phase: &Phase) -> (&'static str, Option<&str>) {
    match phase {
        Phase::Queued => ("submitted", None),
        Phase::Running { progress } if *progress <= 0.5 => ("queued", None),
        Phase::Running { .. } => ("streaming", None),
        Phase::Succeeded => ("complete", None),
        Phase::Failed(Breakdown::Marked) => ("error", Some(FAILURE)),
        Phase::Failed(Breakdown::Making(why)) => ("error", Some(why)),
        Phase::Cancelled => ("error", Some("The generation was cancelled.")),
    }
}

/// A clip as the gateway shows it.
fn clip_json(sim: &Simulator, clip: &Snapshot, headers: &HeaderMap) -> Value {
    let (status, error_message) = status(&clip.phase);
    let complete = clip.phase == Phase::Succeeded;
    let url = |extension: &str| songs::file_url(Provider::Suno, headers, &format!("{}.{extension}", clip.id));
    let mut shown = clip.details.clone();
    shown["id"] = clip.id.as_str().into();
    shown["created_at"] = clip.created_at.as_str().into();
    shown["status"] = status.into();
    shown["audio_url"] = if complete { url("mp3") } else { String::new() }.into();
    shown["image_url"] = complete.then(|| url("jpeg")).into();
    shown["duration"] = complete.then(|| format!("{:.1}", songs::song_length(sim).as_secs_f64())).into();
    shown["error_message"] = error_message.into();
    shown
}

fn clips_json(sim: &Simulator, clips: &[Snapshot], headers: &HeaderMap) -> Response {
    Json(clips.iter().map(|clip| clip_json(sim, clip, headers)).collect::<Vec<_>>()).into_response()
}

/// The clips with these ids, in that order; unknown ones left out.
fn current(sim: &Simulator, ids: &[String]) -> Vec<Snapshot> {
    ids.iter().filter_map(|id| sim.music_tasks.get(Provider::Suno, id)).collect()
}

/// The gateway's `wait_audio`: the clips once all are over, or as they
/// are when it stops waiting.
async fn wait_for(sim: &Simulator, ids: &[String]) -> Vec<Snapshot> {
    let started = Instant::now();
    loop {
        let clips = current(sim, ids);
        if clips.iter().all(|clip| clip.phase.is_over()) || started.elapsed() >= LONGEST_WAIT {
            return clips;
        }
        tokio::time::sleep(WAIT_STEP).await;
    }
}

async fn generate(sim: &Simulator, headers: &HeaderMap, read: Result<Generation, Failure>, endpoint: &str, summary: &mut CallSummary) -> Result<Response, Failure> {
    super::check_key(sim, Provider::Suno, headers)?;
    let generation = read?;
    summary.model = Some(generation.model.to_owned());
    let plan = songs::plan(sim, Provider::Suno, &[generation.model.to_owned(), endpoint.to_owned()], &generation.marked, headers)?;
    let clips: Vec<Snapshot> = (0..CLIPS).map(|n| start_clip(sim, &generation, plan, n)).collect();
    let clips = if generation.wait { wait_for(sim, &clips.iter().map(|clip| clip.id.clone()).collect::<Vec<_>>()).await } else { clips };
    Ok(clips_json(sim, &clips, headers))
}

/// `GET /api/get`: the clips asked for, or the latest; a fault matches the
/// endpoint (`get`), an id asked or a clip's model.
async fn clips(sim: &Simulator, query: &HashMap<String, String>, headers: &HeaderMap, summary: &mut CallSummary) -> Result<Response, Failure> {
    super::check_key(sim, Provider::Suno, headers)?;
    let asked: Vec<String> = query.get("ids").map(|ids| ids.split(',').map(str::trim).filter(|id| !id.is_empty()).map(str::to_owned).collect()).unwrap_or_default();
    let clips = if asked.is_empty() { sim.music_tasks.latest(Provider::Suno, FEED_PAGE) } else { current(sim, &asked) };
    summary.model = clips.first().map(|clip| clip.model.clone());
    let keys: Vec<String> = std::iter::once("get".to_owned()).chain(asked).chain(clips.iter().map(|clip| clip.model.clone())).collect();
    songs::fault(sim, Provider::Suno, &keys)?;
    Ok(clips_json(sim, &clips, headers))
}

async fn limit(sim: &Simulator, headers: &HeaderMap) -> Result<Response, Failure> {
    super::check_key(sim, Provider::Suno, headers)?;
    songs::fault(sim, Provider::Suno, &["get_limit".to_owned()])?;
    let usage = sim.music_tasks.count(Provider::Suno) / CLIPS * CREDITS_PER_GENERATION;
    Ok(Json(json!({"credits_left": CREDITS, "period": "day", "monthly_limit": CREDITS, "monthly_usage": usage})).into_response())
}

async fn generate_route(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    let mut summary = CallSummary::of_body(&body, "model");
    let result = generate(&sim, &headers, read_generate(&body), "generate", &mut summary).await;
    super::respond(&sim, Call::post(Provider::Suno, &format!("{PREFIX}/generate")), &summary, result, failure_response)
}

async fn custom_generate_route(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    let mut summary = CallSummary::of_body(&body, "model");
    let result = generate(&sim, &headers, read_custom(&body), "custom_generate", &mut summary).await;
    super::respond(&sim, Call::post(Provider::Suno, &format!("{PREFIX}/custom_generate")), &summary, result, failure_response)
}

async fn get_route(State(sim): State<Simulator>, Query(query): Query<HashMap<String, String>>, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let mut summary = CallSummary::default();
    let result = clips(&sim, &query, &headers, &mut summary).await;
    let path = match raw {
        Some(raw) => format!("{PREFIX}/get?{raw}"),
        None => format!("{PREFIX}/get"),
    };
    super::respond(&sim, Call::get(Provider::Suno, &path), &summary, result, failure_response)
}

async fn limit_route(State(sim): State<Simulator>, headers: HeaderMap) -> Response {
    let result = limit(&sim, &headers).await;
    super::respond(&sim, Call::get(Provider::Suno, &format!("{PREFIX}/get_limit")), &CallSummary::default(), result, failure_response)
}

/// The gateway's `{"error": message}`, with the status of what went wrong.
fn failure_response(failure: &Failure) -> Response {
    let (status, error) = match failure {
        Failure::MissingKey => (500, NO_COOKIE.to_owned()),
        Failure::Invalid(_) => (400, failure.problems()),
        other => {
            let status = other.status();
            let reason = StatusCode::from_u16(status).ok().and_then(|status| status.canonical_reason()).unwrap_or("Error");
            (status, format!("API Error: {reason}"))
        }
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    super::with_retry_after((status, Json(json!({"error": error}))).into_response(), failure)
}

pub fn router() -> Router<Simulator> {
    Router::new()
        .route(&format!("{PREFIX}/generate"), post(generate_route))
        .route(&format!("{PREFIX}/custom_generate"), post(custom_generate_route))
        .route(&format!("{PREFIX}/get"), get(get_route))
        .route(&format!("{PREFIX}/get_limit"), get(limit_route))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(read: Result<Generation, Failure>) -> String {
        match read {
            Err(failure) => failure.problems(),
            Ok(generation) => panic!("not refused: {generation:?}"),
        }
    }

    #[test]
    fn descriptions_become_a_song_the_model_wrote() {
        let read = read_generate(br#"{"prompt": "jazz for rainy days [sim:fail]", "make_instrumental": false, "wait_audio": false}"#).unwrap();
        assert_eq!((read.model, read.wait, read.marked.as_str()), ("chirp-v3-5", false, "jazz for rainy days [sim:fail]"));
        assert_eq!((&read.shown["title"], &read.shown["gpt_description_prompt"]), (&json!("Jazz For Rainy Days"), &json!("jazz for rainy days [sim:fail]")));
        assert!(read.shown["lyric"].as_str().unwrap().starts_with("[Verse]"));
        let instrumental = read_generate(br#"{"prompt": "jazz", "make_instrumental": true, "model": "chirp-v3-0", "wait_audio": true}"#).unwrap();
        assert_eq!((instrumental.model, &instrumental.shown["lyric"]), ("chirp-v3-0", &json!("")));
    }

    #[test]
    fn custom_songs_keep_what_was_written() {
        let body = json!({"prompt": "", "tags": "synthwave", "title": "Night Drive", "make_instrumental": true, "wait_audio": false, "negative_tags": "metal"});
        let read = read_custom(body.to_string().as_bytes()).unwrap();
        assert_eq!(read.shown, json!({"title": "Night Drive", "lyric": "", "prompt": "", "gpt_description_prompt": null, "tags": "synthwave", "negative_tags": "metal"}));
        assert_eq!(read.marked, "\nsynthwave", "markers are read from the tags too");
    }

    #[test]
    fn every_problem_is_named() {
        assert_eq!(
            problems(read_generate(br#"{"prompt": "", "make_instrumental": "no", "model": "chirp-v4"}"#)),
            "prompt must not be empty; make_instrumental must be a boolean; model 'chirp-v4' is not supported; use one of 'chirp-v3-5', 'chirp-v3-0'; wait_audio is required"
        );
        let body = json!({"prompt": "la la", "tags": "pop", "title": "x".repeat(81), "make_instrumental": false, "wait_audio": false});
        assert_eq!(problems(read_custom(body.to_string().as_bytes())), "title must be at most 80 characters");
        assert_eq!(problems(read_custom(b"prompt=la")), "the body must be a JSON object");
    }

    #[test]
    fn clips_go_submitted_queued_streaming_complete() {
        let running = |progress| status(&Phase::Running { progress }).0;
        assert_eq!((status(&Phase::Queued).0, running(0.0), running(0.5), running(0.51), status(&Phase::Succeeded).0), ("submitted", "queued", "queued", "streaming", "complete"));
        assert_eq!(status(&Phase::Failed(Breakdown::Marked)), ("error", Some(FAILURE)));
    }
}
