//! The user's own provider keys: sealed with AES-256-GCM before they touch
//! D1, shown only masked.

use serde::{Deserialize, Serialize};
use worker::Response;

use webox_core::api_keys::{Provider, ProviderKey};
use webox_core::{ApiError, ApiResult};
use webox_edge::respond;
use webox_edge::{args, config, db, guard, Ctx};

#[derive(Deserialize)]
struct StoredKey {
    provider: String,
    masked: String,
    updated_at: i64,
}

#[derive(Serialize)]
struct KeyStatus {
    provider: Provider,
    configured: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    masked: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<i64>,
}

pub async fn list(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let stored: Vec<StoredKey> =
        db::all(&cx.db()?, "SELECT provider, masked, updated_at FROM api_keys WHERE user_id = ?1", args![&user.user_id]).await?;
    let providers: Vec<KeyStatus> = Provider::ALL
        .into_iter()
        .map(|provider| {
            let found = stored.iter().find(|s| s.provider == provider.as_str());
            KeyStatus { provider, configured: found.is_some(), masked: found.map(|s| s.masked.clone()), updated_at: found.map(|s| s.updated_at) }
        })
        .collect();
    respond::json(200, &serde_json::json!({ "providers": providers }))
}

/// `{provider, key}`: adds or replaces the key for one provider.
pub async fn save(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let body = cx.json_body().await?;
    let provider = Provider::parse(body.required_str("provider")?, "provider")?;
    let key = ProviderKey::parse(provider, body.required_str("key")?, "key")?;
    let sealed = config::key_ring(&cx.env)?.seal(&user.user_id, provider, &key)?;
    let masked = key.masked();
    db::run(
        &cx.db()?,
        "INSERT INTO api_keys (user_id, provider, key_id, nonce, ciphertext, masked, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (user_id, provider) DO UPDATE SET
           key_id = excluded.key_id, nonce = excluded.nonce, ciphertext = excluded.ciphertext,
           masked = excluded.masked, updated_at = excluded.updated_at",
        args![&user.user_id, provider.as_str(), &sealed.key_id, &sealed.nonce, &sealed.ciphertext, &masked, cx.now],
    )
    .await?;
    respond::json(200, &KeyStatus { provider, configured: true, masked: Some(masked), updated_at: Some(cx.now) })
}

pub async fn remove(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let provider = Provider::parse(cx.param(0), "provider")?;
    let removed =
        db::run(&cx.db()?, "DELETE FROM api_keys WHERE user_id = ?1 AND provider = ?2", args![&user.user_id, provider.as_str()]).await?;
    if removed == 0 {
        return Err(ApiError::not_found(&format!("an API key for {}", provider.as_str())));
    }
    respond::no_content()
}
