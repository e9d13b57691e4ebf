//! Usage statistics: counters every family adds to (`usage_counters`), plus
//! facts about the account itself.

use std::collections::BTreeMap;

use worker::Response;

use webox_core::ApiResult;
use webox_edge::respond;
use webox_edge::{args, db, guard, Ctx};

/// Counters shown even before anything was counted.
const METRICS: &[&str] = &[
    "chat_messages",
    "chat_tokens_in",
    "chat_tokens_out",
    "images_generated",
    "audio_generated",
    "videos_generated",
    "spend_minor",
    "ai_cost_micros",
    "orders_placed",
];

#[derive(serde::Deserialize)]
struct Counter {
    metric: String,
    value: i64,
}

#[derive(serde::Deserialize)]
struct Count {
    n: i64,
}

pub async fn get(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let db = cx.db()?;
    let mut stats: BTreeMap<String, i64> = METRICS.iter().map(|m| ((*m).to_owned(), 0)).collect();
    let counters: Vec<Counter> = db::all(&db, "SELECT metric, value FROM usage_counters WHERE user_id = ?1", args![&user.user_id]).await?;
    stats.extend(counters.into_iter().map(|c| (c.metric, c.value)));
    let sessions: Option<Count> = db::first(
        &db,
        "SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
        args![&user.user_id, cx.now],
    )
    .await?;
    let keys: Option<Count> = db::first(&db, "SELECT COUNT(*) AS n FROM api_keys WHERE user_id = ?1", args![&user.user_id]).await?;
    stats.insert("active_sessions".into(), sessions.map_or(0, |c| c.n));
    stats.insert("api_keys_configured".into(), keys.map_or(0, |c| c.n));
    respond::json(200, &serde_json::json!({ "stats": stats }))
}
