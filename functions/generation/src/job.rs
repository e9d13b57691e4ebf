//! `GenerationJob`, the Durable Object of one long-running generation (a
//! video, or a Suno/Udio song). The provider's task is created by
//! `task.rs`; the job then polls it from alarms — quickly at first, backing
//! off — records progress in D1, and when the task is done downloads the
//! files (and the poster or cover the provider made), checks each is what
//! it must be, stores them in R2 and completes the row. Its state lives in the
//! object's storage, so a restart resumes it; a time limit, a failed task or
//! too many failed polls end it as `failed` — never `running` forever. The
//! provider key is read afresh (decrypted in memory) at each poll, never
//! stored here.

use serde::{Deserialize, Serialize};
use worker::{durable_object, DurableObject, Env, Fetch, HttpMetadata, Method, Request, Response, Result, State};

use webox_core::media::jobs;
use webox_core::media::sniff::{sniff, FileType};
use webox_core::media::task::{TaskProvider, TaskState};
use webox_core::media::video;
use webox_core::provider_failure::Named;
use webox_core::{ApiError, ApiResult};
use webox_edge::{args, config, db, outbound, provider_keys};

/// What the job knows, kept in its storage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    pub generation_id: String,
    pub user_id: String,
    /// `video` or `audio` (jobs started before songs existed are videos).
    #[serde(default = "video_kind")]
    pub kind: String,
    pub provider: String,
    pub task_id: String,
    pub cost_micros: i64,
    pub started_at: i64,
    #[serde(default)]
    pub polls: u32,
    #[serde(default)]
    pub errors: u32,
    #[serde(default)]
    pub progress: i64,
    /// Consecutive downloads of the finished files that could not reach them.
    #[serde(default)]
    pub download_errors: u32,
}

fn video_kind() -> String {
    "video".into()
}

#[durable_object]
pub struct GenerationJob {
    state: State,
    env: Env,
}

/// What a download of a finished file gave.
enum Download {
    Got(Vec<u8>),
    /// A 4xx: the file is not there.
    Gone(u16),
    /// Not reached, or a 5xx: worth another try.
    Unreachable,
}

enum Step {
    /// Look again in `n` ms.
    Again(i64),
    Done,
}

impl GenerationJob {
    fn provider(job: &Job) -> ApiResult<TaskProvider> {
        TaskProvider::parse(&job.kind, &job.provider)
    }

    async fn key(&self, job: &Job, provider: TaskProvider) -> ApiResult<String> {
        let db = self.env.d1("DB").map_err(|_| ApiError::internal())?;
        let secret = format!("{}_API_KEY", provider.config_prefix());
        provider_keys::resolve(&self.env, &db, &job.user_id, provider.key_provider(), &secret)
            .await?
            .map(|k| k.key)
            .ok_or_else(|| crate::produce::not_configured(provider))
    }

    async fn get(&self, url: &str, headers: &[(&'static str, String)]) -> ApiResult<outbound::Reply> {
        let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        outbound::send(Method::Get, url, &pairs, None).await.map_err(|e| {
            worker::console_warn!("generation task poll: {e}");
            ApiError::new(502, "provider_unavailable", "the provider could not be reached")
        })
    }

    async fn finish_failed(&self, job: &Job, code: &str, message: &str) -> ApiResult<Step> {
        let db = self.env.d1("DB").map_err(|_| ApiError::internal())?;
        crate::credits::fail(&db, &job.generation_id, code, message, webox_edge::now()).await?;
        self.notify(job, Some(message)).await;
        Ok(Step::Done)
    }

    /// Emails the owner that the video or song is ready (or failed), unless they
    /// turned email notifications off. A failure to send is logged only.
    async fn notify(&self, job: &Job, failure: Option<&str>) {
        #[derive(Deserialize)]
        struct Owner {
            email: String,
            name: String,
            document: Option<String>,
            prompt: String,
        }
        let Ok(db) = self.env.d1("DB") else { return };
        let owner: Option<Owner> = db::first(
            &db,
            "SELECT u.email, u.name, p.document, g.prompt FROM generations g JOIN users u ON u.id = g.user_id
             LEFT JOIN preferences p ON p.user_id = u.id WHERE g.id = ?1",
            args![&job.generation_id],
        )
        .await
        .ok()
        .flatten();
        let Some(owner) = owner else { return };
        let wants_email = owner
            .document
            .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
            .and_then(|d| d.pointer("/notifications/email").and_then(serde_json::Value::as_bool))
            .unwrap_or(true);
        if !wants_email {
            return;
        }
        let base = config::optional(&self.env, "APP_BASE_URL").unwrap_or_default();
        let what = if job.kind == "audio" { "song" } else { "video" };
        let link = format!("{}/studio/{}?id={}", base.trim_end_matches('/'), job.kind, job.generation_id);
        let message = webox_core::mail::generation_finished(&owner.email, &owner.name, what, &owner.prompt, failure, &link);
        if let Err(e) = webox_edge::mailer::send_now(&self.env, message).await {
            worker::console_error!("generation job {}: the email was not queued: {}", job.generation_id, e.message);
        }
    }

    /// Downloads `url`.
    async fn download(url: &str) -> Download {
        let Ok(parsed) = url.parse() else { return Download::Gone(0) };
        let mut response = match Fetch::Url(parsed).send().await {
            Ok(r) => r,
            Err(_) => return Download::Unreachable,
        };
        match response.status_code() {
            status @ 400..=499 => Download::Gone(status),
            500.. => Download::Unreachable,
            _ => response.bytes().await.map_or(Download::Unreachable, Download::Got),
        }
    }

    /// Downloads the finished files (and the thumbnail, if any) into R2 and
    /// completes the row; nothing is left in R2 if any file fails.
    async fn deliver(&self, job: &mut Job, provider: TaskProvider, urls: &[String], thumbnail: Option<&str>) -> ApiResult<Step> {
        let db = self.env.d1("DB").map_err(|_| ApiError::internal())?;
        if crate::store::by_id(&db, &job.generation_id).await?.is_none() {
            // Deleted by its owner while it ran: nothing to deliver.
            return Ok(Step::Done);
        }
        let mut files: Vec<(Vec<u8>, FileType, &str)> = Vec::new();
        for url in urls {
            let bytes = match Self::download(url).await {
                Download::Got(bytes) => bytes,
                // The provider says the file is not there: it will not be.
                Download::Gone(status) => {
                    let reason = format!("{}'s file could not be downloaded (HTTP {status})", provider.name());
                    return self.finish_failed(job, "provider_bad_output", &reason).await;
                }
                Download::Unreachable => {
                    job.download_errors += 1;
                    if job.download_errors > jobs::MAX_POLL_ERRORS {
                        return self.finish_failed(job, "provider_unavailable", &format!("{}'s file could not be reached", provider.name())).await;
                    }
                    return Ok(Step::Again(jobs::next_poll_ms(job.polls, job.download_errors)));
                }
            };
            match sniff(&bytes).filter(|t| provider.accepts(*t)) {
                Some(file_type) => files.push((bytes, file_type, "media")),
                None => return self.finish_failed(job, "provider_bad_output", &format!("{} returned something that is not {}", provider.name(), provider.file_words())).await,
            }
        }
        // A poster or cover is a bonus: without one (or with a bad one) the
        // generation still succeeds.
        if let Some(Download::Got(bytes)) = match thumbnail {
            Some(url) => Some(Self::download(url).await),
            None => None,
        } {
            match sniff(&bytes).filter(|t| t.is_image()) {
                Some(file_type) => files.push((bytes, file_type, "thumbnail")),
                None => worker::console_warn!("generation job {}: the thumbnail is not an image; skipped", job.generation_id),
            }
        }

        let bucket = self.env.bucket("MEDIA").map_err(|_| ApiError::internal())?;
        let now = webox_edge::now();
        let mut statements = vec![db::statement(
            &db,
            "UPDATE generations SET status = 'succeeded', progress = 100, cost_micros = ?1, updated_at = ?2, finished_at = ?2 WHERE id = ?3",
            args![job.cost_micros, now, &job.generation_id],
        )?];
        let mut stored: Vec<String> = Vec::new();
        let mut media = 0_i64;
        for (bytes, file_type, role) in &files {
            let position = if *role == "media" { media } else { crate::store::THUMBNAIL_POSITION };
            let key = format!("generations/{}/{}/{position}.{}", job.user_id, job.generation_id, file_type.extension());
            let metadata = HttpMetadata { content_type: Some(file_type.content_type().into()), ..Default::default() };
            if bucket.put(&key, bytes.clone()).http_metadata(metadata).execute().await.is_err() {
                for written in &stored {
                    let _ = bucket.delete(written).await;
                }
                return self.finish_failed(job, "storage_failed", "the file could not be stored").await;
            }
            statements.push(db::statement(
                &db,
                "INSERT INTO generation_files (generation_id, position, r2_key, content_type, size_bytes, role) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (generation_id, position) DO NOTHING",
                args![&job.generation_id, position, &key, file_type.content_type(), bytes.len() as i64, *role],
            )?);
            stored.push(key);
            if *role == "media" {
                media += 1;
            }
        }
        statements.push(webox_edge::usage::add(&db, &job.user_id, provider.metric(), media)?);
        statements.push(webox_edge::usage::add(&db, &job.user_id, "ai_cost_micros", job.cost_micros)?);
        if let Err(e) = db::batch(&db, statements).await {
            for written in &stored {
                let _ = bucket.delete(written).await;
            }
            return Err(e);
        }
        self.notify(job, None).await;
        Ok(Step::Done)
    }

    /// One look at the task.
    async fn poll(&self, job: &mut Job) -> ApiResult<Step> {
        let provider = Self::provider(job)?;
        let limit = config::optional(&self.env, "VIDEO_JOB_TIMEOUT_SECONDS").and_then(|v| v.parse().ok()).unwrap_or(jobs::DEFAULT_TIMEOUT_SECONDS);
        if jobs::timed_out(job.started_at, webox_edge::now(), limit) {
            return self.finish_failed(job, "timed_out", &format!("{} did not finish within {}", provider.name(), jobs::duration_words(limit))).await;
        }
        let key = match self.key(job, provider).await {
            Ok(key) => key,
            Err(e) => return self.finish_failed(job, e.code, &e.message).await,
        };
        let base = crate::produce::base(&self.env, provider.config_prefix(), provider.default_base());
        let headers = provider.headers(&key);
        job.polls += 1;
        let reply = match self.get(&format!("{base}{}", provider.poll_path(&job.task_id)), &headers).await {
            Ok(reply) => reply,
            Err(_) => return self.poll_error(job).await,
        };
        if reply.status == 429 || reply.status >= 500 {
            return self.poll_error(job).await;
        }
        if reply.status >= 400 {
            let e = provider.from_http(reply.status, &reply.body, None);
            return self.finish_failed(job, e.code, &e.message).await;
        }
        job.errors = 0;
        let mut state = match provider.parse_poll(&reply.body) {
            Ok(state) => state,
            Err(_) => return self.poll_error(job).await,
        };
        if state == TaskState::Ready {
            let result = self.get(&format!("{base}{}", video::result_path(&job.task_id)), &headers).await?;
            state = video::parse_result(&result.body)?;
        }
        match state {
            TaskState::Queued | TaskState::Running { .. } => {
                let progress = match state {
                    TaskState::Running { progress } => progress.max(1),
                    _ => 0,
                };
                if progress != job.progress || job.polls == 1 {
                    job.progress = progress;
                    let db = self.env.d1("DB").map_err(|_| ApiError::internal())?;
                    db::run(
                        &db,
                        "UPDATE generations SET status = 'running', progress = ?1, updated_at = ?2 WHERE id = ?3 AND status IN ('queued', 'running')",
                        args![progress, webox_edge::now(), &job.generation_id],
                    )
                    .await?;
                }
                Ok(Step::Again(jobs::next_poll_ms(job.polls, 0)))
            }
            TaskState::Succeeded { urls, thumbnail } => self.deliver(job, provider, &urls, thumbnail.as_deref()).await,
            TaskState::Failed { reason } => self.finish_failed(job, "provider_failed", &format!("{}: {reason}", provider.name())).await,
            TaskState::Ready => Ok(Step::Again(jobs::next_poll_ms(job.polls, 0))),
        }
    }

    async fn poll_error(&self, job: &mut Job) -> ApiResult<Step> {
        job.errors += 1;
        if job.errors > jobs::MAX_POLL_ERRORS {
            let provider = Self::provider(job)?;
            return self.finish_failed(job, "provider_unavailable", &format!("{} stopped answering about the task", provider.name())).await;
        }
        Ok(Step::Again(jobs::next_poll_ms(job.polls, job.errors)))
    }
}

impl DurableObject for GenerationJob {
    fn new(state: State, env: Env) -> Self {
        Self { state, env }
    }

    /// `POST /start` with the `Job`: stored, first look in a second.
    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if req.path() != "/start" {
            return Response::error("no such job route", 404);
        }
        let job: Job = req.json().await?;
        let storage = self.state.storage();
        storage.put("job", &job).await?;
        storage.set_alarm(jobs::next_poll_ms(0, 0)).await?;
        Response::empty().map(|r| r.with_status(202))
    }

    async fn alarm(&self) -> Result<Response> {
        let storage = self.state.storage();
        let Some(mut job) = storage.get::<Job>("job").await? else {
            return Response::empty();
        };
        let step = match self.poll(&mut job).await {
            Ok(step) => step,
            // D1 or R2 trouble: try again later, within the job's limits.
            Err(e) => {
                worker::console_error!("generation job {}: {}", job.generation_id, e.message);
                job.errors += 1;
                if job.errors > jobs::MAX_POLL_ERRORS {
                    let _ = self.finish_failed(&job, "internal_error", "the job failed on our side").await;
                    Step::Done
                } else {
                    Step::Again(jobs::next_poll_ms(job.polls, job.errors))
                }
            }
        };
        match step {
            Step::Again(ms) => {
                storage.put("job", &job).await?;
                storage.set_alarm(ms).await?;
            }
            Step::Done => storage.delete_all().await?,
        }
        Response::empty()
    }
}
