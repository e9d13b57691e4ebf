//! Plan credits: an account with a plan pays for generations with its
//! monthly credits (`usage_counters.credits`). They are taken when a
//! generation starts — refused with 402 if too few are left — and given
//! back, exactly once, if it fails. Accounts without a plan pay nothing in
//! credits.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use webox_core::{ApiError, ApiResult};
use webox_edge::{args, db};

/// A generation about to start, as recorded.
pub struct NewGeneration<'a> {
    pub user_id: &'a str,
    pub kind: &'a str,
    pub provider: &'a str,
    pub model: &'a str,
    pub prompt: &'a str,
    pub parameters: &'a serde_json::Map<String, serde_json::Value>,
    /// `running` (answered while the request waits) or `queued` (a task).
    pub status: &'static str,
    pub credits: i64,
}

/// Records a new generation and takes its credits, in one D1 round trip:
/// the credits are taken only from an account with a plan and enough left,
/// and the row is written only if they were taken or the account has no
/// plan (then it holds none). Its id, or 402 with nothing written.
pub async fn open(db: &D1Database, new: &NewGeneration<'_>, now: i64) -> ApiResult<String> {
    let id = webox_core::random::id()?;
    let parameters = serde_json::Value::Object(new.parameters.clone()).to_string();
    let changed = db::batch(
        db,
        vec![
            db::statement(
                db,
                "UPDATE usage_counters SET value = value - ?2 WHERE user_id = ?1 AND metric = 'credits' AND value >= ?2
                 AND EXISTS (SELECT 1 FROM account_plans WHERE user_id = ?1)",
                args![new.user_id, new.credits],
            )?,
            // `changes()` is still the UPDATE's while this runs.
            db::statement(
                db,
                "INSERT INTO generations (id, user_id, kind, provider, model, prompt, parameters, status, progress, credits_reserved, created_at, updated_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, CASE WHEN changes() > 0 THEN ?9 ELSE 0 END, ?10, ?10
                 WHERE changes() > 0 OR NOT EXISTS (SELECT 1 FROM account_plans WHERE user_id = ?2)",
                args![&id, new.user_id, new.kind, new.provider, new.model, new.prompt, &parameters, new.status, new.credits, now],
            )?,
        ],
    )
    .await?;
    if changed.get(1) == Some(&1) {
        return Ok(id);
    }
    #[derive(Deserialize)]
    struct Left {
        left: Option<i64>,
    }
    let left: Option<Left> = db::first(db, "SELECT value AS left FROM usage_counters WHERE user_id = ?1 AND metric = 'credits'", args![new.user_id]).await?;
    let left = left.and_then(|l| l.left).unwrap_or(0);
    Err(ApiError::new(402, "insufficient_credits", format!("this needs {} credits and your plan has {left} left this month", new.credits)))
}

/// Gives back what generation `id` holds (none twice: it is zeroed in the
/// same transaction).
pub fn refund(db: &D1Database, id: &str) -> ApiResult<Vec<D1PreparedStatement>> {
    Ok(vec![
        db::statement(
            db,
            "UPDATE usage_counters SET value = value + (SELECT credits_reserved FROM generations WHERE id = ?1)
             WHERE metric = 'credits' AND user_id = (SELECT user_id FROM generations WHERE id = ?1 AND credits_reserved > 0 AND status = 'failed')",
            args![id],
        )?,
        db::statement(db, "UPDATE generations SET credits_reserved = 0 WHERE id = ?1 AND status = 'failed'", args![id])?,
    ])
}

/// Marks generation `id` failed and gives its credits back, in one batch.
pub async fn fail(db: &D1Database, id: &str, code: &str, message: &str, now: i64) -> ApiResult<()> {
    let mut statements = vec![db::statement(
        db,
        "UPDATE generations SET status = 'failed', error_code = ?1, error_message = ?2, updated_at = ?3, finished_at = ?3
         WHERE id = ?4 AND status IN ('queued', 'running')",
        args![code, message, now, id],
    )?];
    statements.extend(refund(db, id)?);
    db::batch(db, statements).await?;
    Ok(())
}
