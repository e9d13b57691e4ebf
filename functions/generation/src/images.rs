//! `POST /api/generation/image`: the image is generated while the request
//! waits (seconds, not minutes), checked to be a real image, stored in R2
//! and recorded with its cost. A failure is recorded as such, with nothing
//! left in R2.

use worker::{Env, HttpMetadata, Response};

use webox_core::media::image::{self, GeneratedImage, ImageProvider, ImageRequest};
use webox_core::media::sniff::{sniff, FileType};
use webox_core::provider_failure;
use webox_core::{random, ApiError, ApiResult};
use webox_edge::media_api::{self, Body};
use webox_edge::respond::OrInternal;
use webox_edge::{args, config, db, guard, provider_keys, respond, Ctx};

use crate::store;

fn not_configured(provider: ImageProvider) -> ApiError {
    use webox_core::provider_failure::Named;
    ApiError::invalid(
        "provider_not_configured",
        "provider",
        format!("{} is not configured: add your own {} API key in your profile, or ask an administrator to set the platform key", provider.name(), provider.name()),
    )
}

pub fn workers_ai_unavailable() -> ApiError {
    ApiError::new(503, "provider_unavailable", "Workers AI is unavailable offline: it runs on Cloudflare's network through the AI binding, which local development does not have")
}

fn base(env: &Env, provider: ImageProvider) -> String {
    config::optional(env, &format!("{}_API_BASE", provider.config_prefix())).unwrap_or_else(|| provider.default_base().to_owned()).trim_end_matches('/').to_owned()
}

/// The key for `provider` (user's, else platform's), or why there is none.
pub async fn key_for(cx: &Ctx, user_id: &str, provider: ImageProvider) -> ApiResult<String> {
    match provider.key_provider() {
        Some(stored_as) => {
            let secret = format!("{}_API_KEY", provider.config_prefix());
            provider_keys::resolve(&cx.env, &cx.db()?, user_id, stored_as, &secret).await?.map(|k| k.key).ok_or_else(|| not_configured(provider))
        }
        None if cx.env.ai("AI").is_ok() => Ok(String::new()),
        None => Err(workers_ai_unavailable()),
    }
}

/// Asks the provider; the images as bytes.
async fn generate(cx: &Ctx, request: &ImageRequest, key: &str) -> ApiResult<Vec<GeneratedImage>> {
    let provider = request.provider;
    match provider {
        ImageProvider::Openai => {
            let url = format!("{}/v1/images/generations", base(&cx.env, provider));
            let answer = media_api::send(provider, &url, &[("Authorization", format!("Bearer {key}"))], Body::Json(request.openai_body())).await?;
            let text = String::from_utf8_lossy(&answer.body);
            if answer.status >= 400 {
                return Err(provider_failure::from_http(provider, answer.status, &text, answer.retry_after));
            }
            image::parse_openai(&text)
        }
        ImageProvider::Stability => {
            let (path, fields) = request.stability_call();
            let url = format!("{}{path}", base(&cx.env, provider));
            let headers = [("Authorization", format!("Bearer {key}")), ("Accept", "application/json".to_owned())];
            let answer = media_api::send(provider, &url, &headers, Body::Form(fields)).await?;
            let text = String::from_utf8_lossy(&answer.body);
            if answer.status >= 400 {
                return Err(image::stability_error(answer.status, &text, answer.retry_after));
            }
            Ok(vec![image::parse_stability(&text)?])
        }
        ImageProvider::WorkersAi => {
            use futures_util::StreamExt;
            let ai = cx.env.ai("AI").map_err(|_| workers_ai_unavailable())?;
            let mut stream = ai.run_bytes(&request.model, &request.workers_ai_input()).await.map_err(|e| provider_failure::unavailable(provider, &e.to_string()))?;
            let mut bytes = Vec::new();
            while let Some(chunk) = stream.next().await {
                bytes.extend_from_slice(&chunk.map_err(|_| provider_failure::unavailable(provider, "the image was cut"))?);
            }
            Ok(vec![GeneratedImage { bytes, revised_prompt: None }])
        }
    }
}

/// Each image must be an image; the types, in order.
fn check(images: &[GeneratedImage], provider: ImageProvider) -> ApiResult<Vec<FileType>> {
    use webox_core::provider_failure::Named;
    if images.is_empty() {
        return Err(ApiError::new(502, "provider_bad_output", format!("{} returned no image", provider.name())));
    }
    images
        .iter()
        .map(|i| sniff(&i.bytes).filter(|t| t.is_image()).ok_or_else(|| ApiError::new(502, "provider_bad_output", format!("{} returned something that is not an image", provider.name()))))
        .collect()
}

async fn record_failure(cx: &Ctx, id: &str, error: &ApiError) -> ApiResult<()> {
    db::run(
        &cx.db()?,
        "UPDATE generations SET status = 'failed', error_code = ?1, error_message = ?2, updated_at = ?3, finished_at = ?3 WHERE id = ?4",
        args![error.code, &error.message, cx.now, id],
    )
    .await?;
    Ok(())
}

pub async fn create(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let body = cx.json_body().await?;
    let request = ImageRequest::parse(&body)?;
    let key = key_for(&cx, &user.user_id, request.provider).await?;
    let db = cx.db()?;
    let id = random::id()?;
    let mut recorded_parameters = request.parameters.clone();
    if request.n > 1 {
        recorded_parameters.insert("n".into(), serde_json::json!(request.n));
    }
    db::run(
        &db,
        "INSERT INTO generations (id, user_id, kind, provider, model, prompt, parameters, status, progress, created_at, updated_at)
         VALUES (?1, ?2, 'image', ?3, ?4, ?5, ?6, 'running', 0, ?7, ?7)",
        args![&id, &user.user_id, request.provider.id(), &request.model, &request.prompt, &serde_json::Value::Object(recorded_parameters).to_string(), cx.now],
    )
    .await?;

    let outcome = match generate(&cx, &request, &key).await {
        Ok(images) => check(&images, request.provider).map(|types| (images, types)),
        Err(e) => Err(e),
    };
    let (images, types) = match outcome {
        Ok(found) => found,
        Err(e) => {
            record_failure(&cx, &id, &e).await?;
            return Err(e);
        }
    };

    // Files first; the row says succeeded only once every file is stored.
    let bucket = cx.env.bucket("MEDIA").or_internal("the MEDIA binding")?;
    let mut stored: Vec<(String, FileType, usize)> = Vec::new();
    for (position, (image, file_type)) in images.iter().zip(&types).enumerate() {
        let key = format!("generations/{}/{id}/{position}.{}", user.user_id, file_type.extension());
        let metadata = HttpMetadata { content_type: Some(file_type.content_type().into()), ..Default::default() };
        if let Err(e) = bucket.put(&key, image.bytes.clone()).http_metadata(metadata).execute().await {
            worker::console_error!("storing a generated image: {e}");
            for (written, _, _) in &stored {
                let _ = bucket.delete(written).await;
            }
            let error = ApiError::new(500, "storage_failed", "the image could not be stored; try again");
            record_failure(&cx, &id, &error).await?;
            return Err(error);
        }
        stored.push((key, *file_type, image.bytes.len()));
    }
    let cost = request.cost_micros();
    let revised = images.iter().find_map(|i| i.revised_prompt.clone());
    let mut statements = vec![db::statement(
        &db,
        "UPDATE generations SET status = 'succeeded', progress = 100, cost_micros = ?1, updated_at = ?2, finished_at = ?2,
           parameters = CASE WHEN ?3 IS NULL THEN parameters ELSE json_set(parameters, '$.revised_prompt', ?3) END
         WHERE id = ?4",
        args![cost, cx.now, revised.as_deref(), &id],
    )?];
    for (position, (key, file_type, size)) in stored.iter().enumerate() {
        statements.push(db::statement(
            &db,
            "INSERT INTO generation_files (generation_id, position, r2_key, content_type, size_bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
            args![&id, position as i64, key, file_type.content_type(), *size as i64],
        )?);
    }
    statements.push(store::count_usage(&db, &user.user_id, "images_generated", images.len() as i64)?);
    statements.push(store::count_usage(&db, &user.user_id, "ai_cost_micros", cost)?);
    db::batch(&db, statements).await?;

    let generation = store::owned_any(&db, &id, &user.user_id).await?;
    let files = store::files(&db, &[id.as_str()]).await?;
    let secret = config::required(&cx.env, "JWT_SECRET_KEY")?;
    respond::json(201, &serde_json::json!({"generation": generation.json(&files, secret.as_bytes(), cx.now)}))
}
