//! The pages in a real browser (headless Chromium).

use webox_e2e::browser::Browser;
use webox_e2e::{site, unique};

#[test]
fn a_visitor_registers_logs_in_and_saves_a_preference() {
    let site = site();
    let browser = Browser::start();
    let email = format!("{}@example.com", unique("browser-"));

    browser.goto(&format!("{}/register", site.base));
    browser.find("#name").type_text("Browser User");
    browser.find("#email").type_text(&email);
    browser.find("#password").type_text("short");
    browser.find("#register-submit").click();
    // The server's policy error shows up next to the field.
    browser.wait_until("document.body.innerText.includes('at least 8 characters')");
    browser.find("#password").clear();
    browser.find("#password").type_text("a very good passphrase");
    browser.find("#register-submit").click();
    browser.wait_until("location.pathname === '/profile'");

    // Log out, then log in through the form.
    browser.find("#logout").click();
    browser.wait_until("location.pathname !== '/profile'");
    browser.goto(&format!("{}/login", site.base));
    browser.find("#email").type_text(&email);
    browser.find("#password").type_text("a very good passphrase");
    browser.find("#login-submit").click();
    browser.wait_until("location.pathname === '/profile'");

    // Save a preference and see it confirmed.
    browser.wait_until("!document.querySelector('main').hasAttribute('aria-busy')");
    browser.select("#pref-theme", "dark");
    browser.find("#pref-model-chat").type_text("anthropic:claude-sonnet-4-5");
    browser.find("#preferences-submit").click();
    browser.wait_until("document.querySelector('#preferences-saved') && !document.querySelector('#preferences-saved').hidden");
    browser.wait_until("document.documentElement.dataset.theme === 'dark'");

    // It is stored: a reload shows it, and so does the API.
    browser.goto(&format!("{}/profile", site.base));
    browser.wait_until("!document.querySelector('main').hasAttribute('aria-busy')");
    browser.wait_until("document.querySelector('#pref-theme').value === 'dark'");
    browser.wait_until("document.querySelector('#pref-model-chat').value === 'anthropic:claude-sonnet-4-5'");
    let user = site.login(&email, "a very good passphrase");
    let prefs = user.client.get("/api/profile/preferences").expect(200);
    assert_eq!(prefs["preferences"]["theme"], "dark");
    assert_eq!(prefs["preferences"]["default_models"]["chat"], "anthropic:claude-sonnet-4-5");
}
