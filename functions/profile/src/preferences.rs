//! Preferences: a validated document, updated partially.

use worker::Response;

use webox_core::preferences::Preferences;
use webox_core::ApiResult;
use webox_edge::respond::{self, OrInternal};
use webox_edge::{args, db, guard, Ctx};

#[derive(serde::Deserialize)]
struct Stored {
    document: String,
}

async fn load(cx: &Ctx, user_id: &str) -> ApiResult<Preferences> {
    let stored: Option<Stored> = db::first(&cx.db()?, "SELECT document FROM preferences WHERE user_id = ?1", args![user_id]).await?;
    // A document from an older schema falls back to the defaults rather than failing.
    Ok(stored.and_then(|s| serde_json::from_str(&s.document).ok()).unwrap_or_default())
}

pub async fn get(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let preferences = load(&cx, &user.user_id).await?;
    respond::json(200, &serde_json::json!({ "preferences": preferences }))
}

pub async fn update(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let body = cx.json_body().await?;
    let preferences = load(&cx, &user.user_id).await?.apply(&body)?;
    let document = serde_json::to_string(&preferences).or_internal("serialising preferences")?;
    db::run(
        &cx.db()?,
        "INSERT INTO preferences (user_id, document, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at",
        args![&user.user_id, &document, cx.now],
    )
    .await?;
    respond::json(200, &serde_json::json!({ "preferences": preferences }))
}
