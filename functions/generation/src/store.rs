//! The generation tables. Every read is scoped to the owner: another
//! user's generation is simply not found.

use serde::Deserialize;
use serde_json::{json, Value};
use worker::D1Database;

use webox_core::chat::catalog::micros_to_usd;
use webox_core::media::delivery;
use webox_core::media::history::HistoryQuery;
use webox_core::media::MediaKind;
use webox_core::{ApiError, ApiResult};
use webox_edge::{args, db};

/// A generation still `running` this long after it started has been cut
/// off (the Worker was stopped); reads mark it failed.
pub const STALE_SECONDS: i64 = 600;
/// Videos and songs are followed by their job, which has its own time
/// limit; this only catches a job that was lost altogether.
pub const TASK_STALE_SECONDS: i64 = 2 * webox_core::media::jobs::DEFAULT_TIMEOUT_SECONDS + 600;

#[derive(Debug, Clone, Deserialize)]
pub struct Generation {
    pub id: String,
    pub kind: String,
    pub provider: String,
    pub model: String,
    pub prompt: String,
    pub parameters: String,
    pub status: String,
    pub progress: i64,
    pub cost_micros: i64,
    pub credits_reserved: i64,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StoredFile {
    pub generation_id: String,
    pub position: i64,
    pub r2_key: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// `media`, or `thumbnail` (a poster or cover from the provider).
    pub role: String,
}

/// Where a thumbnail is kept, after any media file.
pub const THUMBNAIL_POSITION: i64 = 1_000;

const COLUMNS: &str = "id, kind, provider, model, prompt, parameters, status, progress, cost_micros, credits_reserved, error_code, error_message, created_at, updated_at, finished_at";

impl Generation {
    /// The API view; file links are signed with `secret` and expire.
    pub fn json(&self, files: &[StoredFile], secret: &[u8], now: i64) -> Value {
        let parameters: Value = serde_json::from_str(&self.parameters).unwrap_or_else(|_| json!({}));
        let url = |f: &StoredFile| format!("/api/generation/{}/file?{}", self.id, delivery::signed_query(secret, &self.id, f.position, now));
        let mine = || files.iter().filter(|f| f.generation_id == self.id);
        let media: Vec<Value> = mine()
            .filter(|f| f.role == "media")
            .map(|f| json!({"position": f.position, "content_type": f.content_type, "size_bytes": f.size_bytes, "url": url(f)}))
            .collect();
        let first = media.first().map(|f| f["url"].clone()).unwrap_or(Value::Null);
        // An image is its own thumbnail; videos and songs have the
        // provider's poster or cover when it made one.
        let thumbnail = match mine().find(|f| f.role == "thumbnail") {
            Some(f) => json!(url(f)),
            None if self.kind == "image" => first.clone(),
            None => Value::Null,
        };
        let files = media;
        json!({
            "id": self.id, "kind": self.kind, "provider": self.provider, "model": self.model, "prompt": self.prompt,
            "parameters": parameters, "status": self.status, "progress": self.progress,
            "cost_micros": self.cost_micros, "cost_usd": micros_to_usd(self.cost_micros, 6), "credits": self.credits_reserved,
            "error": self.error_code.as_ref().map(|code| json!({"code": code, "message": self.error_message})),
            "file_url": first, "thumbnail_url": thumbnail, "files": files,
            "created_at": self.created_at, "updated_at": self.updated_at, "finished_at": self.finished_at,
        })
    }
}

/// Marks the caller's generations cut off mid-way as failed, giving their
/// credits back.
pub async fn fail_stale(db: &D1Database, user_id: &str, now: i64) -> ApiResult<()> {
    let stale = "user_id = ?1 AND status IN ('queued', 'running')
                 AND updated_at < CASE WHEN kind = 'video' OR provider_task_id IS NOT NULL THEN ?3 ELSE ?2 END";
    let a = args![user_id, now - STALE_SECONDS, now - TASK_STALE_SECONDS, now];
    db::batch(
        db,
        vec![
            db::statement(
                db,
                &format!("UPDATE usage_counters SET value = value + (SELECT COALESCE(SUM(credits_reserved), 0) FROM generations WHERE {stale})
                          WHERE user_id = ?1 AND metric = 'credits'"),
                &a[..3],
            )?,
            db::statement(
                db,
                &format!("UPDATE generations SET status = 'failed', error_code = 'timed_out', error_message = 'the generation stopped before it finished',
                            credits_reserved = 0, updated_at = ?4, finished_at = ?4 WHERE {stale}"),
                a,
            )?,
        ],
    )
    .await?;
    Ok(())
}

/// One generation and its files, in one round trip; not found unless it
/// is `user_id`'s and of `kind`, when those are given (another user's
/// generation is simply not there).
pub async fn with_files(db: &D1Database, id: &str, user_id: Option<&str>, kind: Option<MediaKind>) -> ApiResult<(Generation, Vec<StoredFile>)> {
    let filter = "g.id = ?1 AND (?2 IS NULL OR g.user_id = ?2) AND (?3 IS NULL OR g.kind = ?3)";
    let a = args![id, user_id, kind.map(MediaKind::as_str)];
    let results = db::batch_read(
        db,
        vec![
            db::statement(db, &format!("SELECT {COLUMNS} FROM generations g WHERE {filter}"), a)?,
            db::statement(
                db,
                &format!(
                    "SELECT f.generation_id, f.position, f.r2_key, f.content_type, f.size_bytes, f.role FROM generation_files f
                     JOIN generations g ON g.id = f.generation_id WHERE {filter} ORDER BY f.position"
                ),
                a,
            )?,
        ],
    )
    .await?;
    match db::rows::<Generation>(&results, 0)?.into_iter().next() {
        Some(generation) => Ok((generation, db::rows(&results, 1)?)),
        None => Err(ApiError::not_found(kind.map_or("generation", MediaKind::as_str))),
    }
}

pub async fn by_id(db: &D1Database, id: &str) -> ApiResult<Option<Generation>> {
    db::first(db, &format!("SELECT {COLUMNS} FROM generations WHERE id = ?1"), args![id]).await
}

pub async fn files(db: &D1Database, ids: &[&str]) -> ApiResult<Vec<StoredFile>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // One bound parameter per id (never string-built values).
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("?{i}")).collect();
    let args: Vec<db::Arg> = ids.iter().map(|id| db::Arg::Text(id)).collect();
    db::all(
        db,
        &format!("SELECT generation_id, position, r2_key, content_type, size_bytes, role FROM generation_files WHERE generation_id IN ({}) ORDER BY generation_id, position", placeholders.join(", ")),
        &args,
    )
    .await
}

pub async fn list(db: &D1Database, user_id: &str, kind: MediaKind, query: &HistoryQuery) -> ApiResult<(Vec<Generation>, i64)> {
    #[derive(Deserialize)]
    struct Count {
        n: i64,
    }
    // Absent filters are NULL and match everything.
    let filter = "user_id = ?1 AND kind = ?2 AND (?3 IS NULL OR provider = ?3) AND (?4 IS NULL OR status = ?4)
                  AND (?5 IS NULL OR created_at >= ?5) AND (?6 IS NULL OR created_at < ?6)";
    let a = args![user_id, kind.as_str(), query.provider.as_deref(), query.status.as_deref(), query.from, query.until, query.page.per_page, query.page.offset()];
    let rows = db::all(db, &format!("SELECT {COLUMNS} FROM generations WHERE {filter} ORDER BY created_at DESC, rowid DESC LIMIT ?7 OFFSET ?8"), a).await?;
    let total: Option<Count> = db::first(db, &format!("SELECT COUNT(*) AS n FROM generations WHERE {filter}"), &a[..6]).await?;
    Ok((rows, total.map_or(0, |c| c.n)))
}

