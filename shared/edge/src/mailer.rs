//! Sending email: every message is written to `email_outbox` first, then
//! delivered through the email HTTP API (`EMAIL_API_BASE`, Resend wire
//! format) after the response has gone out. The row records the outcome, so
//! nothing is lost when the provider fails.

use worker::{Env, Method};

use webox_core::mail::{self, Message};
use webox_core::{random, ApiResult};

use crate::respond::OrInternal;
use crate::{args, config, db, outbound, Ctx};

const MAX_ATTEMPTS: i64 = 2;

async fn queue(env: &Env, message: &Message, now: i64) -> ApiResult<String> {
    let id = random::id()?;
    db::run(
        &env.d1("DB").or_internal("the DB binding")?,
        "INSERT INTO email_outbox (id, kind, to_email, subject, text_body, html_body, status, attempts, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', 0, ?7)",
        args![&id, &message.kind, &message.to, &message.subject, &message.text, &message.html, now],
    )
    .await?;
    Ok(id)
}

/// Queues `message` and delivers it now (for Durable Objects and other
/// work that has no request to answer first).
pub async fn send_now(env: &Env, message: Message) -> ApiResult<()> {
    let id = queue(env, &message, crate::now()).await?;
    deliver(env, &id, &message).await
}

/// Queues `message` and delivers it in the background.
pub async fn send(cx: &Ctx, message: Message) -> ApiResult<()> {
    let id = queue(&cx.env, &message, cx.now).await?;
    let env = cx.env.clone();
    cx.background(async move {
        if let Err(e) = deliver(&env, &id, &message).await {
            worker::console_error!("email {id} could not be recorded: {e}");
        }
    });
    Ok(())
}

enum Outcome {
    Sent(Option<String>),
    Retryable(String),
    Failed(String),
}

async fn attempt(env: &Env, outbox_id: &str, message: &Message) -> Outcome {
    let (Some(base), Some(key)) = (config::optional(env, "EMAIL_API_BASE"), config::optional(env, "EMAIL_API_KEY")) else {
        return Outcome::Failed("EMAIL_API_BASE or EMAIL_API_KEY is not configured".into());
    };
    let from = config::optional(env, "EMAIL_FROM").unwrap_or_else(|| "WeBox <no-reply@webox.app>".into());
    let body = mail::api_request_body(&from, message).to_string();
    let url = format!("{}/emails", base.trim_end_matches('/'));
    let authorization = format!("Bearer {key}");
    // The outbox id makes a retried delivery idempotent at the provider.
    let headers = [("Authorization", authorization.as_str()), ("Content-Type", "application/json"), ("Idempotency-Key", outbox_id)];
    match outbound::send(Method::Post, &url, &headers, Some(body)).await {
        Err(e) => Outcome::Retryable(e),
        Ok(reply) => {
            let detail: String = reply.body.chars().take(300).collect();
            match reply.status {
                200..=299 => Outcome::Sent(mail::parse_api_response(&reply.body)),
                429 | 500..=599 => Outcome::Retryable(format!("HTTP {}: {detail}", reply.status)),
                status => Outcome::Failed(format!("HTTP {status}: {detail}")),
            }
        }
    }
}

async fn deliver(env: &Env, outbox_id: &str, message: &Message) -> ApiResult<()> {
    let db = env.d1("DB").or_internal("the DB binding")?;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let outcome = attempt(env, outbox_id, message).await;
        let now = crate::now();
        match outcome {
            Outcome::Sent(provider_id) => {
                db::run(
                    &db,
                    "UPDATE email_outbox SET status = 'sent', attempts = ?1, provider_message_id = ?2, sent_at = ?3, last_error = NULL WHERE id = ?4",
                    args![attempts, provider_id.as_deref(), now, outbox_id],
                )
                .await?;
                return Ok(());
            }
            Outcome::Retryable(error) if attempts < MAX_ATTEMPTS => {
                worker::console_warn!("email {outbox_id}: attempt {attempts} failed ({error}); retrying");
                worker::Delay::from(std::time::Duration::from_millis(1500)).await;
            }
            Outcome::Retryable(error) | Outcome::Failed(error) => {
                worker::console_error!("email {outbox_id} not delivered: {error}");
                db::run(
                    &db,
                    "UPDATE email_outbox SET status = 'failed', attempts = ?1, last_error = ?2 WHERE id = ?3",
                    args![attempts, &error, outbox_id],
                )
                .await?;
                return Ok(());
            }
        }
    }
}
