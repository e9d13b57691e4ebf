//! A user's chat message as sent to `/api/chat/send` or over the stream
//! socket, parsed once so the handlers never re-check it.

use serde_json::Value;

use super::ChatProvider;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonObject;

pub const MAX_MESSAGE_CHARS: usize = 32_000;
pub const MAX_SYSTEM_PROMPT_CHARS: usize = 8_000;
pub const MAX_OUTPUT_TOKENS: i64 = 32_000;
pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_PRESET_NAME_CHARS: usize = 80;

#[derive(Debug, Clone, PartialEq)]
pub struct SendMessage {
    pub conversation_id: Option<String>,
    pub provider: ChatProvider,
    pub model: String,
    pub message: String,
    /// `Some("")` clears the conversation's prompt; `None` keeps it.
    pub system_prompt: Option<String>,
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
    pub stream: bool,
}

const FIELDS: &[&str] = &["conversation_id", "provider", "model", "message", "system_prompt", "temperature", "max_tokens", "stream", "type"];

/// Text that must be present and not blank, at most `max` characters.
pub fn text(body: &JsonObject, field: &str, max: usize) -> ApiResult<String> {
    let value = body.required_str(field)?;
    if value.trim().is_empty() {
        return Err(ApiError::invalid("empty_field", field, format!("`{field}` must not be empty")));
    }
    bounded(value, field, max)
}

/// Text up to `max` characters (may be empty).
pub fn bounded(value: &str, field: &str, max: usize) -> ApiResult<String> {
    if value.chars().count() > max {
        return Err(ApiError::invalid("too_long", field, format!("`{field}` must be at most {max} characters")));
    }
    Ok(value.to_owned())
}

impl SendMessage {
    pub fn parse(body: &JsonObject) -> ApiResult<Self> {
        body.only_keys(FIELDS, "")?;
        let provider = ChatProvider::parse(body.required_str("provider")?, "provider")?;
        let model = body.required_str("model")?.trim().to_owned();
        if model.is_empty() {
            return Err(ApiError::invalid("empty_field", "model", "`model` must not be empty"));
        }
        let message = text(body, "message", MAX_MESSAGE_CHARS)?;
        let system_prompt = body.optional_str("system_prompt")?.map(|s| bounded(s.trim(), "system_prompt", MAX_SYSTEM_PROMPT_CHARS)).transpose()?;
        let temperature = match body.get("temperature") {
            None => None,
            Some(Value::Number(n)) => match n.as_f64() {
                Some(t) if (0.0..=2.0).contains(&t) => Some(t),
                _ => return Err(ApiError::invalid("invalid_value", "temperature", "`temperature` must be from 0 to 2")),
            },
            Some(_) => return Err(ApiError::wrong_type("temperature", "a number from 0 to 2")),
        };
        let max_tokens = match body.optional_int("max_tokens")? {
            None => None,
            Some(n) if (1..=MAX_OUTPUT_TOKENS).contains(&n) => Some(n as u32),
            Some(_) => return Err(ApiError::invalid("invalid_value", "max_tokens", format!("`max_tokens` must be from 1 to {MAX_OUTPUT_TOKENS}"))),
        };
        let conversation_id = body.optional_str("conversation_id")?.map(str::trim).filter(|id| !id.is_empty()).map(str::to_owned);
        Ok(Self { conversation_id, provider, model, message, system_prompt, temperature, max_tokens, stream: body.optional_bool("stream")?.unwrap_or(false) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> ApiResult<SendMessage> {
        SendMessage::parse(&JsonObject::parse(json.as_bytes()).unwrap())
    }

    #[test]
    fn a_full_message() {
        let m = parse(r#"{"provider":"anthropic","model":"claude-haiku-4-5","message":"Hi","system_prompt":" Be kind ","temperature":0.7,"max_tokens":200,"stream":true}"#).unwrap();
        assert_eq!((m.provider, m.model.as_str(), m.message.as_str()), (ChatProvider::Anthropic, "claude-haiku-4-5", "Hi"));
        assert_eq!((m.system_prompt.as_deref(), m.temperature, m.max_tokens, m.stream), (Some("Be kind"), Some(0.7), Some(200), true));
    }

    #[test]
    fn each_bad_field_is_named() {
        let field = |json: &str| parse(json).unwrap_err().field;
        assert_eq!(field(r#"{"model":"m","message":"x"}"#).as_deref(), Some("provider"));
        assert_eq!(field(r#"{"provider":"yahoo","model":"m","message":"x"}"#).as_deref(), Some("provider"));
        assert_eq!(field(r#"{"provider":"openai","model":" ","message":"x"}"#).as_deref(), Some("model"));
        assert_eq!(field(r#"{"provider":"openai","model":"m","message":"   "}"#).as_deref(), Some("message"));
        assert_eq!(field(r#"{"provider":"openai","model":"m","message":"x","temperature":3}"#).as_deref(), Some("temperature"));
        assert_eq!(field(r#"{"provider":"openai","model":"m","message":"x","temperature":"hot"}"#).as_deref(), Some("temperature"));
        assert_eq!(field(r#"{"provider":"openai","model":"m","message":"x","max_tokens":0}"#).as_deref(), Some("max_tokens"));
        assert_eq!(field(r#"{"provider":"openai","model":"m","message":"x","colour":1}"#).as_deref(), Some("colour"));
        let long = format!(r#"{{"provider":"openai","model":"m","message":"{}"}}"#, "a".repeat(MAX_MESSAGE_CHARS + 1));
        assert_eq!(parse(&long).unwrap_err().code, "too_long");
    }
}
