//! Media generation end to end, images first: OpenAI Images and Stability
//! through the simulator, real files in R2 (decoded here), signed links and
//! byte ranges, the history with its filters, deletion, failures recorded
//! as such, and another user's files out of reach.

use serde_json::{json, Value};
use webox_e2e::{site, User};

fn generate(user: &User, body: Value) -> Value {
    user.client.post("/api/generation/image", body).expect(201)["generation"].clone()
}

/// GET on a signed file link, without any Authorization header.
fn fetch(url: &str, range: Option<&str>) -> reqwest::blocking::Response {
    let mut request = reqwest::blocking::Client::new().get(format!("{}{url}", site().base));
    if let Some(range) = range {
        request = request.header("Range", range);
    }
    request.send().expect("the site answers")
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().expect("a PNG that decodes");
    (reader.info().width, reader.info().height)
}

fn rows(sql: &str) -> i64 {
    site().query(sql)[0]["n"].as_i64().unwrap()
}

/// The user's objects in R2.
fn stored(user: &User) -> Vec<String> {
    site().r2_keys(&format!("generations/{}/", user.id))
}

#[test]
fn dalle3_makes_a_real_png_served_by_signed_link_and_in_ranges() {
    let user = site().new_user();
    let g = generate(&user, json!({"provider": "openai", "model": "dall-e-3", "prompt": "a red fox in snow", "size": "1792x1024", "quality": "hd"}));
    assert_eq!((g["status"].as_str(), g["progress"].as_i64()), (Some("succeeded"), Some(100)));
    assert_eq!(g["cost_micros"], 120_000);
    assert_eq!(g["cost_usd"], "0.120000");
    assert_eq!(g["parameters"]["size"], "1792x1024");
    assert_eq!(g["parameters"]["style"], "vivid", "defaults are recorded");
    assert!(g["parameters"]["revised_prompt"].as_str().is_some(), "{g}");
    assert_eq!(g["files"][0]["content_type"], "image/png");
    assert_eq!(g["thumbnail_url"], g["file_url"]);

    let url = g["file_url"].as_str().unwrap();
    let whole = fetch(url, None);
    assert_eq!(whole.status().as_u16(), 200);
    assert_eq!(whole.headers()["content-type"], "image/png");
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    let bytes = whole.bytes().unwrap().to_vec();
    assert_eq!(png_size(&bytes), (1792, 1024));
    assert_eq!(bytes.len() as i64, g["files"][0]["size_bytes"].as_i64().unwrap());

    let part = fetch(url, Some("bytes=0-99"));
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(part.headers()["content-range"].to_str().unwrap(), format!("bytes 0-99/{}", bytes.len()));
    assert_eq!(part.bytes().unwrap().to_vec(), bytes[..100].to_vec());
    let tail = fetch(url, Some("bytes=-16")).bytes().unwrap().to_vec();
    assert_eq!(tail, bytes[bytes.len() - 16..].to_vec());
    assert_eq!(fetch(url, Some(&format!("bytes={}-", bytes.len() + 10))).status().as_u16(), 416);

    // The owner's token works without a signature; a forged link does not.
    let id = g["id"].as_str().unwrap();
    let mine = user.client.get(&format!("/api/generation/{id}/file?download"));
    assert_eq!(mine.status, 200);
    assert!(mine.header("content-disposition").unwrap().starts_with("attachment; filename=\"webox-image-"));
    let forged = url.replace("signature=", "signature=00");
    assert_eq!(fetch(&forged, None).status().as_u16(), 403);
    assert_eq!(fetch(&format!("/api/generation/{id}/file"), None).status().as_u16(), 401);
    site().new_user().client.get(&format!("/api/generation/{id}/file")).expect_error(404, "not_found");
}

#[test]
fn dalle2_makes_several_images_and_stability_each_format() {
    let user = site().new_user();
    let g = generate(&user, json!({"provider": "openai", "model": "dall-e-2", "prompt": "three cats", "size": "512x512", "n": 3}));
    assert_eq!(g["files"].as_array().unwrap().len(), 3);
    assert_eq!(g["cost_micros"], 54_000);
    for file in g["files"].as_array().unwrap() {
        assert_eq!(png_size(&fetch(file["url"].as_str().unwrap(), None).bytes().unwrap()), (512, 512));
    }

    let jpeg = generate(&user, json!({"provider": "stability", "model": "core", "prompt": "a lighthouse", "aspect_ratio": "16:9", "output_format": "jpeg"}));
    assert_eq!(jpeg["files"][0]["content_type"], "image/jpeg");
    let bytes = fetch(jpeg["file_url"].as_str().unwrap(), None).bytes().unwrap();
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF]);
    assert_eq!(jpeg["cost_micros"], 30_000);

    let webp = generate(&user, json!({"provider": "stability", "model": "ultra", "prompt": "a lighthouse", "output_format": "webp"}));
    let bytes = fetch(webp["file_url"].as_str().unwrap(), None).bytes().unwrap();
    assert_eq!((&bytes[..4], &bytes[8..12]), (&b"RIFF"[..], &b"WEBP"[..]));

    let sd3 = generate(&user, json!({"provider": "stability", "model": "sd3.5-large", "prompt": "a lighthouse at dusk", "negative_prompt": "people", "seed": 42, "aspect_ratio": "9:16"}));
    let bytes = fetch(sd3["file_url"].as_str().unwrap(), None).bytes().unwrap();
    let (w, h) = png_size(&bytes);
    assert!(h > w, "9:16 is portrait: {w}x{h}");
    assert_eq!((sd3["parameters"]["seed"].as_i64(), sd3["parameters"]["negative_prompt"].as_str()), (Some(42), Some("people")));
}

#[test]
fn options_are_refused_with_the_allowed_values_and_nothing_is_written() {
    let user = site().new_user();
    let cases = [
        (json!({"provider": "openai", "model": "dall-e-3", "prompt": "x", "size": "512x512"}), "invalid_value", "size", "1024x1024, 1792x1024, 1024x1792"),
        (json!({"provider": "openai", "model": "dall-e-3", "prompt": "x", "style": "pastel"}), "invalid_value", "style", "vivid, natural"),
        (json!({"provider": "openai", "model": "dall-e-2", "prompt": "x", "quality": "hd"}), "unsupported_option", "quality", "dall-e-2"),
        (json!({"provider": "openai", "model": "dall-e-2", "prompt": "x", "n": 11}), "invalid_value", "n", "1 to 10"),
        (json!({"provider": "stability", "prompt": "x", "aspect_ratio": "4:3"}), "invalid_value", "aspect_ratio", "16:9, 1:1, 21:9"),
        (json!({"provider": "stability", "model": "sd3.5-medium", "prompt": "x", "output_format": "webp"}), "invalid_value", "output_format", "png, jpeg"),
        (json!({"provider": "stability", "model": "dall-e-3", "prompt": "x"}), "invalid_value", "model", "core, ultra"),
        (json!({"provider": "midjourney", "prompt": "x"}), "invalid_value", "provider", "openai, stability, workers_ai"),
        (json!({"provider": "openai", "prompt": " "}), "empty_field", "prompt", "empty"),
    ];
    for (body, code, field, allowed) in cases {
        let err = user.client.post("/api/generation/image", body).expect_field_error(400, code, field);
        assert!(err["message"].as_str().unwrap().contains(allowed), "{err}");
    }
    assert_eq!(rows(&format!("SELECT COUNT(*) AS n FROM generations WHERE user_id = '{}'", user.id)), 0);
    let err = user.client.post("/api/generation/image", json!({"provider": "workers_ai", "prompt": "x"})).expect_error(503, "provider_unavailable");
    assert!(err["message"].as_str().unwrap().contains("offline"));
}

#[test]
fn provider_failures_are_recorded_and_leave_no_file() {
    let user = site().new_user();
    let cases = [
        ("openai", "[sim:401]", 502, "provider_auth"),
        ("stability", "[sim:401]", 502, "provider_auth"),
        ("openai", "[sim:429]", 429, "provider_rate_limited"),
        ("stability", "[sim:500]", 502, "provider_unavailable"),
        ("openai", "[sim:moderation]", 422, "provider_refused"),
        ("stability", "[sim:moderation]", 422, "provider_refused"),
        ("openai", "[sim:bad-image]", 502, "provider_bad_output"),
        ("stability", "[sim:bad-image]", 502, "provider_bad_output"),
    ];
    for (provider, marker, status, code) in cases {
        let err = user.client.post("/api/generation/image", json!({"provider": provider, "prompt": format!("fail {marker}")})).expect_error(status, code);
        if code == "provider_rate_limited" {
            assert_eq!(err["retry_after"], 7);
        }
    }
    let failed = user.client.get("/api/generation/images?status=failed&per_page=50").expect(200);
    assert_eq!(failed["total"], cases.len());
    let codes: Vec<&str> = failed["images"].as_array().unwrap().iter().rev().map(|g| g["error"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, cases.iter().map(|c| c.3).collect::<Vec<_>>());
    assert!(failed["images"].as_array().unwrap().iter().all(|g| g["files"].as_array().unwrap().is_empty() && g["cost_micros"] == 0));
    assert_eq!(rows(&format!("SELECT COUNT(*) AS n FROM generation_files f JOIN generations g ON g.id = f.generation_id WHERE g.user_id = '{}'", user.id)), 0);
    assert_eq!(stored(&user), Vec::<String>::new(), "nothing in R2");
}

#[test]
fn the_history_filters_pages_and_deletes() {
    let user = site().new_user();
    for n in 0..3 {
        generate(&user, json!({"provider": "openai", "model": "dall-e-2", "prompt": format!("picture {n}"), "size": "256x256"}));
    }
    generate(&user, json!({"provider": "stability", "prompt": "the stability one"}));
    user.client.post("/api/generation/image", json!({"provider": "openai", "prompt": "nope [sim:500]"})).expect_error(502, "provider_unavailable");

    let all = user.client.get("/api/generation/images").expect(200);
    assert_eq!(all["total"], 5);
    assert_eq!(all["images"][0]["prompt"], "nope [sim:500]", "newest first");
    let openai = user.client.get("/api/generation/images?provider=openai&status=succeeded&per_page=2").expect(200);
    assert_eq!((openai["total"].as_i64(), openai["images"].as_array().unwrap().len()), (Some(3), 2));
    let page2 = user.client.get("/api/generation/images?provider=openai&status=succeeded&per_page=2&page=2").expect(200);
    assert_eq!(page2["images"][0]["prompt"], "picture 0");
    let today = webox_core::calendar::date(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64);
    assert_eq!(user.client.get(&format!("/api/generation/images?from={today}&to={today}")).expect(200)["total"], 5);
    assert_eq!(user.client.get("/api/generation/images?to=2020-01-01").expect(200)["total"], 0);
    user.client.get("/api/generation/images?status=done").expect_field_error(400, "invalid_value", "status");
    user.client.get("/api/generation/images?from=yesterday").expect_field_error(400, "invalid_value", "from");
    user.client.get("/api/generation/images?colour=red").expect_field_error(400, "unknown_parameter", "colour");
    assert_eq!(site().new_user().client.get("/api/generation/images").expect(200)["total"], 0);

    let stability = &user.client.get("/api/generation/images?provider=stability").expect(200)["images"][0];
    let id = stability["id"].as_str().unwrap();
    let url = stability["file_url"].as_str().unwrap().to_owned();
    assert_eq!(user.client.get(&format!("/api/generation/image/{id}")).expect(200)["generation"]["prompt"], "the stability one");
    site().new_user().client.get(&format!("/api/generation/image/{id}")).expect_error(404, "not_found");
    site().new_user().client.delete(&format!("/api/generation/image/{id}")).expect_error(404, "not_found");
    user.client.delete(&format!("/api/generation/video/{id}")).expect_error(404, "not_found");
    user.client.delete(&format!("/api/generation/sculpture/{id}")).expect_field_error(400, "invalid_value", "kind");
    let prefix = format!("generations/{}/{id}/", user.id);
    assert_eq!(site().r2_keys(&prefix).len(), 1);
    user.client.delete(&format!("/api/generation/image/{id}")).expect(204);
    user.client.get(&format!("/api/generation/image/{id}")).expect_error(404, "not_found");
    assert_eq!(fetch(&url, None).status().as_u16(), 404, "the file went with it");
    assert!(site().r2_keys(&prefix).is_empty(), "and its R2 object");
    assert_eq!(user.client.get("/api/generation/images").expect(200)["total"], 4);
}

#[test]
fn every_generation_route_needs_a_signed_in_user() {
    let anonymous = site().client();
    for path in ["/api/generation/providers", "/api/generation/voices", "/api/generation/images", "/api/generation/audios", "/api/generation/videos", "/api/generation/image/x", "/api/generation/x/file"] {
        anonymous.get(path).expect_error(401, "unauthorized");
    }
    for kind in ["image", "audio", "video"] {
        anonymous.post(&format!("/api/generation/{kind}"), json!({"provider": "openai", "prompt": "x"})).expect_error(401, "unauthorized");
    }
    anonymous.delete("/api/generation/image/x").expect_error(401, "unauthorized");
    // A file link with a forged signature is refused, not served.
    anonymous.get("/api/generation/x/file?expires=99999999999&signature=forged").expect_error(403, "link_expired");
}

#[test]
fn providers_say_what_this_user_can_use_and_stats_count_images() {
    let user = site().new_user();
    let providers = user.client.get("/api/generation/providers").expect(200);
    let image = providers["image"].as_array().unwrap();
    let find = |id: &str| image.iter().find(|p| p["id"] == id).unwrap().clone();
    assert_eq!((find("openai")["configured"].as_bool(), find("openai")["key_source"].as_str()), (Some(true), Some("platform")));
    assert_eq!(find("openai")["models"][0]["options"]["size"], json!(["1024x1024", "1792x1024", "1024x1792"]));
    assert_eq!(find("stability")["configured"], true);
    assert!(find("workers_ai")["reason"].as_str().unwrap().contains("offline"));
    let audio = providers["audio"].as_array().unwrap();
    let song = |id: &str| audio.iter().find(|p| p["id"] == id).unwrap().clone();
    assert_eq!((song("suno")["configured"].as_bool(), song("suno")["task"].as_bool()), (Some(true), Some(true)));
    assert_eq!(song("suno")["audio_types"][0]["models"], json!(["chirp-v3-5", "chirp-v3-0"]));
    assert_eq!(song("udio")["audio_types"][0]["options"]["negative_tags"]["max_chars"], 200);
    assert_eq!(song("elevenlabs")["task"], false);

    generate(&user, json!({"provider": "openai", "model": "dall-e-2", "prompt": "two", "n": 2, "size": "256x256"}));
    generate(&user, json!({"provider": "stability", "prompt": "one"}));
    let stats = user.client.get("/api/profile/stats").expect(200)["stats"].clone();
    assert_eq!(stats["images_generated"], 3);
    assert_eq!(stats["ai_cost_micros"], 2 * 16_000 + 30_000);
}

/// Decodes MP3 or WAV bytes; (seconds, loudest sample from 0 to 1).
fn decode_audio(bytes: &[u8], extension: &str) -> (f64, f32) {
    use symphonia::core::audio::SampleBuffer;
    use symphonia::core::io::MediaSourceStream;
    use symphonia::core::probe::Hint;
    let stream = MediaSourceStream::new(Box::new(std::io::Cursor::new(bytes.to_vec())), Default::default());
    let mut hint = Hint::new();
    hint.with_extension(extension);
    let probed = symphonia::default::get_probe().format(&hint, stream, &Default::default(), &Default::default()).expect("a known audio format");
    let mut format = probed.format;
    let track = format.default_track().expect("an audio track").clone();
    let rate = track.codec_params.sample_rate.expect("a sample rate") as f64;
    let mut decoder = symphonia::default::get_codecs().make(&track.codec_params, &Default::default()).expect("a decoder");
    let (mut frames, mut peak) = (0_u64, 0_f32);
    while let Ok(packet) = format.next_packet() {
        let Ok(decoded) = decoder.decode(&packet) else { continue };
        let mut samples = SampleBuffer::<f32>::new(decoded.capacity() as u64, *decoded.spec());
        samples.copy_interleaved_ref(decoded.clone());
        frames += decoded.frames() as u64;
        peak = samples.samples().iter().fold(peak, |p, s| p.max(s.abs()));
    }
    (frames as f64 / rate, peak)
}

#[test]
fn speech_music_and_effects_are_real_audio_files() {
    let user = site().new_user();
    let voices = user.client.get("/api/generation/voices").expect(200);
    let voice = voices["voices"][0]["voice_id"].as_str().expect("a voice").to_owned();
    assert!(voices["voices"].as_array().unwrap().len() >= 2);

    let text = "Welcome to WeBox, the studio for every AI.";
    let speech = user.client.post("/api/generation/audio", json!({"provider": "elevenlabs", "text": text, "voice_id": voice})).expect(201)["generation"].clone();
    assert_eq!((speech["kind"].as_str(), speech["status"].as_str()), (Some("audio"), Some("succeeded")));
    assert_eq!(speech["files"][0]["content_type"], "audio/mpeg");
    assert_eq!(speech["cost_micros"], 300 * text.chars().count() as i64);
    let bytes = fetch(speech["file_url"].as_str().unwrap(), None).bytes().unwrap().to_vec();
    let (seconds, peak) = decode_audio(&bytes, "mp3");
    assert!(seconds > 0.5 && peak > 0.05, "{seconds} s, peak {peak}");
    // Seeking: a byte range of the MP3.
    let part = fetch(speech["file_url"].as_str().unwrap(), Some("bytes=100-199"));
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(part.bytes().unwrap().to_vec(), bytes[100..200].to_vec());

    let french = user.client.post("/api/generation/audio", json!({"provider": "elevenlabs", "model": "eleven_flash_v2_5", "text": "Bonjour à tous", "voice_id": voice, "language": "fr", "output_format": "wav_24000"})).expect(201)["generation"].clone();
    assert_eq!(french["files"][0]["content_type"], "audio/wav");
    let wav = fetch(french["file_url"].as_str().unwrap(), None).bytes().unwrap().to_vec();
    assert_eq!(u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]), 24_000, "the WAV is at the asked rate");
    assert!(decode_audio(&wav, "wav").1 > 0.05);

    let sfx = user.client.post("/api/generation/audio", json!({"provider": "elevenlabs", "audio_type": "sfx", "prompt": "a door creaks", "duration": 3})).expect(201)["generation"].clone();
    let (seconds, _) = decode_audio(&fetch(sfx["file_url"].as_str().unwrap(), None).bytes().unwrap(), "mp3");
    assert!((seconds - 3.0).abs() < 0.4, "{seconds} s");
    assert_eq!(sfx["cost_micros"], 60_000);

    let music = user.client.post("/api/generation/audio", json!({"provider": "elevenlabs", "audio_type": "music", "prompt": "lo-fi piano", "duration": 10})).expect(201)["generation"].clone();
    let (seconds, peak) = decode_audio(&fetch(music["file_url"].as_str().unwrap(), None).bytes().unwrap(), "mp3");
    assert!(seconds >= 9.0 && peak > 0.05, "{seconds} s");

    let stable = user.client.post("/api/generation/audio", json!({"provider": "stable_audio", "prompt": "rain on a roof", "duration": 4, "output_format": "wav", "seed": 9})).expect(201)["generation"].clone();
    assert_eq!(stable["files"][0]["content_type"], "audio/wav");
    let (seconds, _) = decode_audio(&fetch(stable["file_url"].as_str().unwrap(), None).bytes().unwrap(), "wav");
    assert!((seconds - 4.0).abs() < 0.5, "{seconds} s");
    assert_eq!(stable["cost_micros"], 200_000);

    let list = user.client.get("/api/generation/audios?provider=elevenlabs").expect(200);
    assert_eq!(list["total"], 4);
    assert_eq!(user.client.get("/api/profile/stats").expect(200)["stats"]["audio_generated"], 5);
    let id = stable["id"].as_str().unwrap();
    user.client.delete(&format!("/api/generation/audio/{id}")).expect(204);
    user.client.get(&format!("/api/generation/audio/{id}")).expect_error(404, "not_found");
}

#[test]
fn audio_options_and_failures_are_reported() {
    let user = site().new_user();
    let cases = [
        (json!({"provider": "elevenlabs", "text": "hi"}), "missing_field", "voice_id"),
        (json!({"provider": "elevenlabs", "audio_type": "sfx", "prompt": "x", "duration": 60}), "invalid_value", "duration"),
        (json!({"provider": "elevenlabs", "text": "hi", "voice_id": "v1", "language": "fr"}), "unsupported_option", "language"),
        (json!({"provider": "stable_audio", "audio_type": "speech", "prompt": "x"}), "invalid_value", "audio_type"),
        (json!({"provider": "stable_audio", "prompt": "x", "output_format": "flac"}), "invalid_value", "output_format"),
        (json!({"provider": "mubert", "prompt": "x"}), "invalid_value", "provider"),
    ];
    for (body, code, field) in cases {
        user.client.post("/api/generation/audio", body).expect_field_error(400, code, field);
    }
    assert_eq!(rows(&format!("SELECT COUNT(*) AS n FROM generations WHERE user_id = '{}'", user.id)), 0);
    let voice = user.client.get("/api/generation/voices").expect(200)["voices"][0]["voice_id"].as_str().unwrap().to_owned();
    user.client.post("/api/generation/audio", json!({"provider": "elevenlabs", "text": "x [sim:bad-audio]", "voice_id": voice})).expect_error(502, "provider_bad_output");
    user.client.post("/api/generation/audio", json!({"provider": "elevenlabs", "text": "x [sim:401]", "voice_id": voice})).expect_error(502, "provider_auth");
    let err = user.client.post("/api/generation/audio", json!({"provider": "stable_audio", "prompt": "x [sim:429]"})).expect_error(429, "provider_rate_limited");
    assert_eq!(err["retry_after"], 7);
    let failed = user.client.get("/api/generation/audios?status=failed").expect(200);
    assert_eq!(failed["total"], 3);
    assert!(stored(&user).is_empty(), "nothing in R2: {:?}", stored(&user));
    assert_eq!(rows(&format!("SELECT COUNT(*) AS n FROM generation_files f JOIN generations g ON g.id = f.generation_id WHERE g.user_id = '{}'", user.id)), 0);
}

/// Follows a video generation until it leaves `running`; the progress
/// values seen on the way, and the final generation.
fn follow_video(user: &User, id: &str) -> (Vec<i64>, Value) {
    follow(user, "video", id)
}

/// Follows a job (a video or a song) until it leaves `running`.
fn follow(user: &User, kind: &str, id: &str) -> (Vec<i64>, Value) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    let mut seen = Vec::new();
    loop {
        let g = user.client.get(&format!("/api/generation/{kind}/{id}")).expect(200)["generation"].clone();
        seen.push(g["progress"].as_i64().unwrap());
        if g["status"] != "running" && g["status"] != "queued" {
            return (seen, g);
        }
        assert!(std::time::Instant::now() < deadline, "the video job never finished: {g}");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

/// ffprobe's view of an MP4: (codec, width, height, seconds).
fn probe_video(bytes: &[u8]) -> (String, i64, i64, f64) {
    let path = std::env::temp_dir().join(webox_e2e::unique("webox-video-")).with_extension("mp4");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height", "-show_entries", "format=duration", "-of", "json"])
        .arg(&path)
        .output()
        .expect("ffprobe runs (tools/bootstrap.sh installs it)");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "ffprobe refused the file: {}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let stream = &v["streams"][0];
    let seconds: f64 = v["format"]["duration"].as_str().unwrap().parse().unwrap();
    (stream["codec_name"].as_str().unwrap().to_owned(), stream["width"].as_i64().unwrap(), stream["height"].as_i64().unwrap(), seconds)
}

#[test]
fn videos_from_each_provider_progress_and_arrive_as_playable_mp4() {
    let user = site().new_user();
    let cases = [
        (json!({"provider": "runway", "prompt": "waves at dusk", "image_url": "https://example.com/first-frame.png", "aspect_ratio": "16:9", "duration": 5}), (1280, 720), 250_000),
        (json!({"provider": "luma", "prompt": "a paper boat", "resolution": "720p", "duration": 5, "aspect_ratio": "16:9"}), (1280, 720), 700_000),
        (json!({"provider": "pika", "prompt": "a dancing robot", "resolution": "720p", "duration": 5, "aspect_ratio": "16:9", "seed": 3}), (1280, 720), 200_000),
    ];
    let started: Vec<(String, (i64, i64), i64)> = cases
        .iter()
        .map(|(body, size, cost)| {
            let g = user.client.post("/api/generation/video", body.clone()).expect(202)["generation"].clone();
            assert_eq!((g["status"].as_str(), g["progress"].as_i64()), (Some("running"), Some(0)), "{g}");
            (g["id"].as_str().unwrap().to_owned(), *size, *cost)
        })
        .collect();
    for (id, (width, height), cost) in started {
        let (progress, g) = follow_video(&user, &id);
        assert_eq!(g["status"], "succeeded", "{g}");
        assert_eq!((g["progress"].as_i64(), g["cost_micros"].as_i64()), (Some(100), Some(cost)));
        assert!(progress.windows(2).all(|w| w[0] <= w[1]), "progress only grows: {progress:?}");
        assert_eq!(g["files"][0]["content_type"], "video/mp4");
        // Luma makes a poster; Runway and Pika do not.
        match g["provider"].as_str() {
            Some("luma") => assert_jpeg(&g["thumbnail_url"]),
            _ => assert!(g["thumbnail_url"].is_null(), "{g}"),
        }
        let bytes = fetch(g["file_url"].as_str().unwrap(), None).bytes().unwrap().to_vec();
        let (codec, w, h, seconds) = probe_video(&bytes);
        assert_eq!((codec.as_str(), w, h), ("h264", width, height));
        assert!(seconds > 0.5, "{seconds} s");
        let part = fetch(g["file_url"].as_str().unwrap(), Some("bytes=0-1023"));
        assert_eq!(part.status().as_u16(), 206);
    }
    let stats = user.client.get("/api/profile/stats").expect(200)["stats"].clone();
    assert_eq!(stats["videos_generated"], 3);
    // Each finished video was announced by email (after the sign-up one).
    let emails = site().wait_for_emails(&user.email, 4);
    assert_eq!(emails.iter().filter(|e| e["subject"] == "Your video is ready").count(), 3);
    assert_eq!(user.client.get("/api/generation/videos?status=succeeded").expect(200)["total"], 3);
}

/// A thumbnail link serves a real JPEG.
fn assert_jpeg(url: &Value) {
    let response = fetch(url.as_str().expect("a thumbnail"), None);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let bytes = response.bytes().unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]) && bytes.len() > 500, "a JPEG");
}

#[test]
fn songs_from_suno_and_udio_arrive_as_two_takes_with_a_cover() {
    let user = site().new_user();
    let cases = [
        (json!({"provider": "suno", "prompt": "a sea shanty about servers", "instrumental": true}), 40_000, "/api/generate"),
        (json!({"provider": "suno", "model": "chirp-v3-0", "prompt": "folk, acoustic guitar", "lyrics": "[Verse]\nWe ship at dawn", "title": "Dawn"}), 40_000, "/api/custom_generate"),
        (json!({"provider": "udio", "prompt": "night breeze, piano", "negative_tags": "metal", "seed": 42}), 50_000, "/api/v1/task"),
    ];
    let started: Vec<(String, i64)> = cases
        .iter()
        .map(|(body, cost, _)| {
            let g = user.client.post("/api/generation/audio", body.clone()).expect(202)["generation"].clone();
            assert_eq!((g["status"].as_str(), g["kind"].as_str(), g["credits"].as_i64()), (Some("running"), Some("audio"), Some(0)), "{g}");
            (g["id"].as_str().unwrap().to_owned(), *cost)
        })
        .collect();
    for (id, cost) in &started {
        let (progress, g) = follow(&user, "audio", id);
        assert_eq!((g["status"].as_str(), g["progress"].as_i64(), g["cost_micros"].as_i64()), (Some("succeeded"), Some(100), Some(*cost)), "{g}");
        assert!(progress.windows(2).all(|w| w[0] <= w[1]), "progress only grows: {progress:?}");
        let files = g["files"].as_array().unwrap();
        assert_eq!(files.len(), 2, "both takes are kept: {g}");
        for file in files {
            assert_eq!(file["content_type"], "audio/mpeg");
            let (seconds, peak) = decode_audio(&fetch(file["url"].as_str().unwrap(), None).bytes().unwrap(), "mp3");
            assert!(seconds > 0.5 && peak > 0.05, "{seconds} s, peak {peak}");
        }
        assert_jpeg(&g["thumbnail_url"]);
    }
    // What the gateways were sent.
    let calls: Value = reqwest::blocking::get(format!("{}/_sim/audio", site().simulator)).unwrap().json().unwrap();
    // (Other tests call the gateways too: each call is found by its prompt.)
    let sent = |path: &str, text: &str| {
        let mine = |r: &&Value| r["path"].as_str().is_some_and(|p| p.ends_with(path)) && r["body"].to_string().contains(text);
        calls["requests"].as_array().unwrap().iter().find(mine).cloned().unwrap_or_else(|| panic!("no call to {path}: {calls}"))
    };
    assert_eq!(sent("/api/generate", "servers")["body"]["make_instrumental"], true);
    let custom = sent("/api/custom_generate", "We ship at dawn")["body"].clone();
    assert_eq!((custom["tags"].as_str(), custom["title"].as_str(), custom["model"].as_str()), (Some("folk, acoustic guitar"), Some("Dawn"), Some("chirp-v3-0")));
    let udio = sent("/api/v1/task", "night breeze")["body"].clone();
    assert_eq!((udio["model"].as_str(), udio["input"]["lyrics_type"].as_str(), udio["input"]["seed"].as_i64()), (Some("music-u"), Some("generate"), Some(42)));

    let stats = user.client.get("/api/profile/stats").expect(200)["stats"].clone();
    assert_eq!((stats["audio_generated"].as_i64(), stats["ai_cost_micros"].as_i64()), (Some(6), Some(130_000)));
    let emails = site().wait_for_emails(&user.email, 4);
    assert_eq!(emails.iter().filter(|e| e["subject"] == "Your song is ready").count(), 3);
    assert_eq!(user.client.get("/api/generation/audios?provider=suno").expect(200)["total"], 2);
    // Deleting a song removes both takes and the cover, from R2 too.
    let id = &started[0].0;
    let prefix = format!("generations/{}/{id}/", user.id);
    assert_eq!(site().r2_keys(&prefix), ["0.mp3", "1.mp3", "1000.jpg"].map(|f| format!("{prefix}{f}")));
    user.client.delete(&format!("/api/generation/audio/{id}")).expect(204);
    assert_eq!(rows(&format!("SELECT COUNT(*) AS n FROM generation_files WHERE generation_id = '{id}'")), 0);
    assert!(site().r2_keys(&prefix).is_empty());
    // Another user's song is not there for them.
    let other = &started[1].0;
    site().new_user().client.get(&format!("/api/generation/audio/{other}")).expect_error(404, "not_found");
    site().new_user().client.delete(&format!("/api/generation/audio/{other}")).expect_error(404, "not_found");
}

#[test]
fn song_jobs_fail_cleanly_and_song_options_are_checked() {
    let user = site().new_user();
    let cases = [
        (json!({"provider": "suno", "prompt": "x", "instrumental": true, "lyrics": "la la"}), "conflicting_options", "lyrics"),
        (json!({"provider": "suno", "prompt": "x", "title": "No words"}), "unsupported_option", "title"),
        (json!({"provider": "suno", "prompt": "x", "seed": 3}), "unsupported_option", "seed"),
        (json!({"provider": "suno", "prompt": "x", "model": "chirp-v9"}), "invalid_value", "model"),
        (json!({"provider": "udio", "prompt": "x", "duration": 30}), "unsupported_option", "duration"),
        (json!({"provider": "udio", "prompt": "x", "instrumental": "yes"}), "invalid_type", "instrumental"),
        (json!({"provider": "elevenlabs", "audio_type": "music", "prompt": "x", "lyrics": "la"}), "unsupported_option", "lyrics"),
    ];
    for (body, code, field) in cases {
        user.client.post("/api/generation/audio", body).expect_field_error(400, code, field);
    }
    assert_eq!(rows(&format!("SELECT COUNT(*) AS n FROM generations WHERE user_id = '{}'", user.id)), 0);

    let start = |body: Value| user.client.post("/api/generation/audio", body).expect(202)["generation"]["id"].as_str().unwrap().to_owned();
    let failed = start(json!({"provider": "suno", "prompt": "rejected [sim:fail]"}));
    let junk = start(json!({"provider": "udio", "prompt": "junk [sim:bad-audio]"}));
    let udio_failed = start(json!({"provider": "udio", "prompt": "rejected [sim:fail]"}));
    let lost = start(json!({"provider": "suno", "prompt": "gone [sim:lost-file]"}));
    let (_, g) = follow(&user, "audio", &failed);
    assert_eq!((g["status"].as_str(), g["error"]["code"].as_str()), (Some("failed"), Some("provider_failed")), "{g}");
    assert!(g["error"]["message"].as_str().unwrap().starts_with("Suno"), "{g}");
    let (_, g) = follow(&user, "audio", &junk);
    assert_eq!(g["error"]["code"], "provider_bad_output", "{g}");
    let (_, g) = follow(&user, "audio", &udio_failed);
    assert_eq!(g["error"]["code"], "provider_failed", "{g}");
    // A file the provider no longer has ends the job at once (not by the time limit).
    let (_, g) = follow(&user, "audio", &lost);
    assert_eq!(g["error"]["code"], "provider_bad_output", "{g}");
    assert!(g["error"]["message"].as_str().unwrap().contains("HTTP 404"), "{g}");
    assert_eq!(rows(&format!("SELECT COUNT(*) AS n FROM generation_files f JOIN generations g ON g.id = f.generation_id WHERE g.user_id = '{}'", user.id)), 0);
    assert!(stored(&user).is_empty(), "nothing in R2: {:?}", stored(&user));
    assert_eq!(user.client.get("/api/profile/stats").expect(200)["stats"]["audio_generated"].as_i64().unwrap_or(0), 0);

    // Refusals at creation are answered at once, and recorded.
    user.client.post("/api/generation/audio", json!({"provider": "suno", "prompt": "x [sim:401]"})).expect_error(502, "provider_auth");
    user.client.post("/api/generation/audio", json!({"provider": "udio", "prompt": "x [sim:429]"})).expect_error(429, "provider_rate_limited");
    assert_eq!(user.client.get("/api/generation/audios?status=failed").expect(200)["total"], 6);
}

#[test]
fn video_jobs_end_cleanly_when_the_task_fails_stalls_or_returns_junk() {
    let user = site().new_user();
    let start = |prompt: &str| user.client.post("/api/generation/video", json!({"provider": "luma", "prompt": prompt, "resolution": "540p"})).expect(202)["generation"]["id"].as_str().unwrap().to_owned();
    let failed = start("this will fail [sim:fail]");
    let junk = start("junk [sim:bad-video]");
    let stuck = start("never ends [sim:stuck]");
    let (_, g) = follow_video(&user, &failed);
    assert_eq!((g["status"].as_str(), g["error"]["code"].as_str()), (Some("failed"), Some("provider_failed")), "{g}");
    let (_, g) = follow_video(&user, &junk);
    assert_eq!(g["error"]["code"], "provider_bad_output", "{g}");
    assert!(g["files"].as_array().unwrap().is_empty());
    let (_, g) = follow_video(&user, &stuck);
    assert_eq!(g["error"]["code"], "timed_out", "{g}");
    assert_eq!(g["error"]["message"], "Luma Dream Machine did not finish within 8 seconds");
    assert_eq!(g["cost_micros"], 0);
    assert!(stored(&user).is_empty(), "nothing in R2: {:?}", stored(&user));
    site().new_user().client.get(&format!("/api/generation/video/{failed}")).expect_error(404, "not_found");
    let emails = site().wait_for_emails(&user.email, 4);
    assert_eq!(emails.iter().filter(|e| e["subject"] == "Your video could not be made").count(), 3);

    // Refusals at creation are answered at once.
    user.client.post("/api/generation/video", json!({"provider": "runway", "prompt": "x [sim:401]", "image_url": "https://example.com/a.png"})).expect_error(502, "provider_auth");
    user.client.post("/api/generation/video", json!({"provider": "pika", "prompt": "x [sim:429]"})).expect_error(429, "provider_rate_limited");
    let cases = [
        (json!({"provider": "luma", "prompt": "x", "fps": 60}), "unsupported_option", "fps"),
        (json!({"provider": "luma", "prompt": "x", "resolution": "8k"}), "invalid_value", "resolution"),
        (json!({"provider": "runway", "prompt": "x"}), "missing_field", "image_url"),
        (json!({"provider": "pika", "prompt": "x", "duration": 7}), "invalid_value", "duration"),
    ];
    for (body, code, field) in cases {
        user.client.post("/api/generation/video", body).expect_field_error(400, code, field);
    }
    assert_eq!(user.client.get("/api/generation/videos").expect(200)["total"], 5);
}

/// Buys the Pro plan (2,000 credits) by bank transfer, received by an admin.
fn buy_pro(user: &User) {
    let pro = site().client().get("/api/products/plan-pro").expect(200)["product"]["id"].as_str().unwrap().to_owned();
    user.client.post("/api/cart/add", json!({"product_id": pro, "quantity": 1})).expect(200);
    let checkout = user.client.request(reqwest::Method::POST, "/api/orders/checkout").header("Idempotency-Key", webox_e2e::unique("k-")).json(&json!({"payment_method": "bank_transfer"}));
    let order = user.client.send(checkout).expect(201)["order"]["order_id"].as_str().unwrap().to_owned();
    user.client.post("/api/payment/bank-transfer/generate", json!({"order_id": order})).expect(200);
    let admin = site().login(webox_e2e::ADMIN.0, webox_e2e::ADMIN.1);
    admin.client.post("/api/payment/bank-transfer/receive", json!({"order_id": order, "amount_minor": 1900})).expect(200);
}

fn credits(user: &User) -> i64 {
    user.client.get("/api/profile/stats").expect(200)["stats"]["credits"].as_i64().unwrap_or(0)
}

#[test]
fn plan_credits_are_taken_at_start_and_given_back_on_failure() {
    let user = site().new_user();
    buy_pro(&user);
    assert_eq!(credits(&user), 2000);

    let g = generate(&user, json!({"provider": "openai", "model": "dall-e-2", "prompt": "three", "n": 3, "size": "256x256"}));
    assert_eq!((g["credits"].as_i64(), credits(&user)), (Some(3), 1997));
    user.client.post("/api/generation/image", json!({"provider": "openai", "prompt": "broken [sim:500]"})).expect_error(502, "provider_unavailable");
    assert_eq!(credits(&user), 1997, "a failed image gives its credit back");
    let failed = &user.client.get("/api/generation/images?status=failed").expect(200)["images"][0];
    assert_eq!(failed["credits"], 0);

    let music = user.client.post("/api/generation/audio", json!({"provider": "stable_audio", "prompt": "rain", "duration": 2})).expect(201)["generation"].clone();
    assert_eq!((music["credits"].as_i64(), credits(&user)), (Some(3), 1994));

    let video = user.client.post("/api/generation/video", json!({"provider": "luma", "prompt": "a boat", "resolution": "540p"})).expect(202)["generation"].clone();
    assert_eq!(credits(&user), 1984, "10 credits for 5 s are held while the job runs");
    assert_eq!(follow_video(&user, video["id"].as_str().unwrap()).1["status"], "succeeded");
    let broken = user.client.post("/api/generation/video", json!({"provider": "luma", "prompt": "no [sim:fail]", "resolution": "540p"})).expect(202)["generation"].clone();
    assert_eq!(credits(&user), 1974);
    let (_, ended) = follow_video(&user, broken["id"].as_str().unwrap());
    assert_eq!((ended["status"].as_str(), ended["credits"].as_i64()), (Some("failed"), Some(0)));
    assert_eq!(credits(&user), 1984, "the failed video's credits came back, once");

    // An account without a plan pays in money only.
    let free = site().new_user();
    let g = generate(&free, json!({"provider": "openai", "model": "dall-e-2", "prompt": "one", "size": "256x256"}));
    assert_eq!((g["credits"].as_i64(), credits(&free)), (Some(0), 0));
}
