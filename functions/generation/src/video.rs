//! `POST /api/generation/video`: a provider task (see `task.rs`), followed
//! by a `GenerationJob`; answered 202 with the generation, `running`.

use worker::Response;

use webox_core::media::task::TaskProvider;
use webox_core::media::video::{VideoProvider, VideoRequest};
use webox_core::provider_failure::Named;
use webox_core::ApiResult;
use webox_edge::{guard, Ctx};

use crate::produce;
use crate::task::TaskOrder;

pub async fn create(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let request = VideoRequest::parse(&cx.json_body().await?)?;
    let provider = request.provider;
    let key = produce::key_for(&cx, &user.user_id, provider, provider.key_provider(), provider.config_prefix()).await?;
    let order = TaskOrder {
        user_id: &user.user_id,
        provider: TaskProvider::Video(provider),
        key: &key,
        model: &request.model,
        prompt: &request.prompt,
        parameters: &request.parameters,
        cost_micros: request.cost_micros(),
        credits: request.credits(),
        call: request.create_call(),
    };
    crate::task::start(&cx, order).await
}

/// The providers this family offers for video, for `/providers`.
pub fn options(provider: VideoProvider) -> serde_json::Value {
    let models: Vec<_> = provider
        .models()
        .iter()
        .map(|model| {
            let (resolutions, durations, ratios) = provider.options(model);
            let mut options = serde_json::json!({"resolution": resolutions, "duration": durations, "aspect_ratio": ratios, "image_url": provider.needs_image(model)});
            if provider == VideoProvider::Pika {
                options["negative_prompt"] = serde_json::json!(true);
            }
            if provider != VideoProvider::Luma {
                options["seed"] = serde_json::json!({"min": 0, "max": 4_294_967_295_i64});
            }
            serde_json::json!({"id": model, "options": options})
        })
        .collect();
    serde_json::json!({"id": provider.id(), "name": provider.name(), "models": models})
}
