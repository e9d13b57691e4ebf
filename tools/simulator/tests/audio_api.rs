//! The simulated audio providers over real HTTP: ElevenLabs (voices,
//! speech, sound effects, music) and Stability's Stable Audio 2, their
//! checks, the real MP3, WAV and PCM they answer with (decoded here to
//! check their length and that they are not silence), markers, faults and
//! the call log.

mod common;

use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::stability::STABILITY_KEY;
use common::{Clip, Stability};
use serde_json::{json, Value};
use webox_simulator::{Config, Simulator};

const ELEVENLABS_KEY: &str = "sk_test_elevenlabs";
/// The longest clip the test simulator makes.
const MAX_SECONDS: u64 = 6;
const RACHEL: &str = "21m00Tcm4TlvDq8ikWAM";
const ANTONI: &str = "ErXwobaYiN019PkySvjV";

async fn start() -> String {
    let config =
        Config { elevenlabs_api_key: ELEVENLABS_KEY.into(), stability_api_key: STABILITY_KEY.into(), audio_delay_ms: 1, audio_max_seconds: MAX_SECONDS, ..Config::from_env() };
    let app = Simulator::new(config).router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// A call to ElevenLabs, as the site makes it.
struct Eleven {
    path: String,
    body: Value,
    key: Option<&'static str>,
    behaviour: Option<&'static str>,
}

impl Eleven {
    fn speech(voice: &str, body: Value) -> Self {
        Self::new(&format!("/v1/text-to-speech/{voice}"), body)
    }

    fn new(path: &str, body: Value) -> Self {
        Eleven { path: path.into(), body, key: Some(ELEVENLABS_KEY), behaviour: None }
    }

    fn format(mut self, output_format: &str) -> Self {
        self.path = format!("{}?output_format={output_format}", self.path);
        self
    }

    fn key(mut self, key: Option<&'static str>) -> Self {
        self.key = key;
        self
    }

    fn behaviour(mut self, header: &'static str) -> Self {
        self.behaviour = Some(header);
        self
    }

    async fn send(&self, base: &str) -> reqwest::Response {
        let mut request = reqwest::Client::new().post(format!("{base}/elevenlabs{}", self.path)).json(&self.body);
        if let Some(key) = self.key {
            request = request.header("xi-api-key", key);
        }
        if let Some(header) = self.behaviour {
            request = request.header("X-Sim-Behaviour", header);
        }
        request.send().await.unwrap()
    }
}

/// A call to Stable Audio.
fn stable_audio(prompt: &str) -> Stability {
    Stability::new("audio/stable-audio-2/text-to-audio", prompt, "audio/*")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

async fn detail_of(response: reqwest::Response) -> Value {
    response.json::<Value>().await.unwrap()["detail"].clone()
}

#[tokio::test]
async fn voices_are_listed_with_previews_that_play() {
    let base = start().await;
    let r = reqwest::Client::new().get(format!("{base}/elevenlabs/v1/voices")).header("xi-api-key", ELEVENLABS_KEY).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let voices = r.json::<Value>().await.unwrap()["voices"].as_array().unwrap().clone();
    let named: Vec<(&str, &str)> = voices.iter().map(|v| (v["voice_id"].as_str().unwrap(), v["name"].as_str().unwrap())).collect();
    assert_eq!(named, [(RACHEL, "Rachel"), ("AZnzlk1XvdvUeBnXmlld", "Domi"), ("EXAVITQu4vr4xnSDxMaL", "Bella"), (ANTONI, "Antoni")]);
    assert!(voices.iter().all(|v| v["category"] == "premade"));
    assert_eq!(voices[3]["labels"], json!({"accent": "american", "description": "well-rounded", "age": "young", "gender": "male", "use_case": "narration"}));
    let preview = voices[0]["preview_url"].as_str().unwrap();
    assert_eq!(preview, format!("{base}/elevenlabs/_previews/{RACHEL}.mp3"));
    let r = reqwest::get(preview).await.unwrap();
    assert_eq!((r.status().as_u16(), header(&r, "content-type")), (200, "audio/mpeg"));
    Clip::decode(&r.bytes().await.unwrap(), "mp3").assert_sounds_for(2.0);
    assert_eq!(reqwest::get(format!("{base}/elevenlabs/_previews/nobody.mp3")).await.unwrap().status(), 404);
}

#[tokio::test]
async fn speech_is_an_mp3_of_about_60_ms_a_character_with_its_cost() {
    let base = start().await;
    let text = "The quick brown fox jumps over the lazy dog, then naps in the warm afternoon sun by the old red barn";
    assert_eq!(text.len(), 100);
    let r = Eleven::speech(RACHEL, json!({"text": text, "model_id": "eleven_multilingual_v2"})).send(&base).await;
    assert_eq!(r.status(), 200);
    assert_eq!((header(&r, "content-type"), header(&r, "character-cost"), header(&r, "x-sim-requested-ms")), ("audio/mpeg", "100", "6000"));
    assert_eq!(header(&r, "request-id").len(), 32);
    let mp3 = r.bytes().await.unwrap();
    let clip = Clip::decode(&mp3, "mp3");
    assert_eq!(clip.sample_rate, 44_100);
    clip.assert_sounds_for(6.0);
    let kbps = mp3.len() as f64 * 8.0 / 6.0 / 1000.0;
    assert!((115.0..145.0).contains(&kbps), "{kbps} kbps, not 128");

    let again = Eleven::speech(RACHEL, json!({"text": text})).send(&base).await.bytes().await.unwrap();
    assert_eq!(again, mp3, "the same text and voice sound the same");
    let antoni = Eleven::speech(ANTONI, json!({"text": text})).send(&base).await.bytes().await.unwrap();
    assert_ne!(antoni, mp3, "another voice sounds different");

    let r = Eleven::speech(RACHEL, json!({"text": "Hi"})).send(&base).await;
    assert_eq!(header(&r, "character-cost"), "2");
    Clip::decode(&r.bytes().await.unwrap(), "mp3").assert_sounds_for(0.5);
}

#[tokio::test]
async fn speech_comes_in_each_output_format() {
    let base = start().await;
    let text = "a".repeat(50); // 3 seconds
    let r = Eleven::speech(RACHEL, json!({"text": text})).format("mp3_22050_32").send(&base).await;
    let mp3 = r.bytes().await.unwrap();
    let clip = Clip::decode(&mp3, "mp3");
    assert_eq!(clip.sample_rate, 22_050);
    clip.assert_sounds_for(3.0);
    assert!(mp3.len() < 3 * 32_000 / 8 + 2000, "{} bytes at 32 kbps", mp3.len());

    let mp3 = Eleven::speech(RACHEL, json!({"text": text})).format("mp3_44100_192").send(&base).await.bytes().await.unwrap();
    let kbps = mp3.len() as f64 * 8.0 / 3.0 / 1000.0;
    assert!((175.0..215.0).contains(&kbps), "{kbps} kbps, not 192");
    Clip::decode(&mp3, "mp3").assert_sounds_for(3.0);

    for rate in [16_000, 22_050, 24_000, 44_100] {
        let r = Eleven::speech(RACHEL, json!({"text": text})).format(&format!("pcm_{rate}")).send(&base).await;
        assert_eq!((r.status().as_u16(), header(&r, "content-type")), (200, "application/octet-stream"));
        let pcm = r.bytes().await.unwrap();
        assert_eq!(pcm.len(), 3 * rate as usize * 2, "pcm_{rate}: 3 s of 16-bit samples, no header");
        Clip::from_pcm(&pcm, rate).assert_sounds_for(3.0);
    }
}

#[tokio::test]
async fn speech_problems_are_fastapi_422s_listing_each_field() {
    let base = start().await;
    let r = Eleven::speech(RACHEL, json!({"model_id": "eleven_turbo_v2_5", "voice_settings": {"stability": 1.5, "similarity_boost": 0.75}})).format("ogg_48000").send(&base).await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        detail_of(r).await,
        json!([
            {"loc": ["body", "text"], "msg": "Field required", "type": "missing"},
            {"loc": ["body", "voice_settings", "stability"], "msg": "Input should be less than or equal to 1", "type": "less_than_equal"},
            {"loc": ["query", "output_format"], "msg": "Input should be 'mp3_44100_128', 'mp3_44100_192', 'mp3_22050_32', 'pcm_16000', 'pcm_22050', 'pcm_24000' or 'pcm_44100'", "type": "enum"},
        ])
    );
    let r = Eleven::speech(RACHEL, json!({"text": "x".repeat(5001)})).send(&base).await;
    assert_eq!(r.status(), 422);
    assert_eq!(detail_of(r).await[0], json!({"loc": ["body", "text"], "msg": "String should have at most 5000 characters", "type": "string_too_long"}));
    let r = reqwest::Client::new().post(format!("{base}/elevenlabs/v1/text-to-speech/{RACHEL}")).header("xi-api-key", ELEVENLABS_KEY).body("text=hi").send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(detail_of(r).await[0]["type"], "json_invalid");
    let r = Eleven::speech(RACHEL, json!({"text": "x".repeat(5000), "voice_settings": {"stability": 0.5, "similarity_boost": 0.75, "style": 0, "use_speaker_boost": true}}))
        .send(&base)
        .await;
    assert_eq!(r.status(), 200, "5000 characters and full voice settings are fine");
}

#[tokio::test]
async fn voices_models_and_languages_are_refused_as_elevenlabs_does() {
    let base = start().await;
    let r = Eleven::speech("NoSuchVoice0000000000", json!({"text": "Hello"})).send(&base).await;
    assert_eq!(r.status(), 404);
    let detail = detail_of(r).await;
    assert_eq!(detail["status"], "voice_not_found");
    assert!(detail["message"].as_str().unwrap().contains("NoSuchVoice0000000000"));

    let r = Eleven::speech(RACHEL, json!({"text": "Bonjour", "language_code": "fr"})).send(&base).await;
    assert_eq!(r.status(), 400, "eleven_multilingual_v2 detects the language itself");
    assert_eq!(detail_of(r).await["status"], "unsupported_language");
    for model in ["eleven_turbo_v2_5", "eleven_flash_v2_5"] {
        let r = Eleven::speech(RACHEL, json!({"text": "Bonjour", "model_id": model, "language_code": "fr"})).format("pcm_24000").send(&base).await;
        assert_eq!(r.status(), 200, "{model}");
    }
    let r = Eleven::speech(RACHEL, json!({"text": "Bonjour", "model_id": "eleven_flash_v2_5", "language_code": "French"})).send(&base).await;
    assert_eq!(r.status(), 422, "two-letter codes only");

    let r = Eleven::speech(RACHEL, json!({"text": "Hello", "model_id": "eleven_v9"})).send(&base).await;
    assert_eq!(r.status(), 400);
    assert_eq!(detail_of(r).await["status"], "model_not_found");
}

#[tokio::test]
async fn sound_effects_last_the_duration_asked_for() {
    let base = start().await;
    let r = Eleven::new("/v1/sound-generation", json!({"text": "a door creaks open", "duration_seconds": 3.5, "prompt_influence": 0.3})).format("pcm_22050").send(&base).await;
    assert_eq!((r.status().as_u16(), header(&r, "x-sim-requested-ms")), (200, "3500"));
    let pcm = r.bytes().await.unwrap();
    assert_eq!(pcm.len(), 77_175 * 2, "3.5 s at 22050 Hz");
    Clip::from_pcm(&pcm, 22_050).assert_sounds_for(3.5);

    let r = Eleven::new("/v1/sound-generation", json!({"text": "a door creaks open", "duration_seconds": null})).send(&base).await;
    assert_eq!(header(&r, "content-type"), "audio/mpeg");
    Clip::decode(&r.bytes().await.unwrap(), "mp3").assert_sounds_for(2.0);

    let r = Eleven::new("/v1/sound-generation", json!({"text": "a door", "duration_seconds": 31, "prompt_influence": 2})).send(&base).await;
    assert_eq!(r.status(), 422);
    let problems: Vec<Value> = detail_of(r).await.as_array().unwrap().iter().map(|p| p["loc"][1].clone()).collect();
    assert_eq!(problems, [json!("duration_seconds"), json!("prompt_influence")]);
}

#[tokio::test]
async fn music_is_cut_to_the_longest_clip_made_but_says_the_length_asked_for() {
    let base = start().await;
    let r = Eleven::new("/v1/music", json!({"prompt": "lo-fi piano", "music_length_ms": 30_000, "model_id": "music_v1", "force_instrumental": true})).send(&base).await;
    assert_eq!((r.status().as_u16(), header(&r, "x-sim-requested-ms")), (200, "30000"));
    Clip::decode(&r.bytes().await.unwrap(), "mp3").assert_sounds_for(MAX_SECONDS as f64);

    let r = Eleven::new("/v1/music", json!({"prompt": "lo-fi piano"})).send(&base).await;
    assert_eq!(header(&r, "x-sim-requested-ms"), "30000", "30 s by default");

    let r = Eleven::new("/v1/music", json!({"prompt": "lo-fi piano", "music_length_ms": 5000, "model_id": "music_v2"})).send(&base).await;
    assert_eq!(r.status(), 422);
    let detail = detail_of(r).await;
    assert_eq!(detail[0]["msg"], "Input should be greater than or equal to 10000");
    assert_eq!(detail[1], json!({"loc": ["body", "model_id"], "msg": "Input should be 'music_v1'", "type": "literal_error"}));
}

#[tokio::test]
async fn stable_audio_answers_the_audio_itself_with_finish_reason_and_seed() {
    let base = start().await;
    let r = stable_audio("rain on a tin roof").field("duration", "4").field("seed", "42").field("steps", "50").field("cfg_scale", "7").send(&base).await;
    assert_eq!(r.status(), 200);
    assert_eq!((header(&r, "content-type"), header(&r, "finish-reason"), header(&r, "seed")), ("audio/mpeg", "SUCCESS", "42"));
    assert_eq!(header(&r, "x-sim-requested-ms"), "4000");
    let clip = Clip::decode(&r.bytes().await.unwrap(), "mp3");
    assert_eq!(clip.sample_rate, 44_100);
    clip.assert_sounds_for(4.0);

    let r = stable_audio("rain on a tin roof").field("output_format", "wav").field("duration", "2").send(&base).await;
    assert_eq!(header(&r, "content-type"), "audio/wav");
    let wav = r.bytes().await.unwrap();
    assert_eq!((&wav[..4], &wav[8..12]), (&b"RIFF"[..], &b"WAVE"[..]));
    assert_eq!(wav.len(), 44 + 2 * 44_100 * 2);
    Clip::decode(&wav, "wav").assert_sounds_for(2.0);
}

#[tokio::test]
async fn stable_audio_json_answers_carry_the_audio_and_default_to_190_seconds_cut_short() {
    let base = start().await;
    let ask = |seed: &str| stable_audio("a warm synth pad").field("seed", seed).field("output_format", "wav").accept("application/json");
    let r = ask("7").send(&base).await;
    assert_eq!((r.status().as_u16(), header(&r, "x-sim-requested-ms")), (200, "190000"));
    assert!(header(&r, "content-type").starts_with("application/json"));
    let answer: Value = r.json().await.unwrap();
    assert_eq!((&answer["finish_reason"], &answer["seed"]), (&json!("SUCCESS"), &json!(7)));
    let wav = STANDARD.decode(answer["audio"].as_str().unwrap()).unwrap();
    Clip::decode(&wav, "wav").assert_sounds_for(MAX_SECONDS as f64);

    let again: Value = ask("7").send(&base).await.json().await.unwrap();
    assert_eq!(again["audio"], answer["audio"], "the same prompt and seed sound the same");
    let other: Value = ask("8").send(&base).await.json().await.unwrap();
    assert_ne!(other["audio"], answer["audio"]);
    let any: Value = ask("0").send(&base).await.json().await.unwrap();
    assert!((1..=4_294_967_294).contains(&any["seed"].as_u64().unwrap()), "seed 0 asks for any seed, and the one taken is reported");
}

#[tokio::test]
async fn stable_audio_lists_every_problem_as_the_image_api_does() {
    let base = start().await;
    let r = stable_audio("").field("duration", "200").field("steps", "5").field("output_format", "flac").send(&base).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!((body["name"].as_str(), body["id"].as_str().map(str::len)), (Some("bad_request"), Some(32)));
    assert_eq!(
        body["errors"],
        json!([
            "prompt: must be between 1 and 10000 characters long",
            "duration: must be a number from 1 to 190",
            "steps: must be an integer from 30 to 100 for stable-audio-2",
            "output_format: must be one of mp3, wav",
        ])
    );
    let r = stable_audio("rain").accept("audio/ogg").send(&base).await;
    assert_eq!(r.json::<Value>().await.unwrap()["errors"], json!(["accept: must be audio/* or application/json, not audio/ogg"]));
    let r = reqwest::Client::new()
        .post(format!("{base}/stability/v2beta/audio/stable-audio-2/text-to-audio"))
        .bearer_auth(STABILITY_KEY)
        .json(&json!({"prompt": "rain"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["errors"], json!(["content-type: must be multipart/form-data"]));
}

#[tokio::test]
async fn wrong_and_missing_keys_are_refused_as_each_provider_does() {
    let base = start().await;
    for key in [Some("sk_wrong"), None, Some(STABILITY_KEY)] {
        let r = Eleven::speech(RACHEL, json!({"text": "Hello"})).key(key).send(&base).await;
        assert_eq!(r.status(), 401, "{key:?}");
        assert_eq!(detail_of(r).await, json!({"status": "invalid_api_key", "message": "Invalid API key"}));
    }
    let r = reqwest::Client::new().get(format!("{base}/elevenlabs/v1/voices")).send().await.unwrap();
    assert_eq!(r.status(), 401);

    for key in [Some("sk-wrong"), None, Some(ELEVENLABS_KEY)] {
        let r = stable_audio("rain").key(key).send(&base).await;
        assert_eq!(r.status(), 401, "{key:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["name"], "unauthorized");
        assert!(body["errors"][0].as_str().unwrap().starts_with("authorization:"), "{body}");
    }
}

#[tokio::test]
async fn failure_markers_answer_each_providers_errors() {
    let base = start().await;
    let speech = |text: &str| Eleven::speech(RACHEL, json!({"text": text}));

    let r = speech("Hello [sim:401]").send(&base).await;
    assert_eq!(r.status(), 401);
    assert_eq!(detail_of(r).await["status"], "invalid_api_key");
    let r = speech("Hello [sim:429]").send(&base).await;
    assert_eq!((r.status().as_u16(), header(&r, "retry-after")), (429, "7"));
    assert_eq!(detail_of(r).await["status"], "too_many_concurrent_requests");
    let r = Eleven::new("/v1/music", json!({"prompt": "jazz"})).behaviour("[sim:500]").send(&base).await;
    assert_eq!(r.status(), 500);
    assert_eq!(detail_of(r).await["status"], "internal_server_error");

    let r = stable_audio("rain [sim:401]").send(&base).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "unauthorized");
    let r = stable_audio("rain").behaviour("429").send(&base).await;
    assert_eq!((r.status().as_u16(), header(&r, "retry-after")), (429, "7"));
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "rate_limit_exceeded");
    let r = stable_audio("rain [sim:500]").send(&base).await;
    assert_eq!(r.status(), 500);
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "internal_error");
}

#[tokio::test]
async fn bad_audio_marker_answers_200_with_bytes_that_are_no_audio() {
    let base = start().await;
    let r = Eleven::speech(RACHEL, json!({"text": "Hello [sim:bad-audio]"})).send(&base).await;
    assert_eq!((r.status().as_u16(), header(&r, "content-type")), (200, "audio/mpeg"));
    assert_eq!(r.bytes().await.unwrap(), &b"<html>oops</html>"[..]);
    let r = Eleven::new("/v1/sound-generation", json!({"text": "thunder"})).behaviour("bad-audio").format("pcm_16000").send(&base).await;
    assert_eq!(r.bytes().await.unwrap(), &b"<html>oops</html>"[..]);

    let r = stable_audio("rain [sim:bad-audio]").send(&base).await;
    assert_eq!((r.status().as_u16(), header(&r, "content-type")), (200, "audio/mpeg"));
    assert_eq!(r.bytes().await.unwrap(), &b"<html>oops</html>"[..]);
    let answer: Value = stable_audio("rain [sim:bad-audio]").accept("application/json").send(&base).await.json().await.unwrap();
    assert_eq!(STANDARD.decode(answer["audio"].as_str().unwrap()).unwrap(), b"not audio");
    assert_eq!(answer["finish_reason"], "SUCCESS");
}

#[tokio::test]
async fn delay_marker_holds_the_answer_and_changes_nothing_else() {
    let base = start().await;
    let plain = Eleven::speech(RACHEL, json!({"text": "Hello there"})).send(&base).await.bytes().await.unwrap();
    let started = Instant::now();
    let r = Eleven::speech(RACHEL, json!({"text": "Hello there [sim:delay=300]"})).send(&base).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.bytes().await.unwrap(), plain, "markers are not spoken");
    let started = Instant::now();
    let r = stable_audio("rain").field("duration", "1").behaviour("delay=300").send(&base).await;
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn faults_match_the_model_or_endpoint_and_answer_with_the_providers_body() {
    let base = start().await;
    let http = reqwest::Client::new();
    let fault = |body: Value| {
        let http = http.clone();
        let url = format!("{base}/_sim/faults");
        async move { assert_eq!(http.post(url).json(&body).send().await.unwrap().status(), 201) }
    };
    fault(json!({"service": "elevenlabs", "status": 503, "matching": "music"})).await;
    assert_eq!(Eleven::speech(RACHEL, json!({"text": "Hi"})).send(&base).await.status(), 200, "speech is not hit");
    let r = Eleven::new("/v1/music", json!({"prompt": "jazz"})).send(&base).await;
    assert_eq!(r.status(), 503);
    assert_eq!(detail_of(r).await["status"], "internal_server_error");
    assert_eq!(Eleven::new("/v1/music", json!({"prompt": "jazz", "music_length_ms": 10_000})).send(&base).await.status(), 200, "a fault is used once");

    fault(json!({"service": "elevenlabs", "status": 429, "retry_after": 3, "matching": "eleven_flash_v2_5"})).await;
    assert_eq!(Eleven::speech(RACHEL, json!({"text": "Hi"})).send(&base).await.status(), 200, "another model is not hit");
    let r = Eleven::speech(RACHEL, json!({"text": "Hi", "model_id": "eleven_flash_v2_5"})).send(&base).await;
    assert_eq!((r.status().as_u16(), header(&r, "retry-after")), (429, "3"));

    fault(json!({"service": "stable-audio", "status": 402})).await;
    let r = stable_audio("rain").send(&base).await;
    assert_eq!(r.status(), 402);
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "payment_required");
    fault(json!({"service": "stable-audio", "status": 401, "matching": "stable-audio-2.5"})).await;
    assert_eq!(stable_audio("rain").field("duration", "1").send(&base).await.status(), 200);
    assert_eq!(stable_audio("rain").field("model", "stable-audio-2.5").send(&base).await.status(), 401);
}

#[tokio::test]
async fn calls_are_listed_without_audio_and_cleared() {
    let base = start().await;
    let http = reqwest::Client::new();
    Eleven::speech(RACHEL, json!({"text": "Hello", "model_id": "eleven_turbo_v2_5"})).send(&base).await;
    Eleven::new("/v1/sound-generation", json!({"text": "thunder"})).key(Some("sk_wrong")).send(&base).await;
    stable_audio("rain").field("duration", "1").field("output_format", "wav").send(&base).await;
    let listed: Value = http.get(format!("{base}/_sim/audio")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        listed["requests"],
        json!([
            {"provider": "elevenlabs", "method": "POST", "path": format!("/elevenlabs/v1/text-to-speech/{RACHEL}"), "model": "eleven_turbo_v2_5", "status": 200,
             "body": {"text": "Hello", "model_id": "eleven_turbo_v2_5"}},
            {"provider": "elevenlabs", "method": "POST", "path": "/elevenlabs/v1/sound-generation", "model": null, "status": 401, "body": {"text": "thunder"}},
            {"provider": "stability", "method": "POST", "path": "/stability/v2beta/audio/stable-audio-2/text-to-audio", "model": "stable-audio-2", "status": 200,
             "body": {"prompt": "rain", "duration": "1", "output_format": "wav"}},
        ])
    );
    assert_eq!(http.delete(format!("{base}/_sim/audio")).send().await.unwrap().status(), 204);
    let listed: Value = http.get(format!("{base}/_sim/audio")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["requests"], json!([]));
}
