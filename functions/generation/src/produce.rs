//! A generation answered while the request waits (images, speech, music and
//! effects): the row is recorded as running, the provider asked, each file
//! checked to be what it must be, stored in R2, and the row completed with
//! its cost — or marked failed with the reason and nothing left in R2.

use std::future::Future;

use serde_json::{Map, Value};
use worker::{Env, HttpMetadata, Response};

use webox_core::media::sniff::{sniff, FileType};
use webox_core::media::MediaKind;
use webox_core::provider_failure::Named;
use webox_core::{ApiError, ApiResult};
use webox_edge::respond::OrInternal;
use webox_edge::{args, config, db, provider_keys, respond, Ctx};


use crate::store;

pub fn not_configured(provider: impl Named) -> ApiError {
    ApiError::invalid(
        "provider_not_configured",
        "provider",
        format!("{} is not configured: add your own {} API key in your profile, or ask an administrator to set the platform key", provider.name(), provider.name()),
    )
}

pub fn workers_ai_unavailable() -> ApiError {
    ApiError::new(503, "provider_unavailable", "Workers AI is unavailable offline: it runs on Cloudflare's network through the AI binding, which local development does not have")
}

/// `{PREFIX}_API_BASE`, or the provider's production URL.
pub fn base(env: &Env, prefix: &str, default: &str) -> String {
    config::optional(env, &format!("{prefix}_API_BASE")).unwrap_or_else(|| default.to_owned()).trim_end_matches('/').to_owned()
}

/// The user's key for `stored_as`, else the platform's `{prefix}_API_KEY`.
pub async fn key_for(cx: &Ctx, user_id: &str, provider: impl Named, stored_as: webox_core::api_keys::Provider, prefix: &str) -> ApiResult<String> {
    provider_keys::resolve(&cx.env, &cx.db()?, user_id, stored_as, &format!("{prefix}_API_KEY")).await?.map(|k| k.key).ok_or_else(|| not_configured(provider))
}

/// What to generate, as recorded.
pub struct Order<'a> {
    pub user_id: &'a str,
    pub kind: MediaKind,
    pub provider_id: &'a str,
    pub provider_name: &'static str,
    pub model: &'a str,
    pub prompt: &'a str,
    pub parameters: Map<String, Value>,
    pub cost_micros: i64,
    /// Plan credits it takes (see `credits.rs`).
    pub credits: i64,
    /// The usage counter this adds to (`images_generated`, `audio_generated`).
    pub metric: &'static str,
    /// Which file types are acceptable answers.
    pub accepts: fn(FileType) -> bool,
}

async fn record_failure(cx: &Ctx, id: &str, error: &ApiError) -> ApiResult<()> {
    crate::credits::fail(&cx.db()?, id, error.code, &error.message, cx.now).await
}

/// Runs `work` (the provider call: the files' bytes and, maybe, extra
/// parameters to record such as a revised prompt) for `order`; answers 201
/// with the generation, or the error (also recorded on the row).
pub async fn run<F>(cx: &Ctx, order: Order<'_>, work: F) -> ApiResult<Response>
where
    F: Future<Output = ApiResult<(Vec<Vec<u8>>, Map<String, Value>)>>,
{
    let db = cx.db()?;
    let new = crate::credits::NewGeneration {
        user_id: order.user_id,
        kind: order.kind.as_str(),
        provider: order.provider_id,
        model: order.model,
        prompt: order.prompt,
        parameters: &order.parameters,
        status: "running",
        credits: order.credits,
    };
    let id = crate::credits::open(&db, &new, cx.now).await?;

    let name = order.provider_name;
    let checked = work.await.and_then(|(files, extra)| {
        if files.is_empty() {
            return Err(ApiError::new(502, "provider_bad_output", format!("{name} returned no file")));
        }
        let types = files
            .iter()
            .map(|bytes| sniff(bytes).filter(|t| (order.accepts)(*t)).ok_or_else(|| ApiError::new(502, "provider_bad_output", format!("{name} returned a file of the wrong type"))))
            .collect::<ApiResult<Vec<FileType>>>()?;
        Ok((files, types, extra))
    });
    let (files, types, extra) = match checked {
        Ok(found) => found,
        Err(e) => {
            record_failure(cx, &id, &e).await?;
            return Err(e);
        }
    };

    // Files first; the row says succeeded only once every file is stored.
    let bucket = cx.env.bucket("MEDIA").or_internal("the MEDIA binding")?;
    let mut stored: Vec<(String, FileType, usize)> = Vec::new();
    for (position, (bytes, file_type)) in files.iter().zip(&types).enumerate() {
        let key = format!("generations/{}/{id}/{position}.{}", order.user_id, file_type.extension());
        let metadata = HttpMetadata { content_type: Some(file_type.content_type().into()), ..Default::default() };
        if let Err(e) = bucket.put(&key, bytes.clone()).http_metadata(metadata).execute().await {
            worker::console_error!("storing a generated file: {e}");
            for (written, _, _) in &stored {
                let _ = bucket.delete(written).await;
            }
            let error = ApiError::new(500, "storage_failed", "the file could not be stored; try again");
            record_failure(cx, &id, &error).await?;
            return Err(error);
        }
        stored.push((key, *file_type, bytes.len()));
    }
    let mut parameters = order.parameters;
    parameters.extend(extra);
    let mut statements = vec![db::statement(
        &db,
        "UPDATE generations SET status = 'succeeded', progress = 100, cost_micros = ?1, parameters = ?2, updated_at = ?3, finished_at = ?3 WHERE id = ?4",
        args![order.cost_micros, &Value::Object(parameters).to_string(), cx.now, &id],
    )?];
    for (position, (key, file_type, size)) in stored.iter().enumerate() {
        statements.push(db::statement(
            &db,
            "INSERT INTO generation_files (generation_id, position, r2_key, content_type, size_bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
            args![&id, position as i64, key, file_type.content_type(), *size as i64],
        )?);
    }
    statements.push(webox_edge::usage::add(&db, order.user_id, order.metric, files.len() as i64)?);
    statements.push(webox_edge::usage::add(&db, order.user_id, "ai_cost_micros", order.cost_micros)?);
    db::batch(&db, statements).await?;

    let (generation, files) = store::with_files(&db, &id, Some(order.user_id), None).await?;
    let secret = config::required(&cx.env, "JWT_SECRET_KEY")?;
    respond::json(201, &serde_json::json!({"generation": generation.json(&files, secret.as_bytes(), cx.now)}))
}
