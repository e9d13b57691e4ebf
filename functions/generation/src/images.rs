//! `POST /api/generation/image`: OpenAI Images, Stability AI or Workers AI,
//! answered while the request waits (see `produce.rs`).

use serde_json::{json, Map};
use worker::Response;

use webox_core::media::image::{self, ImageProvider, ImageRequest};
use webox_core::media::MediaKind;
use webox_core::provider_failure::{self, Named};
use webox_core::ApiResult;
use webox_edge::media_api::{self, Body};
use webox_edge::{guard, Ctx};

use crate::produce::{self, Order};

/// The images as bytes, and the revised prompt if the provider made one.
async fn generate(cx: &Ctx, request: &ImageRequest, key: &str) -> ApiResult<(Vec<Vec<u8>>, Map<String, serde_json::Value>)> {
    let provider = request.provider;
    let base = produce::base(&cx.env, provider.config_prefix(), provider.default_base());
    let mut extra = Map::new();
    let files = match provider {
        ImageProvider::Openai => {
            let url = format!("{base}/v1/images/generations");
            let answer = media_api::send(provider, &url, &[("Authorization", format!("Bearer {key}"))], Body::Json(request.openai_body())).await?;
            let text = String::from_utf8_lossy(&answer.body);
            if answer.status >= 400 {
                return Err(provider_failure::from_http(provider, answer.status, &text, answer.retry_after));
            }
            let images = image::parse_openai(&text)?;
            if let Some(revised) = images.iter().find_map(|i| i.revised_prompt.clone()) {
                extra.insert("revised_prompt".into(), json!(revised));
            }
            images.into_iter().map(|i| i.bytes).collect()
        }
        ImageProvider::Stability => {
            let (path, fields) = request.stability_call();
            let headers = [("Authorization", format!("Bearer {key}")), ("Accept", "application/json".to_owned())];
            let answer = media_api::send(provider, &format!("{base}{path}"), &headers, Body::Form(fields)).await?;
            let text = String::from_utf8_lossy(&answer.body);
            if answer.status >= 400 {
                return Err(image::stability_error(answer.status, &text, answer.retry_after));
            }
            vec![image::parse_stability(&text)?.bytes]
        }
        ImageProvider::WorkersAi => {
            use futures_util::StreamExt;
            let ai = cx.env.ai("AI").map_err(|_| produce::workers_ai_unavailable())?;
            let mut stream = ai.run_bytes(&request.model, &request.workers_ai_input()).await.map_err(|e| provider_failure::unavailable(provider, &e.to_string()))?;
            let mut bytes = Vec::new();
            while let Some(chunk) = stream.next().await {
                bytes.extend_from_slice(&chunk.map_err(|_| provider_failure::unavailable(provider, "the image was cut"))?);
            }
            vec![bytes]
        }
    };
    Ok((files, extra))
}

pub async fn key_for(cx: &Ctx, user_id: &str, provider: ImageProvider) -> ApiResult<String> {
    match provider.key_provider() {
        Some(stored_as) => produce::key_for(cx, user_id, provider, stored_as, provider.config_prefix()).await,
        None if cx.env.ai("AI").is_ok() => Ok(String::new()),
        None => Err(produce::workers_ai_unavailable()),
    }
}

pub async fn create(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let request = ImageRequest::parse(&cx.json_body().await?)?;
    let key = key_for(&cx, &user.user_id, request.provider).await?;
    let mut parameters = request.parameters.clone();
    if request.n > 1 {
        parameters.insert("n".into(), json!(request.n));
    }
    let order = Order {
        user_id: &user.user_id,
        kind: MediaKind::Image,
        provider_id: request.provider.id(),
        provider_name: request.provider.name(),
        model: &request.model,
        prompt: &request.prompt,
        parameters,
        cost_micros: request.cost_micros(),
        credits: request.credits(),
        metric: "images_generated",
        accepts: |t| t.is_image(),
    };
    produce::run(&cx, order, generate(&cx, &request, &key)).await
}
