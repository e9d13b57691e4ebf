//! PayPal end to end, refunds through each provider, invoices (PDF parsed,
//! numbers gapless under concurrency) and the webhooks the simulator sends.
//! Runs its own site with the orders fixture and VAT configured.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};
use webox_e2e::{repo_root, site_with_settings, unique, Site, User};

const PLENTY: &str = "e2e00000000000000000000000000100";
const DIGITAL: &str = "e2e0000000000000000000000000digi";
/// Only the PayPal cancellation test buys it (stock is checked).
const CANCEL_ME: &str = "e2e000000000000000000000000cance";

fn site() -> &'static Site {
    site_with_settings(Some(&repo_root().join("tests/fixtures/orders.sql")), &[("INVOICE_TAX_RATE_BPS", "2000"), ("INVOICE_SELLER_TAX_ID", "FR40123456789")])
}

fn admin() -> User {
    site().login(webox_e2e::ADMIN.0, webox_e2e::ADMIN.1)
}

fn stock(product: &str) -> i64 {
    site().client().get(&format!("/api/products/{product}")).expect(200)["product"]["stock"].as_i64().unwrap()
}

/// A new order for `items`, to pay with `method`; returns its id.
fn order(user: &User, method: &str, items: &[(&str, i64)]) -> String {
    for (product, quantity) in items {
        user.client.post("/api/cart/add", json!({"product_id": product, "quantity": quantity})).expect(200);
    }
    let request = user.client.request(Method::POST, "/api/orders/checkout").header("Idempotency-Key", unique("key-")).json(&json!({"payment_method": method}));
    user.client.send(request).expect(201)["order"]["order_id"].as_str().unwrap().to_owned()
}

fn detail(user: &User, order: &str) -> Value {
    user.client.get(&format!("/api/orders/{order}")).expect(200)["order"].clone()
}

fn wait_until<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(150));
    }
}

fn sim() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Webhook deliveries the simulator made, newest first.
fn deliveries(service: &str) -> Vec<Value> {
    sim().get(format!("{}/_sim/webhooks?service={service}", site().simulator)).send().unwrap().json().unwrap()
}

fn payment_emails(user: &User) -> usize {
    site().emails_to(&user.email).iter().filter(|e| e["subject"] == "Payment received for your WeBox order").count()
}

// ---- PayPal ----------------------------------------------------------------

/// The buyer on PayPal's approval page: "approve" or "decline". Returns
/// where PayPal sends them back to.
fn approve_on_paypal(approval_url: &str, outcome: &str) -> String {
    let token = approval_url.rsplit("token=").next().unwrap();
    let page = sim().get(approval_url).send().unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().unwrap().contains("paypal-approve"));
    let reply = sim().post(format!("{}/checkoutnow/{token}/approve", site().simulator)).form(&[("outcome", outcome)]).send().unwrap();
    assert_eq!(reply.status(), 303);
    reply.headers()["location"].to_str().unwrap().to_owned()
}

fn paypal_paid(user: &User, items: &[(&str, i64)]) -> String {
    let id = order(user, "paypal", items);
    let created = user.client.post("/api/payment/paypal/create-order", json!({"order_id": id})).expect(200);
    approve_on_paypal(created["approval_url"].as_str().unwrap(), "approve");
    assert_eq!(user.client.post("/api/payment/paypal/capture", json!({"order_id": id})).expect(200)["order_status"], "paid");
    id
}

#[test]
fn paypal_pays_an_order_once_the_buyer_approved_it() {
    let user = site().new_user();
    let id = order(&user, "paypal", &[(DIGITAL, 2)]);
    let created = user.client.post("/api/payment/paypal/create-order", json!({"order_id": id})).expect(200);
    let approval = created["approval_url"].as_str().unwrap().to_owned();
    assert!(approval.starts_with(&format!("{}/checkoutnow?token=", site().simulator)), "{approval}");
    assert_eq!((created["amount_minor"].as_i64(), created["currency"].as_str()), (Some(1400), Some("EUR")));
    let again = user.client.post("/api/payment/paypal/create-order", json!({"order_id": id})).expect(200);
    assert_eq!(again["paypal_order_id"], created["paypal_order_id"], "the same PayPal order each time");
    // Not approved yet: capturing says so and changes nothing.
    user.client.post("/api/payment/paypal/capture", json!({"order_id": id})).expect_error(402, "payment_not_completed");
    assert_eq!(detail(&user, &id)["status"], "pending_payment");
    let back = approve_on_paypal(&approval, "approve");
    assert!(back.contains(&format!("/checkout?order={id}&paypal=return&token=")), "{back}");
    let captured = user.client.post("/api/payment/paypal/capture", json!({"order_id": id})).expect(200);
    assert_eq!((captured["capture_status"].as_str(), captured["order_status"].as_str()), (Some("COMPLETED"), Some("paid")));
    // A retry (the buyer reloads the return page) settles nothing twice.
    assert_eq!(user.client.post("/api/payment/paypal/capture", json!({"order_id": id})).expect(200)["capture_id"], captured["capture_id"]);
    let order = detail(&user, &id);
    assert_eq!(order["history"].as_array().unwrap().iter().filter(|h| h["to_status"] == "paid").count(), 1);
    let payment = site().query(&format!("SELECT status, received_minor, capture_reference FROM payments WHERE order_id = '{id}'"));
    assert_eq!((payment[0]["status"].as_str(), payment[0]["received_minor"].as_i64()), (Some("succeeded"), Some(1400)));
    assert_eq!(payment[0]["capture_reference"], captured["capture_id"]);
    // PayPal's own PAYMENT.CAPTURE.COMPLETED webhook arrives, is verified and changes nothing more.
    let paypal_order = created["paypal_order_id"].as_str().unwrap().to_owned();
    wait_until("the capture webhook", || {
        site().query(&format!("SELECT raw_event_ids FROM payments WHERE order_id = '{id}'")).first().filter(|p| p["raw_event_ids"].as_str().unwrap() != "[]").cloned()
    });
    assert!(deliveries("paypal").iter().any(|d| d["type"] == "PAYMENT.CAPTURE.COMPLETED" && d["delivered"] == true), "{paypal_order}");
    assert_eq!(detail(&user, &id)["history"].as_array().unwrap().iter().filter(|h| h["to_status"] == "paid").count(), 1);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(payment_emails(&user), 1);
    // The OAuth token is cached: a handful of tokens (one per Worker isolate) for many calls.
    let stats: Value = sim().get(format!("{}/_sim/paypal", site().simulator)).send().unwrap().json().unwrap();
    assert!(stats["tokens_issued"].as_u64().unwrap() <= 3, "{stats}");
}

#[test]
fn a_declined_paypal_payment_leaves_the_order_unpaid_and_bad_calls_are_refused() {
    let user = site().new_user();
    let id = order(&user, "paypal", &[(DIGITAL, 1)]);
    let created = user.client.post("/api/payment/paypal/create-order", json!({"order_id": id})).expect(200);
    approve_on_paypal(created["approval_url"].as_str().unwrap(), "decline");
    user.client.post("/api/payment/paypal/capture", json!({"order_id": id})).expect_error(402, "payment_declined");
    assert_eq!(detail(&user, &id)["status"], "pending_payment");
    site().new_user().client.post("/api/payment/paypal/capture", json!({"order_id": id})).expect_error(404, "not_found");
    user.client.post("/api/payment/paypal/create-order", json!({})).expect_field_error(400, "missing_field", "order_id");
    user.client.post("/api/payment/paypal/create-order", json!({"order_id": 7})).expect_field_error(400, "invalid_field_type", "order_id");
    user.client.post("/api/payment/paypal/capture", json!({})).expect_field_error(400, "missing_field", "order_id");
    site().new_user().client.post("/api/payment/paypal/create-order", json!({"order_id": id})).expect_error(404, "not_found");
    site().client().post("/api/payment/paypal/create-order", json!({"order_id": id})).expect_error(401, "unauthorized");
    site().client().post("/api/payment/paypal/capture", json!({"order_id": id})).expect_error(401, "unauthorized");
    let card = order(&user, "stripe", &[(DIGITAL, 1)]);
    user.client.post("/api/payment/paypal/create-order", json!({"order_id": card})).expect_error(409, "wrong_payment_method");
    let fresh = order(&user, "paypal", &[(DIGITAL, 1)]);
    user.client.post("/api/payment/paypal/capture", json!({"order_id": fresh})).expect_error(409, "no_payment");
    site().inject_fault("paypal", 503, 1, &fresh);
    user.client.post("/api/payment/paypal/create-order", json!({"order_id": fresh})).expect_error(502, "provider_unavailable");
    assert!(site().query(&format!("SELECT id FROM payments WHERE order_id = '{fresh}'")).is_empty(), "nothing recorded");
    site().inject_fault("paypal", 429, 1, &fresh);
    user.client.post("/api/payment/paypal/create-order", json!({"order_id": fresh})).expect_error(429, "provider_rate_limited");
    user.client.post("/api/payment/paypal/create-order", json!({"order_id": fresh})).expect(200);
}

/// CRC-32 (IEEE), as PayPal's transmission signature covers the body with.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// The headers of a PayPal delivery of `body`, signed the way the
/// simulator's verify API checks (`signing_secret` wrong → refused).
fn paypal_headers(body: &str, signing_secret: &str) -> Vec<(&'static str, String)> {
    use base64::Engine;
    use hmac::Mac;
    let (id, time) = (unique("tx-"), "2026-11-25T10:00:00Z".to_owned());
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(signing_secret.as_bytes()).unwrap();
    mac.update(format!("{id}|{time}|{}|{}", webox_e2e::PAYPAL_WEBHOOK_ID, crc32(body.as_bytes())).as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    vec![
        ("PAYPAL-AUTH-ALGO", "SHA256withRSA".into()),
        ("PAYPAL-CERT-URL", format!("{}/v1/notifications/certs/CERT-test", site().simulator)),
        ("PAYPAL-TRANSMISSION-ID", id),
        ("PAYPAL-TRANSMISSION-SIG", sig),
        ("PAYPAL-TRANSMISSION-TIME", time),
    ]
}

const SIGNING: &str = "webox-sim-paypal-signing";

fn deliver_paypal(body: &str, headers: &[(&'static str, String)]) -> webox_e2e::Reply {
    let c = site().client();
    let mut request = c.request(Method::POST, "/api/payment/paypal/webhook").header("Content-Type", "application/json").body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    c.send(request)
}

#[test]
fn paypal_webhooks_are_verified_with_paypal_and_processed_once() {
    let user = site().new_user();
    let id = order(&user, "paypal", &[(DIGITAL, 1)]);
    let created = user.client.post("/api/payment/paypal/create-order", json!({"order_id": id})).expect(200);
    let paypal_order = created["paypal_order_id"].as_str().unwrap();
    let event_id = unique("WH-");
    let event = json!({
        "id": event_id, "event_version": "1.0", "event_type": "PAYMENT.CAPTURE.COMPLETED", "resource_type": "capture",
        "resource": {"id": unique("CAP"), "status": "COMPLETED", "amount": {"currency_code": "EUR", "value": "7.00"}, "custom_id": id,
                     "supplementary_data": {"related_ids": {"order_id": paypal_order}}},
    });
    let body = event.to_string();
    // Refused with no write: wrong signature, modified body, missing header.
    deliver_paypal(&body, &paypal_headers(&body, "not-the-key")).expect_field_error(400, "signature_invalid", "PAYPAL-TRANSMISSION-SIG");
    let modified = body.replace("7.00", "0.01");
    deliver_paypal(&modified, &paypal_headers(&body, SIGNING)).expect_field_error(400, "signature_invalid", "PAYPAL-TRANSMISSION-SIG");
    let mut missing = paypal_headers(&body, SIGNING);
    missing.retain(|(name, _)| *name != "PAYPAL-TRANSMISSION-ID");
    deliver_paypal(&body, &missing).expect_field_error(400, "signature_missing", "PAYPAL-TRANSMISSION-ID");
    deliver_paypal("not json", &paypal_headers("not json", SIGNING)).expect_error(400, "invalid_json");
    assert!(site().query(&format!("SELECT event_id FROM webhook_events WHERE event_id = '{event_id}'")).is_empty());
    assert_eq!(detail(&user, &id)["status"], "pending_payment");
    // The genuine event, delivered three times at once: paid once, one email.
    let headers = paypal_headers(&body, SIGNING);
    let barrier = Arc::new(Barrier::new(3));
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let (barrier, body, headers) = (Arc::clone(&barrier), body.clone(), headers.clone());
                scope.spawn(move || {
                    barrier.wait();
                    deliver_paypal(&body, &headers).status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses, vec![200, 200, 200]);
    let order = detail(&user, &id);
    assert_eq!(order["status"], "paid");
    assert_eq!(order["history"].as_array().unwrap().iter().filter(|h| h["to_status"] == "paid").count(), 1);
    site().wait_for_emails(&user.email, 2);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(payment_emails(&user), 1);
}

// ---- Refunds ---------------------------------------------------------------

fn stripe_paid(user: &User, items: &[(&str, i64)]) -> String {
    let id = order(user, "stripe", items);
    let intent = user.client.post("/api/payment/stripe/create-intent", json!({"order_id": id})).expect(200);
    // What Stripe.js does in the browser: confirm with the publishable key and client secret.
    let url = format!("{}/v1/payment_intents/{}/confirm", site().simulator, intent["payment_intent_id"].as_str().unwrap());
    let form = [("payment_method", "pm_card_visa"), ("key", webox_e2e::STRIPE_PUBLISHABLE_KEY), ("client_secret", intent["client_secret"].as_str().unwrap())];
    assert_eq!(sim().post(url).form(&form).send().unwrap().status(), 200);
    // Stripe's payment_intent.succeeded webhook settles the order.
    wait_until("the order paid by webhook", || (detail(user, &id)["status"] == "paid").then_some(()));
    id
}

#[test]
fn the_stripe_webhook_alone_settles_a_card_payment() {
    let user = site().new_user();
    let id = stripe_paid(&user, &[(DIGITAL, 1)]);
    let history = detail(&user, &id)["history"].clone();
    assert!(history.as_array().unwrap().last().unwrap()["note"].as_str().unwrap().contains("payment_intent.succeeded"), "{history}");
    // A wrong client secret from the browser is refused by Stripe.
    let other = order(&user, "stripe", &[(DIGITAL, 1)]);
    let intent = user.client.post("/api/payment/stripe/create-intent", json!({"order_id": other})).expect(200);
    let url = format!("{}/v1/payment_intents/{}/confirm", site().simulator, intent["payment_intent_id"].as_str().unwrap());
    let form = [("payment_method", "pm_card_visa"), ("key", webox_e2e::STRIPE_PUBLISHABLE_KEY), ("client_secret", "pi_x_secret_wrong")];
    assert_eq!(sim().post(url).form(&form).send().unwrap().status(), 401);
}

#[test]
fn admins_refund_card_payments_through_stripe_once() {
    let user = site().new_user();
    let before = stock(PLENTY);
    let id = stripe_paid(&user, &[(PLENTY, 2)]);
    assert_eq!(stock(PLENTY), before - 2);
    let admin = admin();
    user.client.post(&format!("/api/admin/orders/{id}/refund"), json!({})).expect_error(403, "forbidden");
    site().client().post(&format!("/api/admin/orders/{id}/refund"), json!({})).expect_error(401, "unauthorized");
    admin.client.post(&format!("/api/admin/orders/{id}/refund"), json!({"reason": 5})).expect_field_error(400, "invalid_field_type", "reason");
    let c = &admin.client;
    c.send(c.request(Method::POST, &format!("/api/admin/orders/{id}/refund")).header("Content-Type", "application/json").body("{oops")).expect_error(400, "invalid_json");
    assert!(site().query(&format!("SELECT id FROM refunds WHERE order_id = '{id}'")).is_empty(), "bad input writes nothing");
    assert_eq!(detail(&user, &id)["status"], "paid");
    // Stripe down: nothing changes, and the refund can be retried.
    site().inject_fault("stripe", 503, 1, &id);
    admin.client.post(&format!("/api/admin/orders/{id}/refund"), json!({"reason": "damaged"})).expect_error(502, "provider_unavailable");
    assert!(site().query(&format!("SELECT id FROM refunds WHERE order_id = '{id}'")).is_empty());
    assert_eq!(detail(&user, &id)["status"], "paid");
    let refunded = admin.client.post(&format!("/api/admin/orders/{id}/refund"), json!({"reason": "damaged"})).expect(200);
    assert_eq!(refunded["status"], "refunded");
    assert_eq!((refunded["refund"]["status"].as_str(), refunded["refund"]["amount_minor"].as_i64()), (Some("succeeded"), Some(2000)));
    assert!(refunded["refund"]["provider_reference"].as_str().unwrap().starts_with("re_"));
    assert_eq!(stock(PLENTY), before, "stock comes back");
    admin.client.post(&format!("/api/admin/orders/{id}/refund"), json!({})).expect_error(409, "invalid_status_transition");
    // Stripe's charge.refunded webhook arrives and changes nothing more.
    wait_until("the charge.refunded delivery", || {
        deliveries("stripe").into_iter().find(|d| d["type"] == "charge.refunded" && d["delivered"] == true && detail(&user, &id)["status"] == "refunded")
    });
    let after = detail(&user, &id);
    assert_eq!(after["history"].as_array().unwrap().iter().filter(|h| h["to_status"] == "refunded").count(), 1);
    assert_eq!(after["refund"]["provider"], "stripe");
    let emails = site().wait_for_emails(&user.email, 3);
    assert_eq!(emails.iter().filter(|e| e["subject"] == "Your WeBox order is refunded").count(), 1);
    let unpaid = order(&user, "bank_transfer", &[(DIGITAL, 1)]);
    admin.client.post(&format!("/api/admin/orders/{unpaid}/refund"), json!({})).expect_error(409, "invalid_status_transition");
    admin.client.post("/api/admin/orders/nope/refund", json!({})).expect_error(404, "not_found");
}

#[test]
fn a_buyer_cancelling_a_paid_paypal_order_is_refunded_through_paypal() {
    let user = site().new_user();
    let before = stock(CANCEL_ME);
    let id = paypal_paid(&user, &[(CANCEL_ME, 1)]);
    let cancelled = user.client.post(&format!("/api/orders/{id}/cancel"), json!({})).expect(200)["order"].clone();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!((cancelled["refund"]["provider"].as_str(), cancelled["refund"]["status"].as_str()), (Some("paypal"), Some("succeeded")));
    assert_eq!(stock(CANCEL_ME), before);
    wait_until("the PAYMENT.CAPTURE.REFUNDED delivery", || {
        deliveries("paypal").into_iter().find(|d| d["type"] == "PAYMENT.CAPTURE.REFUNDED" && d["delivered"] == true)
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(detail(&user, &id)["status"], "cancelled", "PayPal's refund event does not move the order again");
    let payment = site().query(&format!("SELECT status FROM payments WHERE order_id = '{id}'"));
    assert_eq!(payment[0]["status"], "refunded");
}

#[test]
fn a_refunded_bank_transfer_is_recorded_for_sending_back_and_takes_the_plan_back() {
    let user = site().new_user();
    let pro = site().client().get("/api/products/plan-pro").expect(200)["product"]["id"].as_str().unwrap().to_owned();
    let id = order(&user, "bank_transfer", &[(pro.as_str(), 1)]);
    user.client.post("/api/payment/bank-transfer/generate", json!({"order_id": id})).expect(200);
    let admin = admin();
    admin.client.post("/api/payment/bank-transfer/receive", json!({"order_id": id, "amount_minor": 1900})).expect(200);
    assert_eq!(user.client.get("/api/profile/stats").expect(200)["stats"]["credits"], 2000);
    let refunded = admin.client.post(&format!("/api/admin/orders/{id}/refund"), json!({"reason": "changed their mind"})).expect(200);
    assert_eq!((refunded["refund"]["status"].as_str(), refunded["refund"]["provider_reference"].as_str()), (Some("manual"), None));
    assert_eq!(user.client.get("/api/profile/stats").expect(200)["stats"]["credits"], 0);
    assert!(site().query(&format!("SELECT user_id FROM account_plans WHERE user_id = '{}'", user.id)).is_empty());
    let note = detail(&user, &id)["history"].as_array().unwrap().last().unwrap()["note"].as_str().unwrap().to_owned();
    assert!(note.contains("bank transfer") && note.contains("changed their mind"), "{note}");
}

// ---- Invoices --------------------------------------------------------------

fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("the invoice is a PDF a parser opens");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("its text can be extracted")
}

#[test]
fn a_paid_order_has_an_invoice_pdf_for_its_buyer_and_admins() {
    let user = site().new_user();
    let unpaid = order(&user, "bank_transfer", &[(DIGITAL, 1)]);
    user.client.get(&format!("/api/orders/{unpaid}/invoice")).expect_error(409, "no_invoice");
    let id = stripe_paid(&user, &[(DIGITAL, 3)]);
    let invoice = detail(&user, &id)["invoice"].clone();
    let number = invoice["number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("WB-20") && number.len() == 14, "{number}");
    let reply = user.client.get(&format!("/api/orders/{id}/invoice"));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type").as_deref(), Some("application/pdf"));
    assert_eq!(reply.header("content-disposition"), Some(format!("attachment; filename=\"{number}.pdf\"")));
    assert!(reply.body.starts_with(b"%PDF-1.4"));
    let text = pdf_text(&reply.body);
    for needle in [number.as_str(), "Digital Thing", "21.00 EUR", "incl. VAT 20.00 %", "3.50 EUR", "FR40123456789", &user.email, "card (Stripe)"] {
        assert!(text.contains(needle), "{needle:?} is not in the invoice:\n{text}");
    }
    // Stored in R2 once: the second download is the same file.
    assert_eq!(user.client.get(&format!("/api/orders/{id}/invoice")).body, reply.body);
    assert_eq!(admin().client.get(&format!("/api/orders/{id}/invoice")).status, 200);
    site().new_user().client.get(&format!("/api/orders/{id}/invoice")).expect_error(404, "not_found");
    site().client().get(&format!("/api/orders/{id}/invoice")).expect_error(401, "unauthorized");
}

#[test]
fn invoice_numbers_have_no_gaps_when_many_orders_are_paid_at_once() {
    let admin = admin();
    let buyers: Vec<User> = (0..12).map(|_| site().new_user()).collect();
    let orders: Vec<String> = buyers
        .iter()
        .map(|b| {
            let id = order(b, "bank_transfer", &[(DIGITAL, 1)]);
            b.client.post("/api/payment/bank-transfer/generate", json!({"order_id": id})).expect(200);
            id
        })
        .collect();
    let barrier = Arc::new(Barrier::new(orders.len()));
    std::thread::scope(|scope| {
        for id in &orders {
            let (barrier, admin) = (Arc::clone(&barrier), &admin);
            scope.spawn(move || {
                barrier.wait();
                admin.client.post("/api/payment/bank-transfer/receive", json!({"order_id": id, "amount_minor": 700})).expect(200);
            });
        }
    });
    let rows = site().query("SELECT year, number FROM invoices ORDER BY year, number");
    let mut by_year: std::collections::BTreeMap<i64, Vec<i64>> = Default::default();
    for row in &rows {
        by_year.entry(row["year"].as_i64().unwrap()).or_default().push(row["number"].as_i64().unwrap());
    }
    for (year, numbers) in by_year {
        let expected: Vec<i64> = (1..=numbers.len() as i64).collect();
        assert_eq!(numbers, expected, "invoice numbers of {year} are 1..n with no gap or duplicate");
    }
    let ours = site().query(&format!("SELECT COUNT(*) AS n FROM invoices WHERE order_id IN ('{}')", orders.join("','")));
    assert_eq!(ours[0]["n"], orders.len());
}

#[test]
fn a_card_payment_made_after_the_order_was_cancelled_goes_straight_back() {
    let user = site().new_user();
    let id = order(&user, "stripe", &[(DIGITAL, 1)]);
    let intent = user.client.post("/api/payment/stripe/create-intent", json!({"order_id": id})).expect(200);
    // The buyer cancels in one tab, then pays in another.
    assert_eq!(user.client.post(&format!("/api/orders/{id}/cancel"), json!({})).expect(200)["order"]["status"], "cancelled");
    let url = format!("{}/v1/payment_intents/{}/confirm", site().simulator, intent["payment_intent_id"].as_str().unwrap());
    let form = [("payment_method", "pm_card_visa"), ("key", webox_e2e::STRIPE_PUBLISHABLE_KEY), ("client_secret", intent["client_secret"].as_str().unwrap())];
    assert_eq!(sim().post(url).form(&form).send().unwrap().status(), 200);
    // Stripe's payment_intent.succeeded arrives: the money is refunded, the order stays cancelled.
    let refund = wait_until("the automatic refund", || detail(&user, &id)["refund"].as_object().cloned());
    assert_eq!((refund["status"].as_str(), refund["provider"].as_str()), (Some("succeeded"), Some("stripe")));
    assert!(refund["provider_reference"].as_str().unwrap().starts_with("re_"));
    let order = detail(&user, &id);
    assert_eq!(order["status"], "cancelled");
    assert!(order["invoice"].is_null(), "no invoice for money that went back");
    // Confirming afterwards (the other tab) changes nothing and refunds nothing twice.
    user.client.post("/api/payment/stripe/confirm", json!({"order_id": id})).expect(200);
    wait_until("Stripe's charge.refunded delivered", || {
        deliveries("stripe").into_iter().find(|d| d["type"] == "charge.refunded" && d["delivered"] == true && d["attempts"].as_array().is_some_and(|a| !a.is_empty()))
    });
    std::thread::sleep(Duration::from_millis(300));
    let payment = site().query(&format!("SELECT status FROM payments WHERE order_id = '{id}'"));
    assert_eq!(payment[0]["status"], "refunded");
    assert_eq!(site().query(&format!("SELECT COUNT(*) AS n FROM refunds WHERE order_id = '{id}'"))[0]["n"], 1);
    let emails = site().wait_for_emails(&user.email, 3);
    assert_eq!(emails.iter().filter(|e| e["subject"] == "Your WeBox order is refunded").count(), 1);
}

#[test]
fn reviews_of_bought_products_are_marked_verified_purchases() {
    let user = site().new_user();
    let id = order(&user, "bank_transfer", &[(DIGITAL, 1)]);
    let review = |product: &str| user.client.post(&format!("/api/products/{product}/reviews"), json!({"rating": 5, "text": "Great"}));
    // Never bought: not verified.
    assert_eq!(review(PLENTY).expect(201)["review"]["verified_purchase"], false);
    user.client.post("/api/payment/bank-transfer/generate", json!({"order_id": id})).expect(200);
    admin().client.post("/api/payment/bank-transfer/receive", json!({"order_id": id, "amount_minor": 700})).expect(200);
    assert_eq!(review(DIGITAL).expect(201)["review"]["verified_purchase"], true);
    let listed = site().client().get(&format!("/api/products/{DIGITAL}/reviews")).expect(200);
    let mine = listed["reviews"].as_array().unwrap().iter().find(|r| r["text"] == "Great").cloned().unwrap();
    assert_eq!(mine["verified_purchase"], true);
}
