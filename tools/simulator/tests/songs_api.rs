//! The simulated song providers over real HTTP: Suno through the
//! gcui-art/suno-api gateway and Udio through PiAPI's task API — songs
//! asked for, polled through their states and downloaded as real MP3s
//! (decoded here) with JPEG covers, their checks, keys, markers, faults
//! and the call log.

mod common;

use std::time::{Duration, Instant};

use common::Clip;
use serde_json::{json, Value};
use webox_simulator::{Config, Simulator};

const SUNO_COOKIE: &str = "__client=test_suno_session; ajs_anonymous_id=42";
const PIAPI_KEY: &str = "piapi-test";
/// How long a song task takes in these tests, and the longest song made.
const TASK_MS: u64 = 1000;
const MAX_SECONDS: u64 = 3;

async fn start() -> String {
    let config = Config { suno_cookie: SUNO_COOKIE.into(), piapi_api_key: PIAPI_KEY.into(), music_task_ms: TASK_MS, audio_max_seconds: MAX_SECONDS, ..Config::from_env() };
    let app = Simulator::new(config).router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// A call to the Suno gateway, with the session cookie the site sends.
fn suno(method: reqwest::Method, url: String) -> reqwest::RequestBuilder {
    reqwest::Client::new().request(method, url).header("Cookie", SUNO_COOKIE)
}

fn suno_generate(base: &str, route: &str, body: Value) -> reqwest::RequestBuilder {
    suno(reqwest::Method::POST, format!("{base}/suno/api/{route}")).json(&body)
}

fn suno_get(base: &str, ids: &[&str]) -> reqwest::RequestBuilder {
    suno(reqwest::Method::GET, format!("{base}/suno/api/get?ids={}", ids.join(",")))
}

/// A call to PiAPI, with its key.
fn piapi(method: reqwest::Method, url: String) -> reqwest::RequestBuilder {
    reqwest::Client::new().request(method, url).header("X-API-Key", PIAPI_KEY)
}

fn piapi_create(base: &str, input: Value) -> reqwest::RequestBuilder {
    piapi(reqwest::Method::POST, format!("{base}/piapi/api/v1/task")).json(&json!({"model": "music-u", "task_type": "generate_music", "input": input}))
}

fn piapi_task(base: &str, id: &str) -> reqwest::RequestBuilder {
    piapi(reqwest::Method::GET, format!("{base}/piapi/api/v1/task/{id}"))
}

async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Asks until `done` says the answer is final, and answers every answer seen.
async fn poll(mut ask: impl FnMut() -> reqwest::RequestBuilder, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let started = Instant::now();
    let mut seen = Vec::new();
    loop {
        let (status, answer) = answer(ask()).await;
        assert_eq!(status, 200, "{answer}");
        let over = done(&answer);
        seen.push(answer);
        if over {
            return seen;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "not done after 30 s: {}", seen.last().unwrap());
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

/// Each value in the order seen, once.
fn states(seen: &[Value], state_of: impl Fn(&Value) -> String) -> Vec<String> {
    let mut states: Vec<String> = seen.iter().map(state_of).collect();
    states.dedup();
    states
}

fn clip_ids(clips: &Value) -> Vec<String> {
    clips.as_array().unwrap().iter().map(|clip| clip["id"].as_str().unwrap().to_owned()).collect()
}

/// Polls Suno until every clip asked for is complete or failed.
async fn suno_until_over(base: &str, ids: &[String]) -> Vec<Value> {
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    poll(|| suno_get(base, &ids), |clips| clips.as_array().unwrap().iter().all(|clip| clip["status"] == "complete" || clip["status"] == "error")).await
}

fn piapi_status(envelope: &Value) -> String {
    envelope["data"]["status"].as_str().unwrap().to_owned()
}

async fn piapi_until_over(base: &str, id: &str) -> Vec<Value> {
    poll(|| piapi_task(base, id), |envelope| ["completed", "failed"].contains(&piapi_status(envelope).as_str())).await
}

async fn download(url: &str) -> (String, Vec<u8>) {
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    (content_type, r.bytes().await.unwrap().to_vec())
}

/// A real MP3 of the longest song made, and a real JPEG cover.
async fn assert_song_and_cover(song_url: &str, cover_url: &str) -> Vec<u8> {
    let (content_type, mp3) = download(song_url).await;
    assert_eq!(content_type, "audio/mpeg");
    Clip::decode(&mp3, "mp3").assert_sounds_for(MAX_SECONDS as f64);
    let (content_type, jpeg) = download(cover_url).await;
    assert_eq!((content_type.as_str(), &jpeg[..3]), ("image/jpeg", &[0xFF, 0xD8, 0xFF][..]));
    mp3
}

async fn add_fault(base: &str, fault: Value) {
    let r = reqwest::Client::new().post(format!("{base}/_sim/faults")).json(&fault).send().await.unwrap();
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn suno_songs_go_submitted_queued_streaming_complete_with_an_mp3_and_a_cover() {
    let base = start().await;
    let (status, clips) = answer(suno_generate(&base, "generate", json!({"prompt": "a calm lo-fi song about rain", "make_instrumental": false, "wait_audio": false}))).await;
    assert_eq!(status, 200, "{clips}");
    let ids = clip_ids(&clips);
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    let first = &clips[0];
    assert_eq!((first["status"].as_str(), first["audio_url"].as_str(), &first["duration"]), (Some("submitted"), Some(""), &Value::Null));
    assert_eq!((first["type"].as_str(), first["model_name"].as_str(), first["title"].as_str()), (Some("gen"), Some("chirp-v3-5"), Some("A Calm Lo-fi Song")));
    assert_eq!((first["gpt_description_prompt"].as_str(), &first["error_message"]), (Some("a calm lo-fi song about rain"), &Value::Null));
    assert!(first["lyric"].as_str().unwrap().contains("a song about a calm lo-fi song about rain"));
    assert!(first["created_at"].as_str().unwrap().ends_with('Z'));

    let seen = suno_until_over(&base, &ids).await;
    let mut all = vec![clips.clone()];
    all.extend(seen);
    assert_eq!(states(&all, |clips| clips[0]["status"].as_str().unwrap().to_owned()), ["submitted", "queued", "streaming", "complete"]);
    let done = all.last().unwrap();
    assert_eq!(clip_ids(done), ids, "in the order asked");
    let mut songs = Vec::new();
    for clip in done.as_array().unwrap() {
        let id = clip["id"].as_str().unwrap();
        assert_eq!(
            (clip["audio_url"].as_str().unwrap(), clip["image_url"].as_str().unwrap()),
            (format!("{base}/suno/files/{id}.mp3").as_str(), format!("{base}/suno/files/{id}.jpeg").as_str())
        );
        assert_eq!(clip["duration"], "3.0");
        songs.push(assert_song_and_cover(clip["audio_url"].as_str().unwrap(), clip["image_url"].as_str().unwrap()).await);
    }
    assert_ne!(songs[0], songs[1], "the two clips are two songs");
}

#[tokio::test]
async fn suno_custom_songs_keep_what_was_written_and_wait_audio_waits() {
    let base = start().await;
    let body = json!({"prompt": "[Verse]\nNeon lights", "tags": "synthwave [sim:task-ms=300]", "title": "Night Drive", "make_instrumental": false, "model": "chirp-v3-0", "wait_audio": true, "negative_tags": "metal"});
    let started = Instant::now();
    let (status, clips) = answer(suno_generate(&base, "custom_generate", body)).await;
    assert_eq!(status, 200, "{clips}");
    assert!(started.elapsed() >= Duration::from_millis(300), "waited for the audio");
    for clip in clips.as_array().unwrap() {
        assert_eq!((clip["status"].as_str(), clip["title"].as_str(), clip["tags"].as_str()), (Some("complete"), Some("Night Drive"), Some("synthwave [sim:task-ms=300]")));
        assert_eq!((clip["lyric"].as_str(), clip["prompt"].as_str(), clip["negative_tags"].as_str()), (Some("[Verse]\nNeon lights"), Some("[Verse]\nNeon lights"), Some("metal")));
        assert_eq!((&clip["gpt_description_prompt"], clip["model_name"].as_str()), (&Value::Null, Some("chirp-v3-0")));
        assert_song_and_cover(clip["audio_url"].as_str().unwrap(), clip["image_url"].as_str().unwrap()).await;
    }
}

#[tokio::test]
async fn suno_wants_the_configured_session_cookie() {
    let base = start().await;
    let body = json!({"prompt": "a song", "make_instrumental": false, "wait_audio": false});
    let http = reqwest::Client::new();
    let no_cookie = json!({"error": "Internal error: Please provide a cookie either in the .env file or in the Cookie header of your request."});
    for cookie in [None, Some("session=abc")] {
        let mut request = http.post(format!("{base}/suno/api/generate")).json(&body);
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        assert_eq!(answer(request).await, (500, no_cookie.clone()), "{cookie:?}");
    }
    let unauthorized = (401, json!({"error": "API Error: Unauthorized"}));
    let other = http.post(format!("{base}/suno/api/generate")).header("Cookie", "__client=someone_else").json(&body);
    assert_eq!(answer(other).await, unauthorized);
    assert_eq!(answer(http.get(format!("{base}/suno/api/get?ids=x")).header("Cookie", "__client=someone_else")).await, unauthorized);
    assert_eq!(answer(http.get(format!("{base}/suno/api/get_limit"))).await.0, 500);
    let marked = suno_generate(&base, "generate", json!({"prompt": "a song [sim:401]", "make_instrumental": false, "wait_audio": false}));
    assert_eq!(answer(marked).await, unauthorized);
}

#[tokio::test]
async fn suno_refuses_bad_bodies_naming_each_field() {
    let base = start().await;
    let (status, body) = answer(suno_generate(&base, "generate", json!({"prompt": "a song", "make_instrumental": false}))).await;
    assert_eq!((status, body), (400, json!({"error": "wait_audio is required"})));
    let (status, body) = answer(suno_generate(&base, "generate", json!({"prompt": "x".repeat(3001), "make_instrumental": 1, "model": "chirp-v4", "wait_audio": false}))).await;
    assert_eq!(status, 400);
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("prompt must be at most 3000 characters") && error.contains("make_instrumental must be a boolean") && error.contains("model 'chirp-v4'"), "{error}");
    let (status, body) = answer(suno_generate(&base, "custom_generate", json!({"prompt": "la", "title": "x".repeat(81), "make_instrumental": false, "wait_audio": false}))).await;
    assert_eq!((status, body), (400, json!({"error": "tags is required; title must be at most 80 characters"})));
    let (status, body) = answer(suno(reqwest::Method::POST, format!("{base}/suno/api/generate")).body("prompt=x")).await;
    assert_eq!((status, body), (400, json!({"error": "the body must be a JSON object"})));
}

#[tokio::test]
async fn suno_markers_fail_stick_break_the_audio_or_refuse() {
    let base = start().await;
    let ask = |prompt: &str| suno_generate(&base, "generate", json!({"prompt": prompt, "make_instrumental": true, "wait_audio": false}));
    let failed = clip_ids(&answer(ask("a song [sim:fail] [sim:task-ms=200]")).await.1);
    let stuck = clip_ids(&answer(ask("a song [sim:stuck] [sim:task-ms=200]")).await.1);
    let bad = clip_ids(&answer(ask("a song [sim:bad-audio] [sim:task-ms=200]")).await.1);

    let done = suno_until_over(&base, &failed).await;
    let clip = &done.last().unwrap()[0];
    assert_eq!((clip["status"].as_str(), clip["error_message"].as_str()), (Some("error"), Some("Song generation failed: the prompt was rejected")));
    assert_eq!((clip["audio_url"].as_str(), &clip["duration"]), (Some(""), &Value::Null));

    let clip = suno_until_over(&base, &bad).await.last().unwrap()[0].clone();
    assert_eq!(clip["status"], "complete");
    let (content_type, bytes) = download(clip["audio_url"].as_str().unwrap()).await;
    assert_eq!((content_type.as_str(), bytes.as_slice()), ("audio/mpeg", &b"<html>oops</html>"[..]));

    let (_, clips) = answer(suno_get(&base, &[&stuck[0]])).await;
    assert_eq!(clips[0]["status"], "queued", "stuck well past its time");

    let r = ask("a song [sim:429]").send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["retry-after"].to_str().unwrap()), (429, "2"));
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"error": "API Error: Too Many Requests"}));
    let r = suno_generate(&base, "custom_generate", json!({"prompt": "", "tags": "rock [sim:500]", "title": "T", "make_instrumental": true, "wait_audio": false}));
    assert_eq!(answer(r).await, (500, json!({"error": "API Error: Internal Server Error"})));
}

#[tokio::test]
async fn suno_gets_only_known_clips_and_counts_credits() {
    let base = start().await;
    assert_eq!(answer(suno_get(&base, &["nope", "also-nope"])).await, (200, json!([])));
    let limit = || suno(reqwest::Method::GET, format!("{base}/suno/api/get_limit"));
    assert_eq!(answer(limit()).await, (200, json!({"credits_left": 500, "period": "day", "monthly_limit": 500, "monthly_usage": 0})));
    let ids = clip_ids(&answer(suno_generate(&base, "generate", json!({"prompt": "a song", "make_instrumental": true, "wait_audio": false}))).await.1);
    let (_, clips) = answer(suno_get(&base, &["nope", &ids[1]])).await;
    assert_eq!(clip_ids(&clips), [ids[1].clone()]);
    let (_, latest) = answer(suno(reqwest::Method::GET, format!("{base}/suno/api/get"))).await;
    assert_eq!(clip_ids(&latest), [ids[1].clone(), ids[0].clone()], "without ids, the latest first");
    assert_eq!(answer(limit()).await.1["monthly_usage"], 10);
    assert_eq!(reqwest::get(format!("{base}/suno/files/nope.mp3")).await.unwrap().status(), 404);
}

#[tokio::test]
async fn udio_tasks_go_pending_processing_completed_with_two_songs() {
    let base = start().await;
    let input = json!({"gpt_description_prompt": "upbeat funk with horns", "lyrics_type": "generate", "negative_tags": "sad", "seed": -1});
    let (status, created) = answer(piapi_create(&base, input.clone())).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!((created["code"].as_u64(), created["message"].as_str()), (Some(200), Some("success")));
    let task = &created["data"];
    assert_eq!((task["model"].as_str(), task["task_type"].as_str(), task["status"].as_str()), (Some("music-u"), Some("generate_music"), Some("pending")));
    assert_eq!((&task["input"], &task["output"]), (&input, &Value::Null));
    assert_eq!(task["config"], json!({"service_mode": "public", "webhook_config": {"endpoint": "", "secret": ""}}));
    assert_eq!((&task["detail"], &task["logs"]), (&Value::Null, &json!([])));
    assert_eq!(task["error"], json!({"code": 0, "raw_message": "", "message": "", "detail": null}));
    assert_eq!(task["meta"]["started_at"], "0001-01-01T00:00:00Z");
    assert!(task["meta"]["created_at"].as_str().unwrap().ends_with('Z'));
    let id = task["task_id"].as_str().unwrap().to_owned();

    let seen = piapi_until_over(&base, &id).await;
    assert_eq!(states(&seen, piapi_status), ["pending", "processing", "completed"]);
    let done = &seen.last().unwrap()["data"];
    assert_ne!(done["meta"]["ended_at"], "0001-01-01T00:00:00Z");
    let songs = done["output"]["songs"].as_array().unwrap();
    assert_eq!(songs.len(), 2);
    let mut files = Vec::new();
    for song in songs {
        let song_id = song["id"].as_str().unwrap();
        assert_eq!(song["song_path"].as_str().unwrap(), format!("{base}/piapi/files/{song_id}.mp3"));
        assert_eq!((song["title"].as_str(), song["duration"].as_f64()), (Some("Upbeat Funk With Horns"), Some(MAX_SECONDS as f64)));
        assert!(song["lyrics"].as_str().unwrap().starts_with("[Verse]") && song["tags"].as_array().unwrap().len() == 2, "{song}");
        files.push(assert_song_and_cover(song["song_path"].as_str().unwrap(), song["image_path"].as_str().unwrap()).await);
    }
    assert_ne!(files[0], files[1]);
}

#[tokio::test]
async fn udio_wants_its_key_and_readable_bodies() {
    let base = start().await;
    let http = reqwest::Client::new();
    let input = json!({"gpt_description_prompt": "funk", "lyrics_type": "instrumental"});
    let invalid_key = (401, json!({"code": 401, "data": {}, "message": "Invalid API key"}));
    for key in [Some("piapi-wrong"), None] {
        let mut request = http.post(format!("{base}/piapi/api/v1/task")).json(&json!({"model": "music-u", "task_type": "generate_music", "input": input}));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        assert_eq!(answer(request).await, invalid_key, "{key:?}");
    }
    assert_eq!(answer(http.get(format!("{base}/piapi/api/v1/task/x")).header("X-Api-Key", "piapi-wrong")).await, invalid_key);
    assert_eq!(answer(piapi_create(&base, json!({"gpt_description_prompt": "funk [sim:401]", "lyrics_type": "generate"}))).await, invalid_key);

    let refused = |body: Value| answer(piapi(reqwest::Method::POST, format!("{base}/piapi/api/v1/task")).json(&body));
    let message = |text: &str| (400, json!({"code": 400, "data": {}, "message": text}));
    assert_eq!(refused(json!({"model": "music-x", "task_type": "generate_music", "input": input})).await, message("model 'music-x' is not supported; use one of 'music-u'"));
    assert_eq!(
        refused(json!({"model": "music-u", "task_type": "generate_lyrics", "input": input})).await.1["message"],
        "task_type 'generate_lyrics' is not supported; use one of 'generate_music'"
    );
    assert_eq!(answer(piapi_create(&base, json!({"lyrics_type": "generate"}))).await, message("input.gpt_description_prompt is required"));
    assert_eq!(answer(piapi_create(&base, json!({"gpt_description_prompt": "funk", "lyrics_type": "rap"}))).await.0, 400);
    assert_eq!(answer(piapi_create(&base, json!({"lyrics_type": "user"}))).await, message("input.lyrics is required"));
    assert_eq!(refused(json!({"model": "music-u", "task_type": "generate_music"})).await, message("input is required"));
    let (status, created) = answer(piapi_create(&base, json!({"lyrics_type": "user", "lyrics": "My own words\nsung slowly"}))).await;
    assert_eq!((status, created["data"]["status"].as_str()), (200, Some("pending")));
}

#[tokio::test]
async fn udio_markers_fail_stick_and_refuse_and_unknown_tasks_are_404s() {
    let base = start().await;
    let id_of = |created: (u16, Value)| created.1["data"]["task_id"].as_str().unwrap().to_owned();
    let failed = id_of(answer(piapi_create(&base, json!({"gpt_description_prompt": "funk [sim:fail] [sim:task-ms=200]", "lyrics_type": "generate"}))).await);
    let stuck = id_of(answer(piapi_create(&base, json!({"gpt_description_prompt": "funk", "lyrics_type": "user", "lyrics": "la [sim:stuck] [sim:task-ms=200]"}))).await);

    let done = piapi_until_over(&base, &failed).await.last().unwrap()["data"].clone();
    assert_eq!((done["status"].as_str(), &done["output"]), (Some("failed"), &Value::Null));
    assert_eq!((done["error"]["code"].as_u64(), done["error"]["message"].as_str()), (Some(10000), Some("Song generation failed: the prompt was rejected")));
    assert!(!done["error"]["raw_message"].as_str().unwrap().is_empty());

    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(answer(piapi_task(&base, &stuck)).await.1["data"]["status"], "processing");

    let r = piapi_create(&base, json!({"gpt_description_prompt": "funk [sim:429]", "lyrics_type": "generate"})).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["retry-after"].to_str().unwrap()), (429, "2"));
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"code": 429, "data": {}, "message": "too many requests"}));
    let r = piapi_create(&base, json!({"gpt_description_prompt": "funk", "lyrics_type": "generate"})).header("X-Sim-Behaviour", "500");
    assert_eq!(answer(r).await.0, 500);

    assert_eq!(answer(piapi_task(&base, "no-such-task")).await, (404, json!({"code": 404, "data": {}, "message": "task not found"})));
    let suno_id = clip_ids(&answer(suno_generate(&base, "generate", json!({"prompt": "a song", "make_instrumental": true, "wait_audio": false}))).await.1).remove(0);
    assert_eq!(answer(piapi_task(&base, &suno_id)).await.0, 404, "a provider knows only its own tasks");
}

#[tokio::test]
async fn bad_audio_from_udio_is_an_html_page() {
    let base = start().await;
    let created = answer(piapi_create(&base, json!({"gpt_description_prompt": "funk [sim:bad-audio] [sim:task-ms=200]", "lyrics_type": "instrumental"}))).await.1;
    let done = piapi_until_over(&base, created["data"]["task_id"].as_str().unwrap()).await;
    let song = &done.last().unwrap()["data"]["output"]["songs"][0];
    assert_eq!(download(song["song_path"].as_str().unwrap()).await.1, b"<html>oops</html>");
    assert_eq!(&download(song["image_path"].as_str().unwrap()).await.1[..3], &[0xFF, 0xD8, 0xFF], "the cover is still one");
}

#[tokio::test]
async fn faults_hit_creation_and_polls_once() {
    let base = start().await;
    add_fault(&base, json!({"service": "suno", "status": 503, "matching": "custom_generate"})).await;
    let custom = || suno_generate(&base, "custom_generate", json!({"prompt": "", "tags": "rock", "title": "T", "make_instrumental": true, "wait_audio": false}));
    assert_eq!(answer(suno_generate(&base, "generate", json!({"prompt": "a song", "make_instrumental": true, "wait_audio": false}))).await.0, 200, "not hit");
    assert_eq!(answer(custom()).await, (503, json!({"error": "API Error: Service Unavailable"})));
    assert_eq!(answer(custom()).await.0, 200, "used once");

    let id =
        answer(piapi_create(&base, json!({"gpt_description_prompt": "funk [sim:task-ms=300]", "lyrics_type": "generate"}))).await.1["data"]["task_id"].as_str().unwrap().to_owned();
    add_fault(&base, json!({"service": "piapi", "status": 429, "retry_after": 5, "matching": id})).await;
    let r = piapi_task(&base, &id).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["retry-after"].to_str().unwrap()), (429, "5"));
    assert_eq!(piapi_status(piapi_until_over(&base, &id).await.last().unwrap()), "completed", "the task went on");
}

#[tokio::test]
async fn calls_and_polls_are_listed_in_the_audio_log() {
    let base = start().await;
    let http = reqwest::Client::new();
    let suno_body = json!({"prompt": "a song", "make_instrumental": true, "wait_audio": false});
    let ids = clip_ids(&answer(suno_generate(&base, "generate", suno_body.clone())).await.1);
    answer(suno_get(&base, &[&ids[0]])).await;
    let input = json!({"gpt_description_prompt": "funk", "lyrics_type": "instrumental"});
    let id = answer(piapi_create(&base, input.clone())).await.1["data"]["task_id"].as_str().unwrap().to_owned();
    answer(piapi_task(&base, &id)).await;
    let listed: Value = http.get(format!("{base}/_sim/audio")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        listed["requests"],
        json!([
            {"provider": "suno", "method": "POST", "path": "/suno/api/generate", "model": "chirp-v3-5", "status": 200, "body": suno_body},
            {"provider": "suno", "method": "GET", "path": format!("/suno/api/get?ids={}", ids[0]), "model": "chirp-v3-5", "status": 200, "body": null},
            {"provider": "piapi", "method": "POST", "path": "/piapi/api/v1/task", "model": "music-u", "status": 200,
             "body": {"model": "music-u", "task_type": "generate_music", "input": input}},
            {"provider": "piapi", "method": "GET", "path": format!("/piapi/api/v1/task/{id}"), "model": "music-u", "status": 200, "body": null},
        ])
    );
}
