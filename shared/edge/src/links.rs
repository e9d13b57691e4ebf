//! One-time links sent by email (password reset, email verification): a
//! 256-bit token whose SHA-256 is stored in `auth_tokens` with its purpose,
//! the address it was sent to and its expiry. Issued by auth (registration,
//! reset, resend) and profile (new email address).

use webox_core::{mail, random, ApiResult};

use crate::accounts::Account;
use crate::{args, db, mailer, Ctx};

pub const VERIFY_HOURS: i64 = 24;

/// Stores a new token for `account` and returns the token itself.
pub async fn issue(cx: &Ctx, account: &Account, purpose: &str, lifetime_seconds: i64) -> ApiResult<String> {
    let token = random::secret_token()?;
    db::run(
        &cx.db()?,
        "INSERT INTO auth_tokens (token_hash, user_id, purpose, email, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![&random::token_hash(&token), &account.id, purpose, &account.email, cx.now, cx.now + lifetime_seconds],
    )
    .await?;
    Ok(token)
}

/// Emails `account` a link that confirms its current address.
pub async fn send_email_verification(cx: &Ctx, account: &Account) -> ApiResult<()> {
    let token = issue(cx, account, "email_verification", VERIFY_HOURS * 3600).await?;
    let link = format!("{}/verify-email#token={token}", cx.public_base_url());
    mailer::send(cx, mail::email_verification(&account.email, &account.name, &link, VERIFY_HOURS)).await
}
