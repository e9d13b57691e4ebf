//! Buying in a real browser: two products in the cart, checkout, and payment
//! with each method against the simulator (Stripe test card, PayPal approval
//! page, bank transfer recorded by an admin) until the order shows paid,
//! with its timeline and invoice.

use serde_json::json;
use webox_e2e::browser::Browser;
use webox_e2e::site;

/// Two products into the cart from the marketplace, then to checkout with
/// `method`; returns the new order's id once the payment section shows.
fn check_out(browser: &Browser, method: &str) -> String {
    browser.goto(&format!("{}/marketplace", site().base));
    browser.wait_ready();
    browser.wait_until("document.querySelectorAll('#results .product-card .add-to-cart:not([disabled])').length >= 2");
    browser.find("#results .product-card:nth-child(1) .add-to-cart").click();
    browser.wait_until("document.querySelector('#cart-status').textContent.includes('1 item')");
    browser.find("#results .product-card:nth-child(2) .add-to-cart").click();
    browser.wait_until("document.querySelector('#cart-status').textContent.includes('2 items')");
    browser.goto(&format!("{}/cart", site().base));
    browser.wait_ready();
    browser.find("#cart-checkout").click();
    browser.wait_until("location.pathname === '/checkout'");
    browser.wait_ready();
    browser.wait_until("!document.querySelector('#place').hidden && document.querySelectorAll('#place-lines tr').length === 2");
    browser.run("document.querySelector(`input[name=payment_method][value=${arguments[0]}]`).click()", json!([method]));
    browser.find("#place-submit").click();
    browser.wait_until("!document.querySelector('#pay').hidden && new URLSearchParams(location.search).has('order')");
    browser.run("return new URLSearchParams(location.search).get('order')", json!([])).as_str().unwrap().to_owned()
}

fn see_paid(browser: &Browser, order: &str) {
    browser.wait_until("!document.querySelector('#pay-done').hidden");
    browser.find("#pay-done-link").click();
    browser.wait_until("location.pathname === '/order'");
    browser.wait_ready();
    assert!(browser.url().contains(order));
    browser.wait_until("document.querySelector('#order-status').dataset.status === 'paid'");
    browser.wait_until("[...document.querySelectorAll('#order-timeline li')].map(li => li.dataset.status).join() === 'pending_payment,paid'");
    browser.wait_until("document.querySelectorAll('#order-lines tr').length === 2");
    // The invoice is there and downloads as a PDF.
    browser.wait_until("!document.querySelector('#order-invoice').hidden");
    let pdf = browser.run_async(
        "const done = arguments[0]; fetch(`/api/orders/${new URLSearchParams(location.search).get('id')}/invoice`, \
         {headers: {Authorization: `Bearer ${sessionStorage.getItem('webox.access')}`}}) \
         .then(r => r.arrayBuffer().then(b => [r.status, r.headers.get('content-type'), new TextDecoder().decode(b.slice(0, 8))])).then(done);",
        json!([]),
    );
    assert_eq!(pdf, json!([200, "application/pdf", "%PDF-1.4"]));
}

#[test]
fn a_buyer_pays_two_products_with_each_method_and_sees_the_order_paid() {
    let user = site().new_user();
    let browser = Browser::start();
    browser.log_in(&site().base, &user);

    // Card, through the Stripe simulator's test card.
    let card = check_out(&browser, "stripe");
    browser.wait_until("!document.querySelector('#stripe-test').hidden");
    browser.select("#stripe-test-card", "pm_card_chargeDeclined");
    browser.find("#stripe-pay").click();
    browser.wait_until("document.querySelector('#checkout-status').textContent.includes('declined')");
    browser.select("#stripe-test-card", "pm_card_visa");
    browser.find("#stripe-pay").click();
    see_paid(&browser, &card);

    // PayPal: off to the approval page, back to checkout, captured.
    let paypal = check_out(&browser, "paypal");
    browser.find("#paypal-pay").click();
    browser.wait_until("location.pathname === '/checkoutnow'");
    browser.find("#paypal-approve").click();
    browser.wait_until("location.pathname === '/checkout' && location.search.includes('paypal=return')");
    see_paid(&browser, &paypal);

    // Bank transfer: the instructions, then the transfer arrives.
    let bank = check_out(&browser, "bank_transfer");
    browser.wait_until("document.querySelector('#bank-reference').textContent.startsWith('RF')");
    let iban = browser.find("#bank-iban").text();
    assert!(iban.starts_with("FR76 3000"), "{iban}");
    let total = user.client.get(&format!("/api/orders/{bank}")).expect(200)["order"]["total_minor"].as_i64().unwrap();
    let admin = site().login(webox_e2e::ADMIN.0, webox_e2e::ADMIN.1);
    admin.client.post("/api/payment/bank-transfer/receive", json!({"order_id": bank, "amount_minor": total})).expect(200);
    see_paid(&browser, &bank);

    // All three in the order history, newest first.
    browser.goto(&format!("{}/orders", site().base));
    browser.wait_ready();
    let rows = browser.run("return [...document.querySelectorAll('#orders-rows tr')].map(tr => tr.dataset.orderId)", json!([]));
    assert_eq!(rows, json!([bank, paypal, card]));
}
