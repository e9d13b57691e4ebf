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

/// The parts of an email whose point is one link.
struct LinkEmail<'a> {
    kind: &'a str,
    subject: &'a str,
    intro: &'a str,
    action: &'a str,
    outro: String,
}

impl LinkEmail<'_> {
    fn to(&self, to: &str, name: &str, link: &str) -> Message {
        let text = format!("Hello {name},\n\n{}\n\n{}: {link}\n\n{}\n\n— WeBox", self.intro, self.action, self.outro);
        let html = format!(
            "<p>Hello {},</p><p>{}</p><p><a href=\"{}\">{}</a></p><p>{}</p><p>— WeBox</p>",
            escape_html(name),
            escape_html(self.intro),
            escape_html(link),
            escape_html(self.action),
            escape_html(&self.outro)
        );
        Message { kind: self.kind.into(), to: to.into(), subject: self.subject.into(), text, html }
    }
}

pub fn password_reset(to: &str, name: &str, link: &str, minutes: i64) -> Message {
    LinkEmail {
        kind: "password_reset",
        subject: "Reset your WeBox password",
        intro: "Someone asked to reset the password of your WeBox account.",
        action: "Choose a new password",
        outro: format!("The link works once and expires in {minutes} minutes. If you did not ask for it, ignore this email: your password stays as it is."),
    }
    .to(to, name, link)
}

pub fn email_verification(to: &str, name: &str, link: &str, hours: i64) -> Message {
    LinkEmail {
        kind: "email_verification",
        subject: "Confirm your email address for WeBox",
        intro: "Please confirm that this address is yours.",
        action: "Confirm my email address",
        outro: format!("The link works once and expires in {hours} hours."),
    }
    .to(to, name, link)
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
