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

/// A long-running generation (a video) finished, or failed.
pub fn generation_finished(to: &str, name: &str, kind: &str, prompt: &str, failure: Option<&str>, link: &str) -> Message {
    let shown: String = prompt.chars().take(80).collect();
    match failure {
        None => LinkEmail {
            kind: "generation_ready",
            subject: &format!("Your {kind} is ready"),
            intro: &format!("Your {kind} for \"{shown}\" is ready."),
            action: if kind == "song" { "Listen in the studio" } else { "Watch it in the studio" },
            outro: "It is kept in your generation history until you delete it.".into(),
        }
        .to(to, name, link),
        Some(reason) => LinkEmail {
            kind: "generation_failed",
            subject: &format!("Your {kind} could not be made"),
            intro: &format!("Your {kind} for \"{shown}\" could not be made: {reason}"),
            action: "Try again in the studio",
            outro: "Any plan credits it held have been given back.".into(),
        }
        .to(to, name, link),
    }
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

/// One line of an order, for order emails.
pub struct OrderLine<'a> {
    pub title: &'a str,
    pub quantity: i64,
    pub line_total_minor: i64,
}

/// What happened to an order, for the email that tells the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    Placed,
    Paid,
    Cancelled,
    Refunded,
}

/// An order as its emails show it.
pub struct OrderSummary<'a> {
    pub order_id: &'a str,
    pub lines: Vec<OrderLine<'a>>,
    pub total_minor: i64,
    pub currency: &'a str,
}

/// An email about an order: the event, the lines and the total.
pub fn order_update(to: &str, name: &str, event: OrderEvent, order: &OrderSummary<'_>, link: Option<&str>) -> Message {
    let OrderSummary { order_id, lines, total_minor, currency } = order;
    let (total_minor, currency) = (*total_minor, *currency);
    let (kind, subject, intro) = match event {
        OrderEvent::Placed => ("order_confirmation", "Your WeBox order", "Thank you for your order. It is waiting for your payment."),
        OrderEvent::Paid => ("payment_received", "Payment received for your WeBox order", "We have received your payment. Thank you!"),
        OrderEvent::Cancelled => ("order_cancelled", "Your WeBox order is cancelled", "Your order has been cancelled."),
        OrderEvent::Refunded => ("order_refunded", "Your WeBox order is refunded", "Your order has been refunded."),
    };
    let amount = |minor: i64| format!("{} {currency}", crate::money::format_minor(minor));
    let mut text = format!("Hello {name},\n\n{intro}\n\nOrder {order_id}\n");
    let mut rows = String::new();
    for line in lines.iter() {
        text.push_str(&format!("  {} × {}  {}\n", line.quantity, line.title, amount(line.line_total_minor)));
        rows.push_str(&format!("<tr><td>{} × {}</td><td>{}</td></tr>", line.quantity, escape_html(line.title), escape_html(&amount(line.line_total_minor))));
    }
    text.push_str(&format!("Total: {}\n", amount(total_minor)));
    let mut html = format!(
        "<p>Hello {},</p><p>{}</p><p>Order {}</p><table>{rows}<tr><th>Total</th><th>{}</th></tr></table>",
        escape_html(name),
        escape_html(intro),
        escape_html(order_id),
        escape_html(&amount(total_minor)),
    );
    if let Some(link) = link {
        text.push_str(&format!("\nYour order: {link}\n"));
        html.push_str(&format!("<p><a href=\"{}\">Your order</a></p>", escape_html(link)));
    }
    text.push_str("\n— WeBox");
    html.push_str("<p>— WeBox</p>");
    Message { kind: kind.into(), to: to.into(), subject: subject.into(), text, html }
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
    fn generation_emails_say_what_happened() {
        let ready = generation_finished("a@b.c", "Ada", "video", "a <boat>", None, "https://w/studio/video?id=1");
        assert_eq!((ready.kind.as_str(), ready.subject.as_str()), ("generation_ready", "Your video is ready"));
        assert!(ready.text.contains("https://w/studio/video?id=1") && ready.html.contains("a &lt;boat&gt;"));
        let failed = generation_finished("a@b.c", "Ada", "video", "x", Some("Runway: bad input"), "/studio/video");
        assert!(failed.subject.contains("could not be made") && failed.text.contains("Runway: bad input") && failed.text.contains("credits"));
    }

    #[test]
    fn order_emails_list_lines_and_total_in_minor_units() {
        let lines = [OrderLine { title: "Mug <XL>", quantity: 2, line_total_minor: 2598 }];
        let order = OrderSummary { order_id: "o1", lines: lines.into(), total_minor: 2598, currency: "EUR" };
        let m = order_update("a@b.co", "Ada", OrderEvent::Paid, &order, Some("https://w.test/orders?id=o1"));
        assert_eq!((m.kind.as_str(), m.subject.as_str()), ("payment_received", "Payment received for your WeBox order"));
        assert!(m.text.contains("2 × Mug <XL>  25.98 EUR") && m.text.contains("Total: 25.98 EUR"));
        assert!(m.html.contains("Mug &lt;XL&gt;"));
    }

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
