//! One-time links sent by email: password reset (30 minutes) and email
//! verification (24 hours). Tokens are single-use and stored hashed; using
//! one is a conditional update, so two concurrent uses cannot both succeed.

use worker::Response;

use webox_core::email::Email;
use webox_core::password::Password;
use webox_core::throttle::{RESET_EMAILS_PER_ACCOUNT, RESET_REQUESTS_PER_IP};
use webox_core::{mail, random, ApiError, ApiResult};
use webox_edge::accounts::{self, Account};
use webox_edge::respond;
use webox_edge::{args, db, guard, limits, links, mailer, passwords, sessions, Ctx};

use crate::account::FAILED_LOGIN_ACCOUNT;

const RESET_MINUTES: i64 = 30;
const RESET_REQUEST_IP: &str = "reset_request_ip";
const RESET_EMAIL_ACCOUNT: &str = "reset_email_account";
const VERIFY_EMAIL_ACCOUNT: &str = "verification_email_account";

fn token_invalid() -> ApiError {
    ApiError::invalid("token_invalid", "token", "this link is invalid, already used or expired; ask for a new one")
}

pub async fn forgot_password(mut cx: Ctx) -> ApiResult<Response> {
    let body = cx.json_body().await?;
    let email = Email::parse(body.required_str("email")?, "email")?;
    let db = cx.db()?;
    let ip = cx.client_ip();
    limits::check(&db, RESET_REQUEST_IP, &ip, RESET_REQUESTS_PER_IP, cx.now).await?;
    limits::record(&db, RESET_REQUEST_IP, &ip, cx.now).await?;
    let account = accounts::by_email(&db, email.as_str()).await?.filter(Account::is_active);
    if let Some(account) = account {
        let allowed = limits::retry_after(&db, RESET_EMAIL_ACCOUNT, &account.id, RESET_EMAILS_PER_ACCOUNT, cx.now).await?.is_none();
        if allowed {
            limits::record(&db, RESET_EMAIL_ACCOUNT, &account.id, cx.now).await?;
            let token = links::issue(&cx, &account, "password_reset", RESET_MINUTES * 60).await?;
            let link = format!("{}/reset-password#token={token}", cx.public_base_url());
            mailer::send(&cx, mail::password_reset(&account.email, &account.name, &link, RESET_MINUTES)).await?;
        }
    }
    // The same answer whether or not the account exists.
    respond::json(
        202,
        &serde_json::json!({ "message": "If an account exists for this address, we have sent it a link to reset the password." }),
    )
}

#[derive(serde::Deserialize)]
struct TokenOwner {
    user_id: String,
}

async fn token_owner(cx: &Ctx, token: &str, purpose: &str) -> ApiResult<String> {
    let owner: Option<TokenOwner> = db::first(
        &cx.db()?,
        "SELECT user_id FROM auth_tokens WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3",
        args![&random::token_hash(token), purpose, cx.now],
    )
    .await?;
    owner.map(|o| o.user_id).ok_or_else(token_invalid)
}

pub async fn reset_password(mut cx: Ctx) -> ApiResult<Response> {
    let body = cx.json_body().await?;
    let token = body.required_str("token")?.trim().to_owned();
    let password = Password::parse(body.required_str("password")?, "password")?;
    let user_id = token_owner(&cx, &token, "password_reset").await?;
    let password_hash = passwords::hash(&password).await?;
    let db = cx.db()?;
    let token_hash = random::token_hash(&token);
    // One transaction: the password changes only if the token is still
    // unused, and every reset token of the account is spent with it.
    let changed = db::batch(
        &db,
        vec![
            db::statement(
                &db,
                "UPDATE users SET password_hash = ?1, updated_at = ?2 WHERE id = (
                   SELECT user_id FROM auth_tokens
                   WHERE token_hash = ?3 AND purpose = 'password_reset' AND used_at IS NULL AND expires_at > ?2)",
                args![&password_hash, cx.now, &token_hash],
            )?,
            db::statement(
                &db,
                "UPDATE auth_tokens SET used_at = ?1 WHERE user_id = ?2 AND purpose = 'password_reset' AND used_at IS NULL",
                args![cx.now, &user_id],
            )?,
        ],
    )
    .await?;
    if changed.first().copied().unwrap_or(0) == 0 {
        return Err(token_invalid());
    }
    let ended = sessions::revoke_all(&cx.env, &db, &user_id, None, "password_reset", cx.now).await?;
    if let Some(account) = accounts::by_id(&db, &user_id).await? {
        limits::clear(&db, FAILED_LOGIN_ACCOUNT, &account.email).await?;
    }
    respond::json(200, &serde_json::json!({ "message": "Your password has been changed. Sign in with the new one.", "sessions_ended": ended }))
}

pub async fn verify_email(mut cx: Ctx) -> ApiResult<Response> {
    let body = cx.json_body().await?;
    let token = body.required_str("token")?.trim().to_owned();
    let user_id = token_owner(&cx, &token, "email_verification").await?;
    let db = cx.db()?;
    let token_hash = random::token_hash(&token);
    // The token verifies the address it was sent to, and only while that is
    // still the account's address.
    let changed = db::batch(
        &db,
        vec![
            db::statement(
                &db,
                "UPDATE users SET email_verified_at = ?1, updated_at = ?1 WHERE id = (
                   SELECT t.user_id FROM auth_tokens t
                   WHERE t.token_hash = ?2 AND t.purpose = 'email_verification' AND t.used_at IS NULL AND t.expires_at > ?1
                     AND t.email = users.email)",
                args![cx.now, &token_hash],
            )?,
            db::statement(&db, "UPDATE auth_tokens SET used_at = ?1 WHERE token_hash = ?2 AND used_at IS NULL", args![cx.now, &token_hash])?,
        ],
    )
    .await?;
    if changed.first().copied().unwrap_or(0) == 0 {
        return Err(token_invalid());
    }
    let account = accounts::by_id(&db, &user_id).await?.ok_or_else(token_invalid)?;
    respond::json(200, &serde_json::json!({ "user": account.public() }))
}

pub async fn resend_verification(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let db = cx.db()?;
    let account = accounts::by_id(&db, &user.user_id).await?.ok_or_else(|| ApiError::not_found("account"))?;
    if account.email_verified_at.is_some() {
        return Err(ApiError::conflict("already_verified", "this email address is already verified"));
    }
    limits::check(&db, VERIFY_EMAIL_ACCOUNT, &account.id, RESET_EMAILS_PER_ACCOUNT, cx.now).await?;
    limits::record(&db, VERIFY_EMAIL_ACCOUNT, &account.id, cx.now).await?;
    links::send_email_verification(&cx, &account).await?;
    respond::json(202, &serde_json::json!({ "message": format!("We have sent a new confirmation link to {}.", account.email) }))
}
