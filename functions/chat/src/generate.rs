//! One answer, from the user's message to the saved reply: checks that can
//! refuse without writing anything (model, key), then the user's message is
//! saved (it is never lost after that), the provider is called, and the
//! answer is saved with tokens, cost and latency — or, when the stream
//! broke, what arrived is saved marked `incomplete`.

use serde_json::{json, Value};
use std::future::Future;

use futures_util::future::join;
use worker::{D1Database, D1PreparedStatement, Env};

use webox_core::chat::catalog::{self, Model};
use webox_core::chat::request::SendMessage;
use webox_core::chat::{title, ChatProvider, ChatRequest, Completion, Role, Turn};
use webox_core::{random, ApiError, ApiResult};
use webox_edge::llm::{self, Streamed};
use webox_edge::provider_keys;
use webox_edge::{args, db};

use crate::store::{self, Conversation, Message};

/// A message accepted for answering: the conversation and user message,
/// and everything needed to call the provider. The user's message is
/// written while the provider is asked (`save_user_message` runs beside the
/// call), so the write adds nothing to the time to first token.
pub struct Prepared {
    pub user_id: String,
    pub conversation: Conversation,
    pub user_message: Message,
    pub provider: ChatProvider,
    pub model: Model,
    pub key: String,
    pub request: ChatRequest,
    pub started_ms: f64,
    db: D1Database,
    user_write: Vec<D1PreparedStatement>,
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn not_configured(provider: ChatProvider) -> ApiError {
    ApiError::invalid(
        "provider_not_configured",
        "provider",
        format!("{} is not configured: add your own {} API key in your profile, or ask an administrator to set the platform key", provider.name(), provider.name()),
    )
}

/// Validates `send` against the conversation and the keys, reading
/// everything in one D1 round trip. Nothing is written yet: an error here
/// leaves storage untouched.
pub async fn prepare(env: &Env, user_id: &str, conversation_id: &str, create: bool, send: &SendMessage) -> ApiResult<Prepared> {
    let db = env.d1("DB").map_err(|_| ApiError::internal())?;
    let models = llm::models(env, send.provider)?;
    let model = catalog::find(&models, send.provider, &send.model)?.clone();
    let stored_as = send.provider.key_provider();
    let mut reads = vec![store::find_query(&db, conversation_id, user_id)?, store::history_query(&db, conversation_id)?];
    if let Some(stored_as) = stored_as {
        reads.push(provider_keys::stored_key(&db, user_id, stored_as)?);
    }
    let results = db::batch_read(&db, reads).await?;
    let existing: Option<Conversation> = db::rows(&results, 0)?.into_iter().next();
    let key = match (stored_as, send.provider.key_secret()) {
        (Some(stored_as), Some(secret)) => {
            let stored: Option<provider_keys::StoredKey> = db::rows(&results, 2)?.into_iter().next();
            provider_keys::choose(env, user_id, stored_as, stored, secret)?.map(|k| k.key).ok_or_else(|| not_configured(send.provider))?
        }
        // Workers AI needs no key, only the binding.
        _ if llm::workers_ai_available(env) => String::new(),
        _ => return Err(llm::workers_ai_unavailable()),
    };
    let now = webox_edge::now();
    let (mut conversation, history) = match (existing, create) {
        (Some(c), _) => (c, store::turns(db::rows(&results, 1)?)),
        (None, true) => (
            Conversation {
                id: conversation_id.to_owned(),
                title: title::from_first_message(&send.message),
                provider: send.provider.id().to_owned(),
                model: model.id.clone(),
                system_prompt: None,
                message_count: 0,
                total_cost_micros: 0,
                last_message_at: now,
                created_at: now,
                updated_at: now,
            },
            Vec::new(),
        ),
        (None, false) => return Err(ApiError::not_found("conversation")),
    };
    if let Some(prompt) = &send.system_prompt {
        conversation.system_prompt = Some(prompt.clone()).filter(|p| !p.is_empty());
    }
    conversation.provider = send.provider.id().to_owned();
    conversation.model = model.id.clone();
    conversation.message_count += 1;
    conversation.last_message_at = now;
    conversation.updated_at = now;

    let user_message = Message {
        id: random::id()?,
        conversation_id: conversation.id.clone(),
        role: "user".into(),
        content: send.message.clone(),
        provider: None,
        model: None,
        status: "complete".into(),
        error_code: None,
        tokens_in: 0,
        tokens_out: 0,
        cost_micros: 0,
        latency_ms: 0,
        created_at: now,
    };
    let c = &conversation;
    let upsert = db::statement(
        &db,
        "INSERT INTO conversations (id, user_id, title, provider, model, system_prompt, message_count, total_cost_micros, last_message_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, 0, ?7, ?7, ?7)
         ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, model = excluded.model, system_prompt = excluded.system_prompt,
           message_count = message_count + 1, last_message_at = excluded.last_message_at, updated_at = excluded.updated_at
         WHERE conversations.user_id = excluded.user_id",
        args![&c.id, user_id, &c.title, &c.provider, &c.model, c.system_prompt.as_deref(), now],
    )?;
    let user_write = vec![upsert, store::insert_message(&db, &user_message)?];

    let mut turns = history;
    turns.push(Turn { role: Role::User, content: send.message.clone() });
    let request = ChatRequest { model: model.id.clone(), system: conversation.system_prompt.clone(), turns, temperature: send.temperature, max_tokens: send.max_tokens };
    Ok(Prepared { user_id: user_id.to_owned(), conversation, user_message, provider: send.provider, model, key, request, started_ms: now_ms(), db, user_write })
}

impl Prepared {
    /// Writes the conversation and the user's message (once).
    async fn save_user_message(&mut self) -> ApiResult<()> {
        let statements = std::mem::take(&mut self.user_write);
        if statements.is_empty() {
            return Ok(());
        }
        db::batch(&self.db, statements).await.map(|_| ())
    }

    fn prompt_chars(&self) -> usize {
        self.request.system.as_deref().map_or(0, |s| s.chars().count()) + self.request.turns.iter().map(|t| t.content.chars().count()).sum::<usize>()
    }

    /// Saves the answer (or what arrived of it) and the usage it cost.
    /// `error` marks it incomplete. Nothing is saved when no text came.
    pub async fn save(&mut self, answer: &Completion, error: Option<&ApiError>) -> ApiResult<Option<Message>> {
        if answer.text.is_empty() {
            return Ok(None);
        }
        let db = &self.db;
        let now = webox_edge::now();
        let cost = self.model.cost_micros(answer.tokens_in, answer.tokens_out);
        let message = Message {
            id: random::id()?,
            conversation_id: self.conversation.id.clone(),
            role: "assistant".into(),
            content: answer.text.clone(),
            provider: Some(self.provider.id().to_owned()),
            model: Some(self.model.id.clone()),
            status: if error.is_some() { "incomplete" } else { "complete" }.into(),
            error_code: error.map(|e| e.code.to_owned()),
            tokens_in: answer.tokens_in as i64,
            tokens_out: answer.tokens_out as i64,
            cost_micros: cost,
            latency_ms: (now_ms() - self.started_ms).max(0.0) as i64,
            created_at: now,
        };
        let user = self.user_id.as_str();
        let statements = vec![
            store::insert_message(db, &message)?,
            db::statement(
                db,
                "UPDATE conversations SET message_count = message_count + 1, total_cost_micros = total_cost_micros + ?1, last_message_at = ?2, updated_at = ?2 WHERE id = ?3",
                args![cost, now, &self.conversation.id],
            )?,
            webox_edge::usage::add(db, user, "chat_messages", 1)?,
            webox_edge::usage::add(db, user, "chat_tokens_in", message.tokens_in)?,
            webox_edge::usage::add(db, user, "chat_tokens_out", message.tokens_out)?,
            webox_edge::usage::add(db, user, "ai_cost_micros", cost)?,
        ];
        db::batch(db, statements).await?;
        self.conversation.message_count += 1;
        self.conversation.total_cost_micros += cost;
        self.conversation.last_message_at = now;
        Ok(Some(message))
    }

    /// The whole answer at once.
    pub async fn answer(&mut self, env: &Env) -> ApiResult<Message> {
        let (provider, key, request) = (self.provider, self.key.clone(), self.request.clone());
        let (saved_user, completion) = join(self.save_user_message(), llm::complete(env, provider, &key, &request)).await;
        saved_user?;
        self.save(&completion?, None).await?.ok_or_else(|| ApiError::new(502, "provider_empty_answer", format!("{} answered with no text", self.provider.name())))
    }

    /// The answer streamed: `on_text` gets each piece. Returns the saved
    /// message (complete, or incomplete with the error) and the error.
    pub async fn stream(&mut self, env: &Env, on_text: impl FnMut(&str)) -> (Option<Message>, Option<ApiError>) {
        let (provider, key, request) = (self.provider, self.key.clone(), self.request.clone());
        self.conclude(async move { llm::stream(env, provider, &key, &request, on_text).await }).await
    }

    /// Saves the user's message while `call` (a provider stream, maybe
    /// started before this message was validated) runs, then the answer.
    pub async fn conclude(&mut self, call: impl Future<Output = ApiResult<Streamed>>) -> (Option<Message>, Option<ApiError>) {
        let (saved_user, streamed) = join(self.save_user_message(), call).await;
        if let Err(e) = saved_user {
            return (None, Some(e));
        }
        let Streamed { state, error } = match streamed {
            Ok(streamed) => streamed,
            Err(e) => return (None, Some(e)),
        };
        let completion = state.completion(self.prompt_chars());
        match self.save(&completion, error.as_ref()).await {
            Ok(saved) => (saved, error),
            Err(e) => (None, Some(error.unwrap_or(e))),
        }
    }

    /// Whether a call made with `key` and `request` is the very call this
    /// message needs.
    pub fn is_call(&self, key: &str, request: &ChatRequest) -> bool {
        self.key == key && self.request == *request
    }
}

/// The events clients receive, over the WebSocket and as SSE.
pub fn start_event(p: &Prepared) -> Value {
    json!({"type": "start", "conversation": p.conversation.json(), "user_message": p.user_message.json()})
}

pub fn token_event(text: &str) -> Value {
    json!({"type": "token", "text": text})
}

pub fn done_event(p: &Prepared, message: &Message) -> Value {
    json!({"type": "done", "conversation": p.conversation.json(), "message": message.json()})
}

pub fn error_event(error: &ApiError, saved: Option<&Message>) -> Value {
    let mut event = json!({"type": "error", "code": error.code, "message": error.message, "message_saved": saved.map(Message::json)});
    if let Some(wait) = error.retry_after {
        event["retry_after"] = json!(wait);
    }
    if let Some(field) = &error.field {
        event["field"] = json!(field);
    }
    event
}
