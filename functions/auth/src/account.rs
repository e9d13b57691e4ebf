//! Registration, login, and who-am-I.

use worker::Response;

use webox_core::email::Email;
use webox_core::password::{Password, PasswordHash};
use webox_core::throttle::{LOGIN_FAILURES_PER_ACCOUNT, LOGIN_FAILURES_PER_IP, REGISTRATIONS_PER_IP};
use webox_core::{random, ApiError, ApiResult};
use webox_edge::accounts::{self, Account};
use webox_edge::respond::{self, OrInternal};
use webox_edge::{args, config, db, guard, limits, links, passwords, sessions, Ctx};

use crate::cookie;

/// Scopes of `rate_events` used here.
pub const FAILED_LOGIN_ACCOUNT: &str = "login_failure_account";
pub const FAILED_LOGIN_IP: &str = "login_failure_ip";
const REGISTRATION_IP: &str = "registration_ip";

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "the email or the password is wrong")
}

pub async fn register(mut cx: Ctx) -> ApiResult<Response> {
    let body = cx.json_body().await?;
    let email = Email::parse(body.required_str("email")?, "email")?;
    let password = Password::parse(body.required_str("password")?, "password")?;
    let name = accounts::parse_name(body.required_str("name")?, "name")?;
    // Fail on a misconfigured server before anything is written.
    config::jwt_key(&cx.env)?;
    let db = cx.db()?;
    let ip = cx.client_ip();
    limits::check(&db, REGISTRATION_IP, &ip, REGISTRATIONS_PER_IP, cx.now).await?;
    let taken = || ApiError::conflict("email_taken", "an account with this email already exists").with_field("email");
    if accounts::by_email(&db, email.as_str()).await?.is_some() {
        return Err(taken());
    }
    let password_hash = passwords::hash(&password).await?;
    let id = random::id()?;
    let inserted = db::statement(
        &db,
        "INSERT INTO users (id, email, name, password_hash, role, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'user', 'active', ?5, ?5)",
        args![&id, email.as_str(), &name, &password_hash, cx.now],
    )?
    .run()
    .await;
    match inserted {
        Err(e) if db::is_unique_violation(&e) => return Err(taken()),
        other => other.or_internal("inserting a user")?,
    };
    limits::record(&db, REGISTRATION_IP, &ip, cx.now).await?;
    let account = accounts::by_id(&db, &id).await?.ok_or_else(ApiError::internal)?;
    links::send_email_verification(&cx, &account).await?;
    let answer = sessions::start(&cx, &account).await?;
    let response = respond::json(201, &answer)?;
    Ok(cookie::set(&cx, response, &answer.refresh_token))
}

pub async fn login(mut cx: Ctx) -> ApiResult<Response> {
    let body = cx.json_body().await?;
    let email = Email::parse(body.required_str("email")?, "email")?;
    let password = body.required_str("password")?;
    if password.is_empty() {
        return Err(ApiError::missing_field("password"));
    }
    let db = cx.db()?;
    let ip = cx.client_ip();
    // Throttled attempts never reach the password check.
    let wait_ip = limits::retry_after(&db, FAILED_LOGIN_IP, &ip, LOGIN_FAILURES_PER_IP, cx.now).await?;
    let wait_account = limits::retry_after(&db, FAILED_LOGIN_ACCOUNT, email.as_str(), LOGIN_FAILURES_PER_ACCOUNT, cx.now).await?;
    if let Some(wait) = wait_ip.max(wait_account) {
        return Err(ApiError::rate_limited(wait));
    }
    let account = accounts::by_email(&db, email.as_str()).await?;
    let verified = match &account {
        Some(account) => passwords::verify(&account.password_hash, password).await?,
        None => {
            passwords::verify_nothing(password).await?;
            false
        }
    };
    let Some(account) = account.filter(|_| verified) else {
        limits::record(&db, FAILED_LOGIN_IP, &ip, cx.now).await?;
        limits::record(&db, FAILED_LOGIN_ACCOUNT, email.as_str(), cx.now).await?;
        return Err(invalid_credentials());
    };
    if !account.is_active() {
        return Err(ApiError::new(403, "account_suspended", "this account is suspended; contact support"));
    }
    limits::clear(&db, FAILED_LOGIN_ACCOUNT, email.as_str()).await?;
    upgrade_hash_if_needed(&cx, &account, password).await?;
    let answer = sessions::start(&cx, &account).await?;
    let response = respond::json(200, &answer)?;
    Ok(cookie::set(&cx, response, &answer.refresh_token))
}

/// Rehashes with today's parameters when the stored hash is weaker.
async fn upgrade_hash_if_needed(cx: &Ctx, account: &Account, password: &str) -> ApiResult<()> {
    let weak = PasswordHash::parse(&account.password_hash).is_none_or(|h| h.needs_rehash());
    if !weak {
        return Ok(());
    }
    let Ok(policy_ok) = Password::parse(password, "password") else { return Ok(()) };
    let fresh = passwords::hash(&policy_ok).await?;
    db::run(&cx.db()?, "UPDATE users SET password_hash = ?1, updated_at = ?2 WHERE id = ?3", args![&fresh, cx.now, &account.id]).await?;
    Ok(())
}

pub async fn me(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let account = accounts::by_id(&cx.db()?, &user.user_id).await?.ok_or_else(|| ApiError::not_found("account"))?;
    respond::json(200, &serde_json::json!({ "user": account.public() }))
}
