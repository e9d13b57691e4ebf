//! Unpaid orders expire and give their stock back. This binary's site gives
//! orders no time to be paid (`ORDER_PAYMENT_MINUTES=0`).

use reqwest::Method;
use serde_json::json;
use webox_e2e::{repo_root, site_with_settings, unique, Site};

const PLENTY: &str = "e2e00000000000000000000000000100";

fn site() -> &'static Site {
    site_with_settings(Some(&repo_root().join("tests/fixtures/orders.sql")), &[("ORDER_PAYMENT_MINUTES", "0")])
}

fn stock() -> i64 {
    site().client().get(&format!("/api/products/{PLENTY}")).expect(200)["product"]["stock"].as_i64().unwrap()
}

#[test]
fn an_unpaid_order_expires_returns_its_stock_and_cannot_be_paid() {
    let user = site().new_user();
    let before = stock();
    user.client.post("/api/cart/add", json!({"product_id": PLENTY, "quantity": 7})).expect(200);
    let reply = user.client.send(
        user.client.request(Method::POST, "/api/orders/checkout").header("Idempotency-Key", unique("k-")).json(&json!({"payment_method": "bank_transfer"})),
    );
    let order = reply.expect(201)["order"]["order_id"].as_str().unwrap().to_owned();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let detail = user.client.get(&format!("/api/orders/{order}")).expect(200);
    assert_eq!(detail["order"]["status"], "expired");
    let last = detail["order"]["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["actor_kind"].as_str(), last["note"].as_str()), (Some("system"), Some("not paid in time")));
    assert_eq!(stock(), before, "the reserved units are back");
    user.client.post("/api/payment/bank-transfer/generate", json!({"order_id": order})).expect_error(409, "order_not_payable");
    user.client.post(&format!("/api/orders/{order}/cancel"), json!({})).expect_error(409, "invalid_status_transition");
    assert_eq!(user.client.get("/api/orders/list").expect(200)["orders"][0]["status"], "expired");
}
