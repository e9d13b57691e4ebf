//! The OpenAI Chat Completions format, also spoken by Mistral
//! (`/v1/chat/completions`) and Groq (`/openai/v1/chat/completions`).
//! Streams are `data: {chunk}` events with `choices[0].delta.content`, a
//! usage chunk with empty `choices` (OpenAI with `stream_options`, Mistral
//! always, Groq also under `x_groq.usage`), then `data: [DONE]`.

use serde_json::{json, Map, Value};

use super::{as_u64, base_url, failure, parse_json, ChatClient, ChatProvider, ChatRequest, Completion, Finish, HttpCall, SseEvent, StreamState, StreamStep};
use crate::error::ApiResult;

pub struct OpenAiCompatible {
    provider: ChatProvider,
    path: &'static str,
    /// OpenAI renamed `max_tokens` to `max_completion_tokens`.
    max_tokens_field: &'static str,
    /// Only OpenAI documents `stream_options.include_usage`; Mistral sends
    /// usage unasked and refuses unknown fields.
    stream_options: bool,
}

pub static OPENAI: OpenAiCompatible =
    OpenAiCompatible { provider: ChatProvider::Openai, path: "/v1/chat/completions", max_tokens_field: "max_completion_tokens", stream_options: true };
pub static MISTRAL: OpenAiCompatible =
    OpenAiCompatible { provider: ChatProvider::Mistral, path: "/v1/chat/completions", max_tokens_field: "max_tokens", stream_options: false };
pub static GROQ: OpenAiCompatible =
    OpenAiCompatible { provider: ChatProvider::Groq, path: "/openai/v1/chat/completions", max_tokens_field: "max_tokens", stream_options: true };

/// `messages` with the system prompt first, as every OpenAI-style API takes them.
pub fn messages(req: &ChatRequest) -> Vec<Value> {
    let mut out = Vec::with_capacity(req.turns.len() + 1);
    if let Some(system) = req.system.as_deref().filter(|s| !s.trim().is_empty()) {
        out.push(json!({"role": "system", "content": system}));
    }
    out.extend(req.turns.iter().map(|t| json!({"role": t.role.as_str(), "content": t.content})));
    out
}

pub fn finish(reason: &str) -> Finish {
    match reason {
        "stop" | "eos" => Finish::Stop,
        "length" => Finish::Length,
        "content_filter" => Finish::Refused,
        other => Finish::Other(other.to_owned()),
    }
}

impl ChatClient for OpenAiCompatible {
    fn provider(&self) -> ChatProvider {
        self.provider
    }

    fn call(&self, base: &str, key: &str, req: &ChatRequest, stream: bool) -> HttpCall {
        let mut body = Map::new();
        body.insert("model".into(), json!(req.model));
        body.insert("messages".into(), Value::Array(messages(req)));
        if let Some(t) = req.temperature {
            body.insert("temperature".into(), json!(t));
        }
        if let Some(max) = req.max_tokens {
            body.insert(self.max_tokens_field.into(), json!(max));
        }
        if stream {
            body.insert("stream".into(), json!(true));
            if self.stream_options {
                body.insert("stream_options".into(), json!({"include_usage": true}));
            }
        }
        HttpCall {
            url: format!("{}{}", base_url(base), self.path),
            headers: vec![
                ("Authorization", format!("Bearer {key}")),
                ("Content-Type", "application/json".into()),
                ("Accept", if stream { "text/event-stream" } else { "application/json" }.into()),
            ],
            body: Value::Object(body),
        }
    }

    fn parse_completion(&self, body: &str) -> ApiResult<Completion> {
        let value = parse_json(self.provider, body)?;
        let choice = value.pointer("/choices/0").ok_or_else(|| failure::bad_answer(self.provider))?;
        let text = choice.pointer("/message/content").and_then(Value::as_str).unwrap_or_default().to_owned();
        let refusal = choice.pointer("/message/refusal").and_then(Value::as_str).is_some_and(|r| !r.is_empty());
        let finish = if refusal { Finish::Refused } else { choice.get("finish_reason").and_then(Value::as_str).map(finish).unwrap_or(Finish::Stop) };
        let usage = value.get("usage");
        Ok(Completion {
            tokens_in: usage.and_then(|u| u.get("prompt_tokens")).and_then(as_u64).unwrap_or(0),
            tokens_out: usage.and_then(|u| u.get("completion_tokens")).and_then(as_u64).unwrap_or(0),
            text,
            finish,
        })
    }

    fn decode_event(&self, event: &SseEvent, state: &mut StreamState) -> StreamStep {
        if event.data.trim() == "[DONE]" {
            state.done = true;
            return StreamStep::Done;
        }
        let Ok(chunk) = serde_json::from_str::<Value>(&event.data) else {
            return StreamStep::Failed(failure::bad_answer(self.provider));
        };
        if let Some(error) = chunk.get("error") {
            return StreamStep::Failed(failure::from_stream_error(self.provider, error));
        }
        let usage = chunk.get("usage").filter(|u| u.is_object()).or_else(|| chunk.pointer("/x_groq/usage"));
        if let Some(usage) = usage {
            state.tokens_in = usage.get("prompt_tokens").and_then(as_u64).or(state.tokens_in);
            state.tokens_out = usage.get("completion_tokens").and_then(as_u64).or(state.tokens_out);
        }
        let mut text = String::new();
        if let Some(choice) = chunk.pointer("/choices/0") {
            if let Some(delta) = choice.pointer("/delta/content").and_then(Value::as_str) {
                text.push_str(delta);
            }
            if choice.pointer("/delta/refusal").and_then(Value::as_str).is_some_and(|r| !r.is_empty()) {
                state.finish = Some(Finish::Refused);
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                if state.finish != Some(Finish::Refused) {
                    state.finish = Some(finish(reason));
                }
            }
        }
        state.text.push_str(&text);
        StreamStep::Text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{sse, Role, Turn};

    fn request() -> ChatRequest {
        ChatRequest {
            model: "gpt-4o".into(),
            system: Some("Be brief.".into()),
            turns: vec![Turn { role: Role::User, content: "Hi".into() }],
            temperature: Some(0.5),
            max_tokens: Some(100),
        }
    }

    #[test]
    fn openai_request_has_system_first_usage_option_and_bearer() {
        let call = OPENAI.call("http://sim/openai/", "sk-1", &request(), true);
        assert_eq!(call.url, "http://sim/openai/v1/chat/completions");
        assert_eq!(call.header("authorization"), Some("Bearer sk-1"));
        assert_eq!(call.body["messages"][0], json!({"role": "system", "content": "Be brief."}));
        assert_eq!(call.body["messages"][1], json!({"role": "user", "content": "Hi"}));
        assert_eq!(call.body["max_completion_tokens"], 100);
        assert_eq!(call.body["stream_options"]["include_usage"], true);
    }

    #[test]
    fn mistral_and_groq_paths_and_fields() {
        let mistral = MISTRAL.call("https://api.mistral.ai", "k", &request(), true);
        assert_eq!(mistral.url, "https://api.mistral.ai/v1/chat/completions");
        assert_eq!(mistral.body["max_tokens"], 100);
        assert!(mistral.body.get("stream_options").is_none());
        assert_eq!(GROQ.call("https://api.groq.com", "k", &request(), false).url, "https://api.groq.com/openai/v1/chat/completions");
    }

    #[test]
    fn non_streamed_answer() {
        let body = r#"{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}"#;
        let c = OPENAI.parse_completion(body).unwrap();
        assert_eq!((c.text.as_str(), c.tokens_in, c.tokens_out, c.finish), ("Hello!", 9, 3, Finish::Stop));
        assert_eq!(OPENAI.parse_completion("nope").unwrap_err().code, "provider_bad_response");
    }

    #[test]
    fn stream_with_usage_chunk_and_done() {
        let body = concat!(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n",
            "data: [DONE]\n\n"
        );
        let mut state = StreamState::default();
        let steps: Vec<StreamStep> = sse::parse_all(body.as_bytes()).iter().map(|e| OPENAI.decode_event(e, &mut state)).collect();
        assert_eq!(steps.last(), Some(&StreamStep::Done));
        assert_eq!(state.text, "Hello");
        assert_eq!((state.tokens_in, state.tokens_out, state.finish.clone()), (Some(5), Some(2), Some(Finish::Stop)));
    }

    #[test]
    fn groq_usage_and_content_filter() {
        let mut state = StreamState::default();
        let usage = SseEvent { event: "message".into(), data: r#"{"choices":[{"delta":{},"finish_reason":"content_filter"}],"x_groq":{"usage":{"prompt_tokens":4,"completion_tokens":0}}}"#.into(), id: None };
        GROQ.decode_event(&usage, &mut state);
        assert_eq!((state.tokens_in, state.finish.clone()), (Some(4), Some(Finish::Refused)));
    }

    #[test]
    fn an_error_inside_the_stream_fails_it() {
        let mut state = StreamState::default();
        let event = SseEvent { event: "message".into(), data: r#"{"error":{"message":"server overloaded","type":"server_error"}}"#.into(), id: None };
        assert!(matches!(OPENAI.decode_event(&event, &mut state), StreamStep::Failed(e) if e.code == "provider_unavailable"));
    }
}
