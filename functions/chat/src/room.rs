//! `ChatRoom`, the Durable Object of one conversation. It is the single
//! place an answer is generated: one at a time per conversation, tokens
//! fanned out to every WebSocket on the conversation (hibernation API: idle
//! sockets cost nothing) and to the SSE response that asked, and the answer
//! saved to D1 even when every client went away.
//!
//! Reached only from this Worker (`lib.rs` checks the caller and the
//! conversation first): `POST /send` with a `Job`, `GET /socket` upgrades.
//!
//! Time to first token: the room remembers the last exchange (history,
//! system prompt, key) and, for the next message, starts the provider call
//! from that memory at once, while the message is validated against D1.
//! The call is adopted only if the validated request and key are exactly
//! what it was started with (its tokens are held until then); otherwise it
//! is dropped and the call is made again from what D1 says. So the D1 read
//! costs no time, and a stale memory (a renamed prompt, a changed key) costs
//! one wasted call, never a wrong answer.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures_channel::mpsc::{unbounded, UnboundedSender};
use futures_channel::oneshot;
use futures_util::future::{AbortHandle, Abortable};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State, WebSocket, WebSocketIncomingMessage, WebSocketPair};
use wasm_bindgen::{JsCast, JsValue};
use worker::worker_sys::DurableObjectState;

use webox_core::chat::request::SendMessage;
use webox_core::chat::{ChatProvider, ChatRequest, Role, Turn};
use webox_core::json::JsonObject;
use webox_core::{ApiError, ApiResult};
use webox_edge::respond;

use crate::generate::{self, Prepared};
use crate::store::{Message, HISTORY_MESSAGES};
use webox_edge::llm::{self, Streamed};

/// What the Worker asks the room to answer.
#[derive(Serialize, Deserialize)]
pub struct Job {
    pub user_id: String,
    pub conversation_id: String,
    /// The conversation does not exist yet: create it.
    pub create: bool,
    /// The request body as the client sent it.
    pub body: Value,
}

/// Who a socket belongs to; kept with the socket through hibernation.
#[derive(Serialize, Deserialize)]
struct SocketOwner {
    user_id: String,
    conversation_id: String,
}

#[durable_object]
pub struct ChatRoom {
    state: State,
    env: Env,
    /// An answer is being generated. In memory is enough: the object cannot
    /// hibernate while it works.
    busy: Rc<Cell<bool>>,
    /// The last exchange, to start the next call early (see the top).
    memory: Rc<RefCell<Option<Memory>>>,
}

/// What the room saw of its conversation after the last answer.
struct Memory {
    user_id: String,
    provider: ChatProvider,
    key: String,
    system_prompt: Option<String>,
    /// The history the next message is sent with (the latest messages).
    turns: Vec<Turn>,
}

impl Memory {
    /// After `prepared` was answered with `saved` (if anything was saved).
    fn after(prepared: &Prepared, saved: Option<&Message>) -> Self {
        let mut turns = prepared.request.turns.clone();
        if let Some(answer) = saved {
            turns.push(Turn { role: Role::Assistant, content: answer.content.clone() });
        }
        let excess = turns.len().saturating_sub(HISTORY_MESSAGES);
        turns.drain(..excess);
        Self { user_id: prepared.user_id.clone(), provider: prepared.provider, key: prepared.key.clone(), system_prompt: prepared.request.system.clone(), turns }
    }

    /// The call `send` will most likely need: what `generate::prepare`
    /// builds when nothing changed since.
    fn guess(&self, user_id: &str, send: &SendMessage) -> Option<(String, ChatRequest)> {
        if self.user_id != user_id || self.provider != send.provider {
            return None;
        }
        let system = match &send.system_prompt {
            Some(prompt) => Some(prompt.clone()).filter(|p| !p.is_empty()),
            None => self.system_prompt.clone(),
        };
        let mut turns = self.turns.clone();
        turns.push(Turn { role: Role::User, content: send.message.clone() });
        let request = ChatRequest { model: send.model.clone(), system, turns, temperature: send.temperature, max_tokens: send.max_tokens };
        Some((self.key.clone(), request))
    }
}

/// Tokens of a call started early: held until the call is adopted.
#[derive(Default)]
struct Gate {
    fanout: RefCell<Option<Rc<Fanout>>>,
    held: RefCell<Vec<String>>,
}

impl Gate {
    fn push(&self, text: &str) {
        match &*self.fanout.borrow() {
            Some(fanout) => fanout.send(&generate::token_event(text)),
            None => self.held.borrow_mut().push(text.to_owned()),
        }
    }

    fn open(&self, fanout: Rc<Fanout>) {
        for text in self.held.take() {
            fanout.send(&generate::token_event(&text));
        }
        *self.fanout.borrow_mut() = Some(fanout);
    }
}

/// A provider call started before its message was validated.
struct Speculation {
    key: String,
    request: ChatRequest,
    gate: Rc<Gate>,
    abort: AbortHandle,
    result: oneshot::Receiver<Result<ApiResult<Streamed>, futures_util::future::Aborted>>,
}

/// Where the tokens of one answer go.
struct Fanout {
    state: DurableObjectState,
    sse: Option<UnboundedSender<Vec<u8>>>,
}

impl Fanout {
    fn send(&self, event: &Value) {
        let text = event.to_string();
        if let Ok(sockets) = self.state.get_websockets() {
            for socket in sockets {
                // A socket closing meanwhile just misses the event.
                let _ = WebSocket::from(socket).send_with_str(&text);
            }
        }
        if let Some(sse) = &self.sse {
            let name = event.get("type").and_then(Value::as_str).unwrap_or("message");
            // The client may have gone: the answer is still saved.
            let _ = sse.unbounded_send(format!("event: {name}\ndata: {text}\n\n").into_bytes());
        }
    }
}

fn sse_response(body: futures_channel::mpsc::UnboundedReceiver<Vec<u8>>) -> ApiResult<Response> {
    let response = Response::from_stream(body.map(Ok::<Vec<u8>, worker::Error>)).map_err(|_| ApiError::internal())?;
    let headers = worker::Headers::new();
    let _ = headers.set("Content-Type", "text/event-stream; charset=utf-8");
    let _ = headers.set("Cache-Control", "no-store");
    let _ = headers.set("X-Accel-Buffering", "no");
    Ok(response.with_headers(headers))
}

impl ChatRoom {
    /// A handle on the object's state that a background task can own.
    fn raw_state(&self) -> DurableObjectState {
        let js: &JsValue = self.state.as_raw().as_ref();
        js.clone().unchecked_into()
    }

    /// Starts the provider call from memory, before validation (see the top).
    fn speculate(&self, user_id: &str, send: &SendMessage) -> Option<Speculation> {
        let (key, request) = self.memory.borrow().as_ref()?.guess(user_id, send)?;
        let gate = Rc::new(Gate::default());
        let (abort, registration) = AbortHandle::new_pair();
        let (done, result) = oneshot::channel();
        let (env, provider, call_key, call_request, tokens) = (self.env.clone(), send.provider, key.clone(), request.clone(), gate.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let call = Abortable::new(async move { llm::stream(&env, provider, &call_key, &call_request, |text| tokens.push(text)).await }, registration);
            let _ = done.send(call.await);
        });
        Some(Speculation { key, request, gate, abort, result })
    }

    /// Validates and saves the user's message, then generates the answer
    /// in the background (`wait_until` keeps the object alive for it).
    /// `sse` also receives the events; without it, only the sockets do.
    async fn start(&self, job: &Job, send: &SendMessage, sse: Option<UnboundedSender<Vec<u8>>>) -> ApiResult<()> {
        if self.busy.replace(true) {
            return Err(ApiError::conflict("conversation_busy", "an answer is still being written in this conversation; wait for it to finish"));
        }
        let early = self.speculate(&job.user_id, send);
        let prepared = match generate::prepare(&self.env, &job.user_id, &job.conversation_id, job.create, send).await {
            Ok(prepared) => prepared,
            Err(e) => {
                if let Some(early) = early {
                    early.abort.abort();
                }
                self.memory.replace(None);
                self.busy.set(false);
                return Err(e);
            }
        };
        let adopted = early.and_then(|early| {
            if prepared.is_call(&early.key, &early.request) {
                Some(early)
            } else {
                early.abort.abort();
                None
            }
        });
        let fanout = Rc::new(Fanout { state: self.raw_state(), sse });
        fanout.send(&generate::start_event(&prepared));
        let (env, busy, memory) = (self.env.clone(), self.busy.clone(), self.memory.clone());
        self.state.wait_until(async move {
            let mut prepared = prepared;
            let (saved, error) = match adopted {
                Some(early) => {
                    early.gate.open(fanout.clone());
                    let call = async move { early.result.await.ok().and_then(Result::ok).unwrap_or_else(|| Err(ApiError::internal())) };
                    prepared.conclude(call).await
                }
                None => {
                    let tokens = fanout.clone();
                    prepared.stream(&env, move |text| tokens.send(&generate::token_event(text))).await
                }
            };
            match (&saved, &error) {
                (Some(message), None) => fanout.send(&generate::done_event(&prepared, message)),
                (_, Some(e)) => fanout.send(&generate::error_event(e, saved.as_ref())),
                (None, None) => {}
            }
            let remembered = error.is_none().then(|| Memory::after(&prepared, saved.as_ref()));
            memory.replace(remembered);
            busy.set(false);
        });
        Ok(())
    }

    async fn send(&self, mut req: Request) -> ApiResult<Response> {
        let job: Job = req.json().await.map_err(|_| ApiError::internal())?;
        let body = match &job.body {
            Value::Object(map) => JsonObject::from_map(map.clone()),
            _ => return Err(ApiError::new(400, "invalid_json", "the request body must be a JSON object")),
        };
        let send = SendMessage::parse(&body)?;
        if send.stream {
            let (tx, rx) = unbounded();
            self.start(&job, &send, Some(tx)).await?;
            return sse_response(rx);
        }
        if self.busy.replace(true) {
            return Err(ApiError::conflict("conversation_busy", "an answer is still being written in this conversation; wait for it to finish"));
        }
        let result = self.answer_whole(&job, &send).await;
        self.busy.set(false);
        result
    }

    async fn answer_whole(&self, job: &Job, send: &SendMessage) -> ApiResult<Response> {
        let mut prepared = generate::prepare(&self.env, &job.user_id, &job.conversation_id, job.create, send).await?;
        let fanout = Fanout { state: self.raw_state(), sse: None };
        fanout.send(&generate::start_event(&prepared));
        match prepared.answer(&self.env).await {
            Ok(message) => {
                self.memory.replace(Some(Memory::after(&prepared, Some(&message))));
                fanout.send(&generate::done_event(&prepared, &message));
                respond::json(
                    200,
                    &serde_json::json!({"conversation": prepared.conversation.json(), "user_message": prepared.user_message.json(), "message": message.json()}),
                )
            }
            Err(e) => {
                self.memory.replace(None);
                fanout.send(&generate::error_event(&e, None));
                Err(e)
            }
        }
    }

    fn socket(&self, req: &Request) -> ApiResult<Response> {
        let header = |name: &str| req.headers().get(name).ok().flatten().unwrap_or_default();
        let owner = SocketOwner { user_id: header("X-WeBox-User"), conversation_id: header("X-WeBox-Conversation") };
        let pair = WebSocketPair::new().map_err(|_| ApiError::internal())?;
        self.state.accept_websocket_with_tags(&pair.server, &[&owner.user_id]);
        pair.server.serialize_attachment(&owner).map_err(|_| ApiError::internal())?;
        let ready = serde_json::json!({"type": "ready", "conversation_id": owner.conversation_id, "busy": self.busy.get()});
        let _ = pair.server.send_with_str(ready.to_string());
        Response::from_websocket(pair.client).map_err(|_| ApiError::internal())
    }

    /// A `{"type":"send", ...}` message from a socket.
    async fn socket_message(&self, ws: &WebSocket, text: &str) -> ApiResult<()> {
        let owner: SocketOwner = ws.deserialize_attachment().ok().flatten().ok_or_else(ApiError::internal)?;
        let body = JsonObject::parse(text.as_bytes())?;
        match body.optional_str("type")? {
            Some("send") => {}
            Some("ping") => {
                let _ = ws.send_with_str(r#"{"type":"pong"}"#);
                return Ok(());
            }
            _ => return Err(ApiError::invalid("invalid_value", "type", "`type` must be `send` or `ping`")),
        }
        let send = SendMessage::parse(&body)?;
        let job = Job { user_id: owner.user_id, conversation_id: owner.conversation_id, create: false, body: Value::Null };
        self.start(&job, &send, None).await
    }
}

impl DurableObject for ChatRoom {
    fn new(state: State, env: Env) -> Self {
        Self { state, env, busy: Rc::new(Cell::new(false)), memory: Rc::new(RefCell::new(None)) }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let result = match req.path().as_str() {
            "/send" => self.send(req).await,
            "/socket" => self.socket(&req),
            _ => Err(ApiError::new(404, "route_not_found", "no such room route")),
        };
        match result {
            Ok(response) => Ok(response),
            Err(e) => respond::error(&e, "-"),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let WebSocketIncomingMessage::String(text) = message else {
            let _ = ws.send_with_str(generate::error_event(&ApiError::new(400, "invalid_message", "send JSON text messages"), None).to_string());
            return Ok(());
        };
        if let Err(e) = self.socket_message(&ws, &text).await {
            let _ = ws.send_with_str(generate::error_event(&e, None).to_string());
        }
        Ok(())
    }

    async fn websocket_close(&self, ws: WebSocket, code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        // Completes the closing handshake; a generation in progress goes on.
        let code = if code == 1005 || code == 1006 { 1000 } else { code as u16 };
        let _ = ws.close(Some(code), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> Result<()> {
        Ok(())
    }
}
