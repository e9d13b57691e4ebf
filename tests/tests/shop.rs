//! The shop in a real browser: search and filter, cart, promo code, reload.

use webox_e2e::browser::Browser;
use webox_e2e::site;

#[test]
fn a_visitor_finds_products_fills_a_cart_and_applies_a_promo_code() {
    let site = site();
    let browser = Browser::start();
    browser.goto(&format!("{}/marketplace", site.base));
    browser.wait_until("!document.querySelector('main').hasAttribute('aria-busy')");
    browser.wait_until("document.querySelectorAll('#results .product-card').length === 12");

    // Search and filter.
    browser.find("#search-q").type_text("beats");
    browser.find("#search-submit").click();
    browser.wait_until("document.querySelector('#results-count').textContent === '1 product'");
    browser.find("#search-q").clear();
    browser.select("#filter-category", "music");
    browser.find("#filter-max-price").type_text("20");
    browser.select("#sort", "price_asc");
    browser.find("#search-submit").click();
    browser.wait_until("location.search.includes('category=music') && location.search.includes('max_price=2000')");
    // Wait for the new results, not the previous search's single card still on screen.
    browser.wait_until("document.querySelector('#results-count').textContent !== '1 product' && document.querySelectorAll('#results .product-card .price').length >= 2");
    let titles = browser.run(
        "return [...document.querySelectorAll('#results .product-card')].map(c => c.querySelector('h3').textContent)",
        serde_json::json!([]),
    );
    assert!(titles.as_array().unwrap().len() >= 2, "{titles}");

    // Add the first two results.
    browser.find("#results .product-card:nth-child(1) .add-to-cart").click();
    browser.wait_until("document.querySelector('#cart-status').textContent.includes('1 item')");
    browser.find("#results .product-card:nth-child(2) .add-to-cart").click();
    browser.wait_until("document.querySelector('#cart-status').textContent.includes('2 items')");

    // Change a quantity in the cart.
    browser.goto(&format!("{}/cart", site.base));
    browser.wait_until("!document.querySelector('main').hasAttribute('aria-busy')");
    browser.wait_until("document.querySelectorAll('#cart-lines tr').length === 2");
    let total_before = browser.find("#cart-total").text();
    browser.run(
        "const i = document.querySelector('#cart-lines tr:first-child .quantity-input'); i.value = '3'; i.dispatchEvent(new Event('change', {bubbles: true}));",
        serde_json::json!([]),
    );
    browser.wait_until("document.querySelector('#cart-lines tr:first-child .quantity-input').value === '3' && document.querySelector('#cart-total').textContent !== arguments[0]".replace("arguments[0]", &format!("{total_before:?}")).as_str());

    // A promo code takes 20 % off music.
    browser.find("#promo-code").type_text("music20");
    browser.find("#promo-submit").click();
    browser.wait_until("document.querySelector('#promo-status').textContent.includes('MUSIC20 applied')");
    browser.wait_until("document.querySelector('#cart-discount').textContent.includes('−')");

    // The cart is on the server: a reload shows the same.
    let total = browser.find("#cart-total").text();
    let discount = browser.find("#cart-discount").text();
    browser.goto(&format!("{}/cart", site.base));
    browser.wait_until("!document.querySelector('main').hasAttribute('aria-busy')");
    assert_eq!(browser.find("#cart-total").text(), total);
    assert_eq!(browser.find("#cart-discount").text(), discount);
    assert_eq!(browser.run("return document.querySelectorAll('#cart-lines tr').length", serde_json::json!([])), 2);
}
