//! Refresh-token rotation and logout.

use worker::Response;

use webox_core::session::RefreshToken;
use webox_core::{ApiError, ApiResult};
use webox_edge::respond;
use webox_edge::{guard, sessions, Ctx};

use crate::cookie;

/// `{refresh_token}` in the body, or the `webox_refresh` cookie.
pub async fn refresh(mut cx: Ctx) -> ApiResult<Response> {
    let body = cx.optional_json_body().await?;
    let raw = match body.optional_str("refresh_token")? {
        Some(token) => token.to_owned(),
        None => cookie::read(&cx).ok_or_else(|| ApiError::missing_field("refresh_token"))?,
    };
    let presented = RefreshToken::parse(&raw)?;
    let answer = sessions::rotate(&cx, &presented).await?;
    let response = respond::json(200, &answer)?;
    Ok(cookie::set(&cx, response, &answer.refresh_token))
}

pub async fn logout(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    sessions::revoke(&cx.env, &cx.db()?, &user.session_id, "logout", cx.now).await?;
    Ok(cookie::clear(&cx, respond::no_content()?))
}

pub async fn logout_all(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let ended = sessions::revoke_all(&cx.env, &cx.db()?, &user.user_id, None, "logout_all", cx.now).await?;
    let response = respond::json(200, &serde_json::json!({ "sessions_ended": ended }))?;
    Ok(cookie::clear(&cx, response))
}
