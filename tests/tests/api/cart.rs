//! /api/cart/*: anonymous and signed-in carts, stock, promo codes, merging at login.

use reqwest::Method;
use serde_json::{json, Value};
use webox_e2e::{site, Client};

/// The id of a demo product, by slug.
fn id(slug: &str) -> String {
    site().client().get(&format!("/api/products/{slug}")).expect(200)["product"]["id"].as_str().unwrap().to_owned()
}

/// A client that keeps the anonymous cart cookie like a browser.
fn shopper() -> Client {
    site().client().with_cookies()
}

fn line<'a>(cart: &'a Value, product_id: &str) -> &'a Value {
    cart["cart"]["lines"].as_array().unwrap().iter().find(|l| l["product_id"] == product_id).expect("a line for the product")
}

#[test]
fn an_anonymous_cart_adds_updates_and_totals_in_minor_units() {
    let c = shopper();
    let empty = c.get("/api/cart").expect(200);
    assert_eq!(empty["cart"]["lines"], json!([]));
    assert_eq!(empty["cart"]["total_minor"], 0);
    let (lofi, synth) = (id("lo-fi-beats-vol-1"), id("synthwave-loops"));
    let reply = c.post("/api/cart/add", json!({"product_id": lofi}));
    let cookie = reply.header("set-cookie").expect("a cart cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    c.post("/api/cart/add", json!({"product_id": lofi, "quantity": 2})).expect(200);
    let cart = c.post("/api/cart/add", json!({"product_id": synth})).expect(200);
    let l = line(&cart, &lofi);
    assert_eq!(l["quantity"], 3);
    assert_eq!(l["line_total_minor"], l["unit_price_minor"].as_i64().unwrap() * 3);
    let subtotal: i64 = cart["cart"]["lines"].as_array().unwrap().iter().map(|l| l["line_total_minor"].as_i64().unwrap()).sum();
    assert_eq!(cart["cart"]["subtotal_minor"], subtotal);
    assert_eq!(cart["cart"]["total_minor"], subtotal);
    assert_eq!(cart["cart"]["item_count"], 4);
    assert_eq!(cart["cart"]["currency"], "EUR");
    let cart = c.post("/api/cart/update", json!({"product_id": lofi, "quantity": 1})).expect(200);
    assert_eq!(line(&cart, &lofi)["quantity"], 1);
    let cart = c.post("/api/cart/update", json!({"product_id": lofi, "quantity": 0})).expect(200);
    assert_eq!(cart["cart"]["lines"].as_array().unwrap().len(), 1);
    let cart = c.post("/api/cart/remove", json!({"product_id": synth})).expect(200);
    assert_eq!(cart["cart"]["lines"], json!([]));
    // Another visitor has another cart.
    assert_eq!(shopper().get("/api/cart").expect(200)["cart"]["item_count"], 0);
}

#[test]
fn stock_limits_quantities_with_the_available_count() {
    let c = shopper();
    let hoodie = site().client().get("/api/products/webox-hoodie").expect(200)["product"].clone();
    let stock = hoodie["stock"].as_i64().unwrap();
    let body = c.post("/api/cart/add", json!({"product_id": hoodie["id"], "quantity": stock + 1})).expect_error(409, "insufficient_stock");
    assert_eq!(body["available"], stock);
    c.post("/api/cart/add", json!({"product_id": hoodie["id"], "quantity": stock})).expect(200);
    c.post("/api/cart/add", json!({"product_id": hoodie["id"]})).expect_error(409, "insufficient_stock");
    let sold_out = id("creator-sticker-pack");
    c.post("/api/cart/add", json!({"product_id": sold_out})).expect_error(409, "insufficient_stock");
    assert_eq!(line(&c.get("/api/cart").expect(200), hoodie["id"].as_str().unwrap())["quantity"], stock);
}

#[test]
fn cart_bad_inputs_change_nothing() {
    let c = shopper();
    let lofi = id("lo-fi-beats-vol-1");
    c.post("/api/cart/add", json!({"product_id": lofi})).expect(200);
    let before = c.get("/api/cart").expect(200);
    c.post("/api/cart/add", json!({})).expect_field_error(400, "missing_field", "product_id");
    c.post("/api/cart/add", json!({"product_id": lofi, "quantity": 0})).expect_field_error(400, "invalid_quantity", "quantity");
    c.post("/api/cart/add", json!({"product_id": lofi, "quantity": 1.5})).expect_field_error(400, "invalid_field_type", "quantity");
    c.post("/api/cart/add", json!({"product_id": lofi, "quantity": "2"})).expect_field_error(400, "invalid_field_type", "quantity");
    c.post("/api/cart/add", json!({"product_id": lofi, "quantity": 100})).expect_field_error(400, "invalid_quantity", "quantity");
    c.post("/api/cart/add", json!({"product_id": lofi, "quantity": 99})).expect_field_error(400, "invalid_quantity", "quantity");
    c.post("/api/cart/add", json!({"product_id": "nope"})).expect_error(404, "not_found");
    c.post("/api/cart/update", json!({"product_id": lofi})).expect_field_error(400, "missing_field", "quantity");
    c.post("/api/cart/update", json!({"product_id": lofi, "quantity": -1})).expect_field_error(400, "invalid_quantity", "quantity");
    c.post("/api/cart/update", json!({"product_id": id("synthwave-loops"), "quantity": 2})).expect_field_error(404, "not_in_cart", "product_id");
    c.post("/api/cart/remove", json!({"product_id": "nope"})).expect_field_error(404, "not_in_cart", "product_id");
    c.raw(Method::POST, "/api/cart/add", "application/json", "{oops").expect_error(400, "invalid_json");
    assert_eq!(c.get("/api/cart").expect(200), before);
}

#[test]
fn promo_codes_discount_or_say_why_not() {
    let c = shopper();
    c.post("/api/cart/promo", json!({"code": "WELCOME10"})).expect_field_error(422, "promo_not_applicable", "code");
    let course = site().client().get("/api/products/ai-video-masterclass").expect(200)["product"].clone();
    c.post("/api/cart/add", json!({"product_id": course["id"]})).expect(200);
    let price = course["price_minor"].as_i64().unwrap();
    let cart = c.post("/api/cart/promo", json!({"code": " welcome10 "})).expect(200);
    assert_eq!(cart["cart"]["promo"]["code"], "WELCOME10");
    assert_eq!(cart["cart"]["promo"]["applied"], true);
    assert_eq!(cart["cart"]["discount_minor"], (price * 1000 + 5000) / 10000);
    assert_eq!(cart["cart"]["total_minor"], price - cart["cart"]["discount_minor"].as_i64().unwrap());
    for (code, error) in [
        ("NOSUCHCODE", (404, "promo_unknown")),
        ("SUMMER2025", (422, "promo_expired")),
        ("SOLDOUT", (422, "promo_exhausted")),
        ("NEXTYEAR", (422, "promo_not_started")),
        ("MUSIC20", (422, "promo_not_applicable")),
    ] {
        c.post("/api/cart/promo", json!({"code": code})).expect_field_error(error.0, error.1, "code");
    }
    c.post("/api/cart/promo", json!({"code": "x"})).expect_field_error(400, "invalid_promo_code", "code");
    // The refused codes did not replace the good one.
    assert_eq!(c.get("/api/cart").expect(200)["cart"]["promo"]["code"], "WELCOME10");
    let cart = c.send(c.request(Method::DELETE, "/api/cart/promo")).expect(200);
    assert!(cart["cart"]["promo"].is_null());
    assert_eq!(cart["cart"]["discount_minor"], 0);
}

#[test]
fn a_code_that_stops_applying_stays_but_shows_why() {
    let c = shopper();
    // SAVE5 takes 5.00 off from 20.00 up; these images cost 7.99.
    let images = id("neon-city-nights");
    c.post("/api/cart/add", json!({"product_id": images})).expect(200);
    c.post("/api/cart/promo", json!({"code": "SAVE5"})).expect_field_error(422, "promo_below_minimum", "code");
    c.post("/api/cart/update", json!({"product_id": images, "quantity": 3})).expect(200);
    let cart = c.post("/api/cart/promo", json!({"code": "SAVE5"})).expect(200);
    assert_eq!(cart["cart"]["discount_minor"], 500);
    let cart = c.post("/api/cart/update", json!({"product_id": images, "quantity": 1})).expect(200);
    assert_eq!(cart["cart"]["promo"]["applied"], false);
    assert_eq!(cart["cart"]["promo"]["reason"]["code"], "promo_below_minimum");
    assert_eq!(cart["cart"]["discount_minor"], 0);
}

#[test]
fn the_anonymous_cart_merges_into_the_account_at_login() {
    let user = site().new_user();
    let hoodie = site().client().get("/api/products/webox-hoodie").expect(200)["product"].clone();
    let stock = hoodie["stock"].as_i64().unwrap();
    let lofi = id("lo-fi-beats-vol-1");
    // The account already holds some hoodies...
    user.client.post("/api/cart/add", json!({"product_id": hoodie["id"], "quantity": stock - 1})).expect(200);
    // ... and the same person, signed out, fills a guest cart.
    let guest = shopper();
    guest.post("/api/cart/add", json!({"product_id": hoodie["id"], "quantity": 3})).expect(200);
    guest.post("/api/cart/add", json!({"product_id": lofi, "quantity": 2})).expect(200);
    let login = guest.post("/api/auth/login", json!({"email": user.email, "password": user.password})).expect(200);
    let signed_in = guest.with_token(login["access_token"].as_str().unwrap());
    let reply = signed_in.get("/api/cart");
    let cart = reply.expect(200);
    assert_eq!(line(&cart, hoodie["id"].as_str().unwrap())["quantity"], stock, "quantities add up, capped by stock");
    assert_eq!(line(&cart, &lofi)["quantity"], 2);
    assert!(reply.header("set-cookie").unwrap().contains("Max-Age=0"), "the guest cart cookie is dropped");
    // The same cart from the account's other session; the guest cart is gone.
    assert_eq!(user.client.get("/api/cart").expect(200)["cart"]["item_count"], stock + 2);
    assert_eq!(signed_in.without_token().get("/api/cart").expect(200)["cart"]["item_count"], 0);
}

#[test]
fn a_plan_goes_in_the_cart_like_a_product() {
    let c = shopper();
    let pro = site().client().get("/api/products/plan-pro").expect(200);
    assert_eq!(pro["plan"]["monthly_credits"], 2000);
    let cart = c.post("/api/cart/add", json!({"product_id": pro["product"]["id"]})).expect(200);
    assert_eq!(cart["cart"]["total_minor"], 1900);
}

#[test]
fn clearing_empties_the_cart() {
    let c = shopper();
    c.post("/api/cart/add", json!({"product_id": id("synthwave-loops")})).expect(200);
    let cart = c.send(c.request(Method::DELETE, "/api/cart")).expect(200);
    assert_eq!(cart["cart"]["item_count"], 0);
    assert_eq!(c.get("/api/cart").expect(200)["cart"]["lines"], json!([]));
}
