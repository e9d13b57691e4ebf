//! The access-token guard used by every family: a valid HS256 JWT for this
//! audience whose session is still alive in KV.

use webox_core::access_token;
use webox_core::role::Role;
use webox_core::session::{kv_key, SessionRecord};
use webox_core::{ApiError, ApiResult};

use crate::respond::OrInternal;
use crate::{config, sessions, Ctx};

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: String,
    pub session_id: String,
    pub role: Role,
}

impl AuthUser {
    pub fn require(&self, role: Role) -> ApiResult<()> {
        if self.role.allows(role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("this needs the {} role", role.as_str())))
        }
    }
}

fn bearer(cx: &Ctx) -> ApiResult<String> {
    let header = cx
        .header("Authorization")
        .ok_or_else(|| ApiError::unauthorized("unauthorized", "sign in first: send `Authorization: Bearer <access token>`"))?;
    match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim().to_owned()),
        _ => Err(ApiError::unauthorized("unauthorized", "the Authorization header must be `Bearer <access token>`")),
    }
}

/// The signed-in caller, or 401.
pub async fn authenticate(cx: &Ctx) -> ApiResult<AuthUser> {
    authenticate_token(cx, &bearer(cx)?).await
}

/// The caller signed in with `token`, however it came (the WebSocket route
/// takes it from the query string: browsers cannot set headers there).
pub async fn authenticate_token(cx: &Ctx, token: &str) -> ApiResult<AuthUser> {
    let token = token.trim();
    let claims = access_token::verify(&config::jwt_key(&cx.env)?, token, &config::jwt_audience(&cx.env), cx.now)?;
    let record: Option<SessionRecord> =
        sessions::kv(&cx.env)?.get(&kv_key(&claims.sid)).json().await.or_internal("reading a session from KV")?;
    let record = record
        .filter(|r| r.expires_at > cx.now)
        .ok_or_else(|| ApiError::unauthorized("session_revoked", "this session has ended; sign in again"))?;
    if record.user_id != claims.sub {
        return Err(ApiError::unauthorized("token_invalid", "the access token is not valid"));
    }
    Ok(AuthUser { user_id: claims.sub, session_id: claims.sid, role: record.role })
}

/// The caller if signed in, `None` if the request carries no token; a token
/// that is present but invalid is still refused.
pub async fn optional(cx: &Ctx) -> ApiResult<Option<AuthUser>> {
    if cx.header("Authorization").is_none() {
        return Ok(None);
    }
    authenticate(cx).await.map(Some)
}

/// The signed-in caller with at least `role`, or 401/403.
pub async fn authorize(cx: &Ctx, role: Role) -> ApiResult<AuthUser> {
    let user = authenticate(cx).await?;
    user.require(role)?;
    Ok(user)
}
