//! profile — `/api/profile/*`. Every route is in this table; handlers live
//! in `account.rs` (me, update, password), `api_keys.rs`, `preferences.rs`
//! and `stats.rs`.

use worker::{event, Context, Env, Request, Response, Result};

use webox_edge::{routes, Route};

mod account;
mod api_keys;
mod preferences;
mod stats;

const ROUTES: &[Route] = routes![
    Get "/api/profile/me" => account::me,
    Put "/api/profile/update" => account::update,
    Post "/api/profile/password" => account::change_password,
    Get "/api/profile/api-keys" => api_keys::list,
    Put "/api/profile/api-keys" => api_keys::save,
    Delete "/api/profile/api-keys/{provider}" => api_keys::remove,
    Get "/api/profile/preferences" => preferences::get,
    Put "/api/profile/preferences" => preferences::update,
    Get "/api/profile/stats" => stats::get,
];

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    webox_edge::router::serve(ROUTES, req, env, ctx).await
}
