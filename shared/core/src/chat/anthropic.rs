//! The Anthropic Messages API: `x-api-key` and `anthropic-version` headers,
//! `system` beside `messages` (which alternate, starting with the user),
//! `max_tokens` required. Streams are named events: `message_start` (input
//! usage), `content_block_delta` with `text_delta`, `message_delta` (output
//! usage, stop reason), `message_stop`, `ping`, `error`.

use serde_json::{json, Map, Value};

use super::{as_u64, base_url, failure, parse_json, ChatClient, ChatProvider, ChatRequest, Completion, Finish, HttpCall, SseEvent, StreamState, StreamStep};
use crate::error::ApiResult;

pub const API_VERSION: &str = "2023-06-01";
/// Anthropic requires `max_tokens`; this is ours when the user sets none.
pub const DEFAULT_MAX_TOKENS: u32 = 4096;

pub struct Anthropic;

fn finish(reason: &str) -> Finish {
    match reason {
        "end_turn" | "stop_sequence" => Finish::Stop,
        "max_tokens" => Finish::Length,
        "refusal" => Finish::Refused,
        other => Finish::Other(other.to_owned()),
    }
}

impl ChatClient for Anthropic {
    fn provider(&self) -> ChatProvider {
        ChatProvider::Anthropic
    }

    fn call(&self, base: &str, key: &str, req: &ChatRequest, stream: bool) -> HttpCall {
        let mut body = Map::new();
        body.insert("model".into(), json!(req.model));
        body.insert("max_tokens".into(), json!(req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS)));
        if let Some(system) = req.system.as_deref().filter(|s| !s.trim().is_empty()) {
            body.insert("system".into(), json!(system));
        }
        let messages: Vec<Value> = req.alternating_turns().iter().map(|t| json!({"role": t.role.as_str(), "content": t.content})).collect();
        body.insert("messages".into(), Value::Array(messages));
        if let Some(t) = req.temperature {
            // Anthropic's range is 0–1; ours (OpenAI's) is 0–2.
            body.insert("temperature".into(), json!((t / 2.0).clamp(0.0, 1.0)));
        }
        if stream {
            body.insert("stream".into(), json!(true));
        }
        HttpCall {
            url: format!("{}/v1/messages", base_url(base)),
            headers: vec![
                ("x-api-key", key.to_owned()),
                ("anthropic-version", API_VERSION.into()),
                ("Content-Type", "application/json".into()),
                ("Accept", if stream { "text/event-stream" } else { "application/json" }.into()),
            ],
            body: Value::Object(body),
        }
    }

    fn parse_completion(&self, body: &str) -> ApiResult<Completion> {
        let value = parse_json(self.provider(), body)?;
        let blocks = value.get("content").and_then(Value::as_array).ok_or_else(|| failure::bad_answer(self.provider()))?;
        let text: String = blocks.iter().filter(|b| b.get("type").and_then(Value::as_str) == Some("text")).filter_map(|b| b.get("text").and_then(Value::as_str)).collect();
        Ok(Completion {
            text,
            tokens_in: value.pointer("/usage/input_tokens").and_then(as_u64).unwrap_or(0),
            tokens_out: value.pointer("/usage/output_tokens").and_then(as_u64).unwrap_or(0),
            finish: value.get("stop_reason").and_then(Value::as_str).map(finish).unwrap_or(Finish::Stop),
        })
    }

    fn decode_event(&self, event: &SseEvent, state: &mut StreamState) -> StreamStep {
        let Ok(data) = serde_json::from_str::<Value>(&event.data) else {
            return StreamStep::Failed(failure::bad_answer(self.provider()));
        };
        // The event name and the `type` field agree; `type` is authoritative.
        let kind = data.get("type").and_then(Value::as_str).unwrap_or(event.event.as_str());
        match kind {
            "message_start" => {
                state.tokens_in = data.pointer("/message/usage/input_tokens").and_then(as_u64).or(state.tokens_in);
                StreamStep::Text(String::new())
            }
            "content_block_delta" => {
                let text = match data.pointer("/delta/type").and_then(Value::as_str) {
                    Some("text_delta") => data.pointer("/delta/text").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    _ => String::new(),
                };
                state.text.push_str(&text);
                StreamStep::Text(text)
            }
            "message_delta" => {
                state.tokens_out = data.pointer("/usage/output_tokens").and_then(as_u64).or(state.tokens_out);
                if let Some(input) = data.pointer("/usage/input_tokens").and_then(as_u64) {
                    state.tokens_in = Some(input);
                }
                if let Some(reason) = data.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    state.finish = Some(finish(reason));
                }
                StreamStep::Text(String::new())
            }
            "message_stop" => {
                state.done = true;
                StreamStep::Done
            }
            "error" => StreamStep::Failed(failure::from_stream_error(self.provider(), data.get("error").unwrap_or(&Value::Null))),
            // ping, content_block_start/stop and event types added later.
            _ => StreamStep::Text(String::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{sse, Role, Turn};

    #[test]
    fn request_puts_system_outside_and_always_sends_max_tokens() {
        let req = ChatRequest {
            model: "claude-sonnet-4-5".into(),
            system: Some("You are terse.".into()),
            turns: vec![
                Turn { role: Role::User, content: "a".into() },
                Turn { role: Role::User, content: "b".into() },
                Turn { role: Role::Assistant, content: "c".into() },
                Turn { role: Role::User, content: "d".into() },
            ],
            temperature: Some(1.0),
            max_tokens: None,
        };
        let call = Anthropic.call("https://api.anthropic.com", "sk-ant-x", &req, true);
        assert_eq!(call.url, "https://api.anthropic.com/v1/messages");
        assert_eq!(call.header("x-api-key"), Some("sk-ant-x"));
        assert_eq!(call.header("anthropic-version"), Some(API_VERSION));
        assert_eq!(call.body["system"], "You are terse.");
        assert_eq!(call.body["max_tokens"], DEFAULT_MAX_TOKENS);
        assert_eq!(call.body["temperature"], 0.5);
        let roles: Vec<&str> = call.body["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["user", "assistant", "user"]);
        assert_eq!(call.body["messages"][0]["content"], "a\n\nb");
    }

    #[test]
    fn stream_events_in_order() {
        let body = concat!(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
            "event: ping\ndata: {\"type\": \"ping\"}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi \"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"there\"}}\n\n",
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":15}}\n\n",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
        );
        let mut state = StreamState::default();
        let steps: Vec<StreamStep> = sse::parse_all(body.as_bytes()).iter().map(|e| Anthropic.decode_event(e, &mut state)).collect();
        assert_eq!(steps.last(), Some(&StreamStep::Done));
        assert_eq!(state.text, "Hi there");
        assert_eq!((state.tokens_in, state.tokens_out, state.finish.clone()), (Some(25), Some(15), Some(Finish::Stop)));
    }

    #[test]
    fn error_event_and_refusal() {
        let mut state = StreamState::default();
        let error = SseEvent { event: "error".into(), data: r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#.into(), id: None };
        assert!(matches!(Anthropic.decode_event(&error, &mut state), StreamStep::Failed(e) if e.code == "provider_unavailable"));
        let c = Anthropic.parse_completion(r#"{"content":[],"stop_reason":"refusal","usage":{"input_tokens":3,"output_tokens":0}}"#).unwrap();
        assert_eq!(c.finish, Finish::Refused);
    }

    #[test]
    fn non_streamed_answer_joins_text_blocks() {
        let c = Anthropic
            .parse_completion(r#"{"content":[{"type":"text","text":"Hello"},{"type":"text","text":" world"}],"stop_reason":"max_tokens","usage":{"input_tokens":3,"output_tokens":2}}"#)
            .unwrap();
        assert_eq!((c.text.as_str(), c.tokens_in, c.tokens_out, c.finish), ("Hello world", 3, 2, Finish::Length));
    }
}
