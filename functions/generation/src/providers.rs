//! `GET /api/generation/providers`: for each kind, the providers, their
//! models and options, whether this user can use them and why not.

use serde_json::json;
use worker::Response;

use webox_core::media::audio::AudioProvider;
use webox_core::media::image::{ImageProvider, ASPECT_RATIOS};
use webox_core::provider_failure::Named;
use webox_core::ApiResult;
use webox_edge::{config, guard, provider_keys, respond, Ctx};

fn image_options(provider: ImageProvider, model: &str) -> serde_json::Value {
    match (provider, model) {
        (ImageProvider::Openai, "dall-e-3") => json!({
            "size": ["1024x1024", "1792x1024", "1024x1792"], "quality": ["standard", "hd"], "style": ["vivid", "natural"], "n": {"min": 1, "max": 1}
        }),
        (ImageProvider::Openai, _) => json!({"size": ["256x256", "512x512", "1024x1024"], "n": {"min": 1, "max": 10}}),
        (ImageProvider::Stability, m) => {
            let formats = if m.starts_with("sd3") { json!(["png", "jpeg"]) } else { json!(["png", "jpeg", "webp"]) };
            let mut options = json!({"aspect_ratio": ASPECT_RATIOS, "output_format": formats, "seed": {"min": 0, "max": 4_294_967_294_i64}});
            if m != "sd3.5-large-turbo" {
                options["negative_prompt"] = json!(true);
            }
            options
        }
        (ImageProvider::WorkersAi, _) => json!({"negative_prompt": true, "seed": {"min": 0, "max": 4_294_967_294_i64}}),
    }
}

/// Whose key a provider would use for this user, or why it cannot be used.
fn availability(cx: &Ctx, saved: &[String], provider: impl Named, stored_as: webox_core::api_keys::Provider, prefix: &str) -> (Option<&'static str>, Option<String>) {
    if saved.iter().any(|p| p == stored_as.as_str()) {
        (Some("user"), None)
    } else if config::optional(&cx.env, &format!("{prefix}_API_KEY")).is_some() {
        (Some("platform"), None)
    } else {
        (None, Some(format!("{} is not configured: add your own {} API key in your profile", provider.name(), provider.name())))
    }
}

pub async fn list(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let saved = provider_keys::saved_by(&cx.db()?, &user.user_id).await?;
    let image: Vec<_> = ImageProvider::ALL
        .into_iter()
        .map(|provider| {
            let (key_source, reason) = match provider.key_provider() {
                Some(stored_as) => availability(&cx, &saved, provider, stored_as, provider.config_prefix()),
                None if cx.env.ai("AI").is_ok() => (Some("platform"), None),
                None => (None, Some(crate::produce::workers_ai_unavailable().message)),
            };
            json!({
                "id": provider.id(), "name": provider.name(), "configured": key_source.is_some(), "key_source": key_source, "reason": reason,
                "models": provider.models().iter().map(|m| json!({"id": m, "options": image_options(provider, m)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let audio: Vec<_> = AudioProvider::ALL
        .into_iter()
        .map(|provider| {
            let (key_source, reason) = if provider == AudioProvider::Suno && config::optional(&cx.env, "SUNO_API_BASE").is_none() {
                (None, Some(crate::audio::suno_unconfigured().message))
            } else {
                availability(&cx, &saved, provider, provider.key_provider(), provider.config_prefix())
            };
            let types: Vec<_> = provider
                .audio_types()
                .iter()
                .map(|t| {
                    let duration = provider.duration_range(*t).map(|(min, max, default)| json!({"min": min, "max": max, "default": default}));
                    let mut options = json!({"output_format": provider.output_formats(), "duration": duration});
                    if *t == webox_core::media::audio::AudioType::Speech {
                        options["voice_id"] = json!(true);
                        options["language"] = json!({"models": ["eleven_turbo_v2_5", "eleven_flash_v2_5"]});
                    }
                    if matches!(provider, AudioProvider::StableAudio | AudioProvider::Udio) {
                        options["seed"] = json!({"min": 0, "max": 4_294_967_294_i64});
                    }
                    if provider.is_task() {
                        options["instrumental"] = json!(true);
                        options["lyrics"] = json!({"max_chars": webox_core::media::audio::MAX_LYRICS_CHARS});
                    }
                    if provider == AudioProvider::Suno {
                        options["title"] = json!({"max_chars": 80, "with": "lyrics"});
                    }
                    if provider == AudioProvider::Udio {
                        options["negative_tags"] = json!({"max_chars": 200});
                    }
                    json!({"audio_type": t.as_str(), "models": provider.models(*t), "options": options})
                })
                .collect();
            json!({
                "id": provider.id(), "name": provider.name(), "configured": key_source.is_some(), "key_source": key_source, "reason": reason,
                "task": provider.is_task(), "audio_types": types,
            })
        })
        .collect();
    let video: Vec<_> = webox_core::media::video::VideoProvider::ALL
        .into_iter()
        .map(|provider| {
            let mut entry = crate::video::options(provider);
            let (key_source, reason) = availability(&cx, &saved, provider, provider.key_provider(), provider.config_prefix());
            entry["configured"] = json!(key_source.is_some());
            entry["key_source"] = json!(key_source);
            entry["reason"] = json!(reason);
            entry
        })
        .collect();
    respond::json(200, &json!({"image": image, "audio": audio, "video": video}))
}
