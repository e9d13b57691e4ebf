//! `cargo bench -p webox-e2e --bench generation`: on a fresh local site
//! whose simulator answers at once (`SIM_IMAGE_DELAY_MS=0`,
//! `SIM_AUDIO_DELAY_MS=0`),
//! 1. what a generation costs us beyond the provider: the simulator's
//!    endpoint called directly with the request the Worker sends (same
//!    path, key header and body) versus `POST /api/generation/...` through
//!    the stack — gateway, generation Worker, D1, provider, R2, D1 —
//!    interleaved, for a DALL-E 2 256x256 image and a 1 s ElevenLabs sound
//!    effect; the difference of the p50s is the overhead;
//! 2. R2 download throughput: a 240 s ElevenLabs track as 44.1 kHz WAV
//!    (~21 MB, `SIM_AUDIO_MAX_SECONDS` raised so it is made in full),
//!    fetched whole with the owner's token, then by 1 MB byte ranges.
//!
//! The simulator inherits the `SIM_*` variables set here before the site
//! starts. A measurement, not a test: it fails only if a request does.

use std::time::{Duration, Instant};

use reqwest::blocking::{Client, RequestBuilder};
use serde_json::{json, Value};
use webox_e2e::bench::report;

const SAMPLES: usize = 200;
const WARM_UP: usize = 10;
const DOWNLOADS: usize = 10;
const RANGES: usize = 10;
const MB: f64 = 1_000_000.0;
const RANGE_BYTES: u64 = 1 << 20;
/// 240 s of 16-bit mono 44.1 kHz PCM: 21,168,044 bytes as WAV.
const TRACK_SECONDS: u64 = 240;


/// Sends `request`, reads the whole answer; (time taken, status, headers, body).
fn timed(request: RequestBuilder) -> (Duration, u16, reqwest::header::HeaderMap, Vec<u8>) {
    let start = Instant::now();
    let response = request.send().expect("the request is answered");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().expect("the body reads").to_vec();
    (start.elapsed(), status, headers, body)
}

/// `timed`, asserting the status; the body as JSON if `json`.
fn call(request: RequestBuilder, status: u16, json: bool) -> (Duration, Value) {
    let (time, got, _, body) = timed(request);
    assert_eq!(got, status, "HTTP {got}: {}", String::from_utf8_lossy(&body[..body.len().min(500)]));
    (time, if json { serde_json::from_slice(&body).expect("a JSON answer") } else { Value::Null })
}

fn succeeded(answer: &Value) -> &Value {
    let generation = &answer["generation"];
    assert_eq!(generation["status"], "succeeded", "{generation}");
    generation
}

fn main() {
    // The simulator is spawned with this process's environment.
    std::env::set_var("SIM_IMAGE_DELAY_MS", "0");
    std::env::set_var("SIM_AUDIO_DELAY_MS", "0");
    std::env::set_var("SIM_AUDIO_MAX_SECONDS", (TRACK_SECONDS + 10).to_string());
    let started = Instant::now();
    let site = webox_e2e::site();
    println!("site ready in {:.1} s", started.elapsed().as_secs_f64());
    let user = site.new_user();
    let http = Client::builder().timeout(Duration::from_secs(180)).build().expect("an HTTP client");
    let api = |path: &str| http.post(format!("{}/api/generation/{path}", site.base)).bearer_auth(&user.access_token);

    // 1. The same requests, to the simulator and through the site, as
    //    shared/core/src/media/{image,audio}.rs and functions/generation send them.
    let image_prompt = "a small benchmark fox";
    let sound_prompt = "a short benchmark beep";
    let image_direct = || {
        let body = json!({"model": "dall-e-2", "prompt": image_prompt, "n": 1, "size": "256x256", "response_format": "b64_json"});
        call(http.post(format!("{}/openai/v1/images/generations", site.simulator)).bearer_auth(webox_e2e::OPENAI_KEY).json(&body), 200, false).0
    };
    let image_site = || {
        let (time, answer) = call(api("image").json(&json!({"provider": "openai", "model": "dall-e-2", "prompt": image_prompt, "size": "256x256"})), 201, true);
        succeeded(&answer);
        time
    };
    let sound_direct = || {
        let url = format!("{}/elevenlabs/v1/sound-generation?output_format=mp3_44100_128", site.simulator);
        call(http.post(url).header("xi-api-key", webox_e2e::ELEVENLABS_KEY).json(&json!({"text": sound_prompt, "duration_seconds": 1.0})), 200, false).0
    };
    let sound_site = || {
        let (time, answer) = call(api("audio").json(&json!({"provider": "elevenlabs", "audio_type": "sfx", "prompt": sound_prompt, "duration": 1})), 201, true);
        succeeded(&answer);
        time
    };

    // Interleaved rounds, so drift on the machine hits all four alike.
    let (mut img_sim, mut img_site, mut sfx_sim, mut sfx_site) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let rounds = Instant::now();
    for i in 0..WARM_UP + SAMPLES {
        let (a, b, c, d) = (image_direct(), image_site(), sound_direct(), sound_site());
        if i >= WARM_UP {
            img_sim.push(a);
            img_site.push(b);
            sfx_sim.push(c);
            sfx_site.push(d);
        }
    }
    println!("\nGeneration, provider answering at once ({:.1} s of rounds):", rounds.elapsed().as_secs_f64());
    let a = report("image: simulator alone", img_sim);
    let b = report("image: POST /api/generation/image", img_site);
    let c = report("sound: simulator alone", sfx_sim);
    let d = report("sound: POST /api/generation/audio", sfx_site);
    println!("overhead added by WeBox (p50): image {:.2} ms, sound effect {:.2} ms", b - a, d - c);

    // 2. A file of more than 20 MB, made through the API, then downloaded.
    let track = json!({"prompt": "a long benchmark track", "music_length_ms": TRACK_SECONDS * 1000, "model_id": "music_v1"});
    let url = format!("{}/elevenlabs/v1/music?output_format=pcm_44100", site.simulator);
    let (sim_time, _, _, pcm) = timed(http.post(url).header("xi-api-key", webox_e2e::ELEVENLABS_KEY).json(&track));
    let request = json!({"provider": "elevenlabs", "audio_type": "music", "prompt": "a long benchmark track", "duration": TRACK_SECONDS, "output_format": "wav_44100"});
    let (made, answer) = call(api("audio").json(&request), 201, true);
    let generation = succeeded(&answer);
    let id = generation["id"].as_str().expect("an id").to_owned();
    let size = generation["files"][0]["size_bytes"].as_u64().expect("a size");
    assert!(size >= 20_000_000, "the file is only {size} bytes: is SIM_AUDIO_MAX_SECONDS honoured?");
    println!("\nA {TRACK_SECONDS} s WAV track, {:.2} MB ({size} bytes):", size as f64 / MB);
    println!("{:<38} {:>8.1} ms   (simulator alone: {:.1} ms for {:.2} MB of PCM)", "made by POST /api/generation/audio", made.as_secs_f64() * 1000.0, sim_time.as_secs_f64() * 1000.0, pcm.len() as f64 / MB);

    let file_url = format!("{}/api/generation/{id}/file", site.base);
    let get = || http.get(&file_url).bearer_auth(&user.access_token);
    let whole: Vec<Duration> = (0..DOWNLOADS + 1)
        .map(|_| {
            let (time, status, headers, body) = timed(get());
            assert_eq!(status, 200, "HTTP {status}");
            assert_eq!(body.len() as u64, size, "the whole file");
            assert_eq!(&body[..4], b"RIFF");
            assert_eq!(headers["content-type"], "audio/wav");
            time
        })
        .skip(1)
        .collect();
    let ranges: Vec<Duration> = (0..RANGES)
        .map(|i| {
            // The last MB, then MBs from the middle.
            let start = if i == 0 { size - RANGE_BYTES } else { (size / 2 + i as u64 * 97_001) % (size - RANGE_BYTES) };
            let end = start + RANGE_BYTES - 1;
            let (time, status, headers, body) = timed(get().header("Range", format!("bytes={start}-{end}")));
            assert_eq!(status, 206, "HTTP {status}");
            assert_eq!(body.len() as u64, RANGE_BYTES, "the range's bytes");
            assert_eq!(headers["content-range"].to_str().expect("ASCII"), format!("bytes {start}-{end}/{size}"));
            time
        })
        .collect();
    let mut rates: Vec<f64> = whole.iter().map(|t| size as f64 / MB / t.as_secs_f64()).collect();
    rates.sort_by(f64::total_cmp);
    let whole_p50 = report("GET /file, whole (owner's token)", whole);
    println!(
        "{:<38} p50 {:>8.1} MB/s   min {:.1} MB/s   max {:.1} MB/s   ({whole_p50:.1} ms per full download at p50; 1 MB = 10^6 bytes)",
        "download throughput",
        rates[rates.len() / 2],
        rates[0],
        rates[rates.len() - 1]
    );
    let range_p50 = report("GET /file, Range: 1 MiB", ranges);
    println!("{:<38} p50 {:>8.1} MB/s", "range throughput", RANGE_BYTES as f64 / MB / (range_p50 / 1000.0));
    println!("\ntotal {:.1} s", started.elapsed().as_secs_f64());
}
