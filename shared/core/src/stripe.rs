//! Stripe's wire format: PaymentIntent requests (form-encoded) and
//! responses, webhook events, and the `Stripe-Signature` check — HMAC-SHA256
//! of `"{t}.{raw body}"` with the endpoint's `whsec_` secret, accepted when
//! any `v1` signature matches (compared in constant time) and the timestamp
//! is within the tolerance.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::ApiError;

pub const SIGNATURE_TOLERANCE_SECONDS: i64 = 300;

fn refused(code: &'static str, message: &str) -> ApiError {
    ApiError::new(400, code, message).with_field("Stripe-Signature")
}

/// Checks a webhook delivery. `header` is the `Stripe-Signature` value.
pub fn verify_signature(header: Option<&str>, body: &[u8], secret: &str, now: i64) -> Result<(), ApiError> {
    let header = header.filter(|h| !h.trim().is_empty()).ok_or_else(|| refused("signature_missing", "the Stripe-Signature header is missing"))?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.push(sig.to_owned()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| refused("signature_invalid", "the Stripe-Signature header has no timestamp"))?;
    if signatures.is_empty() {
        return Err(refused("signature_invalid", "the Stripe-Signature header has no v1 signature"));
    }
    if (now - timestamp).abs() > SIGNATURE_TOLERANCE_SECONDS {
        return Err(refused("signature_expired", "the webhook timestamp is outside the tolerance"));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| ApiError::internal())?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    let matched = signatures.iter().fold(false, |found, sig| found | bool::from(sig.as_bytes().ct_eq(expected.as_bytes())));
    if matched {
        Ok(())
    } else {
        Err(refused("signature_invalid", "no signature matches the payload"))
    }
}

/// `application/x-www-form-urlencoded`, as Stripe's API takes it.
pub fn form_encode(pairs: &[(&str, String)]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// The body of `POST /v1/payment_intents` for an order.
pub fn create_intent_form(order_id: &str, amount_minor: i64, currency: &str) -> String {
    form_encode(&[
        ("amount", amount_minor.to_string()),
        ("currency", currency.to_lowercase()),
        ("metadata[order_id]", order_id.to_owned()),
        ("automatic_payment_methods[enabled]", "true".to_owned()),
    ])
}

/// The body of `POST /v1/refunds`: the whole PaymentIntent back.
pub fn refund_form(intent_id: &str, order_id: &str) -> String {
    form_encode(&[
        ("payment_intent", intent_id.to_owned()),
        ("reason", "requested_by_customer".to_owned()),
        ("metadata[order_id]", order_id.to_owned()),
    ])
}

/// A Refund object (`re_...`); `status` is `pending`, `succeeded`,
/// `failed`, `canceled` or `requires_action`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Refund {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub payment_intent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub client_secret: Option<String>,
    #[serde(default)]
    pub metadata: std::collections::BTreeMap<String, String>,
}

impl PaymentIntent {
    pub fn order_id(&self) -> Option<&str> {
        self.metadata.get("order_id").map(String::as_str)
    }

    pub fn succeeded(&self) -> bool {
        self.status == "succeeded"
    }
}

/// A webhook event; `data.object` is kept raw and read by event type.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created: i64,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

/// Stripe's error body: `{"error": {"type", "code"?, "message"}}`.
pub fn error_message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const NOW: i64 = 1_800_000_000;

    fn sign(t: i64, body: &[u8], secret: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn a_correct_signature_is_accepted_among_others() {
        let body = br#"{"id":"evt_1"}"#;
        let header = format!("t={NOW},v1={},v1={},v0=abc", "0".repeat(64), sign(NOW, body, SECRET));
        assert!(verify_signature(Some(&header), body, SECRET, NOW + 10).is_ok());
    }

    #[test]
    fn tampering_old_timestamps_and_wrong_secrets_are_refused() {
        let body = br#"{"id":"evt_1","amount":100}"#;
        let good = format!("t={NOW},v1={}", sign(NOW, body, SECRET));
        let code = |h: Option<&str>, b: &[u8], now: i64| verify_signature(h, b, SECRET, now).unwrap_err().code;
        assert_eq!(code(Some(&good), br#"{"id":"evt_1","amount":999}"#, NOW), "signature_invalid");
        assert_eq!(code(Some(&good), body, NOW + 301), "signature_expired");
        assert_eq!(code(Some(&good), body, NOW - 301), "signature_expired");
        let other = format!("t={NOW},v1={}", sign(NOW, body, "whsec_other"));
        assert_eq!(code(Some(&other), body, NOW), "signature_invalid");
        assert_eq!(code(None, body, NOW), "signature_missing");
        assert_eq!(code(Some("v1=abc"), body, NOW), "signature_invalid");
        assert_eq!(code(Some(&format!("t={NOW}")), body, NOW), "signature_invalid");
        // A signature made for another timestamp does not carry over.
        let moved = format!("t={},v1={}", NOW + 1, sign(NOW, body, SECRET));
        assert_eq!(code(Some(&moved), body, NOW), "signature_invalid");
    }

    #[test]
    fn intents_are_form_encoded_with_the_order_in_metadata() {
        assert_eq!(
            create_intent_form("ord 1&x", 1999, "EUR"),
            "amount=1999&currency=eur&metadata%5Border_id%5D=ord+1%26x&automatic_payment_methods%5Benabled%5D=true"
        );
    }

    #[test]
    fn refunds_name_the_intent_and_parse_back() {
        assert_eq!(refund_form("pi_1", "o1"), "payment_intent=pi_1&reason=requested_by_customer&metadata%5Border_id%5D=o1");
        let r: Refund = serde_json::from_str(
            r#"{"id":"re_1","object":"refund","amount":1999,"currency":"eur","status":"succeeded","payment_intent":"pi_1","charge":"ch_1","metadata":{}}"#,
        )
        .unwrap();
        assert_eq!((r.id.as_str(), r.amount, r.payment_intent.as_deref()), ("re_1", 1999, Some("pi_1")));
    }

    #[test]
    fn intents_and_events_parse_from_real_shapes() {
        let pi: PaymentIntent = serde_json::from_str(
            r#"{"id":"pi_3","object":"payment_intent","amount":1999,"currency":"eur","status":"succeeded","client_secret":"pi_3_secret_x","metadata":{"order_id":"o1"},"livemode":false}"#,
        )
        .unwrap();
        assert_eq!((pi.order_id(), pi.succeeded()), (Some("o1"), true));
        let event: Event = serde_json::from_str(r#"{"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":1800000000,"data":{"object":{"id":"pi_3"}}}"#).unwrap();
        assert_eq!((event.kind.as_str(), event.data.object["id"].as_str()), ("payment_intent.succeeded", Some("pi_3")));
        assert_eq!(error_message(r#"{"error":{"type":"card_error","message":"Your card was declined."}}"#), "Your card was declined.");
    }
}
