//! Transactional email: the messages WeBox sends and the wire format of the
//! email API (Resend's `POST /emails`, Bearer key). Every message is written
//! to the outbox table first, then sent; the outbox row records the result.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn with_link(kind: &str, to: &str, subject: &str, greeting_name: &str, intro: &str, action: &str, link: &str, outro: &str) -> Message {
    let text = format!("Hello {greeting_name},\n\n{intro}\n\n{action}: {link}\n\n{outro}\n\n— WeBox");
    let html = format!(
        "<p>Hello {},</p><p>{}</p><p><a href=\"{}\">{}</a></p><p>{}</p><p>— WeBox</p>",
        escape_html(greeting_name),
        escape_html(intro),
        escape_html(link),
        escape_html(action),
        escape_html(outro)
    );
    Message { kind: kind.into(), to: to.into(), subject: subject.into(), text, html }
}

pub fn password_reset(to: &str, name: &str, link: &str, minutes: i64) -> Message {
    with_link(
        "password_reset",
        to,
        "Reset your WeBox password",
        name,
        "Someone asked to reset the password of your WeBox account.",
        "Choose a new password",
        link,
        &format!("The link works once and expires in {minutes} minutes. If you did not ask for it, ignore this email: your password stays as it is."),
    )
}

pub fn email_verification(to: &str, name: &str, link: &str, hours: i64) -> Message {
    with_link(
        "email_verification",
        to,
        "Confirm your email address for WeBox",
        name,
        "Please confirm that this address is yours.",
        "Confirm my email address",
        link,
        &format!("The link works once and expires in {hours} hours."),
    )
}

/// The JSON body of `POST {EMAIL_API_BASE}/emails`.
pub fn api_request_body(from: &str, message: &Message) -> serde_json::Value {
    serde_json::json!({
        "from": from,
        "to": [message.to],
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "tags": [{"name": "kind", "value": message.kind}],
    })
}

/// The provider's id for a sent message, from a 2xx answer.
pub fn parse_api_response(body: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Sent {
        id: String,
    }
    serde_json::from_str::<Sent>(body).ok().map(|s| s.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_message_carries_the_link_and_escapes_names() {
        let m = password_reset("a@b.co", "<Ada>", "https://webox.test/reset-password.html#token=abc", 30);
        assert!(m.text.contains("https://webox.test/reset-password.html#token=abc"));
        assert!(m.html.contains("&lt;Ada&gt;") && !m.html.contains("<Ada>"));
        assert!(m.text.contains("30 minutes"));
        let body = api_request_body("WeBox <no-reply@webox.test>", &m);
        assert_eq!(body["to"][0], "a@b.co");
        assert_eq!(body["tags"][0]["value"], "password_reset");
        assert_eq!(parse_api_response(r#"{"id":"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}"#).as_deref(), Some("49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"));
        assert_eq!(parse_api_response("{}"), None);
    }
}
