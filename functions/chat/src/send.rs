//! Sending a message (`POST /api/chat/send`, JSON or SSE) and the
//! conversation's WebSocket (`GET .../stream`): both checked here, then
//! handed to the conversation's `ChatRoom`.

use worker::{Headers, Method, Request, RequestInit, Response};

use webox_core::chat::request::SendMessage;
use webox_core::{random, ApiError, ApiResult};
use webox_edge::respond::OrInternal;
use webox_edge::{guard, Ctx};

use crate::room::Job;
use crate::store;

fn room(cx: &Ctx, conversation_id: &str) -> ApiResult<worker::Stub> {
    cx.env.durable_object("CHAT_ROOMS").or_internal("the CHAT_ROOMS binding")?.get_by_name(conversation_id).or_internal("a chat room stub")
}

pub async fn send(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let body = cx.json_body().await?;
    // Checked here too so bad input is answered without waking a room. The
    // room checks the conversation is the caller's (in the same read as
    // the rest, to keep the time to first token short).
    let send = SendMessage::parse(&body)?;
    let (conversation_id, create) = match &send.conversation_id {
        Some(id) => (id.clone(), false),
        None => (random::id()?, true),
    };
    let job = Job { user_id: user.user_id, conversation_id: conversation_id.clone(), create, body: serde_json::Value::Object(body.into_map()) };
    let mut init = RequestInit::new();
    let headers = Headers::new();
    headers.set("Content-Type", "application/json").or_internal("a header")?;
    init.with_method(Method::Post).with_headers(headers).with_body(Some(serde_json::to_string(&job).or_internal("a room job")?.into()));
    let request = Request::new_with_init("https://chat-room/send", &init).or_internal("a room request")?;
    room(&cx, &conversation_id)?.fetch_with_request(request).await.or_internal("the chat room")
}

/// Upgrades to the conversation's WebSocket. The access token comes as
/// `Authorization: Bearer` or, from browsers, `?access_token=`.
pub async fn stream(cx: Ctx) -> ApiResult<Response> {
    if !cx.header("Upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket")) {
        return Err(ApiError::new(426, "upgrade_required", "this route is a WebSocket: connect with `Upgrade: websocket`"));
    }
    let from_query = cx.query_pairs()?.into_iter().find(|(k, _)| k == "access_token").map(|(_, v)| v);
    let user = match from_query {
        Some(token) => guard::authenticate_token(&cx, &token).await?,
        None => guard::authenticate(&cx).await?,
    };
    let conversation = store::owned(&cx.db()?, cx.param(0), &user.user_id).await?;
    let headers = Headers::new();
    headers.set("Upgrade", "websocket").or_internal("a header")?;
    headers.set("X-WeBox-User", &user.user_id).or_internal("a header")?;
    headers.set("X-WeBox-Conversation", &conversation.id).or_internal("a header")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let request = Request::new_with_init("https://chat-room/socket", &init).or_internal("a room request")?;
    room(&cx, &conversation.id)?.fetch_with_request(request).await.or_internal("the chat room")
}
