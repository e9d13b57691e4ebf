//! `GET /api/chat/conversation/{id}/export?format=markdown|json|txt|pdf`:
//! the conversation as a file to download.

use worker::{Headers, Response};

use webox_core::chat::export::{ExportConversation, ExportMessage, Format};
use webox_core::{ApiError, ApiResult};
use webox_edge::respond::OrInternal;
use webox_edge::{guard, Ctx};

use crate::store;

pub async fn download(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let mut format = Format::Markdown;
    for (key, value) in cx.query_pairs()? {
        match key.as_str() {
            "format" => format = Format::parse(&value)?,
            other => return Err(ApiError::invalid("unknown_parameter", other, format!("`{other}` is not a parameter of this route; expected format"))),
        }
    }
    let db = cx.db()?;
    let conversation = store::owned(&db, cx.param(0), &user.user_id).await?;
    let messages = store::messages(&db, &conversation.id).await?;
    let export = ExportConversation {
        id: conversation.id,
        title: conversation.title,
        system_prompt: conversation.system_prompt,
        created_at: conversation.created_at,
        messages: messages
            .into_iter()
            .map(|m| ExportMessage {
                role: m.role,
                content: m.content,
                provider: m.provider,
                model: m.model,
                status: m.status,
                tokens_in: m.tokens_in,
                tokens_out: m.tokens_out,
                cost_micros: m.cost_micros,
                created_at: m.created_at,
            })
            .collect(),
    };
    let headers = Headers::new();
    headers.set("Content-Type", format.content_type()).or_internal("a header")?;
    headers.set("Content-Disposition", &format!("attachment; filename=\"{}\"", export.filename(format))).or_internal("a header")?;
    headers.set("Cache-Control", "no-store").or_internal("a header")?;
    Ok(Response::from_bytes(export.render(format)).or_internal("an export")?.with_headers(headers))
}
