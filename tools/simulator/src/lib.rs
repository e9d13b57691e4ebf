//! The simulator: one HTTP server standing in for the external services
//! WeBox calls (the Resend email API, Stripe, PayPal, the chat LLM,
//! image-, audio- (speech, sound, songs) and video-generation providers),
//! speaking their real wire formats so the Workers run the same code
//! against it as in production.
//! Each service is a module with its own `router()`; `/_sim/*` routes let
//! developers and tests look inside and inject faults. What several
//! families share: `markers`, `faults`, `call_log`, `fields` (reading JSON
//! bodies) and `tasks` (the asynchronous providers' tasks and files).
//!
//! Routes by prefix (each module's docs and the README say more):
//! `/emails`; Stripe `/v1/...`; PayPal `/v1/oauth2/...`, `/v2/...`,
//! `/checkoutnow`; chat `/openai`, `/anthropic`, `/gemini`, `/mistral`,
//! `/groq`; images `/openai/v1/images/...`, `/stability/v2beta/stable-image/...`;
//! audio `/elevenlabs/v1/...`, `/stability/v2beta/audio/...`, Suno through
//! the suno-api gateway `/suno/api/{generate, custom_generate, get,
//! get_limit}` (files `/suno/files/...`), Udio through PiAPI
//! `/piapi/api/v1/task[/{id}]` (files `/piapi/files/...`); video `/runway`,
//! `/luma`, `/fal` (files `/<prefix>/_files/...`); and `/_sim/{health,
//! faults, emails, webhooks, paypal, llm, images, audio, video}`.

pub mod audio;
pub mod call_log;
pub mod email;
pub mod faults;
pub(crate) mod fields;
pub mod images;
pub mod llm;
pub mod markers;
pub mod paypal;
pub mod stripe;
pub mod tasks;
pub mod video;
pub mod webhooks;

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};

#[derive(Clone)]
pub struct Config {
    /// The key `POST /emails` accepts as `Authorization: Bearer <key>`.
    pub email_api_key: String,
    /// The secret key `/v1/*` accepts (`sk_test_...`).
    pub stripe_secret_key: String,
    /// The publishable key Stripe.js confirms with from the browser.
    pub stripe_publishable_key: String,
    /// The `whsec_` secret events sent to the site are signed with.
    pub stripe_webhook_secret: String,
    /// PayPal REST app credentials (`/v1/oauth2/token`, Basic auth).
    pub paypal_client_id: String,
    pub paypal_client_secret: String,
    /// The webhook id the verify API expects (the site's PAYPAL_WEBHOOK_ID).
    pub paypal_webhook_id: String,
    /// What PayPal deliveries are signed with (the simulator's stand-in for
    /// PayPal's certificate).
    pub paypal_webhook_secret: String,
    /// The site's base URL, where webhooks are delivered.
    pub webhook_target: Option<String>,
    /// The API keys the simulated chat providers accept (the site's
    /// `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, ... hold the same values locally).
    pub openai_api_key: String,
    pub anthropic_api_key: String,
    pub google_api_key: String,
    pub mistral_api_key: String,
    pub groq_api_key: String,
    /// The pause between streamed tokens, so streaming looks and times like a real model's.
    pub llm_token_delay_ms: u64,
    /// The key Stability AI's API accepts (OpenAI Images takes `openai_api_key`).
    pub stability_api_key: String,
    /// How long a simulated image takes to "generate".
    pub image_delay_ms: u64,
    /// The key ElevenLabs' API accepts as `xi-api-key` (Stable Audio takes `stability_api_key`).
    pub elevenlabs_api_key: String,
    /// How long a simulated clip takes to "generate".
    pub audio_delay_ms: u64,
    /// The `Cookie` header the suno-api gateway accepts: the user's whole
    /// Suno session (it must hold `__client=`).
    pub suno_cookie: String,
    /// The key PiAPI (Udio) accepts as `X-API-Key`.
    pub piapi_api_key: String,
    /// How long a simulated song task (Suno, Udio) takes, from submitted to complete.
    pub music_task_ms: u64,
    /// The longest clip actually made: a longer one asked for is cut to
    /// this, so tests stay fast (its answer still says the length asked for).
    pub audio_max_seconds: u64,
    /// The keys the video providers accept: Runway and Luma as `Authorization:
    /// Bearer`, fal.ai as `Authorization: Key`.
    pub runway_api_key: String,
    pub luma_api_key: String,
    pub fal_api_key: String,
    /// How long a simulated video task takes, from queued to done.
    pub video_task_ms: u64,
    /// The longest video actually filmed (tasks still report the length asked for).
    pub video_max_seconds: u64,
    /// The ffmpeg program videos are filmed with (a name on `PATH`, or a path).
    pub ffmpeg: String,
}

impl Config {
    /// From `SIM_*` environment variables, with the local development
    /// defaults `.dev.vars.example` uses.
    pub fn from_env() -> Self {
        let var = |name: &str, default: &str| std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_owned());
        Self {
            email_api_key: var("SIM_EMAIL_API_KEY", "re_dev_local_key"),
            stripe_secret_key: var("SIM_STRIPE_SECRET_KEY", "sk_test_webox_local"),
            stripe_publishable_key: var("SIM_STRIPE_PUBLISHABLE_KEY", "pk_test_webox_local"),
            stripe_webhook_secret: var("SIM_STRIPE_WEBHOOK_SECRET", "whsec_webox_local"),
            paypal_client_id: var("SIM_PAYPAL_CLIENT_ID", "webox-local-client"),
            paypal_client_secret: var("SIM_PAYPAL_CLIENT_SECRET", "webox-local-secret"),
            paypal_webhook_id: var("SIM_PAYPAL_WEBHOOK_ID", "WH-WEBOX-LOCAL"),
            paypal_webhook_secret: var("SIM_PAYPAL_SIGNING_SECRET", "webox-sim-paypal-signing"),
            webhook_target: std::env::var("SIM_WEBHOOK_TARGET").ok().filter(|v| !v.is_empty()),
            openai_api_key: var("SIM_OPENAI_KEY", "sk-sim-openai-local"),
            anthropic_api_key: var("SIM_ANTHROPIC_KEY", "sk-ant-sim-local"),
            google_api_key: var("SIM_GOOGLE_KEY", "AIza-sim-google-local"),
            mistral_api_key: var("SIM_MISTRAL_KEY", "sim-mistral-local"),
            groq_api_key: var("SIM_GROQ_KEY", "gsk_sim_groq_local"),
            llm_token_delay_ms: var("SIM_LLM_TOKEN_DELAY_MS", "15").parse().unwrap_or(15),
            stability_api_key: var("SIM_STABILITY_KEY", "sk-sim-stability-local"),
            image_delay_ms: var("SIM_IMAGE_DELAY_MS", "50").parse().unwrap_or(50),
            elevenlabs_api_key: var("SIM_ELEVENLABS_KEY", "sk_sim_elevenlabs_local"),
            audio_delay_ms: var("SIM_AUDIO_DELAY_MS", "50").parse().unwrap_or(50),
            suno_cookie: var("SIM_SUNO_COOKIE", "__client=dev_local_suno_session"),
            piapi_api_key: var("SIM_PIAPI_KEY", "piapi_dev_local_key"),
            music_task_ms: var("SIM_MUSIC_TASK_MS", "3000").parse().unwrap_or(3000),
            audio_max_seconds: var("SIM_AUDIO_MAX_SECONDS", "12").parse().unwrap_or(12),
            runway_api_key: var("SIM_RUNWAY_KEY", "key_sim_runway_local"),
            luma_api_key: var("SIM_LUMA_KEY", "luma-sim-local"),
            fal_api_key: var("SIM_FAL_KEY", "fal-sim-local"),
            video_task_ms: var("SIM_VIDEO_TASK_MS", "3000").parse().unwrap_or(3000),
            video_max_seconds: var("SIM_VIDEO_MAX_SECONDS", "2").parse().unwrap_or(2),
            ffmpeg: var("SIM_FFMPEG", "ffmpeg"),
        }
    }
}

#[derive(Clone)]
pub struct Simulator {
    pub config: Arc<Config>,
    pub faults: faults::Faults,
    pub inbox: email::Inbox,
    pub stripe: stripe::Ledger,
    pub paypal: paypal::Ledger,
    pub webhooks: webhooks::Webhooks,
    pub llm_calls: call_log::CallLog,
    pub image_calls: call_log::CallLog,
    pub image_files: images::Files,
    pub audio_calls: call_log::CallLog,
    /// Suno's clips and Udio's tasks, and their songs' files.
    pub music_tasks: audio::Tasks,
    pub video_calls: call_log::CallLog,
    /// The video tasks and their films.
    pub video_tasks: video::Tasks,
}

impl Simulator {
    pub fn new(config: Config) -> Self {
        let webhooks = webhooks::Webhooks::with_target(config.webhook_target.clone());
        Self {
            config: Arc::new(config),
            faults: Default::default(),
            inbox: Default::default(),
            stripe: Default::default(),
            paypal: Default::default(),
            webhooks,
            llm_calls: Default::default(),
            image_calls: Default::default(),
            image_files: Default::default(),
            audio_calls: Default::default(),
            music_tasks: audio::Tasks::new(audio::KEPT_TASK_FILES),
            video_calls: Default::default(),
            video_tasks: video::Tasks::new(video::KEPT_TASK_FILES),
        }
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/_sim/health", get(|| async { Json(serde_json::json!({"ok": true})) }))
            .merge(faults::router())
            .merge(email::router())
            .merge(stripe::router())
            .merge(paypal::router())
            .merge(webhooks::router())
            .merge(llm::router())
            .merge(images::router())
            .merge(audio::router())
            .merge(video::router())
            .with_state(self.clone())
            // Stripe.js-style calls come from the storefront's origin.
            .layer(axum::middleware::map_response(|mut response: axum::response::Response| async move {
                response.headers_mut().insert("access-control-allow-origin", axum::http::HeaderValue::from_static("*"));
                response
            }))
    }
}

/// A random UUID (version 4), as the real services use for ids.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    // The OS RNG only fails on a broken system; ids stay unique enough from the clock then.
    if getrandom::getrandom(&mut b).is_err() {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        b = nanos.to_le_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// A request header as text, if present and readable.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `http://<Host>`: the simulator as the caller reached it, where the
/// providers' absolute URLs (files, status URLs) point.
pub(crate) fn host_url(headers: &HeaderMap) -> String {
    format!("http://{}", header(headers, "host").unwrap_or("127.0.0.1"))
}

/// Now as an RFC 3339 timestamp (`2026-11-25T10:00:00Z`).
pub fn rfc3339_now() -> String {
    webox_core::calendar::rfc3339(unix_now())
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_are_version_4() {
        let id = super::uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }

    #[test]
    fn timestamps_look_like_rfc3339() {
        let t = super::rfc3339_now();
        assert_eq!(t.len(), 20);
        assert!(t.starts_with("20") && t.ends_with('Z'));
    }
}
