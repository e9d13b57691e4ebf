//! The simulated video providers over real HTTP: Runway, Luma Dream
//! Machine and Pika through fal.ai's queue — tasks made, polled through
//! their states and downloaded as real MP4 files (probed here with
//! ffprobe), their checks, markers, cancelling, faults and the call log.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use webox_simulator::{Config, Simulator};

const RUNWAY_KEY: &str = "key_test_runway";
const LUMA_KEY: &str = "luma-test";
const FAL_KEY: &str = "fal-test";
const RUNWAY_VERSION: &str = "2024-11-06";
/// How long a task takes in these tests, and the longest film made.
const TASK_MS: u64 = 1200;
const MAX_SECONDS: u64 = 2;

async fn start_with(config: Config) -> String {
    let app = Simulator::new(config).router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn config() -> Config {
    Config {
        runway_api_key: RUNWAY_KEY.into(),
        luma_api_key: LUMA_KEY.into(),
        fal_api_key: FAL_KEY.into(),
        video_task_ms: TASK_MS,
        video_max_seconds: MAX_SECONDS,
        ffmpeg: "ffmpeg".into(),
        ..Config::from_env()
    }
}

async fn start() -> String {
    start_with(config()).await
}

/// A call to one of the providers, with its key (and Runway's version) set as the site sets them.
struct Call {
    request: reqwest::RequestBuilder,
}

impl Call {
    fn runway(method: reqwest::Method, url: String) -> Self {
        let request = reqwest::Client::new().request(method, url).bearer_auth(RUNWAY_KEY).header("X-Runway-Version", RUNWAY_VERSION);
        Call { request }
    }

    fn luma(method: reqwest::Method, url: String) -> Self {
        Call { request: reqwest::Client::new().request(method, url).bearer_auth(LUMA_KEY) }
    }

    fn fal(method: reqwest::Method, url: String) -> Self {
        Call { request: reqwest::Client::new().request(method, url).header("Authorization", format!("Key {FAL_KEY}")) }
    }

    fn json(self, body: &Value) -> Self {
        Call { request: self.request.json(body) }
    }

    fn header(self, name: &str, value: &str) -> Self {
        Call { request: self.request.header(name, value) }
    }

    async fn send(self) -> reqwest::Response {
        self.request.send().await.unwrap()
    }

    async fn answer(self) -> (u16, Value) {
        let response = self.send().await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

fn runway_create(base: &str, endpoint: &str, body: Value) -> Call {
    Call::runway(reqwest::Method::POST, format!("{base}/runway/v1/{endpoint}")).json(&body)
}

fn runway_task(base: &str, id: &str) -> Call {
    Call::runway(reqwest::Method::GET, format!("{base}/runway/v1/tasks/{id}"))
}

fn luma_create(base: &str, body: Value) -> Call {
    Call::luma(reqwest::Method::POST, format!("{base}/luma/dream-machine/v1/generations")).json(&body)
}

fn luma_generation(base: &str, id: &str) -> Call {
    Call::luma(reqwest::Method::GET, format!("{base}/luma/dream-machine/v1/generations/{id}"))
}

fn fal_submit(base: &str, body: Value) -> Call {
    Call::fal(reqwest::Method::POST, format!("{base}/fal/fal-ai/pika/v2.2/text-to-video")).json(&body)
}

fn fal_get(url: &str) -> Call {
    Call::fal(reqwest::Method::GET, url.to_owned())
}

/// Polls until `state_of` says a state `done` accepts, and answers every answer seen.
async fn poll(mut ask: impl FnMut() -> Call, state_of: impl Fn(&Value) -> String, done: &[&str]) -> Vec<Value> {
    let started = Instant::now();
    let mut seen = Vec::new();
    loop {
        let (status, answer) = ask().answer().await;
        assert_eq!(status, 200, "{answer}");
        let state = state_of(&answer);
        seen.push(answer);
        if done.contains(&state.as_str()) {
            return seen;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "still {state} after 30 s");
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
}

/// The states in the order seen, each once.
fn states(seen: &[Value], state_of: impl Fn(&Value) -> String) -> Vec<String> {
    let mut states: Vec<String> = seen.iter().map(state_of).collect();
    states.dedup();
    states
}

fn runway_status(task: &Value) -> String {
    task["status"].as_str().unwrap().to_owned()
}

fn luma_state(generation: &Value) -> String {
    generation["state"].as_str().unwrap().to_owned()
}

fn fal_status(status: &Value) -> String {
    status["status"].as_str().unwrap().to_owned()
}

/// What ffprobe says of an MP4: its video codec, size and length.
#[derive(Debug)]
struct Probe {
    codecs: Vec<String>,
    width: u64,
    height: u64,
    seconds: f64,
}

impl Probe {
    fn of(mp4: &[u8]) -> Probe {
        let path = std::env::temp_dir().join(format!("webox-video-test-{}.mp4", webox_simulator::uuid_v4()));
        std::fs::write(&path, mp4).unwrap();
        let output = std::process::Command::new("ffprobe")
            .args(["-v", "error", "-show_entries", "stream=codec_name,width,height", "-show_entries", "format=duration", "-of", "json"])
            .arg(&path)
            .output()
            .unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(output.status.success(), "ffprobe: {}", String::from_utf8_lossy(&output.stderr));
        let probed: Value = serde_json::from_slice(&output.stdout).unwrap();
        let streams = probed["streams"].as_array().unwrap();
        let video = streams.iter().find(|s| s["width"].is_u64()).unwrap();
        Probe {
            codecs: streams.iter().map(|s| s["codec_name"].as_str().unwrap().to_owned()).collect(),
            width: video["width"].as_u64().unwrap(),
            height: video["height"].as_u64().unwrap(),
            seconds: probed["format"]["duration"].as_str().unwrap().parse().unwrap(),
        }
    }

    /// An H.264 picture of exactly that size, with AAC sound, `seconds` long.
    fn assert_is(&self, width: u64, height: u64, seconds: f64) {
        assert_eq!(self.codecs, ["h264", "aac"], "{self:?}");
        assert_eq!((self.width, self.height), (width, height), "{self:?}");
        assert!((self.seconds - seconds).abs() < 0.1, "{} s, not {seconds} s", self.seconds);
    }
}

async fn download(url: &str) -> (String, Vec<u8>) {
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    (content_type, r.bytes().await.unwrap().to_vec())
}

async fn add_fault(base: &str, fault: Value) {
    let r = reqwest::Client::new().post(format!("{base}/_sim/faults")).json(&fault).send().await.unwrap();
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn runway_image_to_video_goes_pending_running_succeeded_and_plays() {
    let base = start().await;
    let body = json!({"model": "gen4_turbo", "promptImage": "https://example.com/fox.png", "promptText": "a fox runs through snow", "ratio": "1280:720", "duration": 5});
    let (status, created) = runway_create(&base, "image_to_video", body).answer().await;
    assert_eq!(status, 200, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36);

    let seen = poll(|| runway_task(&base, &id), runway_status, &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(states(&seen, runway_status), ["PENDING", "RUNNING", "SUCCEEDED"]);
    let progress: Vec<f64> = seen.iter().filter_map(|task| task["progress"].as_f64()).collect();
    assert!(progress.windows(2).all(|pair| pair[0] <= pair[1]), "progress only grows: {progress:?}");
    assert!(progress.len() >= 2 && progress[0] < progress[progress.len() - 1], "{progress:?}");
    assert!(progress.iter().all(|p| (0.0..=1.0).contains(p)));
    let pending = &seen[0];
    assert_eq!(pending.as_object().unwrap().keys().collect::<Vec<_>>(), ["createdAt", "id", "status"]);
    let done = seen.last().unwrap();
    assert_eq!((done["id"].as_str(), done.get("progress")), (Some(id.as_str()), None));
    let url = done["output"][0].as_str().unwrap();
    assert_eq!(url, format!("{base}/runway/_files/{id}.mp4"));

    let r = runway_task(&base, &id).send().await;
    assert_eq!(r.headers()["x-sim-requested-ms"], "5000", "the length asked for");
    let (content_type, mp4) = download(url).await;
    assert_eq!(content_type, "video/mp4");
    Probe::of(&mp4).assert_is(1280, 720, MAX_SECONDS as f64);
}

#[tokio::test]
async fn runway_text_to_video_films_veo3_at_its_ratio() {
    let base = start().await;
    let body = json!({"model": "veo3", "promptText": "a lighthouse at dusk [sim:task-ms=500]", "ratio": "720:1280", "duration": 8});
    let (status, created) = runway_create(&base, "text_to_video", body).answer().await;
    assert_eq!(status, 200, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let seen = poll(|| runway_task(&base, &id), runway_status, &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(runway_status(seen.last().unwrap()), "SUCCEEDED");
    let (_, mp4) = download(seen.last().unwrap()["output"][0].as_str().unwrap()).await;
    Probe::of(&mp4).assert_is(720, 1280, MAX_SECONDS as f64);

    let config = Config { video_max_seconds: 10, ..config() };
    let base = start_with(config).await;
    let body = json!({"model": "gen3a_turbo", "promptImage": "data:image/png;base64,iVBORw0KGgo=", "ratio": "768:1280", "duration": 5, "seed": 7});
    let id = runway_create(&base, "image_to_video", body.clone()).answer().await.1["id"].as_str().unwrap().to_owned();
    let seen = poll(|| runway_task(&base, &id), runway_status, &["SUCCEEDED", "FAILED"]).await;
    let (_, mp4) = download(seen.last().unwrap()["output"][0].as_str().unwrap()).await;
    Probe::of(&mp4).assert_is(768, 1280, 5.0);
}

#[tokio::test]
async fn luma_generations_go_queued_dreaming_completed_with_the_video() {
    let base = start().await;
    let body = json!({"prompt": "a whale breaching", "model": "ray-2", "resolution": "540p", "duration": "9s", "aspect_ratio": "9:16", "loop": true});
    let (status, created) = luma_create(&base, body).answer().await;
    assert_eq!(status, 201, "{created}");
    assert_eq!((created["generation_type"].as_str(), created["state"].as_str()), (Some("video"), Some("queued")));
    assert_eq!((&created["failure_reason"], &created["assets"], &created["model"]), (&Value::Null, &Value::Null, &json!("ray-2")));
    assert_eq!(
        created["request"],
        json!({"generation_type": "video", "prompt": "a whale breaching", "model": "ray-2", "resolution": "540p", "duration": "9s", "aspect_ratio": "9:16", "loop": true})
    );
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    let id = created["id"].as_str().unwrap().to_owned();

    let seen = poll(|| luma_generation(&base, &id), luma_state, &["completed", "failed"]).await;
    assert_eq!(states(&seen, luma_state), ["queued", "dreaming", "completed"]);
    let done = seen.last().unwrap();
    assert_eq!(done["request"]["duration"], "9s", "the length asked for is kept");
    let url = done["assets"]["video"].as_str().unwrap();
    assert_eq!(url, format!("{base}/luma/_files/{id}.mp4"));
    let (content_type, mp4) = download(url).await;
    assert_eq!(content_type, "video/mp4");
    Probe::of(&mp4).assert_is(540, 960, MAX_SECONDS as f64);

    let poster = done["assets"]["image"].as_str().unwrap();
    assert_eq!(poster, format!("{base}/luma/_files/{id}.jpg"));
    let (content_type, jpeg) = download(poster).await;
    assert_eq!((content_type.as_str(), &jpeg[..3]), ("image/jpeg", &[0xFF, 0xD8, 0xFF][..]));
    assert_eq!(jpeg_size(&jpeg), (540, 960), "the poster is the film's size");
}

/// The width and height in a JPEG's start-of-frame segment.
fn jpeg_size(jpeg: &[u8]) -> (u16, u16) {
    let frame = jpeg.windows(2).position(|marker| marker[0] == 0xFF && (0xC0..=0xC2).contains(&marker[1])).unwrap();
    let at = |i: usize| u16::from_be_bytes([jpeg[frame + i], jpeg[frame + i + 1]]);
    (at(7), at(5))
}

#[tokio::test]
async fn fal_pika_requests_are_queued_in_progress_then_completed_with_the_video() {
    let base = start().await;
    let body = json!({"prompt": "paper boats on a river", "negative_prompt": "blurry", "resolution": "720p", "duration": 5, "aspect_ratio": "4:5", "seed": 1234});
    let (status, submitted) = fal_submit(&base, body).answer().await;
    assert_eq!(status, 200, "{submitted}");
    let id = submitted["request_id"].as_str().unwrap().to_owned();
    let url = format!("{base}/fal/fal-ai/pika/requests/{id}");
    assert_eq!(submitted, json!({"request_id": id, "status_url": format!("{url}/status"), "response_url": url, "cancel_url": format!("{url}/cancel")}));

    let (status, early) = fal_get(&url).answer().await;
    assert_eq!((status, early), (400, json!({"detail": "Request is still in progress"})));

    let status_url = format!("{url}/status");
    let seen = poll(|| fal_get(&status_url), fal_status, &["COMPLETED"]).await;
    assert_eq!(states(&seen, fal_status), ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]);
    assert_eq!(seen[0]["queue_position"], 0);
    let logged: Vec<usize> = seen.iter().filter_map(|s| s["logs"].as_array().map(Vec::len)).collect();
    assert!(logged.windows(2).all(|pair| pair[0] <= pair[1]) && logged[0] < logged[logged.len() - 1], "logs grow: {logged:?}");

    let (status, result) = fal_get(&url).answer().await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["seed"], 1234);
    let video = &result["video"];
    assert_eq!((video["content_type"].as_str(), video["file_name"].as_str()), (Some("video/mp4"), Some(format!("{id}.mp4").as_str())));
    let (content_type, mp4) = download(video["url"].as_str().unwrap()).await;
    assert_eq!(content_type, "video/mp4");
    assert_eq!(video["file_size"].as_u64(), Some(mp4.len() as u64));
    Probe::of(&mp4).assert_is(720, 900, MAX_SECONDS as f64);
}

#[tokio::test]
async fn same_request_films_the_same_video_and_files_serve_byte_ranges() {
    let base = start().await;
    let film = |prompt: &str| {
        let base = base.clone();
        let body = json!({"prompt": format!("{prompt} [sim:task-ms=300]"), "model": "ray-flash-2", "resolution": "540p"});
        async move {
            let id = luma_create(&base, body).answer().await.1["id"].as_str().unwrap().to_owned();
            let seen = poll(|| luma_generation(&base, &id), luma_state, &["completed", "failed"]).await;
            seen.last().unwrap()["assets"]["video"].as_str().unwrap().to_owned()
        }
    };
    let (first, again, other) = tokio::join!(film("a red kite"), film("a red kite"), film("a blue kite"));
    let (first, again, other) = (download(&first).await.1, download(&again).await.1, download(&other).await.1);
    assert_eq!(first, again);
    assert_ne!(first, other);

    let url = film("a red kite").await;
    let r = reqwest::Client::new().get(&url).header("Range", "bytes=0-99").send().await.unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"], format!("bytes 0-99/{}", first.len()).as_str());
    assert_eq!(r.bytes().await.unwrap(), &first[..100]);
    let r = reqwest::Client::new().get(&url).header("Range", format!("bytes={}-", first.len())).send().await.unwrap();
    assert_eq!(r.status(), 416);
    assert_eq!(reqwest::get(format!("{base}/luma/_files/nothing.mp4")).await.unwrap().status(), 404);
}

#[tokio::test]
async fn runway_refuses_bad_bodies_listing_every_issue() {
    let base = start().await;
    let body = json!({"model": "gen4_turbo", "promptImage": "http://example.com/fox.png", "promptText": "x".repeat(1001), "ratio": "1280:768", "duration": 7});
    let (status, refused) = runway_create(&base, "image_to_video", body).answer().await;
    assert_eq!(status, 400);
    assert_eq!(refused["error"], "Validation of body failed");
    let paths: Vec<&Value> = refused["issues"].as_array().unwrap().iter().map(|issue| &issue["path"]).collect();
    assert_eq!(paths, [&json!(["promptImage"]), &json!(["promptText"]), &json!(["ratio"]), &json!(["duration"])]);
    assert!(refused["issues"][2]["message"].as_str().unwrap().contains("'1280:720' | '720:1280'"), "{refused}");

    let (status, refused) = runway_create(&base, "image_to_video", json!({"model": "gen3a_turbo", "ratio": "1280:720"})).answer().await;
    assert_eq!(status, 400);
    assert_eq!(refused["issues"][0], json!({"code": "invalid_type", "path": ["promptImage"], "message": "Required"}));
    assert_eq!(refused["issues"][1]["path"], json!(["ratio"]), "gen3a_turbo has its own ratios");

    let (status, refused) = runway_create(&base, "text_to_video", json!({"model": "gen4_turbo", "promptText": "x", "ratio": "1280:720"})).answer().await;
    assert_eq!(status, 400);
    assert_eq!(refused["issues"][0]["path"], json!(["model"]));
    let (status, _) = runway_create(&base, "text_to_video", json!({"model": "veo3", "ratio": "1280:720", "duration": 8})).answer().await;
    assert_eq!(status, 400, "promptText is required for text to video");

    let (status, refused) = Call::runway(reqwest::Method::POST, format!("{base}/runway/v1/text_to_video")).header("content-type", "application/json").answer().await;
    assert_eq!(status, 400);
    assert!(refused["error"].is_string());
}

#[tokio::test]
async fn luma_and_fal_refuse_bad_bodies_their_own_way() {
    let base = start().await;
    let (status, refused) = luma_create(&base, json!({"prompt": "a fox", "model": "ray-2", "resolution": "8k"})).answer().await;
    assert_eq!(status, 400);
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("resolution") && detail.contains("'4k'"), "{detail}");
    let (status, refused) = luma_create(&base, json!({"model": "ray-2"})).answer().await;
    assert_eq!((status, refused), (400, json!({"detail": "Invalid request: prompt is required"})));
    let (status, _) = luma_create(&base, json!({"prompt": "a fox", "model": "ray-2", "duration": 5})).answer().await;
    assert_eq!(status, 400, "durations are strings like 5s");

    let (status, refused) = fal_submit(&base, json!({"resolution": "1080p", "duration": 7, "aspect_ratio": "4:3", "seed": "x"})).answer().await;
    assert_eq!(status, 422);
    assert_eq!(
        refused["detail"],
        json!([
            {"loc": ["body", "prompt"], "msg": "Field required", "type": "missing"},
            {"loc": ["body", "duration"], "msg": "Input should be 5 or 10", "type": "literal_error"},
            {"loc": ["body", "aspect_ratio"], "msg": "Input should be '16:9', '9:16', '1:1', '4:5', '5:4', '3:2' or '2:3'", "type": "literal_error"},
            {"loc": ["body", "seed"], "msg": "Input should be a valid integer", "type": "int_type"},
        ])
    );
    let (status, refused) = fal_submit(&base, json!({"prompt": "a fox", "resolution": "4k"})).answer().await;
    assert_eq!(status, 422);
    assert_eq!(refused["detail"][0], json!({"loc": ["body", "resolution"], "msg": "Input should be '720p' or '1080p'", "type": "literal_error"}));
}

#[tokio::test]
async fn wrong_keys_and_a_missing_runway_version_are_refused() {
    let base = start().await;
    let runway_body = json!({"model": "veo3", "promptText": "a fox", "ratio": "1280:720"});
    let url = format!("{base}/runway/v1/text_to_video");
    let http = reqwest::Client::new();
    for key in ["key_wrong", LUMA_KEY] {
        let r = http.post(&url).bearer_auth(key).header("X-Runway-Version", RUNWAY_VERSION).json(&runway_body).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"error": "Invalid API key"}));
    }
    assert_eq!(http.post(&url).header("X-Runway-Version", RUNWAY_VERSION).json(&runway_body).send().await.unwrap().status(), 401);
    let r = http.post(&url).bearer_auth(RUNWAY_KEY).json(&runway_body).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("X-Runway-Version"));
    let r = http.post(&url).bearer_auth(RUNWAY_KEY).header("X-Runway-Version", "2023-01-01").json(&runway_body).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let r = http.get(format!("{base}/runway/v1/tasks/{}", webox_simulator::uuid_v4())).bearer_auth(RUNWAY_KEY).send().await.unwrap();
    assert_eq!(r.status(), 400, "polls need the version too");

    let luma_url = format!("{base}/luma/dream-machine/v1/generations");
    for request in [http.post(&luma_url).bearer_auth("luma-wrong"), http.post(&luma_url)] {
        let r = request.json(&json!({"prompt": "a fox", "model": "ray-2"})).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"detail": "Invalid API key"}));
    }

    let fal_url = format!("{base}/fal/fal-ai/pika/v2.2/text-to-video");
    for request in [http.post(&fal_url).header("Authorization", "Key fal-wrong"), http.post(&fal_url).bearer_auth(FAL_KEY), http.post(&fal_url)] {
        let r = request.json(&json!({"prompt": "a fox"})).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert!(r.json::<Value>().await.unwrap()["detail"].is_string());
    }
}

#[tokio::test]
async fn unknown_tasks_are_404s() {
    let base = start().await;
    let id = webox_simulator::uuid_v4();
    let (status, body) = runway_task(&base, &id).answer().await;
    assert_eq!((status, body), (404, json!({"error": "Task not found"})));
    assert_eq!(luma_generation(&base, &id).answer().await.0, 404);
    assert_eq!(fal_get(&format!("{base}/fal/fal-ai/pika/requests/{id}/status")).answer().await.0, 404);
    assert_eq!(fal_get(&format!("{base}/fal/fal-ai/pika/requests/{id}")).answer().await.0, 404);

    let luma_id = luma_create(&base, json!({"prompt": "a fox", "model": "ray-2"})).answer().await.1["id"].as_str().unwrap().to_owned();
    assert_eq!(runway_task(&base, &luma_id).answer().await.0, 404, "a provider knows only its own tasks");
}

#[tokio::test]
async fn creation_markers_answer_each_providers_errors() {
    let base = start().await;
    let (status, body) = runway_create(&base, "text_to_video", json!({"model": "veo3", "promptText": "a fox [sim:401]", "ratio": "1280:720"})).answer().await;
    assert_eq!((status, body), (401, json!({"error": "Invalid API key"})));
    let r = runway_create(&base, "text_to_video", json!({"model": "veo3", "promptText": "a fox [sim:429]", "ratio": "1280:720"})).send().await;
    assert_eq!((r.status().as_u16(), r.headers()["retry-after"].to_str().unwrap()), (429, "7"));
    let (status, body) = luma_create(&base, json!({"prompt": "a fox", "model": "ray-2"})).header("X-Sim-Behaviour", "500").answer().await;
    assert_eq!((status, body), (500, json!({"detail": "Internal server error"})));
    let r = fal_submit(&base, json!({"prompt": "a fox [sim:429]"})).send().await;
    assert_eq!((r.status().as_u16(), r.headers()["retry-after"].to_str().unwrap()), (429, "7"));
    assert!(r.json::<Value>().await.unwrap()["detail"].is_string());
}

#[tokio::test]
async fn fail_marker_ends_each_task_failed_in_the_providers_words() {
    let base = start().await;
    let id = runway_create(&base, "text_to_video", json!({"model": "veo3", "promptText": "a fox [sim:fail] [sim:task-ms=400]", "ratio": "1280:720"})).answer().await.1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = poll(|| runway_task(&base, &id), runway_status, &["SUCCEEDED", "FAILED"]).await;
    let failed = seen.last().unwrap();
    assert_eq!((failed["status"].as_str(), failed["failureCode"].as_str()), (Some("FAILED"), Some("INTERNAL.BAD_OUTPUT.CODE01")));
    assert!(failed["failure"].is_string() && failed.get("output").is_none());

    let id =
        luma_create(&base, json!({"prompt": "a fox [sim:task-ms=400]", "model": "ray-2"})).header("X-Sim-Behaviour", "fail").answer().await.1["id"].as_str().unwrap().to_owned();
    let seen = poll(|| luma_generation(&base, &id), luma_state, &["completed", "failed"]).await;
    assert_eq!(states(&seen, luma_state).last().map(String::as_str), Some("failed"));
    assert!(seen.last().unwrap()["failure_reason"].as_str().unwrap().contains("failed"));
    assert_eq!(seen.last().unwrap()["assets"], Value::Null);

    let submitted = fal_submit(&base, json!({"prompt": "a fox [sim:fail] [sim:task-ms=400]"})).answer().await.1;
    let status_url = submitted["status_url"].as_str().unwrap().to_owned();
    poll(|| fal_get(&status_url), fal_status, &["COMPLETED"]).await;
    let (status, body) = fal_get(submitted["response_url"].as_str().unwrap()).answer().await;
    assert_eq!(status, 500);
    assert!(body["detail"].is_string() && body["error_type"].is_string(), "{body}");
}

#[tokio::test]
async fn stuck_marker_keeps_a_task_running_at_half_way() {
    let base = start().await;
    let id = runway_create(&base, "text_to_video", json!({"model": "veo3", "promptText": "a fox [sim:stuck] [sim:task-ms=300]", "ratio": "1280:720"})).answer().await.1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(900)).await;
    let task = runway_task(&base, &id).answer().await.1;
    assert_eq!((task["status"].as_str(), task["progress"].as_f64()), (Some("RUNNING"), Some(0.5)));

    let submitted = fal_submit(&base, json!({"prompt": "a fox"})).header("X-Sim-Behaviour", "stuck, task-ms=300").answer().await.1;
    tokio::time::sleep(Duration::from_millis(900)).await;
    let status = fal_get(submitted["status_url"].as_str().unwrap()).answer().await.1;
    assert_eq!(status["status"], "IN_PROGRESS");
    assert_eq!(status["logs"].as_array().unwrap().len(), 6, "0% to 50%");
}

#[tokio::test]
async fn bad_video_marker_completes_with_a_file_that_is_no_video() {
    let base = start().await;
    let id = luma_create(&base, json!({"prompt": "a fox [sim:bad-video] [sim:task-ms=300]", "model": "ray-2"})).answer().await.1["id"].as_str().unwrap().to_owned();
    let seen = poll(|| luma_generation(&base, &id), luma_state, &["completed", "failed"]).await;
    let (content_type, bytes) = download(seen.last().unwrap()["assets"]["video"].as_str().unwrap()).await;
    assert_eq!((content_type.as_str(), bytes.as_slice()), ("video/mp4", &b"<html>oops</html>"[..]));

    let submitted = fal_submit(&base, json!({"prompt": "a fox [sim:bad-video] [sim:task-ms=300]"})).answer().await.1;
    let status_url = submitted["status_url"].as_str().unwrap().to_owned();
    poll(|| fal_get(&status_url), fal_status, &["COMPLETED"]).await;
    let result = fal_get(submitted["response_url"].as_str().unwrap()).answer().await.1;
    assert_eq!(result["video"]["file_size"], 17);
    assert_eq!(download(result["video"]["url"].as_str().unwrap()).await.1, b"<html>oops</html>");
}

#[tokio::test]
async fn cancelling_stops_a_task_and_deleting_forgets_it() {
    let base = start().await;
    let create = || runway_create(&base, "text_to_video", json!({"model": "veo3", "promptText": "a fox [sim:task-ms=5000]", "ratio": "1280:720"}));
    let id = create().answer().await.1["id"].as_str().unwrap().to_owned();
    let r = Call::runway(reqwest::Method::DELETE, format!("{base}/runway/v1/tasks/{id}")).send().await;
    assert_eq!(r.status(), 204);
    assert_eq!(runway_task(&base, &id).answer().await.1["status"], "CANCELLED");
    let r = Call::runway(reqwest::Method::DELETE, format!("{base}/runway/v1/tasks/{id}")).send().await;
    assert_eq!(r.status(), 204, "a task that is over is deleted");
    assert_eq!(runway_task(&base, &id).answer().await.0, 404);

    let id = luma_create(&base, json!({"prompt": "a fox", "model": "ray-2"})).answer().await.1["id"].as_str().unwrap().to_owned();
    let r = Call::luma(reqwest::Method::DELETE, format!("{base}/luma/dream-machine/v1/generations/{id}")).send().await;
    assert_eq!(r.status(), 204);
    assert_eq!(luma_generation(&base, &id).answer().await.0, 404);

    let submitted = fal_submit(&base, json!({"prompt": "a fox [sim:task-ms=5000]"})).answer().await.1;
    let cancel = || Call::fal(reqwest::Method::PUT, submitted["cancel_url"].as_str().unwrap().to_owned());
    assert_eq!(cancel().answer().await, (202, json!({"status": "CANCELLATION_REQUESTED"})));
    assert_eq!(fal_get(submitted["status_url"].as_str().unwrap()).answer().await.1["status"], "COMPLETED");
    assert_eq!(fal_get(submitted["response_url"].as_str().unwrap()).answer().await.0, 400);
    assert_eq!(cancel().answer().await, (400, json!({"status": "ALREADY_COMPLETED"})));
}

#[tokio::test]
async fn faults_hit_creation_and_polls_once_then_all_is_normal() {
    let base = start().await;
    let create = || runway_create(&base, "text_to_video", json!({"model": "veo3", "promptText": "a fox [sim:task-ms=600]", "ratio": "1280:720"}));
    add_fault(&base, json!({"service": "runway", "status": 503, "matching": "veo3"})).await;
    let (status, body) = create().answer().await;
    assert_eq!((status, body), (503, json!({"error": "An unexpected error occurred."})));
    let id = create().answer().await.1["id"].as_str().unwrap().to_owned();

    add_fault(&base, json!({"service": "runway", "status": 429, "retry_after": 2})).await;
    let r = runway_task(&base, &id).send().await;
    assert_eq!((r.status().as_u16(), r.headers()["retry-after"].to_str().unwrap()), (429, "2"));
    let seen = poll(|| runway_task(&base, &id), runway_status, &["SUCCEEDED", "FAILED"]).await;
    assert_eq!(runway_status(seen.last().unwrap()), "SUCCEEDED", "the task went on");

    let id = luma_create(&base, json!({"prompt": "a fox [sim:task-ms=600]", "model": "ray-2"})).answer().await.1["id"].as_str().unwrap().to_owned();
    add_fault(&base, json!({"service": "luma", "status": 503, "matching": id})).await;
    assert_eq!(luma_generation(&base, &id).answer().await, (503, json!({"detail": "Internal server error"})));
    poll(|| luma_generation(&base, &id), luma_state, &["completed"]).await;

    add_fault(&base, json!({"service": "fal", "status": 429})).await;
    assert_eq!(fal_submit(&base, json!({"prompt": "a fox"})).answer().await.0, 429);
    let submitted = fal_submit(&base, json!({"prompt": "a fox [sim:task-ms=600]"})).answer().await.1;
    add_fault(&base, json!({"service": "fal", "status": 503})).await;
    let status_url = submitted["status_url"].as_str().unwrap().to_owned();
    assert_eq!(fal_get(&status_url).answer().await.0, 503);
    poll(|| fal_get(&status_url), fal_status, &["COMPLETED"]).await;
    assert_eq!(fal_get(submitted["response_url"].as_str().unwrap()).answer().await.0, 200);
}

#[tokio::test]
async fn without_ffmpeg_the_task_fails_and_no_file_is_faked() {
    let base = start_with(Config { ffmpeg: "/nonexistent/ffmpeg".into(), ..config() }).await;
    let id = runway_create(&base, "text_to_video", json!({"model": "veo3", "promptText": "a fox [sim:task-ms=300]", "ratio": "1280:720"})).answer().await.1["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = poll(|| runway_task(&base, &id), runway_status, &["SUCCEEDED", "FAILED"]).await;
    let failed = seen.last().unwrap();
    assert_eq!((failed["status"].as_str(), failed["failure"].as_str()), (Some("FAILED"), Some("ffmpeg not installed on the simulator machine")));
    assert_eq!(reqwest::get(format!("{base}/runway/_files/{id}.mp4")).await.unwrap().status(), 404);

    let id = luma_create(&base, json!({"prompt": "a fox [sim:task-ms=300]", "model": "ray-2"})).answer().await.1["id"].as_str().unwrap().to_owned();
    let seen = poll(|| luma_generation(&base, &id), luma_state, &["completed", "failed"]).await;
    assert_eq!(seen.last().unwrap()["failure_reason"], "ffmpeg not installed on the simulator machine");
}

#[tokio::test]
async fn calls_are_listed_and_cleared() {
    let base = start().await;
    let http = reqwest::Client::new();
    let body = json!({"model": "veo3", "promptText": "a fox", "ratio": "1280:720"});
    let id = runway_create(&base, "text_to_video", body.clone()).answer().await.1["id"].as_str().unwrap().to_owned();
    runway_task(&base, &id).send().await;
    luma_create(&base, json!({"prompt": "a fox", "model": "ray-9"})).send().await;
    let listed: Value = http.get(format!("{base}/_sim/video")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        listed["requests"],
        json!([
            {"provider": "runway", "method": "POST", "path": "/runway/v1/text_to_video", "model": "veo3", "status": 200, "body": body},
            {"provider": "runway", "method": "GET", "path": format!("/runway/v1/tasks/{id}"), "model": "veo3", "status": 200, "body": null},
            {"provider": "luma", "method": "POST", "path": "/luma/dream-machine/v1/generations", "model": "ray-9", "status": 400, "body": {"prompt": "a fox", "model": "ray-9"}},
        ])
    );
    assert_eq!(http.delete(format!("{base}/_sim/video")).send().await.unwrap().status(), 204);
    let listed: Value = http.get(format!("{base}/_sim/video")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["requests"], json!([]));
}
