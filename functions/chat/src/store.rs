//! The chat tables: conversations, messages, usage. Every read is scoped
//! to the owner, so another user's conversation is simply not found.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{D1Database, D1PreparedStatement};

use webox_core::chat::catalog::micros_to_usd;
use webox_core::chat::{Role, Turn};
use webox_core::{ApiError, ApiResult};
use webox_edge::respond::OrInternal;
use webox_edge::{args, db};

/// How much history goes to the provider with a new message.
pub const HISTORY_MESSAGES: usize = 40;

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Conversation {
    pub id: String,
    pub title: String,
    pub provider: String,
    pub model: String,
    pub system_prompt: Option<String>,
    pub message_count: i64,
    pub total_cost_micros: i64,
    pub last_message_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Conversation {
    pub fn json(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        value["total_cost_usd"] = json!(micros_to_usd(self.total_cost_micros, 6));
        value
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Message {
    pub id: String,
    pub conversation_id: String,
    pub role: String,
    pub content: String,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub status: String,
    pub error_code: Option<String>,
    pub tokens_in: i64,
    pub tokens_out: i64,
    pub cost_micros: i64,
    pub latency_ms: i64,
    pub created_at: i64,
}

impl Message {
    pub fn json(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        value["cost_usd"] = json!(micros_to_usd(self.cost_micros, 6));
        value
    }
}

const CONVERSATION_COLUMNS: &str =
    "id, title, provider, model, system_prompt, message_count, total_cost_micros, last_message_at, created_at, updated_at";
const MESSAGE_COLUMNS: &str =
    "id, conversation_id, role, content, provider, model, status, error_code, tokens_in, tokens_out, cost_micros, latency_ms, created_at";

/// The owner's conversation `id` (no row for anybody else).
pub fn find_query(db: &D1Database, id: &str, user_id: &str) -> ApiResult<D1PreparedStatement> {
    db::statement(db, &format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?1 AND user_id = ?2"), args![id, user_id])
}

pub async fn find(db: &D1Database, id: &str, user_id: &str) -> ApiResult<Option<Conversation>> {
    find_query(db, id, user_id)?.first(None).await.or_internal("a D1 query")
}

/// The caller's conversation, or 404 (also when it is somebody else's).
pub async fn owned(db: &D1Database, id: &str, user_id: &str) -> ApiResult<Conversation> {
    find(db, id, user_id).await?.ok_or_else(|| ApiError::not_found("conversation"))
}

pub async fn list(db: &D1Database, user_id: &str, limit: i64, offset: i64) -> ApiResult<(Vec<Conversation>, i64)> {
    #[derive(Deserialize)]
    struct Count {
        n: i64,
    }
    let rows = db::all(
        db,
        &format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE user_id = ?1 ORDER BY last_message_at DESC, rowid DESC LIMIT ?2 OFFSET ?3"),
        args![user_id, limit, offset],
    )
    .await?;
    let total: Option<Count> = db::first(db, "SELECT COUNT(*) AS n FROM conversations WHERE user_id = ?1", args![user_id]).await?;
    Ok((rows, total.map_or(0, |c| c.n)))
}

pub async fn messages(db: &D1Database, conversation_id: &str) -> ApiResult<Vec<Message>> {
    db::all(db, &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?1 ORDER BY seq"), args![conversation_id]).await
}

/// A row of `history_query`.
#[derive(Deserialize)]
pub struct HistoryRow {
    role: String,
    content: String,
}

/// The latest messages, oldest first.
pub fn history_query(db: &D1Database, conversation_id: &str) -> ApiResult<D1PreparedStatement> {
    db::statement(
        db,
        "SELECT role, content FROM (SELECT seq, role, content FROM messages WHERE conversation_id = ?1 ORDER BY seq DESC LIMIT ?2) ORDER BY seq",
        args![conversation_id, HISTORY_MESSAGES as i64],
    )
}

pub fn turns(rows: Vec<HistoryRow>) -> Vec<Turn> {
    rows.into_iter().map(|r| Turn { role: if r.role == "assistant" { Role::Assistant } else { Role::User }, content: r.content }).collect()
}

/// `INSERT` of a message with the conversation's next sequence number.
pub fn insert_message(db: &D1Database, m: &Message) -> ApiResult<D1PreparedStatement> {
    db::statement(
        db,
        "INSERT INTO messages (id, conversation_id, seq, role, content, provider, model, status, error_code, tokens_in, tokens_out, cost_micros, latency_ms, created_at)
         VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        args![
            &m.id,
            &m.conversation_id,
            &m.role,
            &m.content,
            m.provider.as_deref(),
            m.model.as_deref(),
            &m.status,
            m.error_code.as_deref(),
            m.tokens_in,
            m.tokens_out,
            m.cost_micros,
            m.latency_ms,
            m.created_at
        ],
    )
}

