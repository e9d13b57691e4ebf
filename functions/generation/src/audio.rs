//! `POST /api/generation/audio`: speech, music, sound effects from
//! ElevenLabs or Stable Audio, answered while the request waits (see
//! `produce.rs`); songs from Suno or Udio, which take minutes, as tasks
//! followed by a job (`task.rs`, answered 202). And `GET
//! /api/generation/voices`.

use serde_json::{json, Map};
use worker::Response;

use webox_core::media::audio::{self, AudioProvider, AudioRequest};
use webox_core::media::music;
use webox_core::media::task::TaskProvider;
use webox_core::media::sniff::FileType;
use webox_core::media::MediaKind;
use webox_core::provider_failure::{self, Named};
use webox_core::{ApiError, ApiResult};
use webox_edge::media_api::{self, Body};
use webox_edge::{config, guard, respond, Ctx};

use crate::produce::{self, Order};
use crate::task::TaskOrder;

async fn generate(cx: &Ctx, request: &AudioRequest, key: &str) -> ApiResult<(Vec<Vec<u8>>, Map<String, serde_json::Value>)> {
    let provider = request.provider;
    let base = produce::base(&cx.env, provider.config_prefix(), provider.default_base());
    let bytes = match provider {
        AudioProvider::Elevenlabs => {
            let (path, body) = request.elevenlabs_call();
            let answer = media_api::send(provider, &format!("{base}{path}"), &[("xi-api-key", key.to_owned())], Body::Json(body)).await?;
            if answer.status >= 400 {
                return Err(provider_failure::from_http(provider, answer.status, &String::from_utf8_lossy(&answer.body), answer.retry_after));
            }
            match request.pcm_rate() {
                // Raw PCM has no header: it becomes a WAV file.
                Some(rate) if !answer.body.is_empty() && answer.body.len() % 2 == 0 && webox_core::media::sniff::sniff(&answer.body).is_none() => {
                    audio::wav_from_pcm16(&answer.body, rate)
                }
                _ => answer.body,
            }
        }
        AudioProvider::Suno | AudioProvider::Udio => return Err(ApiError::internal()),
        AudioProvider::StableAudio => {
            let headers = [("Authorization", format!("Bearer {key}")), ("Accept", "application/json".to_owned())];
            let url = format!("{base}/v2beta/audio/stable-audio-2/text-to-audio");
            let answer = media_api::send(provider, &url, &headers, Body::Form(request.stable_audio_fields())).await?;
            let text = String::from_utf8_lossy(&answer.body);
            if answer.status >= 400 {
                return Err(webox_core::media::image::stability_error(answer.status, &text, answer.retry_after));
            }
            audio::parse_stable_audio(&text)?
        }
    };
    Ok((vec![bytes], Map::new()))
}

pub async fn create(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let request = AudioRequest::parse(&cx.json_body().await?)?;
    let provider = request.provider;
    if provider == AudioProvider::Suno && config::optional(&cx.env, "SUNO_API_BASE").is_none() {
        return Err(suno_unconfigured());
    }
    let key = produce::key_for(&cx, &user.user_id, provider, provider.key_provider(), provider.config_prefix()).await?;
    if provider.is_task() {
        let order = TaskOrder {
            user_id: &user.user_id,
            provider: TaskProvider::Song(provider),
            key: &key,
            model: &request.model,
            prompt: &request.prompt,
            parameters: &request.parameters,
            cost_micros: request.cost_micros(),
            credits: request.credits(),
            call: music::create_call(&request),
        };
        return crate::task::start(&cx, order).await;
    }
    let wav = request.pcm_rate().is_some() || request.output_format == "wav";
    let order = Order {
        user_id: &user.user_id,
        kind: MediaKind::Audio,
        provider_id: provider.id(),
        provider_name: provider.name(),
        model: &request.model,
        prompt: &request.prompt,
        parameters: request.parameters.clone(),
        cost_micros: request.cost_micros(),
        credits: request.credits(),
        metric: "audio_generated",
        accepts: if wav { |t| t == FileType::Wav } else { |t| t == FileType::Mp3 },
    };
    produce::run(&cx, order, generate(&cx, &request, &key)).await
}

/// Suno has no public API: it needs the operator's gateway.
pub fn suno_unconfigured() -> ApiError {
    ApiError::invalid(
        "provider_not_configured",
        "provider",
        "Suno is not configured: it has no public API, so an administrator must run a suno-api gateway (github.com/gcui-art/suno-api) and set SUNO_API_BASE to it",
    )
}

/// `GET /api/generation/voices`: ElevenLabs' voices for this user's key.
pub async fn voices(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let provider = AudioProvider::Elevenlabs;
    let key = produce::key_for(&cx, &user.user_id, provider, provider.key_provider(), provider.config_prefix()).await?;
    let url = format!("{}/v1/voices", produce::base(&cx.env, provider.config_prefix(), provider.default_base()));
    let reply = webox_edge::outbound::send(worker::Method::Get, &url, &[("xi-api-key", key.as_str())], None)
        .await
        .map_err(|_| provider_failure::unavailable(provider, "could not connect"))?;
    if reply.status >= 400 {
        return Err(provider_failure::from_http(provider, reply.status, &reply.body, None));
    }
    respond::json(200, &json!({"voices": audio::parse_voices(&reply.body)?}))
}
