//! Sessions: the durable record in D1 (`sessions`: refresh-token rotation as
//! an atomic compare-and-swap, listing, revocation history) and the hot copy
//! in KV (`SESSIONS`) that the guard reads on every request. Revoking deletes
//! the KV copy, so every family refuses the session's access tokens.

use serde::Serialize;
use worker::{D1Database, Env, KvStore};

use webox_core::access_token::{self, AccessClaims, ACCESS_TOKEN_SECONDS, ISSUER};
use webox_core::session::{kv_key, RefreshToken, SessionRecord, REFRESH_TOKEN_SECONDS};
use webox_core::{random, ApiError, ApiResult};

use crate::accounts::{self, Account, PublicUser};
use crate::respond::OrInternal;
use crate::{args, config, db, Ctx};

/// The answer to register, login and refresh.
#[derive(Debug, Serialize)]
pub struct TokenAnswer {
    pub user: PublicUser,
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub refresh_token: String,
}

pub fn kv(env: &Env) -> ApiResult<KvStore> {
    env.kv("SESSIONS").or_internal("the SESSIONS binding")
}

async fn publish(env: &Env, session_id: &str, record: &SessionRecord) -> ApiResult<()> {
    kv(env)?
        .put(&kv_key(session_id), record)
        .or_internal("encoding a session")?
        .expiration(record.expires_at.max(crate::now() + 120) as u64)
        .execute()
        .await
        .or_internal("writing a session to KV")
}

fn answer(cx: &Ctx, account: &Account, session_id: &str, refresh: &RefreshToken) -> ApiResult<TokenAnswer> {
    let claims = AccessClaims {
        sub: account.id.clone(),
        sid: session_id.to_owned(),
        aud: config::jwt_audience(&cx.env),
        iss: ISSUER.into(),
        role: account.role(),
    };
    let access_token = access_token::issue(&config::jwt_key(&cx.env)?, claims, cx.now)?;
    Ok(TokenAnswer {
        user: account.public(),
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TOKEN_SECONDS,
        refresh_token: refresh.encode(),
    })
}

/// Starts a session for `account` (after a login or registration).
pub async fn start(cx: &Ctx, account: &Account) -> ApiResult<TokenAnswer> {
    let session_id = random::id()?;
    let refresh = RefreshToken::generate(&session_id)?;
    let expires_at = cx.now + REFRESH_TOKEN_SECONDS;
    let user_agent: String = cx.header("User-Agent").unwrap_or_default().chars().take(200).collect();
    db::run(
        &cx.db()?,
        "INSERT INTO sessions (id, user_id, refresh_hash, created_at, last_used_at, expires_at, ip, user_agent)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7)",
        args![&session_id, &account.id, &refresh.secret_hash(), cx.now, expires_at, &cx.client_ip(), &user_agent],
    )
    .await?;
    let record = SessionRecord { user_id: account.id.clone(), role: account.role(), created_at: cx.now, expires_at };
    publish(&cx.env, &session_id, &record).await?;
    answer(cx, account, &session_id, &refresh)
}

#[derive(serde::Deserialize)]
struct SessionRow {
    user_id: String,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
}

/// Exchanges a refresh token for a new pair. The swap is conditional on the
/// presented secret being the current one; if it is not, the token was
/// already used once, so someone holds a copy: the session is revoked.
pub async fn rotate(cx: &Ctx, presented: &RefreshToken) -> ApiResult<TokenAnswer> {
    let db = cx.db()?;
    let invalid = || ApiError::unauthorized("refresh_token_invalid", "the refresh token is not valid; sign in again");
    let next = RefreshToken::generate(&presented.session_id)?;
    let swapped = db::run(
        &db,
        "UPDATE sessions SET refresh_hash = ?1, generation = generation + 1, last_used_at = ?2
         WHERE id = ?3 AND refresh_hash = ?4 AND revoked_at IS NULL AND expires_at > ?2",
        args![&next.secret_hash(), cx.now, &presented.session_id, &presented.secret_hash()],
    )
    .await?;
    let row: Option<SessionRow> = db::first(
        &db,
        "SELECT user_id, created_at, expires_at, revoked_at FROM sessions WHERE id = ?1",
        args![&presented.session_id],
    )
    .await?;
    let Some(row) = row else { return Err(invalid()) };
    if swapped == 0 {
        if row.revoked_at.is_none() && row.expires_at > cx.now {
            revoke(&cx.env, &db, &presented.session_id, "refresh_token_reused", cx.now).await?;
            return Err(ApiError::unauthorized(
                "refresh_token_reused",
                "this refresh token was already used; the session has been ended for safety — sign in again",
            ));
        }
        return Err(invalid());
    }
    let account = accounts::by_id(&db, &row.user_id).await?.filter(Account::is_active).ok_or_else(invalid)?;
    // Republish: the role may have changed since login.
    let record = SessionRecord { user_id: account.id.clone(), role: account.role(), created_at: row.created_at, expires_at: row.expires_at };
    publish(&cx.env, &presented.session_id, &record).await?;
    answer(cx, &account, &presented.session_id, &next)
}

/// Ends one session. Idempotent.
pub async fn revoke(env: &Env, db: &D1Database, session_id: &str, reason: &str, now: i64) -> ApiResult<()> {
    db::run(
        db,
        "UPDATE sessions SET revoked_at = ?1, revoke_reason = ?2 WHERE id = ?3 AND revoked_at IS NULL",
        args![now, reason, session_id],
    )
    .await?;
    kv(env)?.delete(&kv_key(session_id)).await.or_internal("deleting a session from KV")
}

/// Ends every live session of a user, except `keep` if given. Returns how
/// many were ended.
pub async fn revoke_all(env: &Env, db: &D1Database, user_id: &str, keep: Option<&str>, reason: &str, now: i64) -> ApiResult<usize> {
    #[derive(serde::Deserialize)]
    struct Id {
        id: String,
    }
    // One statement both revokes and names what it revoked, so a session
    // cannot slip between a read and the update.
    let live: Vec<Id> = db::all(
        db,
        "UPDATE sessions SET revoked_at = ?1, revoke_reason = ?2
         WHERE user_id = ?3 AND revoked_at IS NULL AND id != ?4 RETURNING id",
        args![now, reason, user_id, keep.unwrap_or("")],
    )
    .await?;
    let store = kv(env)?;
    for session in &live {
        store.delete(&kv_key(&session.id)).await.or_internal("deleting a session from KV")?;
    }
    Ok(live.len())
}
