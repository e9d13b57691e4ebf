//! `GET /api/generation/{id}/file`: the file itself from R2, with its type,
//! byte ranges and a download name. The owner's access token, or a signed
//! link from a generation's `files` (for `<img>`/`<audio>`/`<video>`,
//! which cannot send headers); anybody else gets 404.

use worker::{Headers, Range, Response};

use webox_core::media::delivery;
use webox_core::{ApiError, ApiResult};
use webox_edge::respond::OrInternal;
use webox_edge::{config, guard, Ctx};

use crate::store;

pub async fn download(cx: Ctx) -> ApiResult<Response> {
    let id = cx.param(0).to_owned();
    let (mut position, mut expires, mut signature) = (0_i64, None, None);
    for (key, value) in cx.query_pairs()? {
        match key.as_str() {
            "position" => position = value.parse().map_err(|_| ApiError::invalid("invalid_value", "position", "`position` must be a whole number"))?,
            "expires" => expires = value.parse::<i64>().ok(),
            "signature" => signature = Some(value),
            "download" => {}
            other => return Err(ApiError::invalid("unknown_parameter", other, format!("`{other}` is not a parameter of this route"))),
        }
    }
    let db = cx.db()?;
    let owner = match (signature, expires) {
        (Some(signature), Some(expires)) => {
            let secret = config::required(&cx.env, "JWT_SECRET_KEY")?;
            if !delivery::verify(secret.as_bytes(), &id, position, expires, &signature, cx.now) {
                return Err(ApiError::new(403, "link_expired", "this file link is not valid or has expired; reload the page for a fresh one"));
            }
            None
        }
        _ => Some(guard::authenticate(&cx).await?.user_id),
    };
    let (generation, files) = store::with_files(&db, &id, owner.as_deref(), None).await.map_err(|_| ApiError::not_found("file"))?;
    let file = files.iter().find(|f| f.position == position).ok_or_else(|| ApiError::not_found("file"))?;
    let size = file.size_bytes.max(0) as u64;
    let range = delivery::byte_range(cx.header("Range").as_deref(), size)?;
    let bucket = cx.env.bucket("MEDIA").or_internal("the MEDIA binding")?;
    let mut get = bucket.get(&file.r2_key);
    if let Some((start, end)) = range {
        get = get.range(Range::OffsetWithLength { offset: start, length: end - start + 1 });
    }
    let object = get.execute().await.or_internal("reading a generated file")?.ok_or_else(|| ApiError::not_found("file"))?;
    // Handed to the runtime as a stream: a 20 MB video is never held in
    // the Worker's memory, and the first bytes leave at once.
    let body = object.body().ok_or_else(|| ApiError::not_found("file"))?.response_body().or_internal("a generated file's body")?;

    let headers = Headers::new();
    let extension = file.r2_key.rsplit('.').next().unwrap_or("bin");
    let disposition = if cx.query_pairs()?.iter().any(|(k, _)| k == "download") { "attachment" } else { "inline" };
    headers.set("Content-Type", &file.content_type).or_internal("a header")?;
    headers.set("Content-Disposition", &format!("{disposition}; filename=\"webox-{}-{}-{position}.{extension}\"", generation.kind, generation.id)).or_internal("a header")?;
    headers.set("Accept-Ranges", "bytes").or_internal("a header")?;
    headers.set("Cache-Control", "private, max-age=3600").or_internal("a header")?;
    let mut status = 200;
    if let Some((start, end)) = range {
        headers.set("Content-Range", &format!("bytes {start}-{end}/{size}")).or_internal("a header")?;
        status = 206;
    }
    Ok(Response::builder().with_status(status).with_headers(headers).body(body))
}
