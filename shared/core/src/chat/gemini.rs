//! Google Gemini `generateContent` / `streamGenerateContent?alt=sse`: key in
//! `x-goog-api-key`, `contents` with roles `user`/`model`, the system prompt
//! in `systemInstruction`, usage in `usageMetadata`. A stream is `data:`
//! events of the same shape as the whole answer; it ends when the
//! connection closes after a chunk with `finishReason`.

use serde_json::{json, Map, Value};

use super::{as_u64, base_url, failure, parse_json, ChatClient, ChatProvider, ChatRequest, Completion, Finish, HttpCall, Role, SseEvent, StreamState, StreamStep};
use crate::error::ApiResult;

pub struct Gemini;

fn finish(reason: &str) -> Finish {
    match reason {
        "STOP" => Finish::Stop,
        "MAX_TOKENS" => Finish::Length,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => Finish::Refused,
        other => Finish::Other(other.to_owned()),
    }
}

/// The text, usage and finish of one response (or stream chunk).
fn read(value: &Value, state: &mut StreamState) -> String {
    let candidate = value.pointer("/candidates/0");
    let text: String = candidate
        .and_then(|c| c.pointer("/content/parts"))
        .and_then(Value::as_array)
        .map(|parts| parts.iter().filter(|p| p.get("thought").and_then(Value::as_bool) != Some(true)).filter_map(|p| p.get("text").and_then(Value::as_str)).collect())
        .unwrap_or_default();
    if let Some(reason) = candidate.and_then(|c| c.get("finishReason")).and_then(Value::as_str) {
        state.finish = Some(finish(reason));
    }
    // A blocked prompt gets no candidates, only `promptFeedback.blockReason`.
    if value.pointer("/promptFeedback/blockReason").is_some() {
        state.finish = Some(Finish::Refused);
    }
    if let Some(usage) = value.get("usageMetadata") {
        state.tokens_in = usage.get("promptTokenCount").and_then(as_u64).or(state.tokens_in);
        state.tokens_out = usage.get("candidatesTokenCount").and_then(as_u64).or(state.tokens_out);
    }
    text
}

impl ChatClient for Gemini {
    fn provider(&self) -> ChatProvider {
        ChatProvider::Google
    }

    fn call(&self, base: &str, key: &str, req: &ChatRequest, stream: bool) -> HttpCall {
        let contents: Vec<Value> = req
            .alternating_turns()
            .iter()
            .map(|t| json!({"role": if t.role == Role::User { "user" } else { "model" }, "parts": [{"text": t.content}]}))
            .collect();
        let mut body = Map::new();
        body.insert("contents".into(), Value::Array(contents));
        if let Some(system) = req.system.as_deref().filter(|s| !s.trim().is_empty()) {
            body.insert("systemInstruction".into(), json!({"parts": [{"text": system}]}));
        }
        let mut generation = Map::new();
        if let Some(t) = req.temperature {
            generation.insert("temperature".into(), json!(t));
        }
        if let Some(max) = req.max_tokens {
            generation.insert("maxOutputTokens".into(), json!(max));
        }
        if !generation.is_empty() {
            body.insert("generationConfig".into(), Value::Object(generation));
        }
        let method = if stream { "streamGenerateContent?alt=sse" } else { "generateContent" };
        HttpCall {
            url: format!("{}/v1beta/models/{}:{method}", base_url(base), req.model),
            headers: vec![("x-goog-api-key", key.to_owned()), ("Content-Type", "application/json".into())],
            body: Value::Object(body),
        }
    }

    fn parse_completion(&self, body: &str) -> ApiResult<Completion> {
        let value = parse_json(self.provider(), body)?;
        if value.get("candidates").is_none() && value.get("promptFeedback").is_none() {
            return Err(failure::bad_answer(self.provider()));
        }
        let mut state = StreamState::default();
        let text = read(&value, &mut state);
        state.text = text;
        Ok(Completion {
            tokens_in: state.tokens_in.unwrap_or(0),
            tokens_out: state.tokens_out.unwrap_or(0),
            finish: state.finish.clone().unwrap_or(Finish::Stop),
            text: state.text,
        })
    }

    fn decode_event(&self, event: &SseEvent, state: &mut StreamState) -> StreamStep {
        let Ok(value) = serde_json::from_str::<Value>(&event.data) else {
            return StreamStep::Failed(failure::bad_answer(self.provider()));
        };
        if let Some(error) = value.get("error") {
            return StreamStep::Failed(failure::from_stream_error(self.provider(), error));
        }
        let text = read(&value, state);
        state.text.push_str(&text);
        // Gemini has no end marker: the chunk with a finish reason is the last.
        if state.finish.is_some() {
            state.done = true;
        }
        StreamStep::Text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{sse, Turn};

    #[test]
    fn request_uses_model_role_system_instruction_and_header_key() {
        let req = ChatRequest {
            model: "gemini-2.5-flash".into(),
            system: Some("Answer in French.".into()),
            turns: vec![Turn { role: Role::User, content: "Hi".into() }, Turn { role: Role::Assistant, content: "Salut".into() }, Turn { role: Role::User, content: "Ça va ?".into() }],
            temperature: Some(0.2),
            max_tokens: Some(50),
        };
        let call = Gemini.call("https://generativelanguage.googleapis.com", "AIza-1", &req, true);
        assert_eq!(call.url, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
        assert_eq!(call.header("x-goog-api-key"), Some("AIza-1"));
        assert_eq!(call.body["contents"][1]["role"], "model");
        assert_eq!(call.body["systemInstruction"]["parts"][0]["text"], "Answer in French.");
        assert_eq!(call.body["generationConfig"]["maxOutputTokens"], 50);
        assert!(Gemini.call("b", "k", &req, false).url.ends_with(":generateContent"));
    }

    #[test]
    fn stream_chunks_and_final_usage() {
        let body = concat!(
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Bon\"}],\"role\":\"model\"},\"index\":0}],\"modelVersion\":\"gemini-2.5-flash\"}\r\n\r\n",
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"jour\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],",
            "\"usageMetadata\":{\"promptTokenCount\":8,\"candidatesTokenCount\":2,\"totalTokenCount\":10}}\r\n\r\n"
        );
        let mut state = StreamState::default();
        for event in sse::parse_all(body.as_bytes()) {
            Gemini.decode_event(&event, &mut state);
        }
        assert_eq!(state.text, "Bonjour");
        assert!(state.done);
        assert_eq!((state.tokens_in, state.tokens_out, state.finish), (Some(8), Some(2), Some(Finish::Stop)));
    }

    #[test]
    fn safety_blocks_are_refusals() {
        let c = Gemini.parse_completion(r#"{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":4}}"#).unwrap();
        assert_eq!((c.finish, c.tokens_in), (Finish::Refused, 4));
        let c = Gemini.parse_completion(r#"{"candidates":[{"finishReason":"SAFETY","index":0}]}"#).unwrap();
        assert_eq!(c.finish, Finish::Refused);
    }
}
