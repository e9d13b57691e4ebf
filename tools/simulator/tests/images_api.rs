//! The simulated image providers over real HTTP: OpenAI Images and
//! Stability AI, their checks, the real files they answer with, markers,
//! faults and the call log.

mod common;

use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::stability::STABILITY_KEY;
use common::Stability;
use serde_json::{json, Value};
use webox_simulator::{Config, Simulator};

const OPENAI_KEY: &str = "sk-test-openai";

async fn start() -> String {
    let config = Config { openai_api_key: OPENAI_KEY.into(), stability_api_key: STABILITY_KEY.into(), image_delay_ms: 1, ..Config::from_env() };
    let app = Simulator::new(config).router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// A call to OpenAI Images, as the site makes it.
struct Dalle {
    body: Value,
    key: Option<&'static str>,
    behaviour: Option<&'static str>,
}

impl Dalle {
    fn new(body: Value) -> Self {
        Dalle { body, key: Some(OPENAI_KEY), behaviour: None }
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
        let mut request = reqwest::Client::new().post(format!("{base}/openai/v1/images/generations")).json(&self.body);
        if let Some(key) = self.key {
            request = request.bearer_auth(key);
        }
        if let Some(header) = self.behaviour {
            request = request.header("X-Sim-Behaviour", header);
        }
        request.send().await.unwrap()
    }
}

/// A call to Stability's generate endpoint (`core`, `ultra`, `sd3`).
fn stable(endpoint: &str, prompt: &str) -> Stability {
    Stability::new(&format!("stable-image/generate/{endpoint}"), prompt, "image/*")
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    (reader.info().width, reader.info().height)
}

fn decoded(b64: &Value) -> Vec<u8> {
    STANDARD.decode(b64.as_str().unwrap()).unwrap()
}

async fn error_of(response: reqwest::Response) -> Value {
    response.json::<Value>().await.unwrap()["error"].clone()
}

#[tokio::test]
async fn dalle3_answers_one_png_of_the_size_asked_for_with_a_revised_prompt() {
    let base = start().await;
    let body = json!({"model": "dall-e-3", "prompt": "A red fox at dawn", "size": "1792x1024", "quality": "hd", "style": "natural", "response_format": "b64_json"});
    let r = Dalle::new(body).send(&base).await;
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    assert!((answer["created"].as_i64().unwrap() - webox_simulator::unix_now()).abs() < 5);
    let data = answer["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(png_size(&decoded(&data[0]["b64_json"])), (1792, 1024));
    assert_eq!(data[0]["revised_prompt"], "A red fox at dawn, shown in fine, crisp detail with natural, true-to-life colours.");
}

#[tokio::test]
async fn dalle2_answers_n_different_pictures_and_the_same_ones_again() {
    let base = start().await;
    let body = json!({"model": "dall-e-2", "prompt": "A red fox", "n": 3, "size": "256x256", "response_format": "b64_json"});
    let answer: Value = Dalle::new(body.clone()).send(&base).await.json().await.unwrap();
    let images: Vec<Vec<u8>> = answer["data"].as_array().unwrap().iter().map(|item| decoded(&item["b64_json"])).collect();
    assert_eq!(images.len(), 3);
    assert!(images.iter().all(|png| png_size(png) == (256, 256)));
    assert!(images[0] != images[1] && images[1] != images[2], "each image its own picture");
    assert!(answer["data"][0].get("revised_prompt").is_none(), "DALL·E 2 does not rewrite prompts");
    let again: Value = Dalle::new(body).send(&base).await.json().await.unwrap();
    assert_eq!(decoded(&again["data"][0]["b64_json"]), images[0], "the same prompt draws the same picture");
}

#[tokio::test]
async fn dalle_url_answers_link_to_files_the_simulator_serves() {
    let base = start().await;
    let answer: Value = Dalle::new(json!({"prompt": "A red fox", "size": "512x512"})).send(&base).await.json().await.unwrap();
    let url = answer["data"][0]["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{base}/openai/_files/img-")) && url.ends_with(".png"), "{url}");
    let file = reqwest::get(url).await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "image/png");
    assert_eq!(png_size(&file.bytes().await.unwrap()), (512, 512));
    let missing = reqwest::get(format!("{base}/openai/_files/img-gone.png")).await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("BlobNotFound"));
}

#[tokio::test]
async fn dalle_options_are_checked_per_model_with_the_allowed_values() {
    let base = start().await;
    let cases = [
        (
            json!({"model": "dall-e-3", "prompt": "x", "size": "512x512"}),
            Some("size"),
            "Invalid value: '512x512'. Supported values are: '1024x1024', '1792x1024', and '1024x1792'.",
        ),
        (
            json!({"model": "dall-e-2", "prompt": "x", "size": "1792x1024"}),
            Some("size"),
            "Invalid value: '1792x1024'. Supported values are: '256x256', '512x512', and '1024x1024'.",
        ),
        (json!({"model": "dall-e-3", "prompt": "x", "n": 2}), Some("n"), "You must provide n=1 for this model."),
        (json!({"model": "dall-e-2", "prompt": "x", "n": 11}), Some("n"), "Invalid 'n': integer above maximum value. Expected a value <= 10, but got 11 instead."),
        (json!({"model": "dall-e-2", "prompt": "x", "n": 0}), Some("n"), "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead."),
        (json!({"model": "dall-e-3", "prompt": "x", "quality": "ultra"}), Some("quality"), "Invalid value: 'ultra'. Supported values are: 'standard' and 'hd'."),
        (json!({"model": "dall-e-3", "prompt": "x", "style": "bright"}), Some("style"), "Invalid value: 'bright'. Supported values are: 'vivid' and 'natural'."),
        (json!({"model": "dall-e-2", "prompt": "x", "style": "vivid"}), Some("style"), "style is only supported for dall-e-3."),
        (json!({"prompt": "x", "response_format": "xml"}), Some("response_format"), "Invalid value: 'xml'. Supported values are: 'url' and 'b64_json'."),
        (json!({"model": "dall-e-3"}), Some("prompt"), "Missing required parameter: 'prompt'."),
        (json!({"model": "dall-e-3", "prompt": ""}), Some("prompt"), "Invalid 'prompt': empty string. Expected a string with minimum length 1, but got an empty string instead."),
        (
            json!({"prompt": "x".repeat(1001)}),
            Some("prompt"),
            "Invalid 'prompt': string too long. Expected a string with maximum length 1000, but got a string with length 1001 instead.",
        ),
        (json!({"prompt": "x", "n": "2"}), Some("n"), "Invalid type for 'n': expected an integer, but got a string instead."),
        (json!({"prompt": "x", "seed": 42}), None, "Unrecognized request argument supplied: seed"),
    ];
    for (body, param, message) in cases {
        let r = Dalle::new(body.clone()).send(&base).await;
        assert_eq!(r.status(), 400, "{body}");
        assert_eq!(error_of(r).await, json!({"message": message, "type": "invalid_request_error", "param": param, "code": null}), "{body}");
    }
    let r = Dalle::new(json!({"model": "dall-e-2", "prompt": "x", "quality": "hd", "size": "256x256", "response_format": "b64_json"})).send(&base).await;
    assert_eq!(r.status(), 200, "DALL·E 2 ignores quality");
    let r = Dalle::new(json!({"model": "dall-e-4", "prompt": "x"})).send(&base).await;
    assert_eq!(r.status(), 404);
    let error = error_of(r).await;
    assert_eq!((error["code"].as_str(), error["message"].as_str()), (Some("model_not_found"), Some("The model `dall-e-4` does not exist or you do not have access to it.")));
}

#[tokio::test]
async fn stability_answers_the_image_itself_with_finish_reason_and_seed() {
    let base = start().await;
    let r = stable("core", "A lighthouse on a cliff").field("seed", "42").send(&base).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["finish-reason"], "SUCCESS");
    assert_eq!(r.headers()["seed"], "42");
    assert_eq!(png_size(&r.bytes().await.unwrap()), (1024, 1024), "1:1 by default");
}

#[tokio::test]
async fn stability_draws_each_aspect_ratio_at_about_a_megapixel() {
    let base = start().await;
    let sizes = [
        ("16:9", (1344, 768)),
        ("1:1", (1024, 1024)),
        ("21:9", (1536, 640)),
        ("2:3", (832, 1216)),
        ("3:2", (1216, 832)),
        ("4:5", (896, 1152)),
        ("5:4", (1152, 896)),
        ("9:16", (768, 1344)),
        ("9:21", (640, 1536)),
    ];
    for (ratio, size) in sizes {
        let r = stable("ultra", "A lighthouse").field("aspect_ratio", ratio).send(&base).await;
        assert_eq!(r.status(), 200, "{ratio}");
        assert_eq!(png_size(&r.bytes().await.unwrap()), size, "{ratio}");
    }
}

#[tokio::test]
async fn stability_answers_jpeg_and_webp_files() {
    let base = start().await;
    let r = stable("core", "A lighthouse").field("output_format", "jpeg").field("aspect_ratio", "21:9").send(&base).await;
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(&r.bytes().await.unwrap()[..3], &[0xFF, 0xD8, 0xFF]);

    let r = stable("ultra", "A lighthouse").field("output_format", "webp").field("aspect_ratio", "21:9").send(&base).await;
    assert_eq!(r.headers()["content-type"], "image/webp");
    let webp = r.bytes().await.unwrap();
    assert_eq!((&webp[..4], &webp[8..12]), (&b"RIFF"[..], &b"WEBP"[..]));

    let r = stable("sd3", "A lighthouse").field("model", "sd3.5-medium").field("output_format", "jpeg").field("aspect_ratio", "21:9").send(&base).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
}

#[tokio::test]
async fn stability_json_answers_carry_the_image_finish_reason_and_seed() {
    let base = start().await;
    let ask = |seed: &str| stable("core", "A lighthouse").field("seed", seed).field("aspect_ratio", "21:9").accept("application/json");
    let r = ask("7").send(&base).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let answer: Value = r.json().await.unwrap();
    assert_eq!((&answer["finish_reason"], &answer["seed"]), (&json!("SUCCESS"), &json!(7)));
    let image = decoded(&answer["image"]);
    assert_eq!(png_size(&image), (1536, 640));

    let again: Value = ask("7").send(&base).await.json().await.unwrap();
    assert_eq!(decoded(&again["image"]), image, "the same prompt and seed draw the same picture");
    let other: Value = ask("8").send(&base).await.json().await.unwrap();
    assert_ne!(decoded(&other["image"]), image);

    let any: Value = ask("0").send(&base).await.json().await.unwrap();
    let seed = any["seed"].as_u64().unwrap();
    assert!((1..=4_294_967_294).contains(&seed), "seed 0 asks for any seed, and the one taken is reported");
}

#[tokio::test]
async fn stability_lists_every_problem_with_the_allowed_values() {
    let base = start().await;
    let r = stable("sd3", "").field("model", "sd4").field("aspect_ratio", "4:3").field("seed", "-1").field("output_format", "webp").send(&base).await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["name"], "bad_request");
    assert_eq!(body["id"].as_str().unwrap().len(), 32);
    assert_eq!(
        body["errors"],
        json!([
            "prompt: must be between 1 and 10000 characters long",
            "model: must be one of sd3.5-large, sd3.5-large-turbo, sd3.5-medium",
            "aspect_ratio: must be one of 16:9, 1:1, 21:9, 2:3, 3:2, 4:5, 5:4, 9:16, 9:21",
            "seed: must be an integer from 0 to 4294967294",
            "output_format: must be one of png, jpeg",
        ])
    );
    let r = stable("core", "x").field("output_format", "gif").send(&base).await;
    assert_eq!(r.json::<Value>().await.unwrap()["errors"], json!(["output_format: must be one of png, jpeg, webp"]));
    let r = stable("core", &"x".repeat(10_001)).send(&base).await;
    assert_eq!(r.status(), 400);

    let r = stable("core", "x").accept("*/*").send(&base).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["errors"], json!(["accept: must be image/* or application/json, not */*"]));

    let r =
        reqwest::Client::new().post(format!("{base}/stability/v2beta/stable-image/generate/core")).bearer_auth(STABILITY_KEY).json(&json!({"prompt": "x"})).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["errors"], json!(["content-type: must be multipart/form-data"]));

    let r = stable("sdxl", "x").send(&base).await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "not_found");
}

#[tokio::test]
async fn wrong_and_missing_keys_are_refused_as_each_provider_does() {
    let base = start().await;
    let body = json!({"prompt": "x"});
    let r = Dalle::new(body.clone()).key(Some("sk-wrong")).send(&base).await;
    assert_eq!(r.status(), 401);
    let error = error_of(r).await;
    assert_eq!((error["type"].as_str(), error["code"].as_str()), (Some("invalid_request_error"), Some("invalid_api_key")));
    let r = Dalle::new(body).key(None).send(&base).await;
    assert_eq!(r.status(), 401);
    assert!(error_of(r).await["message"].as_str().unwrap().starts_with("You didn't provide an API key."));

    for key in [Some("sk-wrong"), None] {
        let r = stable("core", "x").key(key).send(&base).await;
        assert_eq!(r.status(), 401, "{key:?}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["name"], "unauthorized");
        assert!(body["id"].is_string() && body["errors"][0].as_str().unwrap().starts_with("authorization:"), "{body}");
    }
    let r = stable("core", "x").key(Some(OPENAI_KEY)).send(&base).await;
    assert_eq!(r.status(), 401, "each provider its own key");
}

#[tokio::test]
async fn failure_markers_answer_each_providers_errors() {
    let base = start().await;
    let dalle = |prompt: &str| Dalle::new(json!({"model": "dall-e-3", "prompt": prompt, "response_format": "b64_json"}));

    let r = dalle("A fox [sim:401]").send(&base).await;
    assert_eq!(r.status(), 401);
    assert_eq!(error_of(r).await["code"], "invalid_api_key");
    let r = dalle("A fox [sim:429]").send(&base).await;
    assert_eq!((r.status().as_u16(), r.headers()["retry-after"].to_str().unwrap()), (429, "7"));
    assert_eq!(error_of(r).await["code"], "rate_limit_exceeded");
    let r = dalle("A fox [sim:500]").send(&base).await;
    assert_eq!(r.status(), 500);
    assert_eq!(error_of(r).await["type"], "server_error");
    let r = dalle("A fox [sim:moderation]").send(&base).await;
    assert_eq!(r.status(), 400);
    let error = error_of(r).await;
    assert_eq!((error["type"].as_str(), error["code"].as_str()), (Some("invalid_request_error"), Some("content_policy_violation")));
    assert_eq!(dalle("A fox").behaviour("moderation").send(&base).await.status(), 400, "the header works too");

    let r = stable("core", "A fox [sim:401]").send(&base).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "unauthorized");
    let r = stable("core", "A fox [sim:429]").send(&base).await;
    assert_eq!((r.status().as_u16(), r.headers()["retry-after"].to_str().unwrap()), (429, "7"));
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "rate_limit_exceeded");
    let r = stable("ultra", "A fox").behaviour("[sim:500]").send(&base).await;
    assert_eq!(r.status(), 500);
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "internal_error");
    let r = stable("sd3", "A fox [sim:moderation]").send(&base).await;
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["name"], "content_moderation");
    assert!(body["errors"][0].as_str().unwrap().contains("content moderation"));
}

#[tokio::test]
async fn bad_image_marker_answers_200_with_bytes_that_are_no_image() {
    let base = start().await;
    let answer: Value = Dalle::new(json!({"prompt": "A fox [sim:bad-image]", "response_format": "b64_json"})).send(&base).await.json().await.unwrap();
    assert_eq!(decoded(&answer["data"][0]["b64_json"]), b"not an image");
    let answer: Value = Dalle::new(json!({"prompt": "A fox"})).behaviour("bad-image").send(&base).await.json().await.unwrap();
    let file = reqwest::get(answer["data"][0]["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(file.headers()["content-type"], "image/png");
    assert_eq!(file.bytes().await.unwrap(), &b"<html>oops</html>"[..]);

    let r = stable("core", "A fox [sim:bad-image]").send(&base).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap(), &b"<html>oops</html>"[..]);
    let answer: Value = stable("core", "A fox [sim:bad-image]").accept("application/json").send(&base).await.json().await.unwrap();
    assert_eq!(decoded(&answer["image"]), b"not an image");
    assert_eq!(answer["finish_reason"], "SUCCESS");
}

#[tokio::test]
async fn filtered_marker_gives_stabilitys_veiled_picture() {
    let base = start().await;
    let r = stable("core", "A fox [sim:filtered]").field("aspect_ratio", "21:9").send(&base).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["finish-reason"], "CONTENT_FILTERED");
    assert_eq!(png_size(&r.bytes().await.unwrap()), (1536, 640));
    let answer: Value = stable("core", "A fox").behaviour("filtered").accept("application/json").field("aspect_ratio", "21:9").send(&base).await.json().await.unwrap();
    assert_eq!(answer["finish_reason"], "CONTENT_FILTERED");
}

#[tokio::test]
async fn delay_marker_holds_the_answer() {
    let base = start().await;
    let started = Instant::now();
    let r = Dalle::new(json!({"prompt": "A fox [sim:delay=300]", "size": "256x256"})).send(&base).await;
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    let r = stable("core", "A fox").behaviour("delay=300").field("aspect_ratio", "21:9").send(&base).await;
    assert_eq!(r.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn faults_match_the_model_and_answer_with_the_providers_body() {
    let base = start().await;
    let http = reqwest::Client::new();
    let dalle = |model: &str| Dalle::new(json!({"model": model, "prompt": "A fox", "response_format": "b64_json"}));
    let fault = json!({"service": "openai-images", "status": 503, "matching": "dall-e-3"});
    assert_eq!(http.post(format!("{base}/_sim/faults")).json(&fault).send().await.unwrap().status(), 201);
    assert_eq!(dalle("dall-e-2").send(&base).await.status(), 200, "another model is not hit");
    let r = dalle("dall-e-3").send(&base).await;
    assert_eq!(r.status(), 503);
    assert_eq!(error_of(r).await["code"], "server_is_overloaded");
    assert_eq!(dalle("dall-e-3").send(&base).await.status(), 200, "a fault is used once");

    let fault = json!({"service": "stability", "status": 429, "retry_after": 3, "matching": "sd3.5-medium"});
    http.post(format!("{base}/_sim/faults")).json(&fault).send().await.unwrap();
    assert_eq!(stable("sd3", "A fox").field("aspect_ratio", "21:9").send(&base).await.status(), 200, "sd3.5-large is not hit");
    let r = stable("sd3", "A fox").field("model", "sd3.5-medium").send(&base).await;
    assert_eq!((r.status().as_u16(), r.headers()["retry-after"].to_str().unwrap()), (429, "3"));
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "rate_limit_exceeded");

    http.post(format!("{base}/_sim/faults")).json(&json!({"service": "stability", "status": 402})).send().await.unwrap();
    let r = stable("core", "A fox").send(&base).await;
    assert_eq!(r.status(), 402);
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "payment_required");
}

#[tokio::test]
async fn calls_are_listed_without_image_bytes_and_cleared() {
    let base = start().await;
    let http = reqwest::Client::new();
    Dalle::new(json!({"model": "dall-e-3", "prompt": "A fox"})).key(Some("sk-wrong")).send(&base).await;
    let call = stable("sd3", "A fox").field("model", "sd3.5-medium").field("aspect_ratio", "21:9");
    let form = call.form().part("image", reqwest::multipart::Part::bytes(vec![0u8; 1234]).file_name("start.png"));
    assert_eq!(call.send_form(&base, form).await.status(), 200);
    let listed: Value = http.get(format!("{base}/_sim/images")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        listed["requests"],
        json!([
            {"provider": "openai", "path": "/openai/v1/images/generations", "model": "dall-e-3", "status": 401, "body": {"model": "dall-e-3", "prompt": "A fox"}},
            {"provider": "stability", "path": "/stability/v2beta/stable-image/generate/sd3", "model": "sd3.5-medium", "status": 200,
             "body": {"prompt": "A fox", "model": "sd3.5-medium", "aspect_ratio": "21:9", "image": {"file_name": "start.png", "bytes": 1234}}},
        ])
    );
    assert_eq!(http.delete(format!("{base}/_sim/images")).send().await.unwrap().status(), 204);
    let listed: Value = http.get(format!("{base}/_sim/images")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["requests"], json!([]));
}
