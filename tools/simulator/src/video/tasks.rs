//! The generation tasks every provider keeps, and the files they make.
//!
//! A task is queued for the first fifth of its time (`SIM_VIDEO_TASK_MS`
//! or `[sim:task-ms=N]`), then runs with its progress growing evenly, then
//! ends as its outcome says. Where it is comes from the time since it was
//! made, so nothing has to tick; only the filming runs in the background
//! (two ffmpegs at once at most), started when the task is made. A task
//! whose time is up before its film is ready keeps running at 0.99.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::AbortHandle;

use super::film::Film;
use super::{Provider, NOT_VIDEO};

/// How a task ends, as the markers ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Video,
    /// `[sim:fail]`: the task fails when its time is up.
    Fail,
    /// `[sim:stuck]`: it runs forever, its progress stopping at 0.5.
    Stuck,
    /// `[sim:bad-video]`: it succeeds, but its file is no video.
    BadVideo,
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
    /// The film could not be made (no ffmpeg, ffmpeg failed): said as it is.
    Filming(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Filming {
    Pending,
    Done { bytes: usize },
    Failed(String),
}

/// Where a task is after `elapsed`, taking `length` in all.
fn phase(outcome: Outcome, length: Duration, filming: &Filming, cancelled: bool, elapsed: Duration) -> Phase {
    if cancelled {
        return Phase::Cancelled;
    }
    let queued_for = length / 5;
    if elapsed < queued_for {
        return Phase::Queued;
    }
    let running_for = length - queued_for;
    let progress = if running_for.is_zero() { 1.0 } else { ((elapsed - queued_for).as_secs_f64() / running_for.as_secs_f64()).min(1.0) };
    match (outcome, filming) {
        (Outcome::Stuck, _) => Phase::Running { progress: progress.min(0.5) },
        _ if progress < 1.0 => Phase::Running { progress },
        (Outcome::Fail, _) => Phase::Failed(Breakdown::Marked),
        (Outcome::BadVideo, _) => Phase::Succeeded,
        (Outcome::Video, Filming::Pending) => Phase::Running { progress: 0.99 },
        (Outcome::Video, Filming::Done { .. }) => Phase::Succeeded,
        (Outcome::Video, Filming::Failed(why)) => Phase::Failed(Breakdown::Filming(why.clone())),
    }
}

/// What a provider asks for when it takes a request.
pub(crate) struct NewTask {
    pub provider: Provider,
    pub model: String,
    pub outcome: Outcome,
    /// How long the task takes, from queued to done.
    pub length: Duration,
    /// The video's length asked for (the film may be shorter).
    pub requested: Duration,
    pub film: Film,
    /// Whatever else the provider reports about it (Luma's `request`, fal's `seed`).
    pub details: Value,
}

struct Task {
    id: String,
    created: Instant,
    created_at: String,
    cancelled: bool,
    filming: Filming,
    job: Option<AbortHandle>,
    asked: NewTask,
}

impl Task {
    fn phase(&self, now: Instant) -> Phase {
        phase(self.asked.outcome, self.asked.length, &self.filming, self.cancelled, now.saturating_duration_since(self.created))
    }

    fn stop_filming(&mut self) {
        if let Some(job) = self.job.take() {
            job.abort();
        }
    }
}

/// A task as a provider reports it.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub id: String,
    pub model: String,
    pub created_at: String,
    pub phase: Phase,
    pub requested: Duration,
    /// The file's size once there is one.
    pub file_size: Option<usize>,
    /// How many of the provider's tasks made before it are still queued.
    pub queue_position: usize,
    pub details: Value,
}

impl Snapshot {
    fn of(task: &Task, now: Instant, queue_position: usize) -> Self {
        let file_size = match (task.asked.outcome, &task.filming) {
            (Outcome::BadVideo, _) => Some(NOT_VIDEO.len()),
            (_, Filming::Done { bytes }) => Some(*bytes),
            _ => None,
        };
        Snapshot {
            id: task.id.clone(),
            model: task.asked.model.clone(),
            created_at: task.created_at.clone(),
            phase: task.phase(now),
            requested: task.asked.requested,
            file_size,
            queue_position,
            details: task.asked.details.clone(),
        }
    }
}

const KEPT_TASKS: usize = 1000;
/// ffmpeg uses every core it is given; two at once keep the machine usable.
const FILMING_AT_ONCE: usize = 2;

/// Every provider's tasks, newest last.
#[derive(Clone)]
pub struct Tasks {
    tasks: Arc<Mutex<VecDeque<Task>>>,
    cameras: Arc<Semaphore>,
}

impl Default for Tasks {
    fn default() -> Self {
        Tasks { tasks: Default::default(), cameras: Arc::new(Semaphore::new(FILMING_AT_ONCE)) }
    }
}

impl Tasks {
    /// Takes a task and starts filming it if it needs a film; `ffmpeg` is
    /// the program that films, `files` where the film goes.
    pub(crate) fn start(&self, asked: NewTask, files: &Files, ffmpeg: &str) -> Snapshot {
        let id = crate::uuid_v4();
        if asked.outcome == Outcome::BadVideo {
            files.keep(&id, Bytes::from_static(NOT_VIDEO));
        }
        // Held while filming starts, so the film cannot be done before its task is kept.
        let mut tasks = self.tasks.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let job = (asked.outcome == Outcome::Video).then(|| self.film(id.clone(), asked.film.clone(), files.clone(), ffmpeg.to_owned()));
        let task = Task { id, created: Instant::now(), created_at: crate::rfc3339_now(), cancelled: false, filming: Filming::Pending, job, asked };
        let snapshot = Snapshot::of(&task, task.created, 0);
        if tasks.len() == KEPT_TASKS {
            if let Some(mut oldest) = tasks.pop_front() {
                oldest.stop_filming();
            }
        }
        tasks.push_back(task);
        snapshot
    }

    fn film(&self, id: String, film: Film, files: Files, ffmpeg: String) -> AbortHandle {
        let (tasks, cameras) = (self.clone(), self.cameras.clone());
        let job = tokio::spawn(async move {
            let filmed = match cameras.acquire().await {
                Ok(_camera) => film.shoot(&ffmpeg).await,
                Err(_) => Err("the simulator is shutting down".to_owned()),
            };
            let filming = match filmed {
                Ok(bytes) => {
                    let size = bytes.len();
                    files.keep(&id, bytes.into());
                    Filming::Done { bytes: size }
                }
                Err(why) => {
                    eprintln!("webox-simulator: cannot film video task {id}: {why}");
                    Filming::Failed(why)
                }
            };
            tasks.update(&id, |task| {
                task.filming = filming;
                task.job = None;
            });
        });
        job.abort_handle()
    }

    fn update(&self, id: &str, change: impl FnOnce(&mut Task)) -> bool {
        let Ok(mut tasks) = self.tasks.lock() else { return false };
        tasks.iter_mut().find(|task| task.id == id).map(change).is_some()
    }

    /// The provider's task `id` as it is now.
    pub(crate) fn get(&self, provider: Provider, id: &str) -> Option<Snapshot> {
        let tasks = self.tasks.lock().ok()?;
        let now = Instant::now();
        let mine = || tasks.iter().filter(|task| task.asked.provider == provider);
        let task = mine().find(|task| task.id == id)?;
        let ahead = mine().take_while(|other| other.id != id).filter(|other| other.phase(now) == Phase::Queued).count();
        Some(Snapshot::of(task, now, ahead))
    }

    /// Cancels the task if it is not over, and answers where it was.
    pub(crate) fn cancel(&self, provider: Provider, id: &str) -> Option<Phase> {
        let now = Instant::now();
        let mut was = None;
        self.update(id, |task| {
            if task.asked.provider != provider {
                return;
            }
            let phase = task.phase(now);
            if !phase.is_over() {
                task.cancelled = true;
                task.stop_filming();
            }
            was = Some(phase);
        });
        was
    }

    /// Forgets the task and its file, and answers where it was.
    pub(crate) fn delete(&self, provider: Provider, id: &str, files: &Files) -> Option<Phase> {
        let mut tasks = self.tasks.lock().ok()?;
        let index = tasks.iter().position(|task| task.id == id && task.asked.provider == provider)?;
        let mut task = tasks.remove(index)?;
        task.stop_filming();
        files.forget(id);
        Some(task.phase(Instant::now()))
    }
}

/// The films behind the tasks' URLs, by task id; only the last few are
/// kept (a 4K film is megabytes), as the providers' links expire.
#[derive(Clone, Default)]
pub struct Files(Arc<Mutex<VecDeque<(String, Bytes)>>>);

const KEPT_FILES: usize = 20;

impl Files {
    fn keep(&self, id: &str, bytes: Bytes) {
        if let Ok(mut files) = self.0.lock() {
            files.retain(|(kept, _)| kept != id);
            if files.len() == KEPT_FILES {
                files.pop_front();
            }
            files.push_back((id.to_owned(), bytes));
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<Bytes> {
        self.0.lock().ok()?.iter().find(|(kept, _)| kept == id).map(|(_, bytes)| bytes.clone())
    }

    fn forget(&self, id: &str) {
        if let Ok(mut files) = self.0.lock() {
            files.retain(|(kept, _)| kept != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LENGTH: Duration = Duration::from_millis(1000);

    fn at(outcome: Outcome, filming: &Filming, ms: u64) -> Phase {
        phase(outcome, LENGTH, filming, false, Duration::from_millis(ms))
    }

    #[test]
    fn tasks_queue_for_a_fifth_then_progress_evenly() {
        let done = Filming::Done { bytes: 10 };
        assert_eq!(at(Outcome::Video, &done, 0), Phase::Queued);
        assert_eq!(at(Outcome::Video, &done, 199), Phase::Queued);
        assert_eq!(at(Outcome::Video, &done, 200), Phase::Running { progress: 0.0 });
        assert_eq!(at(Outcome::Video, &done, 600), Phase::Running { progress: 0.5 });
        assert_eq!(at(Outcome::Video, &done, 1000), Phase::Succeeded);
        assert_eq!(phase(Outcome::Video, LENGTH, &done, true, Duration::from_millis(500)), Phase::Cancelled);
        assert_eq!(phase(Outcome::Video, Duration::ZERO, &done, false, Duration::ZERO), Phase::Succeeded);
    }

    #[test]
    fn the_end_is_the_outcome_or_what_filming_came_to() {
        let pending = Filming::Pending;
        assert_eq!(at(Outcome::Video, &pending, 5000), Phase::Running { progress: 0.99 }, "waits for its film");
        assert_eq!(at(Outcome::Video, &Filming::Failed("no".into()), 5000), Phase::Failed(Breakdown::Filming("no".into())));
        assert_eq!(at(Outcome::Fail, &pending, 999), Phase::Running { progress: 0.99875 });
        assert_eq!(at(Outcome::Fail, &pending, 1000), Phase::Failed(Breakdown::Marked));
        assert_eq!(at(Outcome::BadVideo, &pending, 1000), Phase::Succeeded);
        assert_eq!(at(Outcome::Stuck, &pending, 400), Phase::Running { progress: 0.25 });
        assert_eq!(at(Outcome::Stuck, &pending, 3_600_000), Phase::Running { progress: 0.5 });
    }

    #[test]
    fn only_the_last_files_are_kept() {
        let files = Files::default();
        files.keep("first", Bytes::from_static(b"first"));
        assert_eq!(files.get("first").as_deref(), Some(&b"first"[..]));
        for n in 0..KEPT_FILES {
            files.keep(&n.to_string(), Bytes::new());
        }
        assert_eq!(files.get("first"), None);
        files.forget("3");
        assert_eq!(files.get("3"), None);
        assert!(files.get("4").is_some());
    }
}
