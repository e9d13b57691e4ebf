//! Conversations: the list (newest first, paged), one with its messages,
//! rename / change the system prompt, delete.

use worker::Response;

use webox_core::chat::request::{bounded, MAX_SYSTEM_PROMPT_CHARS, MAX_TITLE_CHARS};
use webox_core::paging::Page;
use webox_core::{ApiError, ApiResult};
use webox_edge::{args, db, guard, respond, Ctx};

use crate::store;

pub async fn list(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let page = Page::parse(&cx.query_pairs()?, 20)?;
    let (conversations, total) = store::list(&cx.db()?, &user.user_id, page.per_page, page.offset()).await?;
    let items: Vec<_> = conversations.iter().map(store::Conversation::json).collect();
    respond::json(200, &serde_json::json!({"conversations": items, "page": page.page, "per_page": page.per_page, "total": total}))
}

pub async fn get(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let db = cx.db()?;
    let conversation = store::owned(&db, cx.param(0), &user.user_id).await?;
    let messages: Vec<_> = store::messages(&db, &conversation.id).await?.iter().map(store::Message::json).collect();
    respond::json(200, &serde_json::json!({"conversation": conversation.json(), "messages": messages}))
}

/// `{title?, system_prompt?}`; an empty system prompt removes it.
pub async fn update(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let body = cx.json_body().await?;
    body.only_keys(&["title", "system_prompt"], "")?;
    let db = cx.db()?;
    let mut conversation = store::owned(&db, cx.param(0), &user.user_id).await?;
    if let Some(title) = body.optional_str("title")? {
        let title = bounded(title.trim(), "title", MAX_TITLE_CHARS)?;
        if title.is_empty() {
            return Err(ApiError::invalid("empty_field", "title", "`title` must not be empty"));
        }
        conversation.title = title;
    }
    if body.get("system_prompt").is_some() {
        let prompt = bounded(body.required_str("system_prompt")?.trim(), "system_prompt", MAX_SYSTEM_PROMPT_CHARS)?;
        conversation.system_prompt = Some(prompt).filter(|p| !p.is_empty());
    }
    if body.get("title").is_none() && body.get("system_prompt").is_none() {
        return Err(ApiError::new(400, "nothing_to_update", "send `title` and/or `system_prompt`"));
    }
    conversation.updated_at = cx.now;
    db::run(
        &db,
        "UPDATE conversations SET title = ?1, system_prompt = ?2, updated_at = ?3 WHERE id = ?4 AND user_id = ?5",
        args![&conversation.title, conversation.system_prompt.as_deref(), cx.now, &conversation.id, &user.user_id],
    )
    .await?;
    respond::json(200, &serde_json::json!({"conversation": conversation.json()}))
}

pub async fn remove(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let db = cx.db()?;
    let conversation = store::owned(&db, cx.param(0), &user.user_id).await?;
    db::batch(
        &db,
        vec![
            db::statement(&db, "DELETE FROM messages WHERE conversation_id = ?1", args![&conversation.id])?,
            db::statement(&db, "DELETE FROM conversations WHERE id = ?1 AND user_id = ?2", args![&conversation.id, &user.user_id])?,
        ],
    )
    .await?;
    respond::no_content()
}
