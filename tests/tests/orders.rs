//! /api/orders/*: checkout, idempotency, stock under concurrency, list,
//! detail, cancellation. Runs its own site with products of its own.

use std::sync::{Arc, Barrier};

use reqwest::Method;
use serde_json::{json, Value};
use webox_e2e::{repo_root, site_with, unique, Site, User};

const FIVE_LEFT: &str = "e2e00000000000000000000000000005";
const PLENTY: &str = "e2e00000000000000000000000000100";
const DIGITAL: &str = "e2e0000000000000000000000000digi";
const CANCEL_ME: &str = "e2e000000000000000000000000cance";
const ONE_LEFT: &str = "e2e000000000000000000000000one01";
const BAD_INPUTS: &str = "e2e000000000000000000000000badin";

fn site() -> &'static Site {
    site_with(&repo_root().join("tests/fixtures/orders.sql"))
}

fn stock(product: &str) -> i64 {
    site().client().get(&format!("/api/products/{product}")).expect(200)["product"]["stock"].as_i64().unwrap()
}

fn checkout(user: &User, method: &str, key: &str) -> webox_e2e::Reply {
    user.client.send(user.client.request(Method::POST, "/api/orders/checkout").header("Idempotency-Key", key).json(&json!({"payment_method": method})))
}

fn fill(user: &User, items: &[(&str, i64)]) {
    for (product, quantity) in items {
        user.client.post("/api/cart/add", json!({"product_id": product, "quantity": quantity})).expect(200);
    }
}

#[test]
fn checkout_turns_the_cart_into_an_order_and_reserves_stock() {
    let user = site().new_user();
    let before = stock(PLENTY);
    fill(&user, &[(PLENTY, 3), (DIGITAL, 2)]);
    user.client.post("/api/cart/promo", json!({"code": "WELCOME10"})).expect(200);
    let body = checkout(&user, "bank_transfer", &unique("key-")).expect(201);
    let order = &body["order"];
    assert_eq!(order["status"], "pending_payment");
    assert_eq!(order["payment_method"], "bank_transfer");
    assert_eq!(order["subtotal_minor"], 3 * 1000 + 2 * 700);
    assert_eq!(order["discount_minor"], 440);
    assert_eq!(order["total_minor"], 4400 - 440);
    assert_eq!(order["promo_code"], "WELCOME10");
    assert_eq!(order["lines"].as_array().unwrap().len(), 2);
    assert_eq!(order["lines"][0]["title"], "Plenty");
    assert_eq!(order["history"][0]["to_status"], "pending_payment");
    assert!(order["expires_at"].as_i64().unwrap() > order["created_at"].as_i64().unwrap());
    assert_eq!(stock(PLENTY), before - 3);
    assert_eq!(user.client.get("/api/cart").expect(200)["cart"]["item_count"], 0, "the cart is emptied");
    let emails = site().wait_for_emails(&user.email, 2);
    let confirmation = emails.iter().find(|e| e["subject"] == "Your WeBox order").expect("an order confirmation");
    assert!(confirmation["text"].as_str().unwrap().contains("Total: 39.60 EUR"), "{confirmation}");
    // WELCOME10 is once per user: a second order cannot use it.
    fill(&user, &[(DIGITAL, 1)]);
    user.client.post("/api/cart/promo", json!({"code": "WELCOME10"})).expect_field_error(422, "promo_already_used", "code");
}

#[test]
fn the_same_idempotency_key_gives_the_same_order() {
    let user = site().new_user();
    fill(&user, &[(PLENTY, 1)]);
    let key = unique("retry-");
    let first = checkout(&user, "stripe", &key).expect(201);
    let again = checkout(&user, "stripe", &key).expect(200);
    assert_eq!(first["order"]["order_id"], again["order"]["order_id"]);
    assert_eq!(user.client.get("/api/orders/list").expect(200)["total"], 1);
}

#[test]
fn fifty_concurrent_checkouts_never_oversell() {
    let buyers: Vec<User> = (0..50).map(|_| site().new_user()).collect();
    for buyer in &buyers {
        fill(buyer, &[(FIVE_LEFT, 1)]);
    }
    let barrier = Arc::new(Barrier::new(buyers.len()));
    let results: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = buyers
            .iter()
            .map(|buyer| {
                let barrier = Arc::clone(&barrier);
                scope.spawn(move || {
                    barrier.wait();
                    let reply = checkout(buyer, "paypal", &unique("race-"));
                    (reply.status, reply.json())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a buyer thread")).collect()
    });
    let won = results.iter().filter(|(status, _)| *status == 201).count();
    let refused = results.iter().filter(|(status, body)| *status == 409 && body["code"] == "insufficient_stock").count();
    assert_eq!((won, refused), (5, 45), "{results:?}");
    assert_eq!(stock(FIVE_LEFT), 0);
    let orders = site().query(&format!("SELECT COUNT(*) AS n FROM order_lines WHERE product_id = '{FIVE_LEFT}'"));
    assert_eq!(orders[0]["n"], 5, "no order left behind by a failed reservation");
}

#[test]
fn cancelling_returns_stock_and_cannot_happen_twice() {
    let user = site().new_user();
    let before = stock(CANCEL_ME);
    fill(&user, &[(CANCEL_ME, 4)]);
    let id = checkout(&user, "stripe", &unique("k-")).expect(201)["order"]["order_id"].as_str().unwrap().to_owned();
    assert_eq!(stock(CANCEL_ME), before - 4);
    let body = user.client.post(&format!("/api/orders/{id}/cancel"), json!({})).expect(200);
    assert_eq!(body["order"]["status"], "cancelled");
    assert_eq!(body["order"]["history"][1]["from_status"], "pending_payment");
    assert_eq!(body["order"]["history"][1]["actor_kind"], "user");
    assert_eq!(stock(CANCEL_ME), before);
    let again = user.client.post(&format!("/api/orders/{id}/cancel"), json!({})).expect_error(409, "invalid_status_transition");
    assert!(again["message"].as_str().unwrap().contains("cancelled"));
    assert_eq!(stock(CANCEL_ME), before, "stock comes back once");
}

#[test]
fn orders_are_private_and_listed_newest_first() {
    let user = site().new_user();
    let other = site().new_user();
    let mut ids = Vec::new();
    for _ in 0..3 {
        fill(&user, &[(DIGITAL, 1)]);
        ids.push(checkout(&user, "bank_transfer", &unique("k-")).expect(201)["order"]["order_id"].as_str().unwrap().to_owned());
    }
    let list = user.client.get("/api/orders/list?per_page=2").expect(200);
    assert_eq!(list["total"], 3);
    assert_eq!(list["orders"].as_array().unwrap().len(), 2);
    let page2 = user.client.get("/api/orders/list?per_page=2&page=2").expect(200);
    assert_eq!(page2["orders"].as_array().unwrap().len(), 1);
    user.client.get(&format!("/api/orders/{}", ids[0])).expect(200);
    other.client.get(&format!("/api/orders/{}", ids[0])).expect_error(404, "not_found");
    other.client.post(&format!("/api/orders/{}/cancel", ids[0]), json!({})).expect_error(404, "not_found");
    assert_eq!(other.client.get("/api/orders/list").expect(200)["orders"], json!([]));
    site().client().get("/api/orders/list").expect_error(401, "unauthorized");
    user.client.get("/api/orders/list?page=0").expect_field_error(400, "invalid_value", "page");
    user.client.get("/api/orders/nope").expect_error(404, "not_found");
}

#[test]
fn checkout_bad_inputs_change_nothing() {
    let user = site().new_user();
    checkout(&user, "stripe", &unique("k-")).expect_error(409, "cart_empty");
    fill(&user, &[(BAD_INPUTS, 1)]);
    let before = stock(BAD_INPUTS);
    let no_key = user.client.post("/api/orders/checkout", json!({"payment_method": "stripe"}));
    no_key.expect_field_error(400, "invalid_idempotency_key", "Idempotency-Key");
    checkout(&user, "stripe", "short").expect_field_error(400, "invalid_idempotency_key", "Idempotency-Key");
    checkout(&user, "bitcoin", &unique("k-")).expect_field_error(400, "invalid_value", "payment_method");
    let missing = user.client.send(user.client.request(Method::POST, "/api/orders/checkout").header("Idempotency-Key", unique("k-")).json(&json!({})));
    missing.expect_field_error(400, "missing_field", "payment_method");
    site().client().post("/api/orders/checkout", json!({"payment_method": "stripe"})).expect_error(401, "unauthorized");
    assert_eq!(stock(BAD_INPUTS), before);
    assert_eq!(user.client.get("/api/orders/list").expect(200)["total"], 0);
    assert_eq!(user.client.get("/api/cart").expect(200)["cart"]["item_count"], 1, "the cart is kept");
}

#[test]
fn a_cart_whose_last_unit_was_sold_meanwhile_is_refused_at_checkout() {
    let (first, second) = (site().new_user(), site().new_user());
    fill(&first, &[(ONE_LEFT, 1)]);
    fill(&second, &[(ONE_LEFT, 1)]);
    checkout(&first, "stripe", &unique("k-")).expect(201);
    let refused = checkout(&second, "stripe", &unique("k-")).expect_error(409, "insufficient_stock");
    assert_eq!(refused["available"], 0);
    assert_eq!(second.client.get("/api/orders/list").expect(200)["total"], 0);
    assert_eq!(stock(ONE_LEFT), 0);
}

fn admin() -> User {
    site().login(webox_e2e::ADMIN.0, webox_e2e::ADMIN.1)
}

fn bank_order(user: &User, items: &[(&str, i64)]) -> String {
    fill(user, items);
    checkout(user, "bank_transfer", &unique("k-")).expect(201)["order"]["order_id"].as_str().unwrap().to_owned()
}

/// ISO 11649: RF + 2 check digits; moving the first four characters to the end gives 1 mod 97.
fn rf_is_valid(reference: &str) -> bool {
    let rearranged = format!("{}{}", &reference[4..], &reference[..4]);
    let digits: String = rearranged.chars().map(|c| if c.is_ascii_digit() { c.to_string() } else { (c as u32 - 'A' as u32 + 10).to_string() }).collect();
    digits.bytes().fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97) == 1
}

#[test]
fn bank_transfer_gives_a_checked_reference_and_the_account_to_pay() {
    let user = site().new_user();
    let order = bank_order(&user, &[(DIGITAL, 2)]);
    let body = user.client.post("/api/payment/bank-transfer/generate", json!({"order_id": order})).expect(200)["bank_transfer"].clone();
    let reference = body["reference"].as_str().unwrap();
    assert!(reference.starts_with("RF") && reference.len() == 21, "{reference}");
    assert!(rf_is_valid(reference));
    assert_eq!(body["reference_grouped"].as_str().unwrap().replace(' ', ""), reference);
    assert_eq!(body["amount_minor"], 1400);
    assert_eq!(body["currency"], "EUR");
    assert_eq!(body["beneficiary"]["iban"], "FR7630006000011234567890189");
    assert_eq!(body["status"], "pending");
    let again = user.client.post("/api/payment/bank-transfer/generate", json!({"order_id": order})).expect(200);
    assert_eq!(again["bank_transfer"]["reference"], reference, "the same reference every time");
    site().new_user().client.post("/api/payment/bank-transfer/generate", json!({"order_id": order})).expect_error(404, "not_found");
    user.client.post("/api/payment/bank-transfer/generate", json!({})).expect_field_error(400, "missing_field", "order_id");
    fill(&user, &[(DIGITAL, 1)]);
    let card = checkout(&user, "stripe", &unique("k-")).expect(201)["order"]["order_id"].as_str().unwrap().to_owned();
    user.client.post("/api/payment/bank-transfer/generate", json!({"order_id": card})).expect_error(409, "wrong_payment_method");
}

#[test]
fn partial_transfers_add_up_until_the_order_is_paid() {
    let user = site().new_user();
    let order = bank_order(&user, &[(DIGITAL, 3)]);
    user.client.post("/api/payment/bank-transfer/generate", json!({"order_id": order})).expect(200);
    let admin = admin();
    let receive = |amount: i64| admin.client.post("/api/payment/bank-transfer/receive", json!({"order_id": order, "amount_minor": amount, "note": "statement line"}));
    user.client.post("/api/payment/bank-transfer/receive", json!({"order_id": order, "amount_minor": 100})).expect_error(403, "forbidden");
    receive(0).expect_field_error(400, "invalid_amount", "amount_minor");
    admin.client.post("/api/payment/bank-transfer/receive", json!({"order_id": order, "amount_minor": 1.5})).expect_field_error(400, "invalid_field_type", "amount_minor");
    let first = receive(1000).expect(200);
    assert_eq!(first["order_status"], "pending_payment");
    assert_eq!(first["bank_transfer"]["status"], "partially_received");
    assert_eq!(first["bank_transfer"]["received_minor"], 1000);
    let second = receive(1100).expect(200);
    assert_eq!(second["order_status"], "paid");
    assert_eq!(second["bank_transfer"]["status"], "succeeded");
    let detail = user.client.get(&format!("/api/orders/{order}")).expect(200);
    let paid = detail["order"]["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((paid["to_status"].as_str(), paid["actor_kind"].as_str()), (Some("paid"), Some("admin")));
    receive(100).expect_error(409, "order_not_payable");
    let receipts = site().query(&format!(
        "SELECT COUNT(*) AS n, SUM(r.amount_minor) AS total FROM bank_transfer_receipts r JOIN payments p ON p.id = r.payment_id WHERE p.order_id = '{order}'"
    ));
    assert_eq!((receipts[0]["n"].as_i64(), receipts[0]["total"].as_i64()), (Some(2), Some(2100)));
}

#[test]
fn a_paid_plan_becomes_the_accounts_plan_with_its_credits() {
    let user = site().new_user();
    let pro = site().client().get("/api/products/plan-pro").expect(200)["product"]["id"].as_str().unwrap().to_owned();
    let order = bank_order(&user, &[(pro.as_str(), 1)]);
    user.client.post("/api/payment/bank-transfer/generate", json!({"order_id": order})).expect(200);
    admin().client.post("/api/payment/bank-transfer/receive", json!({"order_id": order, "amount_minor": 1900})).expect(200);
    let stats = user.client.get("/api/profile/stats").expect(200);
    assert_eq!(stats["stats"]["credits"], 2000);
    let plan = site().query(&format!("SELECT plan_product_id FROM account_plans WHERE user_id = '{}'", user.id));
    assert_eq!(plan[0]["plan_product_id"], pro.as_str());
}

/// What Stripe.js does in the browser: confirm the PaymentIntent with a card.
fn pay_with_card(intent: &str, card: &str) -> u16 {
    let url = format!("{}/v1/payment_intents/{intent}/confirm", site().simulator);
    reqwest::blocking::Client::new()
        .post(url)
        .bearer_auth(webox_e2e::STRIPE_SECRET_KEY)
        .form(&[("payment_method", card)])
        .send()
        .expect("the simulator answers")
        .status()
        .as_u16()
}

#[test]
fn stripe_pays_an_order_once_stripe_says_it_succeeded() {
    let user = site().new_user();
    fill(&user, &[(DIGITAL, 2)]);
    let order = checkout(&user, "stripe", &unique("k-")).expect(201)["order"]["order_id"].as_str().unwrap().to_owned();
    let intent = user.client.post("/api/payment/stripe/create-intent", json!({"order_id": order})).expect(200);
    let id = intent["payment_intent_id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("pi_"));
    assert!(intent["client_secret"].as_str().unwrap().starts_with(&format!("{id}_secret_")));
    assert_eq!((intent["amount_minor"].as_i64(), intent["currency"].as_str()), (Some(1400), Some("EUR")));
    // Asking again gives the same PaymentIntent.
    assert_eq!(user.client.post("/api/payment/stripe/create-intent", json!({"order_id": order})).expect(200)["payment_intent_id"], id.as_str());
    // Not paid yet: confirming says so and changes nothing.
    user.client.post("/api/payment/stripe/confirm", json!({"order_id": order})).expect_error(402, "payment_not_completed");
    assert_eq!(pay_with_card(&id, "pm_card_chargeDeclined"), 402);
    user.client.post("/api/payment/stripe/confirm", json!({"order_id": order})).expect_error(402, "payment_not_completed");
    assert_eq!(user.client.get(&format!("/api/orders/{order}")).expect(200)["order"]["status"], "pending_payment");
    assert_eq!(pay_with_card(&id, "pm_card_visa"), 200);
    let confirmed = user.client.post("/api/payment/stripe/confirm", json!({"order_id": order})).expect(200);
    assert_eq!((confirmed["payment_status"].as_str(), confirmed["order_status"].as_str()), (Some("succeeded"), Some("paid")));
    // Confirming twice settles once.
    user.client.post("/api/payment/stripe/confirm", json!({"order_id": order})).expect(200);
    let history = user.client.get(&format!("/api/orders/{order}")).expect(200)["order"]["history"].clone();
    assert_eq!(history.as_array().unwrap().iter().filter(|h| h["to_status"] == "paid").count(), 1);
    assert_eq!(history.as_array().unwrap().last().unwrap()["actor_kind"], "provider");
    user.client.post("/api/payment/stripe/create-intent", json!({"order_id": order})).expect_error(409, "order_not_payable");
    // A paid order cancelled by its buyer is refunded through Stripe first.
    let cancelled = user.client.post(&format!("/api/orders/{order}/cancel"), json!({})).expect(200)["order"].clone();
    assert_eq!((cancelled["status"].as_str(), cancelled["refund"]["provider"].as_str()), (Some("cancelled"), Some("stripe")));
}

#[test]
fn stripe_routes_refuse_other_orders_and_methods() {
    let user = site().new_user();
    fill(&user, &[(DIGITAL, 1)]);
    let bank = checkout(&user, "bank_transfer", &unique("k-")).expect(201)["order"]["order_id"].as_str().unwrap().to_owned();
    user.client.post("/api/payment/stripe/create-intent", json!({"order_id": bank})).expect_error(409, "wrong_payment_method");
    site().new_user().client.post("/api/payment/stripe/create-intent", json!({"order_id": bank})).expect_error(404, "not_found");
    user.client.post("/api/payment/stripe/create-intent", json!({})).expect_field_error(400, "missing_field", "order_id");
    site().client().post("/api/payment/stripe/confirm", json!({"order_id": bank})).expect_error(401, "unauthorized");
    fill(&user, &[(DIGITAL, 1)]);
    let card = checkout(&user, "stripe", &unique("k-")).expect(201)["order"]["order_id"].as_str().unwrap().to_owned();
    user.client.post("/api/payment/stripe/confirm", json!({"order_id": card})).expect_error(409, "no_payment");
    // Stripe down: a clear 502, and nothing recorded.
    site().inject_fault("stripe", 503, 1, &card);
    user.client.post("/api/payment/stripe/create-intent", json!({"order_id": card})).expect_error(502, "provider_unavailable");
    assert!(site().query(&format!("SELECT id FROM payments WHERE order_id = '{card}'")).is_empty());
    user.client.post("/api/payment/stripe/create-intent", json!({"order_id": card})).expect(200);
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn stripe_signature(t: i64, body: &str, secret: &str) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn deliver(body: &str, signature: &str) -> webox_e2e::Reply {
    let c = site().client();
    c.send(c.request(Method::POST, "/api/payment/stripe/webhook").header("Stripe-Signature", signature).header("Content-Type", "application/json").body(body.to_owned()))
}

/// An order paid by card whose PaymentIntent exists; returns (order id, intent id).
fn stripe_order(user: &User) -> (String, String) {
    fill(user, &[(DIGITAL, 1)]);
    let order = checkout(user, "stripe", &unique("k-")).expect(201)["order"]["order_id"].as_str().unwrap().to_owned();
    let intent = user.client.post("/api/payment/stripe/create-intent", json!({"order_id": order})).expect(200)["payment_intent_id"].as_str().unwrap().to_owned();
    (order, intent)
}

fn event(id: &str, kind: &str, object: Value) -> String {
    json!({"id": id, "object": "event", "type": kind, "created": now(), "data": {"object": object}}).to_string()
}

#[test]
fn stripe_webhooks_with_bad_signatures_are_refused_and_write_nothing() {
    let user = site().new_user();
    let (order, intent) = stripe_order(&user);
    let event_id = unique("evt_");
    let body = event(&event_id, "payment_intent.succeeded", json!({"id": intent, "object": "payment_intent"}));
    let secret = webox_e2e::STRIPE_WEBHOOK_SECRET;
    deliver(&body, &stripe_signature(now(), &body, "whsec_wrong")).expect_field_error(400, "signature_invalid", "Stripe-Signature");
    deliver(&body, &stripe_signature(now() - 600, &body, secret)).expect_field_error(400, "signature_expired", "Stripe-Signature");
    let modified = body.replace("payment_intent.succeeded", "charge.refunded");
    deliver(&modified, &stripe_signature(now(), &body, secret)).expect_field_error(400, "signature_invalid", "Stripe-Signature");
    let c = site().client();
    c.send(c.request(Method::POST, "/api/payment/stripe/webhook").body(body.clone())).expect_field_error(400, "signature_missing", "Stripe-Signature");
    assert!(site().query(&format!("SELECT event_id FROM webhook_events WHERE event_id = '{event_id}'")).is_empty());
    assert_eq!(user.client.get(&format!("/api/orders/{order}")).expect(200)["order"]["status"], "pending_payment");
}

#[test]
fn the_same_stripe_event_delivered_three_times_at_once_settles_once() {
    let user = site().new_user();
    let (order, intent) = stripe_order(&user);
    let body = event(&unique("evt_"), "payment_intent.succeeded", json!({"id": intent, "object": "payment_intent", "status": "succeeded"}));
    let signature = stripe_signature(now(), &body, webox_e2e::STRIPE_WEBHOOK_SECRET);
    let barrier = Arc::new(Barrier::new(3));
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let (barrier, body, signature) = (Arc::clone(&barrier), body.clone(), signature.clone());
                scope.spawn(move || {
                    barrier.wait();
                    deliver(&body, &signature).status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(statuses, vec![200, 200, 200]);
    let detail = user.client.get(&format!("/api/orders/{order}")).expect(200)["order"].clone();
    assert_eq!(detail["status"], "paid");
    assert_eq!(detail["history"].as_array().unwrap().iter().filter(|h| h["to_status"] == "paid").count(), 1);
    let emails = site().wait_for_emails(&user.email, 3);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let receipts = site().emails_to(&user.email).iter().filter(|e| e["subject"] == "Payment received for your WeBox order").count();
    assert_eq!((receipts, emails.len() >= 3), (1, true), "one payment email for three deliveries");
    let events = site().query(&format!("SELECT raw_event_ids FROM payments WHERE order_id = '{order}'"));
    assert_eq!(serde_json::from_str::<Vec<String>>(events[0]["raw_event_ids"].as_str().unwrap()).unwrap().len(), 1);
}

#[test]
fn a_refund_event_before_payment_is_retried_later_and_a_failure_is_recorded() {
    let user = site().new_user();
    let (order, intent) = stripe_order(&user);
    let secret = webox_e2e::STRIPE_WEBHOOK_SECRET;
    let refund = event(&unique("evt_"), "charge.refunded", json!({"id": unique("ch_"), "object": "charge", "payment_intent": intent}));
    deliver(&refund, &stripe_signature(now(), &refund, secret)).expect_error(409, "event_out_of_order");
    let failed = event(&unique("evt_"), "payment_intent.payment_failed", json!({"id": intent, "object": "payment_intent"}));
    assert_eq!(deliver(&failed, &stripe_signature(now(), &failed, secret)).expect(200)["outcome"], "payment failed");
    assert_eq!(user.client.get(&format!("/api/orders/{order}")).expect(200)["order"]["status"], "pending_payment");
    let paid = event(&unique("evt_"), "payment_intent.succeeded", json!({"id": intent, "object": "payment_intent"}));
    deliver(&paid, &stripe_signature(now(), &paid, secret)).expect(200);
    // Redelivered, the refund now applies; stock and status follow.
    assert_eq!(deliver(&refund, &stripe_signature(now(), &refund, secret)).expect(200)["outcome"], "payment refunded");
    assert_eq!(user.client.get(&format!("/api/orders/{order}")).expect(200)["order"]["status"], "refunded");
}

#[test]
fn admins_move_orders_along_the_status_table_only() {
    let user = site().new_user();
    let order = bank_order(&user, &[(DIGITAL, 1)]);
    let admin = admin();
    let set = |status: &str| admin.client.post(&format!("/api/admin/orders/{order}/status"), json!({"status": status, "note": "warehouse"}));
    set("shipped").expect_error(409, "invalid_status_transition");
    user.client.post(&format!("/api/admin/orders/{order}/status"), json!({"status": "processing"})).expect_error(403, "forbidden");
    site().client().post(&format!("/api/admin/orders/{order}/status"), json!({"status": "processing"})).expect_error(401, "unauthorized");
    user.client.post("/api/payment/bank-transfer/generate", json!({"order_id": order})).expect(200);
    admin.client.post("/api/payment/bank-transfer/receive", json!({"order_id": order, "amount_minor": 700})).expect(200);
    set("cancelled").expect_error(409, "refund_required");
    set("refunded").expect_field_error(400, "refund_via_provider", "status");
    set("lost").expect_field_error(400, "invalid_value", "status");
    admin.client.post(&format!("/api/admin/orders/{order}/status"), json!({})).expect_field_error(400, "missing_field", "status");
    for status in ["processing", "shipped", "delivered"] {
        assert_eq!(set(status).expect(200)["status"], status);
    }
    set("shipped").expect_error(409, "invalid_status_transition");
    let history = user.client.get(&format!("/api/orders/{order}")).expect(200)["order"]["history"].clone();
    let trail: Vec<&str> = history.as_array().unwrap().iter().map(|h| h["to_status"].as_str().unwrap()).collect();
    assert_eq!(trail, vec!["pending_payment", "paid", "processing", "shipped", "delivered"]);
    assert_eq!(history[4]["actor_kind"], "admin");
    assert_eq!(history[4]["note"], "warehouse");
    admin.client.post("/api/admin/orders/nope/status", json!({"status": "processing"})).expect_error(404, "not_found");
}
