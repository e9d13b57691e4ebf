//! Saved system prompts: a user names a prompt once and reuses it.

use serde::{Deserialize, Serialize};
use worker::Response;

use webox_core::chat::request::{text, MAX_PRESET_NAME_CHARS, MAX_SYSTEM_PROMPT_CHARS};
use webox_core::{random, ApiError, ApiResult};
use webox_edge::{args, db, guard, respond, Ctx};

/// Presets one user may keep.
const MAX_PRESETS: i64 = 100;

#[derive(Serialize, Deserialize)]
struct Preset {
    id: String,
    name: String,
    prompt: String,
    created_at: i64,
}

pub async fn list(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let presets: Vec<Preset> =
        db::all(&cx.db()?, "SELECT id, name, prompt, created_at FROM system_prompt_presets WHERE user_id = ?1 ORDER BY name COLLATE NOCASE", args![&user.user_id]).await?;
    respond::json(200, &serde_json::json!({"presets": presets}))
}

/// `{name, prompt}` → 201; a name already used → 409.
pub async fn create(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let body = cx.json_body().await?;
    body.only_keys(&["name", "prompt"], "")?;
    let preset = Preset {
        id: random::id()?,
        name: text(&body, "name", MAX_PRESET_NAME_CHARS)?.trim().to_owned(),
        prompt: text(&body, "prompt", MAX_SYSTEM_PROMPT_CHARS)?.trim().to_owned(),
        created_at: cx.now,
    };
    let db = cx.db()?;
    // Inserted only if the name is free and the user is under the limit.
    let inserted = db::run(
        &db,
        "INSERT INTO system_prompt_presets (id, user_id, name, prompt, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE (SELECT COUNT(*) FROM system_prompt_presets WHERE user_id = ?2) < ?6
         ON CONFLICT (user_id, name) DO NOTHING",
        args![&preset.id, &user.user_id, &preset.name, &preset.prompt, preset.created_at, MAX_PRESETS],
    )
    .await?;
    if inserted == 0 {
        #[derive(Deserialize)]
        struct Found {
            n: i64,
        }
        let same_name: Option<Found> =
            db::first(&db, "SELECT COUNT(*) AS n FROM system_prompt_presets WHERE user_id = ?1 AND name = ?2", args![&user.user_id, &preset.name]).await?;
        return Err(if same_name.is_some_and(|f| f.n > 0) {
            ApiError::conflict("preset_exists", "a preset with this name exists already").with_field("name")
        } else {
            ApiError::conflict("too_many_presets", format!("you can keep at most {MAX_PRESETS} presets; delete one first"))
        });
    }
    respond::json(201, &serde_json::json!({"preset": preset}))
}

pub async fn remove(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let removed = db::run(&cx.db()?, "DELETE FROM system_prompt_presets WHERE id = ?1 AND user_id = ?2", args![cx.param(0), &user.user_id]).await?;
    if removed == 0 {
        return Err(ApiError::not_found("preset"));
    }
    respond::no_content()
}
