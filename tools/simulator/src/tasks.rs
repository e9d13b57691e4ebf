//! The generation tasks the asynchronous providers keep — videos (Runway,
//! Luma, fal) and songs (Suno, Udio) — and the files they make, served as
//! the providers' CDNs serve them.
//!
//! A task is queued for the first fifth of its time (the family's task
//! time or `[sim:task-ms=N]`), then runs with its progress growing evenly,
//! then ends as its `Ending` says. Where it is comes from the time since it
//! was made, so nothing has to tick; only its job — making its files
//! (ffmpeg filming, a song and its cover encoded) — runs in the background,
//! two at once at most per family, started when the task is made. A task
//! whose time is up before its files are ready keeps running at 0.99.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::AbortHandle;

/// How a task ends, as the markers ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// It succeeds once its time is up and its files are made.
    Done,
    /// `[sim:fail]`: it fails when its time is up.
    Fail,
    /// `[sim:stuck]`: it runs forever, its progress stopping at 0.5.
    Stuck,
}

/// Where a task is, as a provider reports it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Phase {
    Queued,
    Running { progress: f64 },
    Succeeded,
    Failed(Breakdown),
    Cancelled,
}

impl Phase {
    pub fn is_over(&self) -> bool {
        matches!(self, Phase::Succeeded | Phase::Failed(_) | Phase::Cancelled)
    }
}

/// Why a task failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Breakdown {
    /// `[sim:fail]`: each provider says it its own way.
    Marked,
    /// Its files could not be made (no ffmpeg, ffmpeg failed): said as it is.
    Making(String),
}

/// What makes a task's files: each file's name (`{id}.mp4`) and bytes, or
/// why there are none.
/// A refusal a task request's markers ask for, before any task is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// `[sim:401]`
    WrongKey,
    /// `[sim:429]`
    RateLimited,
    /// `[sim:500]`
    Status(u16),
}

/// Long enough to watch a progress bar, short enough not to hang a test run.
pub(crate) const MAX_TASK_LENGTH: Duration = Duration::from_secs(600);

/// Reads a task request's markers: the first refusal or outcome named
/// (`outcome_of` knows the family's words: `fail`, `stuck`, `bad-video`...;
/// `None` when none is), and the task's length (`[sim:task-ms=N]`, else
/// `usual`), at most `MAX_TASK_LENGTH`.
pub(crate) fn read_markers<O>(words: Vec<String>, usual: Duration, outcome_of: impl Fn(&str) -> Option<O>) -> (Option<Result<O, Refusal>>, Duration) {
    let mut first = None;
    let mut length = usual;
    for word in words {
        let said = match word.as_str() {
            "401" => Err(Refusal::WrongKey),
            "429" => Err(Refusal::RateLimited),
            "500" => Err(Refusal::Status(500)),
            other => match outcome_of(other) {
                Some(outcome) => Ok(outcome),
                None => {
                    if let Some(asked) = crate::markers::millis(other, "task-ms", MAX_TASK_LENGTH) {
                        length = asked;
                    }
                    continue;
                }
            },
        };
        first.get_or_insert(said);
    }
    (first, length.min(MAX_TASK_LENGTH))
}

pub(crate) type Job = BoxFuture<'static, Result<Vec<(String, Vec<u8>)>, String>>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Making {
    Pending,
    /// The size of its first file, if it made any.
    Done {
        first_size: Option<usize>,
    },
    Failed(String),
}

/// Where a task is after `elapsed`, taking `length` in all.
fn phase(ending: Ending, length: Duration, making: &Making, cancelled: bool, elapsed: Duration) -> Phase {
    if cancelled {
        return Phase::Cancelled;
    }
    let queued_for = length / 5;
    if elapsed < queued_for {
        return Phase::Queued;
    }
    let running_for = length - queued_for;
    let progress = if running_for.is_zero() { 1.0 } else { ((elapsed - queued_for).as_secs_f64() / running_for.as_secs_f64()).min(1.0) };
    match (ending, making) {
        (Ending::Stuck, _) => Phase::Running { progress: progress.min(0.5) },
        _ if progress < 1.0 => Phase::Running { progress },
        (Ending::Fail, _) => Phase::Failed(Breakdown::Marked),
        (Ending::Done, Making::Pending) => Phase::Running { progress: 0.99 },
        (Ending::Done, Making::Done { .. }) => Phase::Succeeded,
        (Ending::Done, Making::Failed(why)) => Phase::Failed(Breakdown::Making(why.clone())),
    }
}

/// What a provider asks for when it takes a request.
pub(crate) struct NewTask<P> {
    /// The provider's id for it (its files are named after it or its parts).
    pub id: String,
    pub provider: P,
    pub model: String,
    pub ending: Ending,
    /// How long the task takes, from queued to done.
    pub length: Duration,
    /// The length of the media asked for (what is made may be shorter).
    pub requested: Duration,
    /// Whatever else the provider reports about it (Luma's `request`, a song's title).
    pub details: Value,
    /// What makes its files; none: it makes none.
    pub job: Option<Job>,
}

struct Task<P> {
    id: String,
    provider: P,
    model: String,
    ending: Ending,
    length: Duration,
    requested: Duration,
    details: Value,
    created: Instant,
    created_unix: i64,
    cancelled: bool,
    making: Making,
    worker: Option<AbortHandle>,
}

impl<P> Task<P> {
    fn phase(&self, now: Instant) -> Phase {
        phase(self.ending, self.length, &self.making, self.cancelled, now.saturating_duration_since(self.created))
    }

    fn stop_working(&mut self) {
        if let Some(worker) = self.worker.take() {
            worker.abort();
        }
    }
}

/// A task as a provider reports it.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub id: String,
    pub model: String,
    pub created_at: String,
    /// When it started running, once it has.
    pub started_at: Option<String>,
    /// When it succeeded or failed, once it has.
    pub ended_at: Option<String>,
    pub phase: Phase,
    pub requested: Duration,
    /// The size of its first file once there is one.
    pub file_size: Option<usize>,
    /// How many of the provider's tasks made before it are still queued.
    pub queue_position: usize,
    pub details: Value,
}

impl Snapshot {
    fn of<P>(task: &Task<P>, now: Instant, queue_position: usize) -> Self {
        let phase = task.phase(now);
        let at = |offset: Duration| webox_core::calendar::rfc3339(task.created_unix + offset.as_secs() as i64);
        let started = now.saturating_duration_since(task.created) >= task.length / 5;
        let ended = matches!(phase, Phase::Succeeded | Phase::Failed(_));
        Snapshot {
            id: task.id.clone(),
            model: task.model.clone(),
            created_at: at(Duration::ZERO),
            started_at: started.then(|| at(task.length / 5)),
            ended_at: ended.then(|| at(task.length)),
            phase,
            requested: task.requested,
            file_size: match task.making {
                Making::Done { first_size } => first_size,
                _ => None,
            },
            queue_position,
            details: task.details.clone(),
        }
    }
}

const KEPT_TASKS: usize = 1000;
/// ffmpeg uses every core it is given; two jobs at once keep the machine usable.
const JOBS_AT_ONCE: usize = 2;

/// One family's tasks, newest last, and the files they made.
#[derive(Clone)]
pub struct Tasks<P> {
    tasks: Arc<Mutex<VecDeque<Task<P>>>>,
    workers: Arc<Semaphore>,
    files: Files,
}

impl<P: Copy + PartialEq + Send + 'static> Tasks<P> {
    /// Keeping the files of the last `kept_files` tasks that made some.
    pub fn new(kept_files: usize) -> Self {
        Tasks { tasks: Default::default(), workers: Arc::new(Semaphore::new(JOBS_AT_ONCE)), files: Files::keeping(kept_files) }
    }

    /// Takes a task and starts its job, if it has one.
    pub(crate) fn start(&self, asked: NewTask<P>) -> Snapshot {
        let NewTask { id, provider, model, ending, length, requested, details, job } = asked;
        // Held while the job starts, so it cannot be done before its task is kept.
        let mut tasks = self.tasks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let making = if job.is_some() { Making::Pending } else { Making::Done { first_size: None } };
        let worker = job.map(|job| self.work(id.clone(), job));
        let (created, created_unix) = (Instant::now(), crate::unix_now());
        let task = Task { id, provider, model, ending, length, requested, details, created, created_unix, cancelled: false, making, worker };
        let snapshot = Snapshot::of(&task, created, 0);
        if tasks.len() == KEPT_TASKS {
            if let Some(mut oldest) = tasks.pop_front() {
                oldest.stop_working();
            }
        }
        tasks.push_back(task);
        snapshot
    }

    fn work(&self, id: String, job: Job) -> AbortHandle {
        let (tasks, workers) = (self.clone(), self.workers.clone());
        let worker = tokio::spawn(async move {
            let made = match workers.acquire().await {
                Ok(_worker) => job.await,
                Err(_) => Err("the simulator is shutting down".to_owned()),
            };
            let making = match made {
                Ok(files) => {
                    let first_size = files.first().map(|(_, bytes)| bytes.len());
                    tasks.files.keep(&id, files);
                    Making::Done { first_size }
                }
                Err(why) => {
                    eprintln!("webox-simulator: cannot make the files of task {id}: {why}");
                    Making::Failed(why)
                }
            };
            tasks.update(&id, |task| {
                task.making = making;
                task.worker = None;
            });
        });
        worker.abort_handle()
    }

    fn update(&self, id: &str, change: impl FnOnce(&mut Task<P>)) -> bool {
        let Ok(mut tasks) = self.tasks.lock() else { return false };
        tasks.iter_mut().find(|task| task.id == id).map(change).is_some()
    }

    /// The provider's task `id` as it is now.
    pub(crate) fn get(&self, provider: P, id: &str) -> Option<Snapshot> {
        let tasks = self.tasks.lock().ok()?;
        let now = Instant::now();
        let mine = || tasks.iter().filter(|task| task.provider == provider);
        let task = mine().find(|task| task.id == id)?;
        let ahead = mine().take_while(|other| other.id != id).filter(|other| other.phase(now) == Phase::Queued).count();
        Some(Snapshot::of(task, now, ahead))
    }

    /// The provider's last `count` tasks, newest first.
    pub(crate) fn latest(&self, provider: P, count: usize) -> Vec<Snapshot> {
        let Ok(tasks) = self.tasks.lock() else { return Vec::new() };
        let now = Instant::now();
        tasks.iter().rev().filter(|task| task.provider == provider).take(count).map(|task| Snapshot::of(task, now, 0)).collect()
    }

    /// How many of the provider's tasks are kept.
    pub(crate) fn count(&self, provider: P) -> usize {
        self.tasks.lock().map(|tasks| tasks.iter().filter(|task| task.provider == provider).count()).unwrap_or(0)
    }

    /// Cancels the task if it is not over, and answers where it was.
    pub(crate) fn cancel(&self, provider: P, id: &str) -> Option<Phase> {
        let now = Instant::now();
        let mut was = None;
        self.update(id, |task| {
            if task.provider != provider {
                return;
            }
            let phase = task.phase(now);
            if !phase.is_over() {
                task.cancelled = true;
                task.stop_working();
            }
            was = Some(phase);
        });
        was
    }

    /// Forgets the task and its files, and answers where it was.
    pub(crate) fn delete(&self, provider: P, id: &str) -> Option<Phase> {
        let mut tasks = self.tasks.lock().ok()?;
        let index = tasks.iter().position(|task| task.id == id && task.provider == provider)?;
        let mut task = tasks.remove(index)?;
        task.stop_working();
        self.files.forget(id);
        Some(task.phase(Instant::now()))
    }

    /// The files the tasks made.
    pub fn files(&self) -> &Files {
        &self.files
    }
}

/// The files behind the tasks' URLs, by name, kept with the task that made
/// them; only the last few tasks' are kept (a 4K film is megabytes), as the
/// providers' links expire.
#[derive(Clone)]
pub struct Files {
    kept: usize,
    by_task: Arc<Mutex<VecDeque<TaskFiles>>>,
}

/// A task's id and its files' names and bytes.
type TaskFiles = (String, Vec<(String, Bytes)>);

impl Files {
    fn keeping(kept: usize) -> Self {
        Files { kept: kept.max(1), by_task: Default::default() }
    }

    fn keep(&self, task_id: &str, files: Vec<(String, Vec<u8>)>) {
        let Ok(mut by_task) = self.by_task.lock() else { return };
        by_task.retain(|(kept, _)| kept != task_id);
        while by_task.len() >= self.kept {
            by_task.pop_front();
        }
        by_task.push_back((task_id.to_owned(), files.into_iter().map(|(name, bytes)| (name, Bytes::from(bytes))).collect()));
    }

    pub(crate) fn get(&self, name: &str) -> Option<Bytes> {
        let by_task = self.by_task.lock().ok()?;
        by_task.iter().flat_map(|(_, files)| files).find(|(kept, _)| kept == name).map(|(_, bytes)| bytes.clone())
    }

    fn forget(&self, task_id: &str) {
        if let Ok(mut by_task) = self.by_task.lock() {
            by_task.retain(|(kept, _)| kept != task_id);
        }
    }
}

/// The content type a file is served with, by its extension.
fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("mp4") => "video/mp4",
        Some("mp3") => "audio/mpeg",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => "application/octet-stream",
    }
}

/// A file as the providers' CDNs serve it: no key, a single byte range
/// honoured (as players ask); an unknown or expired one is a 404.
pub(crate) fn serve(files: &Files, name: &str, headers: &HeaderMap) -> Response {
    let Some(bytes) = files.get(name) else {
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain")], "The file does not exist or its link has expired.").into_response();
    };
    let total = bytes.len();
    let whole = [(header::CONTENT_TYPE, content_type(name).to_owned()), (header::ACCEPT_RANGES, "bytes".to_owned())];
    match headers.get(header::RANGE).and_then(|v| v.to_str().ok()).map(|range| byte_range(range, total)) {
        None | Some(Range::Whole) => (whole, bytes).into_response(),
        Some(Range::Part(start, end)) => {
            let content_range = (header::CONTENT_RANGE, format!("bytes {start}-{end}/{total}"));
            (StatusCode::PARTIAL_CONTENT, whole, [content_range], bytes.slice(start..=end)).into_response()
        }
        Some(Range::Unsatisfiable) => (StatusCode::RANGE_NOT_SATISFIABLE, [(header::CONTENT_RANGE, format!("bytes */{total}"))]).into_response(),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Range {
    /// No range the simulator serves (several, or not bytes): the whole file.
    Whole,
    /// From `start` to `end`, both included.
    Part(usize, usize),
    Unsatisfiable,
}

/// A `Range: bytes=A-B | A- | -N` header for a file of `total` bytes.
fn byte_range(range: &str, total: usize) -> Range {
    let Some((first, last)) = range.strip_prefix("bytes=").filter(|r| !r.contains(',')).and_then(|r| r.trim().split_once('-')) else {
        return Range::Whole;
    };
    let (first, last) = (first.trim().parse::<usize>().ok(), last.trim().parse::<usize>().ok());
    let (start, end) = match (first, last) {
        (Some(start), Some(end)) if start <= end => (start, end.min(total.saturating_sub(1))),
        (Some(start), None) => (start, total.saturating_sub(1)),
        (None, Some(suffix)) if suffix > 0 => (total.saturating_sub(suffix), total.saturating_sub(1)),
        _ => return Range::Unsatisfiable,
    };
    if start >= total {
        Range::Unsatisfiable
    } else {
        Range::Part(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LENGTH: Duration = Duration::from_millis(1000);

    fn at(ending: Ending, making: &Making, ms: u64) -> Phase {
        phase(ending, LENGTH, making, false, Duration::from_millis(ms))
    }

    #[test]
    fn tasks_queue_for_a_fifth_then_progress_evenly() {
        let done = Making::Done { first_size: Some(10) };
        assert_eq!(at(Ending::Done, &done, 0), Phase::Queued);
        assert_eq!(at(Ending::Done, &done, 199), Phase::Queued);
        assert_eq!(at(Ending::Done, &done, 200), Phase::Running { progress: 0.0 });
        assert_eq!(at(Ending::Done, &done, 600), Phase::Running { progress: 0.5 });
        assert_eq!(at(Ending::Done, &done, 1000), Phase::Succeeded);
        assert_eq!(phase(Ending::Done, LENGTH, &done, true, Duration::from_millis(500)), Phase::Cancelled);
        assert_eq!(phase(Ending::Done, Duration::ZERO, &done, false, Duration::ZERO), Phase::Succeeded);
    }

    #[test]
    fn the_end_is_the_ending_or_what_the_job_came_to() {
        let pending = Making::Pending;
        assert_eq!(at(Ending::Done, &pending, 5000), Phase::Running { progress: 0.99 }, "waits for its files");
        assert_eq!(at(Ending::Done, &Making::Failed("no".into()), 5000), Phase::Failed(Breakdown::Making("no".into())));
        assert_eq!(at(Ending::Done, &Making::Done { first_size: None }, 1000), Phase::Succeeded, "a task with nothing to make");
        assert_eq!(at(Ending::Fail, &pending, 999), Phase::Running { progress: 0.99875 });
        assert_eq!(at(Ending::Fail, &pending, 1000), Phase::Failed(Breakdown::Marked));
        assert_eq!(at(Ending::Stuck, &pending, 400), Phase::Running { progress: 0.25 });
        assert_eq!(at(Ending::Stuck, &pending, 3_600_000), Phase::Running { progress: 0.5 });
    }

    fn files(names: &[&str]) -> Vec<(String, Vec<u8>)> {
        names.iter().map(|name| ((*name).to_owned(), name.as_bytes().to_vec())).collect()
    }

    #[test]
    fn only_the_last_tasks_files_are_kept() {
        let kept = Files::keeping(3);
        kept.keep("first", files(&["first.mp4", "first.jpg"]));
        assert_eq!(kept.get("first.jpg").as_deref(), Some(&b"first.jpg"[..]));
        for n in 0..3 {
            kept.keep(&n.to_string(), files(&[&format!("{n}.mp3")]));
        }
        assert_eq!((kept.get("first.mp4"), kept.get("first.jpg")), (None, None));
        kept.forget("1");
        assert_eq!(kept.get("1.mp3"), None);
        assert!(kept.get("2.mp3").is_some());
    }

    #[tokio::test]
    async fn jobs_make_the_files_and_deleting_forgets_them() {
        let tasks: Tasks<u8> = Tasks::new(5);
        let job: Job = Box::pin(async { Ok(files(&["a.mp3", "a.jpeg"])) });
        let new = |id: &str, job| NewTask {
            id: id.into(),
            provider: 1,
            model: "m".into(),
            ending: Ending::Done,
            length: Duration::ZERO,
            requested: Duration::ZERO,
            details: Value::Null,
            job,
        };
        assert_eq!(tasks.start(new("a", Some(job))).phase, Phase::Running { progress: 0.99 });
        tasks.start(new("b", None));
        for _ in 0..100 {
            if tasks.get(1, "a").is_some_and(|task| task.phase == Phase::Succeeded) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let made = tasks.get(1, "a").unwrap();
        assert_eq!((made.phase, made.file_size, made.ended_at.is_some()), (Phase::Succeeded, Some(5), true));
        assert_eq!(tasks.files().get("a.jpeg").as_deref(), Some(&b"a.jpeg"[..]));
        assert_eq!(tasks.get(2, "a").map(|task| task.id), None, "another provider's");
        assert_eq!((tasks.count(1), tasks.latest(1, 1)[0].id.as_str()), (2, "b"));
        assert_eq!(tasks.delete(1, "a"), Some(Phase::Succeeded));
        assert_eq!((tasks.get(1, "a").map(|task| task.id), tasks.files().get("a.mp3")), (None, None));
    }

    #[test]
    fn files_are_served_by_their_extension() {
        assert_eq!((content_type("x.mp4"), content_type("x.mp3"), content_type("x.jpeg"), content_type("x.jpg")), ("video/mp4", "audio/mpeg", "image/jpeg", "image/jpeg"));
        assert_eq!(content_type("x"), "application/octet-stream");
    }

    #[test]
    fn single_byte_ranges_are_served() {
        assert_eq!(byte_range("bytes=0-99", 1000), Range::Part(0, 99));
        assert_eq!(byte_range("bytes=900-", 1000), Range::Part(900, 999));
        assert_eq!(byte_range("bytes=-100", 1000), Range::Part(900, 999));
        assert_eq!(byte_range("bytes=500-5000", 1000), Range::Part(500, 999));
        assert_eq!(byte_range("bytes=1000-", 1000), Range::Unsatisfiable);
        assert_eq!(byte_range("bytes=0-1,5-9", 1000), Range::Whole);
        assert_eq!(byte_range("items=0-1", 1000), Range::Whole);
    }
}
