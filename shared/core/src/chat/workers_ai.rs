//! Cloudflare Workers AI text generation through the `AI` binding:
//! `run(model, {messages, stream})`. Streamed, the binding gives SSE of
//! `data: {"response": "..."}` (the last with `usage`), then `data: [DONE]`.
//! There is no HTTP call: `call` gives the input the binding takes.

use serde_json::{json, Map, Value};

use super::{as_u64, failure, openai, parse_json, ChatClient, ChatProvider, ChatRequest, Completion, Finish, HttpCall, SseEvent, StreamState, StreamStep};
use crate::error::ApiResult;

pub struct WorkersAi;

impl ChatClient for WorkersAi {
    fn provider(&self) -> ChatProvider {
        ChatProvider::WorkersAi
    }

    /// `url` is the model; `body` the binding's input.
    fn call(&self, _base: &str, _key: &str, req: &ChatRequest, stream: bool) -> HttpCall {
        let mut body = Map::new();
        body.insert("messages".into(), Value::Array(openai::messages(req)));
        if let Some(t) = req.temperature {
            body.insert("temperature".into(), json!(t));
        }
        if let Some(max) = req.max_tokens {
            body.insert("max_tokens".into(), json!(max));
        }
        if stream {
            body.insert("stream".into(), json!(true));
        }
        HttpCall { url: req.model.clone(), headers: Vec::new(), body: Value::Object(body) }
    }

    fn parse_completion(&self, body: &str) -> ApiResult<Completion> {
        let value = parse_json(self.provider(), body)?;
        let text = value.get("response").and_then(Value::as_str).ok_or_else(|| failure::bad_answer(self.provider()))?;
        Ok(Completion {
            text: text.to_owned(),
            tokens_in: value.pointer("/usage/prompt_tokens").and_then(as_u64).unwrap_or(0),
            tokens_out: value.pointer("/usage/completion_tokens").and_then(as_u64).unwrap_or(0),
            finish: Finish::Stop,
        })
    }

    fn decode_event(&self, event: &SseEvent, state: &mut StreamState) -> StreamStep {
        if event.data.trim() == "[DONE]" {
            state.done = true;
            return StreamStep::Done;
        }
        let Ok(value) = serde_json::from_str::<Value>(&event.data) else {
            return StreamStep::Failed(failure::bad_answer(self.provider()));
        };
        if let Some(usage) = value.get("usage") {
            state.tokens_in = usage.get("prompt_tokens").and_then(as_u64).or(state.tokens_in);
            state.tokens_out = usage.get("completion_tokens").and_then(as_u64).or(state.tokens_out);
        }
        let text = value.get("response").and_then(Value::as_str).unwrap_or_default().to_owned();
        state.text.push_str(&text);
        StreamStep::Text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{sse, Role, Turn};

    #[test]
    fn binding_input_and_stream() {
        let req = ChatRequest { model: "@cf/meta/llama-3.1-8b-instruct".into(), system: None, turns: vec![Turn { role: Role::User, content: "Hi".into() }], temperature: None, max_tokens: Some(64) };
        let call = WorkersAi.call("", "", &req, true);
        assert_eq!(call.url, "@cf/meta/llama-3.1-8b-instruct");
        assert_eq!(call.body, json!({"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 64, "stream": true}));
        let body = "data: {\"response\":\"Hel\",\"p\":\"abc\"}\n\ndata: {\"response\":\"lo\"}\n\ndata: {\"response\":\"\",\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":2,\"total_tokens\":14}}\n\ndata: [DONE]\n\n";
        let mut state = StreamState::default();
        for event in sse::parse_all(body.as_bytes()) {
            WorkersAi.decode_event(&event, &mut state);
        }
        assert_eq!((state.text.as_str(), state.tokens_in, state.tokens_out, state.done), ("Hello", Some(12), Some(2), true));
    }
}
