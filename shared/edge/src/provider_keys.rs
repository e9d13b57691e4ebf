//! Which key a provider call uses: the user's own key from their profile
//! (decrypted in memory only), else the platform key from Worker secrets,
//! else none — and the caller says which provider is not configured.

use worker::{D1Database, D1PreparedStatement, Env};

use webox_core::api_keys::{Provider, SealedKey};
use webox_core::ApiResult;

use crate::respond::OrInternal;
use crate::{args, config, db};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeySource {
    User,
    Platform,
}

pub struct ResolvedKey {
    pub key: String,
    pub source: KeySource,
}

/// A user's key as stored: sealed.
#[derive(serde::Deserialize)]
pub struct StoredKey {
    key_id: String,
    nonce: String,
    ciphertext: String,
}

/// The query for the user's stored key (for callers batching reads).
pub fn stored_key(db: &D1Database, user_id: &str, provider: Provider) -> ApiResult<D1PreparedStatement> {
    db::statement(db, "SELECT key_id, nonce, ciphertext FROM api_keys WHERE user_id = ?1 AND provider = ?2", args![user_id, provider.as_str()])
}

/// The key to call `provider` with for `user_id`; `platform_secret` names
/// the Worker secret holding the platform's key.
pub async fn resolve(env: &Env, db: &D1Database, user_id: &str, provider: Provider, platform_secret: &str) -> ApiResult<Option<ResolvedKey>> {
    let stored: Option<StoredKey> = stored_key(db, user_id, provider)?.first(None).await.or_internal("a D1 query")?;
    choose(env, user_id, provider, stored, platform_secret)
}

/// The user's key if it opens, else the platform key, else none.
pub fn choose(env: &Env, user_id: &str, provider: Provider, stored: Option<StoredKey>, platform_secret: &str) -> ApiResult<Option<ResolvedKey>> {
    if let Some(stored) = stored {
        let sealed = SealedKey { key_id: stored.key_id, nonce: stored.nonce, ciphertext: stored.ciphertext };
        match config::key_ring(env)?.open(user_id, provider, &sealed) {
            Some(key) => return Ok(Some(ResolvedKey { key: key.expose().to_owned(), source: KeySource::User })),
            // A key sealed with an encryption key that was since retired:
            // the platform key (if any) serves until the user saves it again.
            None => worker::console_warn!("api key of a user for {} could not be decrypted", provider.as_str()),
        }
    }
    Ok(config::optional(env, platform_secret).map(|key| ResolvedKey { key, source: KeySource::Platform }))
}

/// The providers this user saved a key for (without decrypting any).
pub async fn saved_by(db: &D1Database, user_id: &str) -> ApiResult<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Row {
        provider: String,
    }
    let rows: Vec<Row> = db::all(db, "SELECT provider FROM api_keys WHERE user_id = ?1", args![user_id]).await?;
    Ok(rows.into_iter().map(|r| r.provider).collect())
}
