//! The AI studio image page in a real browser: the form offers exactly the
//! options of the chosen model, an image is generated (busy meanwhile) and
//! shows first in the gallery with its cost, a refused prompt leaves a
//! failed card with the reason, the filters and Delete work, and the image
//! is still there after a reload. A provider the site cannot use says why
//! and generates nothing.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use webox_e2e::browser::Browser;
use webox_e2e::site;

/// The option controls as `{name: [allowed values]}` for a select, `{name: input type}` otherwise.
const OPTIONS: &str = "return Object.fromEntries([...document.querySelectorAll('#image-options [name]')].map((c) => \
                       [c.name, c.tagName === 'SELECT' ? [...c.options].map((o) => o.value) : c.type]));";

/// Generating takes seconds: longer than `wait_until`'s 10 s are allowed.
fn wait_long(browser: &Browser, condition: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let script = format!("return !!({condition});");
    while browser.run(&script, json!([])) != json!(true) {
        if Instant::now() > deadline {
            let shown = browser.run("return document.querySelector('#image-status').textContent", json!([]));
            panic!("still not true after 30 s: {condition}; status line: {shown}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn text_of(browser: &Browser, script: &str) -> String {
    browser.run(script, json!([])).as_str().unwrap_or_default().to_owned()
}

/// A JS string literal of `text`, for conditions.
fn js(text: &str) -> String {
    Value::from(text).to_string()
}

fn card(id: &str) -> String {
    format!("#image-gallery .generation[data-id={}]", js(id))
}

/// Records whether the form was busy (button disabled, `aria-busy`, a
/// "Generating…" line) at any point until the answer came.
fn watch_busy(browser: &Browser) {
    browser.run(
        "window.sawBusy = false; const form = document.querySelector('#image-form'); \
         new MutationObserver(() => { \
           if (form.getAttribute('aria-busy') === 'true' && document.querySelector('#image-generate').disabled \
               && document.querySelector('#image-status').textContent.includes('Generating')) window.sawBusy = true; \
         }).observe(form, {attributes: true, childList: true, characterData: true, subtree: true});",
        json!([]),
    );
}

fn generate(browser: &Browser, prompt: &str) {
    browser.find("#image-prompt").clear();
    browser.find("#image-prompt").type_text(prompt);
    watch_busy(browser);
    browser.find("#image-generate").click();
}

#[test]
fn an_image_is_generated_shown_with_its_cost_filtered_deleted_and_still_there_after_a_reload() {
    let user = site().new_user();
    let browser = Browser::start();
    browser.log_in(&site().base, &user);
    browser.goto(&format!("{}/studio/chat", site().base));
    browser.wait_ready();
    browser.find("nav.studio-nav a[href='/studio/image']").click();
    browser.wait_until("location.pathname === '/studio/image'");
    browser.wait_ready();
    browser.find("nav.studio-nav a[href='/studio/image'][aria-current=page]");
    browser.wait_until("!document.querySelector('#image-gallery-empty').hidden");

    // Each model offers exactly its own options.
    browser.select("#image-provider", "openai");
    browser.select("#image-model", "dall-e-2");
    assert_eq!(browser.run(OPTIONS, json!([])), json!({"size": ["256x256", "512x512", "1024x1024"], "n": "number"}));
    assert_eq!(browser.run("return [document.querySelector('#image-options [name=n]').min, document.querySelector('#image-options [name=n]').max]", json!([])), json!(["1", "10"]));
    browser.select("#image-model", "dall-e-3");
    assert_eq!(
        browser.run(OPTIONS, json!([])),
        json!({"size": ["1024x1024", "1792x1024", "1024x1792"], "quality": ["standard", "hd"], "style": ["vivid", "natural"]}),
        "dall-e-3 makes one image at a time: no count to choose"
    );
    browser.select("#image-provider", "stability");
    browser.select("#image-model", "sd3.5-large-turbo");
    let stability = browser.run(OPTIONS, json!([]));
    assert_eq!(stability["output_format"], json!(["png", "jpeg"]));
    assert_eq!(stability["seed"], "number");
    assert!(stability.get("negative_prompt").is_none() && stability.get("size").is_none(), "{stability}");
    browser.select("#image-model", "core");
    assert_eq!(browser.run(OPTIONS, json!([]))["negative_prompt"], "text");

    // A DALL-E 3 image: busy while it is made, then first in the gallery, loaded, with its cost.
    browser.select("#image-provider", "openai");
    browser.select("#image-model", "dall-e-3");
    assert_eq!(text_of(&browser, "return document.querySelector('#image-options [name=size]').value"), "1024x1024");
    generate(&browser, "a lighthouse");
    wait_long(&browser, "document.querySelector('#image-gallery .generation[data-status=succeeded]')");
    assert_eq!(browser.run("return window.sawBusy", json!([])), json!(true), "the form was busy while the image was made");
    browser.wait_until("!document.querySelector('#image-generate').disabled && !document.querySelector('#image-form').hasAttribute('aria-busy')");
    let made = user.client.get("/api/generation/images").expect(200)["images"][0].clone();
    let id = made["id"].as_str().expect("an id").to_owned();
    assert_eq!(text_of(&browser, "return document.querySelector('#image-gallery .generation').dataset.id"), id, "the new image is first");
    let loaded = format!("document.querySelector('{} img.generation-preview').complete && document.querySelector('{} img.generation-preview').naturalWidth > 0", card(&id), card(&id));
    wait_long(&browser, &loaded);
    assert_eq!(browser.run(&format!("return document.querySelector('{} img.generation-preview').naturalWidth", card(&id)), json!([])), json!(1024));
    assert_eq!(browser.find(&format!("{} .generation-cost", card(&id))).text(), "$0.04");
    assert!(browser.find(&format!("{} .generation-prompt", card(&id))).text().contains("a lighthouse"));
    assert!(browser.find("#image-status").text().contains("ready"), "{}", browser.find("#image-status").text());

    // Download is a signed link that asks for an attachment.
    let href = text_of(&browser, &format!("return document.querySelector('{} a.generation-download').getAttribute('href')", card(&id)));
    assert!(href.contains("signature=") && href.ends_with("&download"), "{href}");
    let download = reqwest::blocking::get(format!("{}{href}", site().base)).expect("the site answers");
    assert_eq!(download.status().as_u16(), 200);
    assert!(download.headers()["content-disposition"].to_str().unwrap_or_default().starts_with("attachment"));

    // A refused prompt: the reason in the status line, and a failed card first.
    generate(&browser, "a lighthouse [sim:moderation]");
    wait_long(&browser, "document.querySelector('#image-gallery .generation[data-status=failed]')");
    assert_eq!(browser.run("return window.sawBusy", json!([])), json!(true));
    let failed = user.client.get("/api/generation/images?status=failed").expect(200)["images"][0].clone();
    let failed_id = failed["id"].as_str().expect("an id").to_owned();
    let reason = failed["error"]["message"].as_str().expect("an error message").to_owned();
    assert_eq!(failed["error"]["code"], "provider_refused");
    assert_eq!(text_of(&browser, "return document.querySelector('#image-gallery .generation').dataset.id"), failed_id);
    assert_eq!(browser.find(&format!("{} .generation-error", card(&failed_id))).text(), reason);
    assert!(browser.find("#image-status").text().contains(&reason), "status line: {}", browser.find("#image-status").text());
    assert_eq!(browser.run(&format!("return document.querySelectorAll('{} img.generation-preview, {} .generation-download').length", card(&failed_id), card(&failed_id)), json!([])), json!(0));
    assert_eq!(browser.run("return document.querySelectorAll('#image-gallery .generation').length", json!([])), json!(2));

    // Only the failed ones.
    browser.select("#image-filter-status", "failed");
    browser.wait_until(&format!(
        "document.querySelectorAll('#image-gallery .generation').length === 1 && document.querySelector('#image-gallery .generation').dataset.id === {}",
        js(&failed_id)
    ));

    // Delete it (confirmed): gone from the page and from the account.
    browser.run("window.confirm = () => true;", json!([]));
    browser.find(&format!("{} .generation-delete", card(&failed_id))).click();
    browser.wait_until("document.querySelectorAll('#image-gallery .generation').length === 0 && !document.querySelector('#image-gallery-empty').hidden");
    user.client.get(&format!("/api/generation/image/{failed_id}")).expect_error(404, "not_found");

    // After a reload, the image is still listed and shows.
    browser.goto(&format!("{}/studio/image", site().base));
    browser.wait_ready();
    browser.find(&card(&id));
    assert_eq!(browser.run("return document.querySelectorAll('#image-gallery .generation').length", json!([])), json!(1));
    wait_long(&browser, &loaded);
    assert_eq!(browser.run(&format!("return document.querySelector('{} img.generation-preview').naturalWidth", card(&id)), json!([])), json!(1024));
    assert!(browser.find("#image-more").property("hidden").as_bool().unwrap_or_default(), "one image: nothing more to load");
}

#[test]
fn a_provider_that_is_not_configured_says_why_and_generates_nothing() {
    // Signed out, the page sends the visitor to log in first.
    let browser = Browser::start();
    browser.goto(&format!("{}/studio/image", site().base));
    browser.wait_until("location.pathname === '/login' && location.search.includes('studio')");

    let user = site().new_user();
    let providers = user.client.get("/api/generation/providers").expect(200);
    let workers_ai = providers["image"].as_array().expect("image providers").iter().find(|p| p["id"] == "workers_ai").cloned().expect("workers_ai is listed");
    assert_eq!(workers_ai["configured"], false, "{workers_ai}");
    let reason = workers_ai["reason"].as_str().expect("a reason why not").to_owned();
    assert!(reason.contains("offline"), "{reason}");

    browser.log_in(&site().base, &user);
    browser.goto(&format!("{}/studio/image", site().base));
    browser.wait_ready();
    assert_eq!(browser.run("return document.querySelector('#image-provider option[value=workers_ai]').disabled", json!([])), json!(true));
    assert_eq!(text_of(&browser, "return document.querySelector('#image-provider').value"), "openai", "a provider that works is chosen first");

    browser.select("#image-provider", "workers_ai");
    browser.wait_until("!document.querySelector('#image-provider-reason').hidden");
    let shown = browser.find("#image-provider-reason").text();
    assert!(shown.contains(&reason), "{shown:?} should contain {reason:?}");
    assert_eq!(browser.find("#image-generate").property("disabled"), json!(true));

    // Submitting anyway sends nothing and says why.
    browser.run(
        "window.generationPosts = 0; const plain = window.fetch; \
         window.fetch = (...args) => { if (String(args[0]).includes('/api/generation/image') && args[1]?.method === 'POST') window.generationPosts += 1; return plain(...args); };",
        json!([]),
    );
    browser.find("#image-prompt").type_text("a lighthouse");
    browser.run("document.querySelector('#image-form').requestSubmit()", json!([]));
    browser.wait_until(&format!("document.querySelector('#image-status').textContent.includes({})", js(&reason)));
    assert_eq!(browser.run("return window.generationPosts", json!([])), json!(0));
    assert_eq!(browser.run("return document.querySelectorAll('#image-gallery .generation').length", json!([])), json!(0));

    // A configured provider clears it.
    browser.select("#image-provider", "openai");
    browser.wait_until("document.querySelector('#image-provider-reason').hidden && !document.querySelector('#image-generate').disabled");
}
