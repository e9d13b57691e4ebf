//! Whose key a generation runs on. This binary's site has no platform key
//! for Udio and Luma and no Suno gateway: those providers say why they
//! cannot be used, refuse with nothing written, and work once the user saves
//! their own key — for a video, the job reads the user's sealed key afresh
//! at each poll.

use serde_json::{json, Value};
use webox_e2e::{site_with_settings, Site, User, LUMA_KEY, PIAPI_KEY};

fn site() -> &'static Site {
    site_with_settings(None, &[("SUNO_API_BASE", ""), ("UDIO_API_KEY", ""), ("LUMA_API_KEY", "")])
}

fn provider(providers: &Value, kind: &str, id: &str) -> Value {
    providers[kind].as_array().unwrap().iter().find(|p| p["id"] == id).cloned().unwrap_or_else(|| panic!("no {kind} provider {id}"))
}

/// Follows a job until it leaves `running`.
fn follow(user: &User, kind: &str, id: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    loop {
        let g = user.client.get(&format!("/api/generation/{kind}/{id}")).expect(200)["generation"].clone();
        if g["status"] != "running" && g["status"] != "queued" {
            return g;
        }
        assert!(std::time::Instant::now() < deadline, "the job never finished: {g}");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

fn generations(user: &User) -> i64 {
    site().query(&format!("SELECT COUNT(*) AS n FROM generations WHERE user_id = '{}'", user.id))[0]["n"].as_i64().unwrap()
}

#[test]
fn unconfigured_providers_explain_themselves_and_write_nothing() {
    let user = site().new_user();
    let providers = user.client.get("/api/generation/providers").expect(200);
    let suno = provider(&providers, "audio", "suno");
    assert_eq!(suno["configured"], false);
    assert!(suno["reason"].as_str().unwrap().contains("SUNO_API_BASE"), "{suno}");
    let udio = provider(&providers, "audio", "udio");
    assert_eq!((udio["configured"].as_bool(), udio["key_source"].as_str()), (Some(false), None));
    assert!(udio["reason"].as_str().unwrap().contains("add your own"), "{udio}");
    assert_eq!(provider(&providers, "video", "luma")["configured"], false);
    assert_eq!(provider(&providers, "video", "runway")["key_source"], "platform");

    let err = user.client.post("/api/generation/audio", json!({"provider": "suno", "prompt": "a shanty"})).expect_field_error(400, "provider_not_configured", "provider");
    assert!(err["message"].as_str().unwrap().contains("suno-api"), "{err}");
    user.client.post("/api/generation/audio", json!({"provider": "udio", "prompt": "a waltz"})).expect_field_error(400, "provider_not_configured", "provider");
    user.client.post("/api/generation/video", json!({"provider": "luma", "prompt": "a boat"})).expect_field_error(400, "provider_not_configured", "provider");
    // Even the user's own Suno cookie needs a gateway to talk to.
    user.client.put("/api/profile/api-keys", json!({"provider": "suno", "key": "__client=own_session; __client_uat=1"})).expect(200);
    user.client.post("/api/generation/audio", json!({"provider": "suno", "prompt": "a shanty"})).expect_field_error(400, "provider_not_configured", "provider");
    assert_eq!(generations(&user), 0);
}

#[test]
fn a_users_own_keys_make_songs_and_videos() {
    let user = site().new_user();
    user.client.put("/api/profile/api-keys", json!({"provider": "udio", "key": PIAPI_KEY})).expect(200);
    user.client.put("/api/profile/api-keys", json!({"provider": "luma", "key": LUMA_KEY})).expect(200);
    let providers = user.client.get("/api/generation/providers").expect(200);
    assert_eq!(provider(&providers, "audio", "udio")["key_source"], "user");
    assert_eq!(provider(&providers, "video", "luma")["key_source"], "user");

    let song = user.client.post("/api/generation/audio", json!({"provider": "udio", "prompt": "a waltz for servers", "instrumental": true})).expect(202)["generation"].clone();
    let video = user.client.post("/api/generation/video", json!({"provider": "luma", "prompt": "a paper boat", "resolution": "540p"})).expect(202)["generation"].clone();
    let song = follow(&user, "audio", song["id"].as_str().unwrap());
    assert_eq!((song["status"].as_str(), song["files"].as_array().map(Vec::len)), (Some("succeeded"), Some(2)), "{song}");
    let video = follow(&user, "video", video["id"].as_str().unwrap());
    assert_eq!(video["status"], "succeeded", "{video}");

    // A wrong key of the user's own is refused by the provider at once.
    user.client.put("/api/profile/api-keys", json!({"provider": "udio", "key": "piapi_not_the_right_key"})).expect(200);
    user.client.post("/api/generation/audio", json!({"provider": "udio", "prompt": "a waltz"})).expect_error(502, "provider_auth");
    // Another user without keys still cannot use them.
    let other = site().new_user();
    other.client.post("/api/generation/audio", json!({"provider": "udio", "prompt": "a waltz"})).expect_field_error(400, "provider_not_configured", "provider");
}
