//! Udio through PiAPI's unified task API: `X-API-Key: KEY` on every call,
//! JSON bodies, every answer in PiAPI's envelope `{code, data, message}`.
//!
//! - `POST /piapi/api/v1/task` `{model: "music-u", task_type:
//!   "generate_music", input: {gpt_description_prompt (required unless
//!   lyrics_type is user), lyrics_type (generate | instrumental | user),
//!   lyrics? (required with user), negative_tags?, seed? (-1: any)},
//!   config?: {service_mode? (public | private), webhook_config?: {endpoint,
//!   secret}}}` → the task, `pending`.
//! - `GET /piapi/api/v1/task/{task_id}` → the task: `pending` →
//!   `processing` → `completed`, with `output: {songs: [{id, title,
//!   song_path (MP3), image_path (JPEG), lyrics, duration, tags}]}` (two
//!   songs), or `failed`, with `error: {code: 10000, raw_message, message,
//!   detail}`; a stuck task stays `processing`; an unknown id is a 404.
//!
//! A task is `{task_id, model, task_type, status, config, input (as sent),
//! output, meta: {created_at, started_at, ended_at}, detail, logs, error}`,
//! a time not yet reached being `0001-01-01T00:00:00Z`. Errors are `{code,
//! data: {}, message}` with `code` the HTTP status; a body it cannot read
//! is a 400 naming each field. A webhook asked for is echoed in `config`
//! but never sent: poll.

use axum::body::Bytes;
use axum::extract::{Path, State};
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

const PATH: &str = "/piapi/api/v1/task";
const MODEL: &str = "music-u";
const TASK_TYPE: &str = "generate_music";
const LYRICS_TYPES: &[&str] = &["generate", "instrumental", "user"];
const SERVICE_MODES: &[&str] = &["public", "private"];
const MAX_TEXT_CHARS: usize = 5000;
const MAX_URL_CHARS: usize = 2048;
const MAX_SEED: i64 = 4_294_967_295;
/// Udio makes two songs a task.
const SONGS: usize = 2;
const FAILURE: &str = "Song generation failed: the prompt was rejected";
const FAILURE_CODE: u64 = 10000;
/// How PiAPI shows a time not yet reached.
const NOT_YET: &str = "0001-01-01T00:00:00Z";
const DESCRIPTION: &str = "input.gpt_description_prompt";
const LYRICS: &str = "input.lyrics";

/// `input`: the song asked for.
#[derive(Debug)]
struct Song {
    description: String,
    lyrics_type: &'static str,
    lyrics: String,
    /// The seed asked for; none (or -1) for any.
    seed: Option<i64>,
}

/// A task PiAPI accepts.
#[derive(Debug)]
struct Order {
    song: Song,
    /// `input` as sent, which the task echoes.
    input: Value,
    /// `config` with PiAPI's defaults filled in.
    config: Value,
}

fn read(body: &[u8]) -> Result<Order, Failure> {
    let mut fields = Fields::read(body)?;
    let model = fields.choice("model", &[MODEL], None);
    let task_type = fields.choice("task_type", &[TASK_TYPE], None);
    let song = read_input(&mut fields);
    let config = read_config(&mut fields);
    let (Some(_), Some(_), Some(song)) = fields.finish((model, task_type, song))? else {
        // Each field missing here was refused above.
        return Err(Failure::Status(500));
    };
    let input = serde_json::from_slice::<Value>(body).map(|sent| sent["input"].clone()).unwrap_or(Value::Null);
    Ok(Order { song, input, config })
}

/// `input`: the description is required unless the lyrics are the user's, which they then must be.
fn read_input(fields: &mut Fields) -> Option<Song> {
    if !fields.object("input", true) {
        return None;
    }
    let lyrics_type = fields.choice("input.lyrics_type", LYRICS_TYPES, None);
    let by_user = lyrics_type == Some("user");
    let description = if by_user { fields.any_text(DESCRIPTION, false, MAX_TEXT_CHARS) } else { fields.text(DESCRIPTION, true, MAX_TEXT_CHARS) };
    let lyrics = if by_user { fields.text(LYRICS, true, MAX_TEXT_CHARS) } else { fields.any_text(LYRICS, false, MAX_TEXT_CHARS) };
    fields.any_text("input.negative_tags", false, MAX_TEXT_CHARS);
    let seed = fields.integer("input.seed", (-1, MAX_SEED));
    Some(Song { description: description.unwrap_or_default(), lyrics_type: lyrics_type?, lyrics: lyrics.unwrap_or_default(), seed: seed.filter(|&seed| seed >= 0) })
}

/// `config`, as the task shows it.
fn read_config(fields: &mut Fields) -> Value {
    fields.object("config", false);
    let service_mode = fields.choice("config.service_mode", SERVICE_MODES, Some(SERVICE_MODES[0]));
    fields.object("config.webhook_config", false);
    let endpoint = fields.any_text("config.webhook_config.endpoint", false, MAX_URL_CHARS);
    let secret = fields.any_text("config.webhook_config.secret", false, MAX_URL_CHARS);
    json!({"service_mode": service_mode.unwrap_or(SERVICE_MODES[0]), "webhook_config": {"endpoint": endpoint.unwrap_or_default(), "secret": secret.unwrap_or_default()}})
}

impl Song {
    /// What markers are read from: the description and the lyrics.
    fn marked(&self) -> String {
        format!("{}\n{}", self.description, self.lyrics)
    }

    /// What the song is about: its description, or its lyrics' first line.
    fn about(&self) -> &str {
        match self.description.trim() {
            "" => self.lyrics.lines().find(|line| !line.trim().is_empty()).unwrap_or_default(),
            description => description,
        }
    }

    fn sung_lyrics(&self) -> String {
        match self.lyrics_type {
            "generate" => songs::lyrics_for(&self.description),
            "instrumental" => String::new(),
            _ => self.lyrics.clone(),
        }
    }

    fn tags(&self) -> Vec<&'static str> {
        let mut tags = songs::styles_for(self.about());
        if self.lyrics_type == "instrumental" {
            tags.push("instrumental");
        }
        tags
    }

    fn tune_seed(&self, n: usize) -> String {
        format!("udio\n{n}\n{:?}\n{}\n{}", self.seed, markers::strip(&self.description), markers::strip(&self.lyrics))
    }
}

/// Starts the task: two songs, each with its own id and files.
fn start(sim: &Simulator, order: Order, plan: Plan) -> Snapshot {
    let song = &order.song;
    let recordings: Vec<Recording> = (0..SONGS).map(|n| Recording { id: crate::uuid_v4(), seed: song.tune_seed(n) }).collect();
    let (title, lyrics, tags) = (songs::title_for(song.about()), song.sung_lyrics(), song.tags());
    let seconds = songs::song_length(sim).as_secs_f64();
    let shown: Vec<Value> = recordings.iter().map(|r| json!({"id": r.id, "title": title, "lyrics": lyrics, "duration": seconds, "tags": tags})).collect();
    let details = json!({"input": order.input, "config": order.config, "songs": shown});
    songs::start(sim, NewSongs { provider: Provider::PiApi, id: crate::uuid_v4(), model: MODEL.to_owned(), plan, details, songs: recordings })
}

fn no_error() -> Value {
    json!({"code": 0, "raw_message": "", "message": "", "detail": null})
}

fn error(raw_message: &str, message: &str) -> Value {
    json!({"code": FAILURE_CODE, "raw_message": raw_message, "message": message, "detail": null})
}

/// A completed task's songs, with where their files are.
fn output(task: &Snapshot, headers: &HeaderMap) -> Value {
    let url = |id: &str, extension: &str| songs::file_url(Provider::PiApi, headers, &format!("{id}.{extension}"));
    let shown: Vec<Value> = task.details["songs"]
        .as_array()
        .map(|songs| {
            songs
                .iter()
                .cloned()
                .map(|mut song| {
                    let id = song["id"].as_str().unwrap_or_default().to_owned();
                    song["song_path"] = url(&id, "mp3").into();
                    song["image_path"] = url(&id, "jpeg").into();
                    song
                })
                .collect()
        })
        .unwrap_or_default();
    json!({"songs": shown})
}

/// A task as PiAPI shows it.
fn task_json(task: &Snapshot, headers: &HeaderMap) -> Value {
    let (status, output, error) = match &task.phase {
        Phase::Queued => ("pending", Value::Null, no_error()),
        Phase::Running { .. } => ("processing", Value::Null, no_error()),
        Phase::Succeeded => ("completed", output(task, headers), no_error()),
        Phase::Failed(Breakdown::Marked) => ("failed", Value::Null, error("udio: generation rejected by the model", FAILURE)),
        Phase::Failed(Breakdown::Making(why)) => ("failed", Value::Null, error(why, why)),
        Phase::Cancelled => ("failed", Value::Null, error("task cancelled", "The task was cancelled.")),
    };
    let meta = json!({
        "created_at": task.created_at,
        "started_at": task.started_at.as_deref().unwrap_or(NOT_YET),
        "ended_at": task.ended_at.as_deref().unwrap_or(NOT_YET),
    });
    json!({
        "task_id": task.id, "model": task.model, "task_type": TASK_TYPE, "status": status,
        "config": task.details["config"], "input": task.details["input"], "output": output,
        "meta": meta, "detail": null, "logs": [], "error": error,
    })
}

fn envelope(task: &Snapshot, headers: &HeaderMap) -> Response {
    Json(json!({"code": 200, "data": task_json(task, headers), "message": "success"})).into_response()
}

async fn create(sim: &Simulator, headers: &HeaderMap, body: &[u8]) -> Result<Response, Failure> {
    super::check_key(sim, Provider::PiApi, headers)?;
    let order = read(body)?;
    let plan = songs::plan(sim, Provider::PiApi, &[MODEL.to_owned(), TASK_TYPE.to_owned()], &order.song.marked(), headers)?;
    Ok(envelope(&start(sim, order, plan), headers))
}

/// A poll: a fault matches the task's model or id.
async fn task(sim: &Simulator, id: &str, headers: &HeaderMap, summary: &mut CallSummary) -> Result<Response, Failure> {
    super::check_key(sim, Provider::PiApi, headers)?;
    let task = sim.music_tasks.get(Provider::PiApi, id).ok_or(Failure::NoSuchTask)?;
    summary.model = Some(task.model.clone());
    songs::fault(sim, Provider::PiApi, &[task.model.clone(), task.id.clone()])?;
    Ok(envelope(&task, headers))
}

async fn create_route(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    let result = create(&sim, &headers, &body).await;
    super::respond(&sim, Call::post(Provider::PiApi, PATH), &CallSummary::of_body(&body, "model"), result, failure_response)
}

async fn task_route(State(sim): State<Simulator>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let mut summary = CallSummary::default();
    let result = task(&sim, &id, &headers, &mut summary).await;
    super::respond(&sim, Call::get(Provider::PiApi, &format!("{PATH}/{id}")), &summary, result, failure_response)
}

/// PiAPI's `{code, data: {}, message}`, `code` being the HTTP status.
fn failure_response(failure: &Failure) -> Response {
    let code = failure.status();
    let message = match failure {
        Failure::MissingKey | Failure::WrongKey => "Invalid API key".to_owned(),
        Failure::Invalid(_) => failure.problems(),
        Failure::NoSuchTask => "task not found".to_owned(),
        Failure::RateLimited { .. } => "too many requests".to_owned(),
        _ => StatusCode::from_u16(code).ok().and_then(|status| status.canonical_reason()).unwrap_or("error").to_lowercase(),
    };
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    super::with_retry_after((status, Json(json!({"code": code, "data": {}, "message": message}))).into_response(), failure)
}

pub fn router() -> Router<Simulator> {
    Router::new().route(PATH, post(create_route)).route(&format!("{PATH}/{{id}}"), get(task_route))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(body: Value) -> String {
        match read(body.to_string().as_bytes()) {
            Err(failure) => failure.problems(),
            Ok(order) => panic!("not refused: {order:?}"),
        }
    }

    #[test]
    fn the_description_is_required_unless_the_lyrics_are_the_users() {
        let body = |input: Value| json!({"model": "music-u", "task_type": "generate_music", "input": input});
        assert_eq!(problems(body(json!({"lyrics_type": "generate"}))), "input.gpt_description_prompt is required");
        assert_eq!(problems(body(json!({"gpt_description_prompt": "", "lyrics_type": "instrumental"}))), "input.gpt_description_prompt must not be empty");
        assert_eq!(problems(body(json!({"gpt_description_prompt": "", "lyrics_type": "user", "lyrics": " "}))), "input.lyrics must not be empty");
        let order = read(body(json!({"lyrics_type": "user", "lyrics": "\nla la la\nsecond line", "seed": -1})).to_string().as_bytes()).unwrap();
        assert_eq!((order.song.about(), order.song.seed, order.song.sung_lyrics().as_str()), ("la la la", None, "\nla la la\nsecond line"));
    }

    #[test]
    fn every_problem_is_named() {
        let body = json!({"model": "music-x", "input": {"gpt_description_prompt": "jazz", "lyrics_type": "spoken", "seed": -2}, "config": {"service_mode": 1}});
        assert_eq!(
            problems(body),
            "model 'music-x' is not supported; use one of 'music-u'; task_type is required; input.lyrics_type 'spoken' is not supported; use one of 'generate', 'instrumental', 'user'; input.seed must be from -1 to 4294967295; config.service_mode must be a string"
        );
        assert_eq!(problems(json!({"model": "music-u", "task_type": "generate_music", "input": "jazz"})), "input must be an object");
    }

    #[test]
    fn the_config_takes_piapis_defaults_and_the_input_is_echoed() {
        let input = json!({"gpt_description_prompt": "jazz", "lyrics_type": "instrumental", "negative_tags": "metal"});
        let order = read(json!({"model": "music-u", "task_type": "generate_music", "input": input}).to_string().as_bytes()).unwrap();
        assert_eq!(order.config, json!({"service_mode": "public", "webhook_config": {"endpoint": "", "secret": ""}}));
        assert_eq!(order.input, input);
        assert_eq!((order.song.sung_lyrics(), order.song.tags().last().copied()), (String::new(), Some("instrumental")));
    }
}
