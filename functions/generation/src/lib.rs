//! generation — `/api/generation/*`. Every route is in this table. Images,
//! speech, music and effects are generated while the request waits
//! (`produce.rs`, with `images.rs` and `audio.rs`); videos and Suno/Udio
//! songs are provider tasks followed by a `GenerationJob` Durable Object
//! (`task.rs`, `job.rs`); the history, files and deletion serve every kind
//! (`history.rs`, `files.rs`).

use worker::{event, Context, Env, Request, Response, Result};

use webox_edge::{routes, Route};

mod audio;
mod credits;
mod files;
mod history;
mod images;
mod job;
mod produce;
mod providers;
mod store;
mod task;
mod video;

pub use job::GenerationJob;

const ROUTES: &[Route] = routes![
    Get "/api/generation/providers" => providers::list,
    Post "/api/generation/image" => images::create,
    Get "/api/generation/images" => history::list_images,
    Get "/api/generation/image/{id}" => history::get_image,
    Post "/api/generation/audio" => audio::create,
    Get "/api/generation/audios" => history::list_audios,
    Get "/api/generation/audio/{id}" => history::get_audio,
    Get "/api/generation/voices" => audio::voices,
    Post "/api/generation/video" => video::create,
    Get "/api/generation/videos" => history::list_videos,
    Get "/api/generation/video/{id}" => history::get_video,
    Get "/api/generation/{id}/file" => files::download,
    Delete "/api/generation/{kind}/{id}" => history::remove,
];

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    webox_edge::router::serve(ROUTES, req, env, ctx).await
}
