//! Provider failures as our API errors, in one place, for every external
//! AI provider (chat and media): a bad key, a rate limit, an overloaded or
//! broken provider, a refusal. Provider messages are
//! passed on only where they help and never for key problems (they can echo
//! part of the key).

use serde_json::Value;

use crate::error::ApiError;

/// A provider as users know it, for messages.
pub trait Named: Copy {
    fn name(self) -> &'static str;
}

impl Named for crate::chat::ChatProvider {
    fn name(self) -> &'static str {
        crate::chat::ChatProvider::name(self)
    }
}

/// Seconds to wait when a 429 carries no `retry-after`.
pub const DEFAULT_RETRY_AFTER: u64 = 10;

/// `error.message` of the provider's error body (OpenAI, Anthropic, Gemini,
/// Mistral and Groq all use that shape), shortened.
pub fn provider_message(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    let message = value
        .pointer("/error/message")
        .or_else(|| value.get("message"))
        .or_else(|| value.get("detail"))
        // `{"error": "..."}` (the suno-api gateway)
        .or_else(|| value.get("error"))
        .and_then(Value::as_str)?
        .trim();
    (!message.is_empty()).then(|| message.chars().take(300).collect())
}

fn body_mentions(body: &str, words: &[&str]) -> bool {
    words.iter().any(|w| body.contains(w))
}

pub fn auth(provider: impl Named) -> ApiError {
    ApiError::new(502, "provider_auth", format!("{} rejected the API key; check the key in your profile or ask an administrator", provider.name()))
}

pub fn rate_limited(provider: impl Named, retry_after: Option<u64>) -> ApiError {
    let wait = retry_after.unwrap_or(DEFAULT_RETRY_AFTER).max(1);
    ApiError::new(429, "provider_rate_limited", format!("{} is rate limiting requests; try again in {wait} s", provider.name())).with_retry_after(wait)
}

pub fn unavailable(provider: impl Named, detail: &str) -> ApiError {
    ApiError::new(502, "provider_unavailable", format!("{} is unavailable ({detail}); try again", provider.name()))
}

pub fn refused(provider: impl Named) -> ApiError {
    ApiError::new(422, "provider_refused", format!("{} declined to answer this message (content policy)", provider.name()))
}

pub fn bad_answer(provider: impl Named) -> ApiError {
    ApiError::new(502, "provider_bad_response", format!("{} sent an answer we could not read", provider.name()))
}

pub fn stream_broken(provider: impl Named) -> ApiError {
    ApiError::new(502, "provider_stream_broken", format!("the connection to {} broke before the answer was complete", provider.name()))
}

/// An HTTP error answer from `provider`.
pub fn from_http(provider: impl Named, status: u16, body: &str, retry_after: Option<u64>) -> ApiError {
    let message = provider_message(body);
    // Google answers a bad key with 400 INVALID_ARGUMENT / API_KEY_INVALID.
    let key_problem = matches!(status, 401 | 403) || body_mentions(body, &["API_KEY_INVALID", "invalid_api_key", "authentication_error"]);
    if key_problem && !body_mentions(body, &["content_policy", "SAFETY"]) {
        return auth(provider);
    }
    if body_mentions(body, &["content_policy_violation", "content_filter", "PROHIBITED_CONTENT"]) {
        return refused(provider);
    }
    match status {
        429 => rate_limited(provider, retry_after),
        404 => ApiError::invalid(
            "model_unavailable",
            "model",
            format!("{} does not offer this model{}", provider.name(), message.map(|m| format!(": {m}")).unwrap_or_default()),
        ),
        500..=599 => unavailable(provider, &format!("HTTP {status}")),
        _ => ApiError::new(
            502,
            "provider_rejected",
            format!("{} refused the request (HTTP {status}){}", provider.name(), message.map(|m| format!(": {m}")).unwrap_or_default()),
        ),
    }
}

/// An `error` object sent inside a stream (`{type, message}` or `{code, message}`).
pub fn from_stream_error(provider: impl Named, error: &Value) -> ApiError {
    let kind = error.get("type").or_else(|| error.get("code")).or_else(|| error.get("status")).map(|v| v.to_string()).unwrap_or_default();
    if kind.contains("rate_limit") || kind.contains("RESOURCE_EXHAUSTED") {
        rate_limited(provider, None)
    } else if kind.contains("authentication") || kind.contains("permission") {
        auth(provider)
    } else {
        let detail = error.get("message").and_then(Value::as_str).unwrap_or("error during the stream");
        unavailable(provider, &detail.chars().take(200).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::ChatProvider;

    #[test]
    fn key_errors_name_the_provider_and_hide_its_message() {
        let body = r#"{"error":{"message":"Incorrect API key provided: sk-abc***wxyz","type":"invalid_request_error","code":"invalid_api_key"}}"#;
        let err = from_http(ChatProvider::Openai, 401, body, None);
        assert_eq!((err.status, err.code), (502, "provider_auth"));
        assert!(err.message.contains("OpenAI") && !err.message.contains("sk-abc"));
        let google = r#"{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}"#;
        assert_eq!(from_http(ChatProvider::Google, 400, google, None).code, "provider_auth");
    }

    #[test]
    fn rate_limits_carry_the_wait() {
        let err = from_http(ChatProvider::Anthropic, 429, r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#, Some(7));
        assert_eq!((err.status, err.code, err.retry_after), (429, "provider_rate_limited", Some(7)));
        assert_eq!(from_http(ChatProvider::Groq, 429, "", None).retry_after, Some(DEFAULT_RETRY_AFTER));
    }

    #[test]
    fn overload_and_server_errors_are_unavailable() {
        assert_eq!(from_http(ChatProvider::Anthropic, 529, r#"{"type":"error","error":{"type":"overloaded_error"}}"#, None).code, "provider_unavailable");
        assert_eq!(from_http(ChatProvider::Mistral, 503, "<html>", None).code, "provider_unavailable");
    }

    #[test]
    fn other_refusals_pass_the_message_on() {
        let err = from_http(ChatProvider::Openai, 400, r#"{"error":{"message":"max_tokens is too large"}}"#, None);
        assert_eq!(err.code, "provider_rejected");
        assert!(err.message.contains("max_tokens is too large"));
        assert_eq!(from_http(ChatProvider::Openai, 400, r#"{"error":{"code":"content_policy_violation","message":"no"}}"#, None).code, "provider_refused");
        assert_eq!(from_http(ChatProvider::Openai, 404, r#"{"error":{"message":"The model `x` does not exist"}}"#, None).field.as_deref(), Some("model"));
    }

    #[test]
    fn stream_errors_map_by_type() {
        let overloaded = serde_json::json!({"type": "overloaded_error", "message": "Overloaded"});
        assert_eq!(from_stream_error(ChatProvider::Anthropic, &overloaded).code, "provider_unavailable");
        let limited = serde_json::json!({"type": "rate_limit_error", "message": "x"});
        assert_eq!(from_stream_error(ChatProvider::Anthropic, &limited).code, "provider_rate_limited");
    }
}
