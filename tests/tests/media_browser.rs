//! The AI studio audio and video pages in a real browser: speech in a
//! chosen voice and music of a chosen length play in the history; a song
//! shows its progress while it is made, then plays both takes under its
//! cover; a video shows its progress too, then plays at the size asked
//! for; a model that animates an image asks for one before anything is sent.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use webox_e2e::browser::Browser;
use webox_e2e::site;

/// Generating takes seconds: longer than `wait_until`'s 10 s are allowed.
fn wait_long(browser: &Browser, condition: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(40);
    let script = format!("return !!({condition});");
    while browser.run(&script, json!([])) != json!(true) {
        if Instant::now() > deadline {
            let shown = browser.run(&format!("return document.querySelector('{status}').textContent"), json!([]));
            panic!("still not true after 40 s: {condition}; status line: {shown}");
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

fn first_card_id(browser: &Browser, gallery: &str) -> String {
    text_of(browser, &format!("return document.querySelector('{gallery} .generation')?.dataset.id ?? ''"))
}

/// Waits for the newest audio card to succeed and its player to know the
/// clip's length; that length in seconds.
fn generated_audio_duration(browser: &Browser, prompt: &str) -> f64 {
    browser.find("#audio-prompt").clear();
    browser.find("#audio-prompt").type_text(prompt);
    let before = first_card_id(browser, "#audio-gallery");
    browser.find("#audio-generate").click();
    wait_long(
        browser,
        &format!("document.querySelector('#audio-gallery .generation')?.dataset.id !== {} && document.querySelector('#audio-gallery .generation')?.dataset.status === 'succeeded'", js(&before)),
        "#audio-status",
    );
    let card = format!("#audio-gallery .generation[data-id={}]", js(&first_card_id(browser, "#audio-gallery")));
    assert!(browser.find(&format!("{card} .generation-prompt")).text().contains(prompt));
    assert!(browser.find(&format!("{card} .generation-cost")).text().starts_with('$'));
    assert!(browser.find("#audio-status").text().contains("ready"), "{}", browser.find("#audio-status").text());
    let player = format!("document.querySelector('{card} audio.generation-preview')");
    wait_long(browser, &format!("{player}.readyState >= 1 && {player}.duration > 0"), "#audio-status");
    let href = text_of(browser, &format!("return document.querySelector('{card} a.generation-download').getAttribute('href')"));
    assert!(href.contains("signature=") && href.ends_with("&download"), "{href}");
    browser.run(&format!("return {player}.duration"), json!([])).as_f64().expect("a duration")
}

#[test]
fn speech_in_a_chosen_voice_and_music_of_a_chosen_length_play_in_the_history() {
    let user = site().new_user();
    let voices = user.client.get("/api/generation/voices").expect(200);
    let first_voice = voices["voices"][0]["voice_id"].as_str().expect("a voice").to_owned();

    let browser = Browser::start();
    browser.log_in(&site().base, &user);
    browser.goto(&format!("{}/studio/image", site().base));
    browser.wait_ready();
    browser.find("nav.studio-nav a[href='/studio/audio']").click();
    browser.wait_until("location.pathname === '/studio/audio'");
    browser.wait_ready();
    browser.find("nav.studio-nav a[href='/studio/audio'][aria-current=page]");
    browser.find("nav.studio-nav a[href='/studio/video']");
    browser.wait_until("!document.querySelector('#audio-gallery-empty').hidden");

    // Speech: a voice from the provider's list (the first is chosen), no length to choose.
    browser.select("#audio-provider", "elevenlabs");
    browser.select("#audio-type", "speech");
    assert_eq!(text_of(&browser, "return document.querySelector('#audio-options [name=voice_id]').value"), first_voice);
    assert_eq!(
        browser.run("return document.querySelectorAll('#audio-options select[name=voice_id] option').length", json!([])),
        json!(voices["voices"].as_array().map_or(0, Vec::len))
    );
    assert_eq!(browser.run("return document.querySelectorAll('#audio-options [name=duration], #audio-options [name=seed]').length", json!([])), json!(0));
    assert_eq!(browser.run("return !!document.querySelector('#audio-options [name=language]')", json!([])), json!(false), "the default model detects the language");
    browser.select("#audio-model", "eleven_flash_v2_5");
    assert_eq!(browser.run("return !!document.querySelector('#audio-options [name=language]')", json!([])), json!(true));
    browser.select("#audio-model", "eleven_multilingual_v2");
    let speech = generated_audio_duration(&browser, "Hello from the studio");
    assert!(speech > 0.0, "{speech}");
    let made = user.client.get("/api/generation/audios").expect(200)["audios"][0].clone();
    assert_eq!(made["parameters"]["voice_id"], json!(first_voice), "{made}");

    // Music from Stable Audio, three seconds long.
    browser.select("#audio-provider", "stable_audio");
    browser.select("#audio-type", "music");
    assert_eq!(browser.run("return !!document.querySelector('#audio-options [name=voice_id]')", json!([])), json!(false));
    browser.find("#audio-options [name=duration]").type_text("3");
    let music = generated_audio_duration(&browser, "a calm piano loop");
    assert!((music - 3.0).abs() <= 0.5, "the clip lasts {music} s, not about 3");
    assert_eq!(browser.run("return document.querySelectorAll('#audio-gallery .generation').length", json!([])), json!(2));
}

/// Whether the song option `name` is switched off (`disabled`).
fn option_disabled(browser: &Browser, name: &str) -> Value {
    browser.run(&format!("return document.querySelector('#audio-options [name={name}]').disabled"), json!([]))
}

#[test]
fn a_song_shows_its_progress_while_it_is_made_then_plays_both_takes_under_its_cover() {
    let user = site().new_user();
    let browser = Browser::start();
    browser.log_in(&site().base, &user);
    browser.goto(&format!("{}/studio/audio", site().base));
    browser.wait_ready();

    // Suno makes songs: a style rather than a prompt, no length, lyrics or an instrumental.
    browser.select("#audio-provider", "suno");
    assert_eq!(text_of(&browser, "return document.querySelector('#audio-type').value"), "music");
    assert_eq!(browser.find("#audio-prompt-label").text(), "Style / description");
    assert_eq!(browser.run("return !!document.querySelector('#audio-options [name=duration]')", json!([])), json!(false));
    assert_eq!(browser.run("return document.querySelector('#audio-options [name=instrumental]').type", json!([])), json!("checkbox"));
    assert_eq!(browser.run("return document.querySelector('#audio-options [name=lyrics]').tagName", json!([])), json!("TEXTAREA"));
    assert_eq!(option_disabled(&browser, "title"), json!(true), "a title goes with lyrics");

    // Lyrics switch Instrumental off and the title on, and the hint says why.
    browser.find("#audio-options [name=lyrics]").type_text("La la la");
    assert_eq!(option_disabled(&browser, "instrumental"), json!(true));
    assert_eq!(option_disabled(&browser, "title"), json!(false));
    assert!(browser.find("#audio-option-instrumental-hint").text().contains("lyrics"));
    browser.find("#audio-options [name=lyrics]").type_text(&"\u{E003}".repeat(8));
    assert_eq!(option_disabled(&browser, "instrumental"), json!(false));
    assert_eq!(option_disabled(&browser, "title"), json!(true));

    // An instrumental has no words: its lyrics cannot be typed in, and none are sent.
    browser.find("#audio-options [name=instrumental]").click();
    assert_eq!(option_disabled(&browser, "lyrics"), json!(true));
    assert!(browser.find("#audio-option-lyrics-hint").text().contains("instrumental has no words"));
    // Udio takes styles to avoid, and no title; what was chosen stays.
    browser.select("#audio-provider", "udio");
    assert_eq!(browser.find("label[for=audio-option-negative_tags]").text(), "Avoid styles");
    assert_eq!(browser.run("return !!document.querySelector('#audio-options [name=title]')", json!([])), json!(false));
    assert_eq!(browser.run("return document.querySelector('#audio-options [name=instrumental]').checked", json!([])), json!(true));
    assert_eq!(option_disabled(&browser, "lyrics"), json!(true));
    browser.select("#audio-provider", "suno");

    browser.run(
        "window.songRequests = []; const plain = window.fetch; \
         window.fetch = (...args) => { if (String(args[0]).endsWith('/api/generation/audio') && args[1]?.method === 'POST') window.songRequests.push(JSON.parse(args[1].body)); return plain(...args); };",
        json!([]),
    );
    browser.find("#audio-prompt").type_text("dreamy synth-pop for a night drive");
    browser.find("#audio-generate").click();

    // The card shows at once, running, with its bar, until the song is made.
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut bar_seen = false;
    let id = loop {
        let now = browser.run(
            "const card = document.querySelector('#audio-gallery .generation'); \
             return card ? {id: card.dataset.id, status: card.dataset.status, bar: !!card.querySelector('progress.generation-progress'), \
                            said: document.querySelector('#audio-status').textContent} : null;",
            json!([]),
        );
        if now["bar"] == true {
            bar_seen = true;
            assert!(now["said"].as_str().is_some_and(|said| said.starts_with("Song started") && said.contains("its card shows the progress")), "{now}");
        }
        if now["status"] == "succeeded" || now["status"] == "failed" {
            break now["id"].as_str().expect("an id").to_owned();
        }
        assert!(Instant::now() < deadline, "the song is not done after 40 s; status line: {}", browser.find("#audio-status").text());
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(bar_seen, "the card showed no progress bar while the song was made");
    let requests = browser.run("return window.songRequests", json!([]));
    assert_eq!(requests.as_array().map(Vec::len), Some(1), "{requests}");
    assert_eq!(requests[0]["instrumental"], true, "{requests}");
    assert!(requests[0].get("lyrics").is_none() && requests[0].get("title").is_none(), "{requests}");

    let card = format!("#audio-gallery .generation[data-id={}]", js(&id));
    assert_eq!(text_of(&browser, &format!("return document.querySelector('{card}').dataset.status")), "succeeded");
    assert_eq!(text_of(&browser, &format!("return document.querySelector('{card}').dataset.progress")), "100");
    let status = browser.find("#audio-status").text();
    assert!(status.contains("The song") && status.contains("is ready"), "{status}");

    // Two takes, each with its player and its download, under the cover.
    let players = format!("[...document.querySelectorAll('{card} audio.generation-preview')]");
    wait_long(&browser, &format!("{players}.length === 2 && {players}.every((p) => p.readyState >= 1 && p.duration > 0)"), "#audio-status");
    assert_eq!(
        browser.run(&format!("return [...document.querySelectorAll('{card} .generation-take-name')].map((n) => n.textContent)"), json!([])),
        json!(["Take 1", "Take 2"])
    );
    let cover = format!("document.querySelector('{card} img.generation-cover')");
    wait_long(&browser, &format!("{cover}?.complete && {cover}.naturalWidth > 0"), "#audio-status");
    assert!(text_of(&browser, &format!("return {cover}.alt")).contains("dreamy synth-pop"));
    assert_eq!(
        browser.run(&format!("return [...document.querySelectorAll('{card} a.generation-download')].map((a) => a.getAttribute('aria-label'))"), json!([])),
        json!(["Download take 1", "Download take 2"])
    );
    assert_eq!(browser.run(&format!("return document.querySelectorAll('{card} progress.generation-progress').length"), json!([])), json!(0));

    let made = user.client.get(&format!("/api/generation/audio/{id}")).expect(200)["generation"].clone();
    assert_eq!((made["provider"].as_str(), made["parameters"]["instrumental"].as_bool()), (Some("suno"), Some(true)), "{made}");
    assert_eq!(made["files"].as_array().map(Vec::len), Some(2), "{made}");
}

#[test]
fn a_video_shows_its_progress_while_it_is_made_then_plays_at_the_size_asked_for() {
    let user = site().new_user();
    let browser = Browser::start();
    browser.log_in(&site().base, &user);
    browser.goto(&format!("{}/studio/video", site().base));
    browser.wait_ready();
    browser.find("nav.studio-nav a[href='/studio/video'][aria-current=page]");

    browser.select("#video-provider", "luma");
    browser.select("#video-model", "ray-2");
    browser.select("#video-options [name=resolution]", "540p");
    assert_eq!(text_of(&browser, "return document.querySelector('#video-options [name=aspect_ratio]').value"), "16:9");
    assert!(browser.find("#video-image").property("hidden").as_bool().unwrap_or_default(), "ray-2 needs no image");
    browser.find("#video-prompt").type_text("a paper boat");
    browser.find("#video-generate").click();

    // The card shows at once, running, and its bar moves until it is done.
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut seen = Vec::new();
    let id = loop {
        let now = browser.run(
            "const card = document.querySelector('#video-gallery .generation'); \
             return card ? {id: card.dataset.id, status: card.dataset.status, progress: card.querySelector('progress.generation-progress')?.value ?? null} : null;",
            json!([]),
        );
        if let Some(progress) = now["progress"].as_f64() {
            seen.push(progress);
        }
        if now["status"] == "succeeded" || now["status"] == "failed" {
            break now["id"].as_str().expect("an id").to_owned();
        }
        assert!(Instant::now() < deadline, "the video is not done after 40 s; progress seen: {seen:?}; status line: {}", browser.find("#video-status").text());
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(seen.iter().any(|p| *p > 0.0 && *p < 100.0), "no progress between 0 and 100 was shown: {seen:?}");
    let card = format!("#video-gallery .generation[data-id={}]", js(&id));
    assert_eq!(text_of(&browser, &format!("return document.querySelector('{card}').dataset.status")), "succeeded");
    assert_eq!(text_of(&browser, &format!("return document.querySelector('{card}').dataset.progress")), "100");
    assert_eq!(user.client.get(&format!("/api/generation/video/{id}")).expect(200)["generation"]["progress"], 100);
    assert!(browser.find("#video-status").text().contains("ready"), "{}", browser.find("#video-status").text());

    let video = format!("document.querySelector('{card} video.generation-preview')");
    wait_long(&browser, &format!("{video} && {video}.readyState >= 1"), "#video-status");
    assert_eq!(browser.run(&format!("return [{video}.videoWidth, {video}.videoHeight]"), json!([])), json!([960, 540]));
    assert_eq!(browser.run(&format!("return document.querySelectorAll('{card} progress.generation-progress').length"), json!([])), json!(0));
    assert!(browser.find(&format!("{card} .generation-cost")).text().starts_with('$'));
    assert!(text_of(&browser, &format!("return document.querySelector('{card} a.generation-download').getAttribute('href')")).ends_with("&download"));

    // The "ready" email links to this video: the studio opens on its card,
    // marked and focused, with the poster Luma made.
    let emails = site().wait_for_emails(&user.email, 2);
    let ready = emails.iter().find(|e| e["subject"] == "Your video is ready").expect("the ready email");
    let link = regex::Regex::new(r"/studio/video\?id=[0-9a-f]+").unwrap().find(ready["text"].as_str().unwrap()).expect("a link to the video").as_str().to_owned();
    assert!(link.ends_with(&id), "{link}");
    browser.goto(&format!("{}{link}", site().base));
    browser.wait_ready();
    wait_long(&browser, &format!("document.activeElement?.dataset?.id === {} && document.activeElement.classList.contains('linked')", js(&id)), "#video-status");
    let poster = text_of(&browser, &format!("return document.querySelector('{card} video.generation-preview').getAttribute('poster') ?? ''"));
    assert!(poster.contains("/file?position=1000"), "the poster is the stored thumbnail: {poster}");

    // Deleted: gone from the page and from the account.
    browser.run("window.confirm = () => true;", json!([]));
    browser.find(&format!("{card} .generation-delete")).click();
    browser.wait_until("document.querySelectorAll('#video-gallery .generation').length === 0 && !document.querySelector('#video-gallery-empty').hidden");
    user.client.get(&format!("/api/generation/video/{id}")).expect_error(404, "not_found");
}

#[test]
fn a_model_that_animates_an_image_asks_for_one_before_anything_is_sent() {
    let user = site().new_user();
    let browser = Browser::start();
    browser.log_in(&site().base, &user);
    browser.goto(&format!("{}/studio/video", site().base));
    browser.wait_ready();

    browser.select("#video-provider", "runway");
    browser.select("#video-model", "gen4_turbo");
    assert_eq!(browser.find("#video-image").property("hidden"), json!(false));
    assert_eq!(browser.find("#video-image-url").property("required"), json!(true));
    assert_eq!(browser.run("return document.querySelector('#video-image-file').type", json!([])), json!("file"));

    // Without an image, Generate sends nothing and says why.
    browser.run(
        "window.videoPosts = 0; const plain = window.fetch; \
         window.fetch = (...args) => { if (String(args[0]).includes('/api/generation/video') && args[1]?.method === 'POST') window.videoPosts += 1; return plain(...args); };",
        json!([]),
    );
    browser.find("#video-prompt").type_text("waves at dusk");
    browser.find("#video-generate").click();
    browser.wait_until("document.querySelector('#video-status').textContent.includes('image')");
    assert_eq!(text_of(&browser, "return document.querySelector('#video-image-url').getAttribute('aria-invalid')"), "true");
    assert_eq!(browser.run("return document.activeElement.id", json!([])), json!("video-image-url"));
    assert_eq!(browser.run("return window.videoPosts", json!([])), json!(0));
    assert_eq!(browser.run("return document.querySelectorAll('#video-gallery .generation').length", json!([])), json!(0));

    // With its address, the video is started.
    browser.find("#video-image-url").type_text("https://example.com/first-frame.png");
    browser.find("#video-generate").click();
    browser.wait_until("document.querySelector('#video-gallery .generation')");
    assert_eq!(browser.run("return window.videoPosts", json!([])), json!(1));
    let made = user.client.get("/api/generation/videos").expect(200)["videos"][0].clone();
    assert_eq!((made["provider"].as_str(), made["model"].as_str()), (Some("runway"), Some("gen4_turbo")));
    assert_eq!(made["parameters"]["image"], true, "{made}");

    // A model that needs no image hides the field again.
    browser.select("#video-model", "veo3");
    assert_eq!(browser.find("#video-image").property("hidden"), json!(true));
    assert_eq!(browser.find("#video-image-url").property("required"), json!(false));
}
