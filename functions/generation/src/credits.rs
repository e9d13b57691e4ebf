//! Plan credits: an account with a plan pays for generations with its
//! monthly credits (`usage_counters.credits`). They are taken when a
//! generation starts — refused with 402 if too few are left — and given
//! back, exactly once, if it fails. Accounts without a plan pay nothing in
//! credits.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use webox_core::{ApiError, ApiResult};
use webox_edge::{args, db};

/// Takes `credits` from the account if it has a plan; how many were taken.
pub async fn reserve(db: &D1Database, user_id: &str, credits: i64) -> ApiResult<i64> {
    #[derive(Deserialize)]
    struct Plan {
        left: Option<i64>,
    }
    let plan: Option<Plan> = db::first(
        db,
        "SELECT (SELECT value FROM usage_counters WHERE user_id = ?1 AND metric = 'credits') AS left FROM account_plans WHERE user_id = ?1",
        args![user_id],
    )
    .await?;
    let Some(plan) = plan else { return Ok(0) };
    let taken = db::run(
        db,
        "UPDATE usage_counters SET value = value - ?2 WHERE user_id = ?1 AND metric = 'credits' AND value >= ?2",
        args![user_id, credits],
    )
    .await?;
    if taken == 0 {
        let left = plan.left.unwrap_or(0);
        return Err(ApiError::new(402, "insufficient_credits", format!("this needs {credits} credits and your plan has {left} left this month")));
    }
    Ok(credits)
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

/// Returns credits taken for a generation that was never recorded.
pub async fn give_back(db: &D1Database, user_id: &str, credits: i64) -> ApiResult<()> {
    if credits > 0 {
        db::run(db, "UPDATE usage_counters SET value = value + ?2 WHERE user_id = ?1 AND metric = 'credits'", args![user_id, credits]).await?;
    }
    Ok(())
}
