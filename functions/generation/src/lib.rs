//! generation — `/api/generation/*`. Every route is in this table. Images
//! are generated while the request waits (`images.rs`); the history, files
//! and deletion serve every kind (`history.rs`, `files.rs`).

use worker::{event, Context, Env, Request, Response, Result};

use webox_edge::{routes, Route};

mod files;
mod history;
mod images;
mod providers;
mod store;

const ROUTES: &[Route] = routes![
    Get "/api/generation/providers" => providers::list,
    Post "/api/generation/image" => images::create,
    Get "/api/generation/images" => history::list_images,
    Get "/api/generation/image/{id}" => history::get_image,
    Get "/api/generation/{id}/file" => files::download,
    Delete "/api/generation/{kind}/{id}" => history::remove,
];

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    webox_edge::router::serve(ROUTES, req, env, ctx).await
}
