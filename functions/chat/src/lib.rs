//! chat — `/api/chat/*`. Every route is in this table. Answers are written
//! by `room::ChatRoom`, one Durable Object per conversation; the handlers
//! here check the caller and the conversation, then hand over.

use worker::{event, Context, Env, Request, Response, Result};

use webox_edge::{routes, Route};

mod conversations;
mod export;
mod generate;
mod presets;
mod providers;
mod room;
mod send;
mod store;

pub use room::ChatRoom;

const ROUTES: &[Route] = routes![
    Get "/api/chat/providers" => providers::list,
    Post "/api/chat/send" => send::send,
    Get "/api/chat/conversations" => conversations::list,
    Get "/api/chat/conversation/{id}" => conversations::get,
    Patch "/api/chat/conversation/{id}" => conversations::update,
    Delete "/api/chat/conversation/{id}" => conversations::remove,
    Get "/api/chat/conversation/{id}/export" => export::download,
    Get "/api/chat/conversation/{id}/stream" => send::stream,
    Get "/api/chat/presets" => presets::list,
    Post "/api/chat/presets" => presets::create,
    Delete "/api/chat/presets/{id}" => presets::remove,
];

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    webox_edge::router::serve(ROUTES, req, env, ctx).await
}
