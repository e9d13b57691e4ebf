//! The history of generations: lists per kind (filters, pages), one
//! generation, delete (with its files in R2).

use worker::Response;

use webox_core::media::audio::AudioProvider;
use webox_core::media::history::HistoryQuery;
use webox_core::media::image::ImageProvider;
use webox_core::media::video::VideoProvider;
use webox_core::media::MediaKind;
use webox_core::ApiResult;
use webox_edge::respond::OrInternal;
use webox_edge::{args, config, db, guard, respond, Ctx};

use crate::store;

const IMAGE_PROVIDERS: [&str; 3] = ImageProvider::ALL_IDS;
const AUDIO_PROVIDERS: [&str; 4] = AudioProvider::ALL_IDS;
const VIDEO_PROVIDERS: [&str; 3] = VideoProvider::ALL_IDS;

async fn list(cx: Ctx, kind: MediaKind, providers: &[&str]) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let query = HistoryQuery::parse(&cx.query_pairs()?, providers)?;
    let db = cx.db()?;
    store::fail_stale(&db, &user.user_id, cx.now).await?;
    let (rows, total) = store::list(&db, &user.user_id, kind, &query).await?;
    let ids: Vec<&str> = rows.iter().map(|g| g.id.as_str()).collect();
    let files = store::files(&db, &ids).await?;
    let secret = config::required(&cx.env, "JWT_SECRET_KEY")?;
    let items: Vec<_> = rows.iter().map(|g| g.json(&files, secret.as_bytes(), cx.now)).collect();
    let plural = format!("{}s", kind.as_str());
    respond::json(200, &serde_json::json!({ plural: items, "page": query.page.page, "per_page": query.page.per_page, "total": total }))
}

async fn get(cx: Ctx, kind: MediaKind) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let db = cx.db()?;
    store::fail_stale(&db, &user.user_id, cx.now).await?;
    let (generation, files) = store::with_files(&db, cx.param(0), Some(&user.user_id), Some(kind)).await?;
    let secret = config::required(&cx.env, "JWT_SECRET_KEY")?;
    respond::json(200, &serde_json::json!({ "generation": generation.json(&files, secret.as_bytes(), cx.now) }))
}

pub async fn list_images(cx: Ctx) -> ApiResult<Response> {
    list(cx, MediaKind::Image, &IMAGE_PROVIDERS).await
}

pub async fn get_image(cx: Ctx) -> ApiResult<Response> {
    get(cx, MediaKind::Image).await
}

pub async fn list_audios(cx: Ctx) -> ApiResult<Response> {
    list(cx, MediaKind::Audio, &AUDIO_PROVIDERS).await
}

pub async fn get_audio(cx: Ctx) -> ApiResult<Response> {
    get(cx, MediaKind::Audio).await
}

pub async fn list_videos(cx: Ctx) -> ApiResult<Response> {
    list(cx, MediaKind::Video, &VIDEO_PROVIDERS).await
}

pub async fn get_video(cx: Ctx) -> ApiResult<Response> {
    get(cx, MediaKind::Video).await
}

/// `DELETE /api/generation/{kind}/{id}`: the row, then its R2 objects.
pub async fn remove(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let kind = MediaKind::parse(cx.param(0), "kind")?;
    let db = cx.db()?;
    let (generation, files) = store::with_files(&db, cx.param(1), Some(&user.user_id), Some(kind)).await?;
    let bucket = cx.env.bucket("MEDIA").or_internal("the MEDIA binding")?;
    for file in &files {
        bucket.delete(&file.r2_key).await.or_internal("deleting a generated file")?;
    }
    db::batch(
        &db,
        vec![
            db::statement(&db, "DELETE FROM generation_files WHERE generation_id = ?1", args![&generation.id])?,
            db::statement(&db, "DELETE FROM generations WHERE id = ?1 AND user_id = ?2", args![&generation.id, &user.user_id])?,
        ],
    )
    .await?;
    respond::no_content()
}
