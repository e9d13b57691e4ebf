//! The account itself: read, rename / change email, change password.

use worker::Response;

use webox_core::email::Email;
use webox_core::password::Password;
use webox_core::throttle::LOGIN_FAILURES_PER_ACCOUNT;
use webox_core::{ApiError, ApiResult};
use webox_edge::accounts::{self, Account};
use webox_edge::respond::{self, OrInternal};
use webox_edge::{args, db, guard, limits, links, passwords, sessions, Ctx};

/// Same scope as failed logins: guessing the old password here counts too.
const FAILED_PASSWORD_ACCOUNT: &str = "login_failure_account";

async fn current(cx: &Ctx, user_id: &str) -> ApiResult<Account> {
    accounts::by_id(&cx.db()?, user_id).await?.ok_or_else(|| ApiError::not_found("account"))
}

pub async fn me(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let account = current(&cx, &user.user_id).await?;
    respond::json(200, &serde_json::json!({ "user": account.public() }))
}

/// `{name?, email?}`. A new email address is unverified until its owner
/// follows the link sent to it.
pub async fn update(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let body = cx.json_body().await?;
    body.only_keys(&["name", "email"], "")?;
    let name = body.optional_str("name")?.map(|n| accounts::parse_name(n, "name")).transpose()?;
    let email = body.optional_str("email")?.map(|e| Email::parse(e, "email")).transpose()?;
    if name.is_none() && email.is_none() {
        return Err(ApiError::new(400, "nothing_to_update", "send `name` and/or `email`"));
    }
    let db = cx.db()?;
    let account = current(&cx, &user.user_id).await?;
    let new_email = email.filter(|e| e.as_str() != account.email);
    let taken = || ApiError::conflict("email_taken", "an account with this email already exists").with_field("email");
    if let Some(email) = &new_email {
        if accounts::by_email(&db, email.as_str()).await?.is_some() {
            return Err(taken());
        }
    }
    let updated = db::statement(
        &db,
        "UPDATE users SET name = COALESCE(?1, name), email = COALESCE(?2, email),
           email_verified_at = CASE WHEN ?2 IS NULL THEN email_verified_at ELSE NULL END, updated_at = ?3
         WHERE id = ?4",
        args![name.as_ref(), new_email.as_ref().map(|e| e.as_str()), cx.now, &account.id],
    )?
    .run()
    .await;
    match updated {
        Err(e) if db::is_unique_violation(&e) => return Err(taken()),
        other => other.or_internal("updating a user")?,
    };
    let account = current(&cx, &user.user_id).await?;
    if new_email.is_some() {
        links::send_email_verification(&cx, &account).await?;
    }
    respond::json(200, &serde_json::json!({ "user": account.public() }))
}

/// `{old_password, new_password}`; every other session ends.
pub async fn change_password(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let body = cx.json_body().await?;
    let old_password = body.required_str("old_password")?;
    let new_password = Password::parse(body.required_str("new_password")?, "new_password")?;
    let db = cx.db()?;
    let account = current(&cx, &user.user_id).await?;
    limits::check(&db, FAILED_PASSWORD_ACCOUNT, &account.email, LOGIN_FAILURES_PER_ACCOUNT, cx.now).await?;
    if !passwords::verify(&account.password_hash, old_password).await? {
        limits::record(&db, FAILED_PASSWORD_ACCOUNT, &account.email, cx.now).await?;
        return Err(ApiError::unauthorized("invalid_credentials", "the current password is wrong").with_field("old_password"));
    }
    let password_hash = passwords::hash(&new_password).await?;
    db::run(&db, "UPDATE users SET password_hash = ?1, updated_at = ?2 WHERE id = ?3", args![&password_hash, cx.now, &account.id]).await?;
    let ended = sessions::revoke_all(&cx.env, &db, &account.id, Some(&user.session_id), "password_changed", cx.now).await?;
    respond::json(200, &serde_json::json!({ "message": "Your password has been changed.", "sessions_ended": ended }))
}
