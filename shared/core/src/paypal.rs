//! PayPal's wire format: the OAuth2 client-credentials token, Orders v2
//! (create with `intent: CAPTURE`, capture), capture refunds, webhook events
//! and the body of `POST /v1/notifications/verify-webhook-signature`.
//! Amounts travel as decimal strings (`"19.99"`), converted exactly.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::money;

/// `PAYPAL_MODE` → the API base (`PAYPAL_API_BASE` overrides it).
pub fn api_base(mode: Option<&str>) -> &'static str {
    match mode {
        Some("live") => "https://api-m.paypal.com",
        _ => "https://api-m.sandbox.paypal.com",
    }
}

/// `POST /v1/oauth2/token` answer.
#[derive(Debug, Clone, Deserialize)]
pub struct Token {
    pub access_token: String,
    /// Seconds the token stays valid.
    pub expires_in: i64,
}

/// The body of `POST /v2/checkout/orders` for one of our orders: the order
/// id rides along as `reference_id` and `custom_id` (captures, refunds and
/// webhook events carry `custom_id` back).
pub fn create_order_body(order_id: &str, amount_minor: i64, currency: &str, return_url: &str, cancel_url: &str) -> Value {
    json!({
        "intent": "CAPTURE",
        "purchase_units": [{
            "reference_id": order_id,
            "custom_id": order_id,
            "description": format!("WeBox order {order_id}"),
            "amount": {"currency_code": currency.to_uppercase(), "value": money::to_decimal(amount_minor, currency)},
        }],
        "payment_source": {"paypal": {"experience_context": {
            "brand_name": "WeBox",
            "user_action": "PAY_NOW",
            "shipping_preference": "NO_SHIPPING",
            "return_url": return_url,
            "cancel_url": cancel_url,
        }}},
    })
}

#[derive(Debug, Clone, Deserialize)]
pub struct Link {
    pub href: String,
    pub rel: String,
}

/// An Orders v2 order (create, get and capture all answer with one).
#[derive(Debug, Clone, Deserialize)]
pub struct Order {
    pub id: String,
    /// CREATED, SAVED, APPROVED, VOIDED, COMPLETED, PAYER_ACTION_REQUIRED
    pub status: String,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub purchase_units: Vec<Value>,
}

/// A capture of an order: what was actually taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub id: String,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub custom_id: Option<String>,
}

impl Order {
    /// Where the buyer approves the payment (`payer-action` with a payment
    /// source, `approve` without).
    pub fn approval_link(&self) -> Option<&str> {
        ["payer-action", "approve"].iter().find_map(|rel| self.links.iter().find(|l| l.rel == *rel)).map(|l| l.href.as_str())
    }

    /// The first capture of the first purchase unit, once captured.
    pub fn capture(&self) -> Option<Capture> {
        capture_from(self.purchase_units.first()?.get("payments")?.get("captures")?.get(0)?)
    }
}

/// A capture resource (in a capture answer or a `PAYMENT.CAPTURE.*` event).
pub fn capture_from(resource: &Value) -> Option<Capture> {
    let currency = resource["amount"]["currency_code"].as_str()?.to_owned();
    Some(Capture {
        id: resource["id"].as_str()?.to_owned(),
        status: resource["status"].as_str()?.to_owned(),
        amount_minor: money::from_decimal(resource["amount"]["value"].as_str()?, &currency)?,
        currency,
        custom_id: resource["custom_id"].as_str().map(str::to_owned),
    })
}

/// A webhook event; `resource` is read by event type.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    pub event_type: String,
    #[serde(default)]
    pub resource: Value,
}

impl Event {
    /// The PayPal order a capture event belongs to.
    pub fn related_order(&self) -> Option<&str> {
        self.resource["supplementary_data"]["related_ids"]["order_id"].as_str()
    }

    /// The capture a refund event undoes (its `up` link ends with the id).
    pub fn refunded_capture(&self) -> Option<&str> {
        self.resource["links"].as_array()?.iter().find(|l| l["rel"] == "up").and_then(|l| l["href"].as_str()).and_then(|h| h.rsplit('/').next())
    }
}

/// The transmission headers PayPal signs a delivery with.
#[derive(Debug, Clone, Default)]
pub struct Transmission {
    pub auth_algo: String,
    pub cert_url: String,
    pub transmission_id: String,
    pub transmission_sig: String,
    pub transmission_time: String,
}

impl Transmission {
    pub const HEADERS: [&'static str; 5] = ["PAYPAL-AUTH-ALGO", "PAYPAL-CERT-URL", "PAYPAL-TRANSMISSION-ID", "PAYPAL-TRANSMISSION-SIG", "PAYPAL-TRANSMISSION-TIME"];

    /// From the five headers (in `HEADERS` order); the first missing one is
    /// named in the error.
    pub fn from_headers(values: [Option<String>; 5]) -> Result<Self, &'static str> {
        let mut it = values.into_iter().zip(Self::HEADERS).map(|(v, name)| v.filter(|v| !v.trim().is_empty()).ok_or(name));
        let mut next = || it.next().unwrap_or(Err("PAYPAL-TRANSMISSION-SIG"));
        Ok(Self { auth_algo: next()?, cert_url: next()?, transmission_id: next()?, transmission_sig: next()?, transmission_time: next()? })
    }
}

/// The body of `POST /v1/notifications/verify-webhook-signature`. The event
/// goes in exactly as received (re-serialising it could change the bytes
/// the signature covers), so it is spliced in as raw JSON.
pub fn verify_body(t: &Transmission, webhook_id: &str, raw_event: &str) -> String {
    let head = json!({
        "auth_algo": t.auth_algo,
        "cert_url": t.cert_url,
        "transmission_id": t.transmission_id,
        "transmission_sig": t.transmission_sig,
        "transmission_time": t.transmission_time,
        "webhook_id": webhook_id,
    })
    .to_string();
    format!("{},\"webhook_event\":{}}}", head.trim_end_matches('}'), raw_event.trim())
}

/// `verification_status` is `SUCCESS` or `FAILURE`.
pub fn verified(answer: &str) -> bool {
    serde_json::from_str::<Value>(answer).is_ok_and(|v| v["verification_status"] == "SUCCESS")
}

/// PayPal's error body: `{name, message, details: [{issue, description}]}`.
pub fn error_message(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else { return body.chars().take(200).collect() };
    let issue = v["details"][0]["issue"].as_str().or_else(|| v["name"].as_str()).or_else(|| v["error"].as_str()).unwrap_or("UNKNOWN");
    let message = v["details"][0]["description"].as_str().or_else(|| v["message"].as_str()).or_else(|| v["error_description"].as_str()).unwrap_or("");
    format!("{issue}: {message}")
}

/// The issue code of an error body (`ORDER_NOT_APPROVED`, ...).
pub fn error_issue(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    v["details"][0]["issue"].as_str().or_else(|| v["name"].as_str()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_carry_our_id_and_an_exact_decimal_amount() {
        let body = create_order_body("o1", 1999, "eur", "https://w.test/r", "https://w.test/c");
        assert_eq!(body["intent"], "CAPTURE");
        assert_eq!(body["purchase_units"][0]["amount"], json!({"currency_code": "EUR", "value": "19.99"}));
        assert_eq!(body["purchase_units"][0]["custom_id"], "o1");
        assert_eq!(body["payment_source"]["paypal"]["experience_context"]["return_url"], "https://w.test/r");
    }

    #[test]
    fn approval_links_and_captures_are_read_from_real_shapes() {
        let created: Order = serde_json::from_str(
            r#"{"id":"5O190127TN364715T","status":"PAYER_ACTION_REQUIRED","payment_source":{"paypal":{}},
               "links":[{"href":"https://api-m.paypal.com/v2/checkout/orders/5O190127TN364715T","rel":"self","method":"GET"},
                        {"href":"https://www.paypal.com/checkoutnow?token=5O190127TN364715T","rel":"payer-action","method":"GET"}]}"#,
        )
        .unwrap();
        assert_eq!(created.approval_link(), Some("https://www.paypal.com/checkoutnow?token=5O190127TN364715T"));
        assert_eq!(created.capture(), None);
        let captured: Order = serde_json::from_str(
            r#"{"id":"5O190127TN364715T","status":"COMPLETED","purchase_units":[{"reference_id":"o1","payments":{"captures":[
                {"id":"3C679366HH908993F","status":"COMPLETED","amount":{"currency_code":"EUR","value":"19.99"},"custom_id":"o1","final_capture":true}]}}]}"#,
        )
        .unwrap();
        assert_eq!(
            captured.capture(),
            Some(Capture { id: "3C679366HH908993F".into(), status: "COMPLETED".into(), amount_minor: 1999, currency: "EUR".into(), custom_id: Some("o1".into()) })
        );
    }

    #[test]
    fn events_name_their_order_and_capture() {
        let completed: Event = serde_json::from_str(
            r#"{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED","resource_type":"capture","resource":{"id":"CAP1","status":"COMPLETED",
                "amount":{"currency_code":"EUR","value":"5.00"},"supplementary_data":{"related_ids":{"order_id":"PPO1"}}}}"#,
        )
        .unwrap();
        assert_eq!(completed.related_order(), Some("PPO1"));
        let refunded: Event = serde_json::from_str(
            r#"{"id":"WH-2","event_type":"PAYMENT.CAPTURE.REFUNDED","resource":{"id":"REF1","status":"COMPLETED",
                "links":[{"href":"https://api-m.paypal.com/v2/payments/refunds/REF1","rel":"self"},{"href":"https://api-m.paypal.com/v2/payments/captures/CAP1","rel":"up"}]}}"#,
        )
        .unwrap();
        assert_eq!(refunded.refunded_capture(), Some("CAP1"));
    }

    #[test]
    fn the_verification_body_keeps_the_event_bytes() {
        let t = Transmission { auth_algo: "SHA256withRSA".into(), cert_url: "https://c".into(), transmission_id: "t1".into(), transmission_sig: "sig".into(), transmission_time: "2026-01-01T00:00:00Z".into() };
        let raw = r#"{"id":"WH-1", "event_type":"X","resource":{"value":"1.10"}}"#;
        let body = verify_body(&t, "WHID", raw);
        assert!(body.ends_with(&format!("\"webhook_event\":{raw}}}")), "{body}");
        let parsed: Value = serde_json::from_str(&body).unwrap();
        assert_eq!((parsed["webhook_id"].as_str(), parsed["webhook_event"]["id"].as_str()), (Some("WHID"), Some("WH-1")));
        assert!(verified(r#"{"verification_status":"SUCCESS"}"#));
        assert!(!verified(r#"{"verification_status":"FAILURE"}"#));
    }

    #[test]
    fn missing_transmission_headers_are_named() {
        let mut values: [Option<String>; 5] = Default::default();
        assert_eq!(Transmission::from_headers(values.clone()).unwrap_err(), "PAYPAL-AUTH-ALGO");
        for (i, v) in values.iter_mut().enumerate() {
            *v = Some(format!("v{i}"));
        }
        values[3] = Some(" ".into());
        assert_eq!(Transmission::from_headers(values).unwrap_err(), "PAYPAL-TRANSMISSION-SIG");
    }

    #[test]
    fn errors_read_well() {
        let body = r#"{"name":"UNPROCESSABLE_ENTITY","details":[{"issue":"ORDER_NOT_APPROVED","description":"Payer has not yet approved the Order for payment."}],"message":"The requested action could not be performed.","debug_id":"x"}"#;
        assert_eq!(error_issue(body).as_deref(), Some("ORDER_NOT_APPROVED"));
        assert_eq!(error_message(body), "ORDER_NOT_APPROVED: Payer has not yet approved the Order for payment.");
        assert_eq!(error_message(r#"{"error":"invalid_client","error_description":"Client Authentication failed"}"#), "invalid_client: Client Authentication failed");
    }
}
