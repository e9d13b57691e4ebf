//! What the song providers share — Suno through the suno-api gateway
//! (`suno`) and Udio through PiAPI's task API (`piapi`). Songs are
//! asynchronous: a request makes tasks in `Simulator::music_tasks` that are
//! queued for the first fifth of `SIM_MUSIC_TASK_MS` (or `[sim:task-ms=N]`),
//! then run, then are done (`crate::tasks`). Each task's job records its
//! songs: an MP3 played by `tune` (a song is 30 s, cut to
//! `SIM_AUDIO_MAX_SECONDS` like every clip, and its `duration` says the
//! length of the file) and a 512×512 JPEG cover drawn by `picture` from the
//! same seed, served without a key from `GET /suno/files/{name}` and
//! `GET /piapi/files/{name}` (`{song_id}.mp3`, `{song_id}.jpeg`).
//!
//! Also here: the step from a valid request to a `Plan` (faults matched on
//! the model or the endpoint; `[sim:401]`, `[sim:429]` (`retry-after: 2`),
//! `[sim:500]`, `[sim:fail]`, `[sim:stuck]`, `[sim:bad-audio]`, `[sim:lost-file]`,
//! `[sim:task-ms=N]`, the first outcome marker counting), the faults on a
//! poll, and the title, lyrics and styles the simulated model writes from a
//! description (never from its markers).

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::tune::Encoding;
use super::{Failure, Length, Provider};
use crate::images::picture::{Format, Picture};
use crate::tasks::{self, Ending, Job, Snapshot};
use crate::{markers, Simulator};

/// How a song task ends, as the markers ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Song,
    /// `[sim:fail]`: the task fails when its time is up.
    Fail,
    /// `[sim:stuck]`: it never completes.
    Stuck,
    /// `[sim:bad-audio]`: it completes, but its MP3 is an HTML page.
    BadAudio,
    /// `[sim:lost-file]`: it completes, but its MP3 links answer 404.
    LostFile,
}

impl Outcome {
    fn ending(self) -> Ending {
        match self {
            Outcome::Song | Outcome::BadAudio | Outcome::LostFile => Ending::Done,
            Outcome::Fail => Ending::Fail,
            Outcome::Stuck => Ending::Stuck,
        }
    }
}

/// How an accepted request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plan {
    pub outcome: Outcome,
    /// How long each task takes: `[sim:task-ms=N]` or `SIM_MUSIC_TASK_MS`.
    pub length: Duration,
}

/// Seconds a rate-limited caller is told to wait when a fault names none.
const RETRY_AFTER_SECONDS: u64 = 2;
/// How long the simulated model's songs are, before `SIM_AUDIO_MAX_SECONDS` cuts them.
const SONG: Duration = Duration::from_secs(30);
const COVER_SIDE: u32 = 512;
const ENCODING: Encoding = Encoding::Mp3 { sample_rate: 44_100, kbps: 128 };

/// From a valid request to what happens: an injected fault (matched on
/// `keys`: the model, the endpoint), a failing marker, or the tasks'
/// outcome and length. The first outcome marker counts.
pub(crate) fn plan(sim: &Simulator, provider: Provider, keys: &[String], text: &str, headers: &HeaderMap) -> Result<Plan, Failure> {
    fault(sim, provider, keys)?;
    let words = markers::words(text, super::header(headers, "x-sim-behaviour"));
    let (first, length) = tasks::read_markers(words, Duration::from_millis(sim.config.music_task_ms), |word| match word {
        "fail" => Some(Outcome::Fail),
        "stuck" => Some(Outcome::Stuck),
        "bad-audio" => Some(Outcome::BadAudio),
        "lost-file" => Some(Outcome::LostFile),
        _ => None,
    });
    let outcome = match first {
        None => Outcome::Song,
        Some(Ok(outcome)) => outcome,
        Some(Err(tasks::Refusal::WrongKey)) => return Err(Failure::WrongKey),
        Some(Err(tasks::Refusal::RateLimited)) => return Err(Failure::RateLimited { retry_after: RETRY_AFTER_SECONDS }),
        Some(Err(tasks::Refusal::Status(status))) => return Err(Failure::Status(status)),
    };
    Ok(Plan { outcome, length })
}

/// An injected fault for a call identified by `keys` (a poll: the
/// endpoint, the ids asked, their models), used once.
pub(crate) fn fault(sim: &Simulator, provider: Provider, keys: &[String]) -> Result<(), Failure> {
    match sim.faults.take(provider.service(), keys) {
        Some(fault) => Err(Failure::from_fault(fault, RETRY_AFTER_SECONDS)),
        None => Ok(()),
    }
}

/// How long each song's file is.
pub(crate) fn song_length(sim: &Simulator) -> Duration {
    Length::new(&sim.config, SONG).made
}

/// One song of a task: its id (its files are `{id}.mp3` and `{id}.jpeg`)
/// and what its sound and cover come from (never the markers).
pub(crate) struct Recording {
    pub id: String,
    pub seed: String,
}

/// What a song provider asks for when it takes a request.
pub(crate) struct NewSongs {
    pub provider: Provider,
    /// The task's id: a Suno clip's, a PiAPI task's.
    pub id: String,
    pub model: String,
    pub plan: Plan,
    /// What the provider reports about the task besides where it is.
    pub details: Value,
    pub songs: Vec<Recording>,
}

/// Starts a task a song provider accepted, recording its songs if it is to complete.
pub(crate) fn start(sim: &Simulator, task: NewSongs) -> Snapshot {
    let NewSongs { provider, id, model, plan, details, songs } = task;
    let ending = plan.outcome.ending();
    let length = song_length(sim);
    let job = (ending == Ending::Done).then(|| record(songs, length, plan.outcome));
    let task = tasks::NewTask { id, provider, model, ending, length: plan.length, requested: SONG, details, job };
    sim.music_tasks.start(task)
}

/// Records each song and draws its cover; `[sim:bad-audio]` keeps an HTML
/// page as the MP3, `[sim:lost-file]` no MP3 at all.
fn record(songs: Vec<Recording>, length: Duration, outcome: Outcome) -> Job {
    Box::pin(async move {
        let mut files = Vec::with_capacity(songs.len() * 2);
        for song in songs {
            let sound = match outcome {
                Outcome::BadAudio => Some(super::NOT_AUDIO_RAW.to_vec()),
                Outcome::LostFile => None,
                _ => Some(super::record_clip(song.seed.clone(), length, ENCODING).await.map_err(|_| "cannot encode the song".to_owned())?),
            };
            if let Some(sound) = sound {
                files.push((format!("{}.mp3", song.id), sound));
            }
            files.push((format!("{}.jpeg", song.id), cover(song.seed).await?));
        }
        Ok(files)
    })
}

/// A song's cover, drawn off the async workers.
async fn cover(seed: String) -> Result<Vec<u8>, String> {
    let drawn = tokio::task::spawn_blocking(move || Picture::draw(&seed, COVER_SIDE, COVER_SIDE).encode(Format::Jpeg));
    drawn.await.map_err(|error| format!("cannot draw the cover: {error}"))?
}

/// Where the provider serves a song's file `name`, on the host asked.
pub(crate) fn file_url(provider: Provider, headers: &HeaderMap, name: &str) -> String {
    format!("{}{}/files/{name}", crate::host_url(headers), provider.prefix())
}

/// `GET /<prefix>/files/{name}`: a song or its cover, as a CDN serves it.
async fn file(State(sim): State<Simulator>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    tasks::serve(sim.music_tasks.files(), &name, &headers)
}

/// The styles the simulated model hears in a description.
const STYLES: [&str; 12] = ["pop", "rock", "lo-fi", "synthwave", "folk", "jazz", "hip hop", "ambient", "funk", "indie", "electronic", "acoustic"];

fn hash(text: &str) -> [u8; 32] {
    Sha256::digest(markers::strip(text).as_bytes()).into()
}

/// Two styles for a description, the same each time.
pub(crate) fn styles_for(description: &str) -> Vec<&'static str> {
    let h = hash(description);
    let first = usize::from(h[0]) % STYLES.len();
    let second = (first + 1 + usize::from(h[1]) % (STYLES.len() - 1)) % STYLES.len();
    vec![STYLES[first], STYLES[second]]
}

/// A title from a description: its first four words, capitalized.
pub(crate) fn title_for(description: &str) -> String {
    let words: Vec<String> = markers::strip(description)
        .split_whitespace()
        .take(4)
        .map(|word| {
            let mut letters = word.chars();
            letters.next().map(|first| first.to_uppercase().chain(letters).collect()).unwrap_or_default()
        })
        .collect();
    if words.is_empty() {
        "Untitled".to_owned()
    } else {
        words.join(" ")
    }
}

/// The lyrics the simulated model writes for a description.
pub(crate) fn lyrics_for(description: &str) -> String {
    let (title, about) = (title_for(description), markers::strip(description));
    format!("[Verse]\nThis is a song about {about}\nPlayed by a simulator, note by note\n\n[Chorus]\n{title}, {title}\nSing it once again\n")
}

pub fn router() -> Router<Simulator> {
    Router::new().route("/suno/files/{name}", get(file)).route("/piapi/files/{name}", get(file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn sim() -> Simulator {
        Simulator::new(crate::Config { music_task_ms: 3000, audio_max_seconds: 12, ..crate::Config::from_env() })
    }

    fn planned(text: &str, header: Option<&str>) -> Result<Plan, Failure> {
        let mut headers = HeaderMap::new();
        if let Some(value) = header {
            headers.insert("x-sim-behaviour", HeaderValue::from_str(value).unwrap());
        }
        plan(&sim(), Provider::Suno, &["chirp-v3-5".into(), "generate".into()], text, &headers)
    }

    #[test]
    fn markers_choose_the_outcome_and_the_task_length() {
        let plan = |outcome, ms| Ok(Plan { outcome, length: Duration::from_millis(ms) });
        assert_eq!(planned("a song", None), plan(Outcome::Song, 3000));
        assert_eq!(planned("a song [sim:fail] [sim:task-ms=500]", None), plan(Outcome::Fail, 500));
        assert_eq!(planned("a song", Some("stuck")), plan(Outcome::Stuck, 3000));
        assert_eq!(planned("a song [sim:bad-audio] [sim:500]", None), plan(Outcome::BadAudio, 3000));
        assert_eq!(planned("a song [sim:lost-file]", None), plan(Outcome::LostFile, 3000));
        assert_eq!(planned("a song [sim:429] [sim:fail]", None), Err(Failure::RateLimited { retry_after: 2 }));
        assert_eq!(planned("a song [sim:401]", None), Err(Failure::WrongKey));
        assert_eq!(planned("a song [sim:task-ms=99999999]", None), plan(Outcome::Song, 600_000));
    }

    #[test]
    fn faults_match_the_model_or_the_endpoint() {
        let sim = sim();
        sim.faults.add("suno", crate::faults::Fault { status: 503, retry_after: None }, 1, Some("custom_generate".into()));
        let headers = HeaderMap::new();
        let keys = |endpoint: &str| ["chirp-v3-5".to_owned(), endpoint.to_owned()];
        assert!(plan(&sim, Provider::Suno, &keys("generate"), "x", &headers).is_ok());
        assert_eq!(plan(&sim, Provider::Suno, &keys("custom_generate"), "x", &headers), Err(Failure::Status(503)));
        assert!(plan(&sim, Provider::Suno, &keys("custom_generate"), "x", &headers).is_ok(), "used once");
    }

    #[test]
    fn songs_are_cut_to_the_longest_clip_made() {
        assert_eq!(song_length(&sim()), Duration::from_secs(12));
        let short = Simulator::new(crate::Config { audio_max_seconds: 60, ..crate::Config::from_env() });
        assert_eq!(song_length(&short), SONG);
    }

    #[test]
    fn the_model_writes_from_the_description_without_markers() {
        assert_eq!(title_for("a rainy  night in tokyo, slow [sim:fail]"), "A Rainy Night In");
        assert_eq!(title_for("[sim:stuck]"), "Untitled");
        assert_eq!(styles_for("jazz for cats"), styles_for("jazz for cats [sim:task-ms=5]"));
        let styles = styles_for("jazz for cats");
        assert_ne!(styles[0], styles[1]);
        assert!(lyrics_for("jazz for cats [sim:fail]").contains("a song about jazz for cats\n"));
    }
}
