//! One answer, from the user's message to the saved reply: checks that can
//! refuse without writing anything (model, key), then the user's message is
//! saved (it is never lost after that), the provider is called, and the
//! answer is saved with tokens, cost and latency — or, when the stream
//! broke, what arrived is saved marked `incomplete`.

use serde_json::{json, Value};
use worker::{D1Database, Env};

use webox_core::chat::catalog::{self, Model};
use webox_core::chat::request::SendMessage;
use webox_core::chat::{title, ChatProvider, ChatRequest, Completion, Role, Turn};
use webox_core::{random, ApiError, ApiResult};
use webox_edge::llm::{self, Streamed};
use webox_edge::provider_keys;
use webox_edge::{args, db};

use crate::store::{self, Conversation, Message};

/// A message accepted for answering: the conversation and user message as
/// saved, and everything needed to call the provider.
pub struct Prepared {
    pub user_id: String,
    pub conversation: Conversation,
    pub user_message: Message,
    pub provider: ChatProvider,
    pub model: Model,
    pub key: String,
    pub request: ChatRequest,
    pub started_ms: f64,
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

/// The key for `provider`, or why there is none. Nothing is written.
pub async fn key_for(env: &Env, db: &D1Database, user_id: &str, provider: ChatProvider) -> ApiResult<String> {
    match (provider.key_provider(), provider.key_secret()) {
        (Some(stored_as), Some(secret)) => {
            provider_keys::resolve(env, db, user_id, stored_as, secret).await?.map(|k| k.key).ok_or_else(|| not_configured(provider))
        }
        // Workers AI needs no key, only the binding.
        _ if llm::workers_ai_available(env) => Ok(String::new()),
        _ => Err(llm::workers_ai_unavailable()),
    }
}

/// Validates `send` and saves the user's message (creating the
/// conversation when `create` is set). Any error before the write leaves
/// storage untouched.
pub async fn prepare(env: &Env, user_id: &str, conversation_id: &str, create: bool, send: &SendMessage) -> ApiResult<Prepared> {
    let db = env.d1("DB").map_err(|_| ApiError::internal())?;
    let models = llm::models(env, send.provider)?;
    let model = catalog::find(&models, send.provider, &send.model)?.clone();
    let key = key_for(env, &db, user_id, send.provider).await?;
    let now = webox_edge::now();
    let existing = store::find(&db, conversation_id, user_id).await?;
    let (mut conversation, history) = match (existing, create) {
        (Some(c), _) => {
            let history = store::history(&db, &c.id).await?;
            (c, history)
        }
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
    db::batch(&db, vec![upsert, store::insert_message(&db, &user_message)?]).await?;

    let mut turns = history;
    turns.push(Turn { role: Role::User, content: send.message.clone() });
    let request = ChatRequest { model: model.id.clone(), system: conversation.system_prompt.clone(), turns, temperature: send.temperature, max_tokens: send.max_tokens };
    Ok(Prepared { user_id: user_id.to_owned(), conversation, user_message, provider: send.provider, model, key, request, started_ms: now_ms() })
}

impl Prepared {
    fn prompt_chars(&self) -> usize {
        self.request.system.as_deref().map_or(0, |s| s.chars().count()) + self.request.turns.iter().map(|t| t.content.chars().count()).sum::<usize>()
    }

    /// Saves the answer (or what arrived of it) and the usage it cost.
    /// `error` marks it incomplete. Nothing is saved when no text came.
    pub async fn save(&mut self, env: &Env, answer: &Completion, error: Option<&ApiError>) -> ApiResult<Option<Message>> {
        if answer.text.is_empty() {
            return Ok(None);
        }
        let db = env.d1("DB").map_err(|_| ApiError::internal())?;
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
            store::insert_message(&db, &message)?,
            db::statement(
                &db,
                "UPDATE conversations SET message_count = message_count + 1, total_cost_micros = total_cost_micros + ?1, last_message_at = ?2, updated_at = ?2 WHERE id = ?3",
                args![cost, now, &self.conversation.id],
            )?,
            store::count_usage(&db, user, "chat_messages", 1)?,
            store::count_usage(&db, user, "chat_tokens_in", message.tokens_in)?,
            store::count_usage(&db, user, "chat_tokens_out", message.tokens_out)?,
            store::count_usage(&db, user, "ai_cost_micros", cost)?,
        ];
        db::batch(&db, statements).await?;
        self.conversation.message_count += 1;
        self.conversation.total_cost_micros += cost;
        self.conversation.last_message_at = now;
        Ok(Some(message))
    }

    /// The whole answer at once.
    pub async fn answer(&mut self, env: &Env) -> ApiResult<Message> {
        let completion = llm::complete(env, self.provider, &self.key, &self.request).await?;
        self.save(env, &completion, None).await?.ok_or_else(|| {
            ApiError::new(502, "provider_empty_answer", format!("{} answered with no text", self.provider.name()))
        })
    }

    /// The answer streamed: `on_text` gets each piece. Returns the saved
    /// message (complete, or incomplete with the error) and the error.
    pub async fn stream(&mut self, env: &Env, on_text: impl FnMut(&str)) -> (Option<Message>, Option<ApiError>) {
        let streamed = match llm::stream(env, self.provider, &self.key, &self.request, on_text).await {
            Ok(streamed) => streamed,
            Err(e) => return (None, Some(e)),
        };
        let Streamed { state, error } = streamed;
        let completion = state.completion(self.prompt_chars());
        match self.save(env, &completion, error.as_ref()).await {
            Ok(saved) => (saved, error),
            Err(e) => (None, Some(error.unwrap_or(e))),
        }
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
