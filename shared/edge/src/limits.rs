//! Counting events for brute-force protection (`rate_events` in D1: exact
//! counts, unlike KV). The policy itself is `webox_core::throttle`.

use worker::D1Database;

use webox_core::throttle::{self, Limit, HORIZON};
use webox_core::{ApiError, ApiResult};

use crate::{args, db};

#[derive(serde::Deserialize)]
struct At {
    at: i64,
}

/// 429 with `Retry-After` if another `scope` event for `key` is not allowed now.
pub async fn check(db: &D1Database, scope: &str, key: &str, limits: &[Limit], now: i64) -> ApiResult<()> {
    match retry_after(db, scope, key, limits, now).await? {
        Some(wait) => Err(ApiError::rate_limited(wait)),
        None => Ok(()),
    }
}

pub async fn retry_after(db: &D1Database, scope: &str, key: &str, limits: &[Limit], now: i64) -> ApiResult<Option<u64>> {
    let events: Vec<At> = db::all(
        db,
        "SELECT at FROM rate_events WHERE scope = ?1 AND key = ?2 AND at > ?3 ORDER BY at DESC LIMIT 500",
        args![scope, key, now - HORIZON],
    )
    .await?;
    let times: Vec<i64> = events.into_iter().map(|e| e.at).collect();
    Ok(throttle::retry_after(&times, limits, now))
}

/// Records one event and forgets this key's events older than the horizon.
pub async fn record(db: &D1Database, scope: &str, key: &str, now: i64) -> ApiResult<()> {
    db::batch(
        db,
        vec![
            db::statement(db, "INSERT INTO rate_events (scope, key, at) VALUES (?1, ?2, ?3)", args![scope, key, now])?,
            db::statement(db, "DELETE FROM rate_events WHERE scope = ?1 AND key = ?2 AND at <= ?3", args![scope, key, now - HORIZON])?,
        ],
    )
    .await?;
    Ok(())
}

pub async fn clear(db: &D1Database, scope: &str, key: &str) -> ApiResult<()> {
    db::run(db, "DELETE FROM rate_events WHERE scope = ?1 AND key = ?2", args![scope, key]).await?;
    Ok(())
}
