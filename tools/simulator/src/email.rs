//! The Resend email API: `POST /emails` with `Authorization: Bearer <key>`,
//! a JSON message, answered `{"id": "<uuid>"}`; errors are
//! `{"statusCode", "name", "message"}` (401 `missing_api_key`, 403
//! `invalid_api_key`, 422 `validation_error` / `missing_required_field`,
//! 429 `rate_limit_exceeded`, 500 `application_error`). An `Idempotency-Key`
//! makes a retried send return the first id without storing twice.
//!
//! `GET /_sim/emails?to=` lists what was received (newest first),
//! `DELETE /_sim/emails` empties the inbox, and `GET /` shows it as a page.

use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{faults::Fault, Simulator};

const SERVICE: &str = "email";
const MAX_RECIPIENTS: usize = 50;

#[derive(Debug, Clone, Serialize)]
pub struct StoredEmail {
    pub id: String,
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub text: Option<String>,
    pub html: Option<String>,
    pub tags: Vec<Value>,
    pub received_at: String,
    #[serde(skip)]
    idempotency_key: Option<String>,
}

#[derive(Clone, Default)]
pub struct Inbox(Arc<Mutex<Vec<StoredEmail>>>);

impl Inbox {
    pub fn all(&self) -> Vec<StoredEmail> {
        self.0.lock().map(|v| v.iter().rev().cloned().collect()).unwrap_or_default()
    }
}

fn error(status: StatusCode, name: &str, message: &str) -> Response {
    (status, Json(json!({"statusCode": status.as_u16(), "name": name, "message": message}))).into_response()
}

fn fault_response(fault: Fault) -> Response {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match fault.status {
        429 => error(status, "rate_limit_exceeded", "Too many requests. You can only make 2 requests per second. See rate limit response headers for more information."),
        500..=599 => error(status, "application_error", "An unexpected error occurred, please try again later."),
        _ => error(status, "validation_error", "Injected failure."),
    };
    if let Some(seconds) = fault.retry_after {
        if let Ok(value) = seconds.to_string().parse() {
            response.headers_mut().insert("retry-after", value);
        }
    }
    response
}

/// `to` may be one address or a list; an error is Resend's (name, message).
fn recipients(value: Option<&Value>) -> Result<Vec<String>, (&'static str, String)> {
    let missing = || ("missing_required_field", "The `to` field is missing.".to_owned());
    let list: Vec<String> = match value {
        None | Some(Value::Null) => return Err(missing()),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        Some(_) => return Err(("validation_error", "The `to` field must be a string or an array of strings.".into())),
    };
    if list.is_empty() {
        return Err(missing());
    }
    if list.len() > MAX_RECIPIENTS {
        return Err(("validation_error", "The `to` field can have at most 50 recipients.".into()));
    }
    if let Some(bad) = list.iter().find(|a| !looks_like_address(a)) {
        return Err((
            "validation_error",
            format!("Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format. Got: {bad}"),
        ));
    }
    Ok(list)
}

fn looks_like_address(raw: &str) -> bool {
    let address = match (raw.find('<'), raw.rfind('>')) {
        (Some(start), Some(end)) if start < end => &raw[start + 1..end],
        _ => raw,
    };
    match address.trim().split_once('@') {
        Some((local, domain)) => !local.is_empty() && domain.contains('.') && !address.contains(char::is_whitespace),
        None => false,
    }
}

async fn send(State(sim): State<Simulator>, headers: HeaderMap, body: String) -> Response {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some(key) = auth.strip_prefix("Bearer ").filter(|k| !k.is_empty()) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "missing_api_key",
            "Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY",
        );
    };
    if key != sim.config.email_api_key {
        return error(StatusCode::FORBIDDEN, "invalid_api_key", "API key is invalid");
    }
    let Ok(Value::Object(message)) = serde_json::from_str::<Value>(&body) else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "validation_error", "The request body is not a valid JSON object.");
    };
    let text_field = |name: &str| message.get(name).and_then(Value::as_str).map(str::to_owned);
    let Some(from) = text_field("from").filter(|f| looks_like_address(f)) else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "missing_required_field", "The `from` field is missing or invalid.");
    };
    let to = match recipients(message.get("to")) {
        Ok(to) => to,
        Err((name, message)) => return error(StatusCode::UNPROCESSABLE_ENTITY, name, &message),
    };
    let Some(subject) = text_field("subject") else {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "missing_required_field", "The `subject` field is missing.");
    };
    if let Some(fault) = sim.faults.take(SERVICE, &to) {
        return fault_response(fault);
    }
    let (text, html) = (text_field("text"), text_field("html"));
    if text.is_none() && html.is_none() {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "missing_required_field", "Missing `html` or `text` field.");
    }
    let idempotency_key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let Ok(mut inbox) = sim.inbox.0.lock() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "application_error", "inbox unavailable");
    };
    if let Some(key) = &idempotency_key {
        if let Some(existing) = inbox.iter().find(|e| e.idempotency_key.as_ref() == Some(key)) {
            return (StatusCode::OK, Json(json!({"id": existing.id}))).into_response();
        }
    }
    let email = StoredEmail {
        id: crate::uuid_v4(),
        from,
        to,
        subject,
        text,
        html,
        tags: message.get("tags").and_then(Value::as_array).cloned().unwrap_or_default(),
        received_at: crate::rfc3339_now(),
        idempotency_key,
    };
    let id = email.id.clone();
    inbox.push(email);
    (StatusCode::OK, Json(json!({"id": id}))).into_response()
}

#[derive(Deserialize)]
struct ListQuery {
    to: Option<String>,
}

async fn list(State(sim): State<Simulator>, Query(query): Query<ListQuery>) -> Json<Vec<StoredEmail>> {
    let wanted = query.to.map(|t| t.trim().to_lowercase());
    let emails = sim
        .inbox
        .all()
        .into_iter()
        .filter(|e| wanted.as_ref().is_none_or(|w| e.to.iter().any(|t| t.to_lowercase().contains(w.as_str()))))
        .collect();
    Json(emails)
}

async fn clear(State(sim): State<Simulator>) -> StatusCode {
    if let Ok(mut inbox) = sim.inbox.0.lock() {
        inbox.clear();
    }
    StatusCode::NO_CONTENT
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Escapes a text body and turns its http(s) links into anchors.
fn linkify(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
                let href = escape(trimmed);
                format!("<a href=\"{href}\">{href}</a>{}", &word[trimmed.len()..])
            } else {
                escape(word)
            }
        })
        .collect()
}

async fn page(State(sim): State<Simulator>) -> Html<String> {
    let emails = sim.inbox.all();
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>WeBox simulator — inbox</title></head><body>\
         <h1>Emails sent by WeBox</h1><p>Newest first. This inbox lives in memory and empties when the simulator stops.</p>",
    );
    if emails.is_empty() {
        html.push_str("<p><em>No email yet.</em></p>");
    }
    for e in &emails {
        html.push_str(&format!(
            "<article><h2>{}</h2><p>To {} — from {} — {}</p><pre>{}</pre></article><hr>",
            escape(&e.subject),
            escape(&e.to.join(", ")),
            escape(&e.from),
            escape(&e.received_at),
            linkify(e.text.as_deref().unwrap_or("(HTML only)"))
        ));
    }
    html.push_str("</body></html>");
    Html(html)
}

pub fn router() -> Router<Simulator> {
    Router::new()
        .route("/emails", post(send))
        .route("/_sim/emails", get(list).delete(clear))
        .route("/", get(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_with_and_without_names() {
        assert!(looks_like_address("a@b.co"));
        assert!(looks_like_address("WeBox <no-reply@webox.app>"));
        assert!(!looks_like_address("nobody"));
        assert!(!looks_like_address("a b@c.d"));
    }

    #[test]
    fn links_become_anchors_and_the_rest_is_escaped() {
        let html = linkify("Go: https://x.test/r#token=a_b <b>\n");
        assert!(html.contains("<a href=\"https://x.test/r#token=a_b\">"));
        assert!(html.contains("&lt;b&gt;"));
    }
}
