//! The usage counters every family adds to (`/api/profile/stats`).

use worker::{D1Database, D1PreparedStatement};

use webox_core::ApiResult;

use crate::{args, db};

/// Adds `amount` to one of the user's counters (for a batch).
pub fn add(db: &D1Database, user_id: &str, metric: &str, amount: i64) -> ApiResult<D1PreparedStatement> {
    db::statement(
        db,
        "INSERT INTO usage_counters (user_id, metric, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id, metric) DO UPDATE SET value = value + excluded.value",
        args![user_id, metric, amount],
    )
}
