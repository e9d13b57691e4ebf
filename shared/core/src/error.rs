//! The one error shape of the API: an HTTP status, a stable machine code, a
//! human message and, for bad input, the field at fault. Domain code returns
//! it; the edge crate turns it into a JSON response in one place.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds before a retry can succeed (429s); also sent as `Retry-After`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// How many units are left, when a quantity is more than the stock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), field: None, retry_after: None, available: None }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// 400 for a value that is present but not acceptable.
    pub fn invalid(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        Self::new(400, code, message).with_field(field)
    }

    pub fn missing_field(field: &str) -> Self {
        Self::invalid("missing_field", field, format!("`{field}` is required"))
    }

    pub fn wrong_type(field: &str, expected: &str) -> Self {
        Self::invalid("invalid_field_type", field, format!("`{field}` must be {expected}"))
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(401, code, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "forbidden", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(404, "not_found", format!("{what} not found"))
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(409, code, message)
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        Self::new(429, "rate_limited", "too many attempts; try again later").with_retry_after(retry_after.max(1))
    }

    /// Internal failures: the detail goes to the log, never to the client.
    pub fn internal() -> Self {
        Self::new(500, "internal_error", "something went wrong on our side")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)?;
        if let Some(field) = &self.field {
            write!(f, " (field `{field}`)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_without_status_and_with_field() {
        let e = ApiError::missing_field("email");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v, serde_json::json!({"code": "missing_field", "message": "`email` is required", "field": "email"}));
        assert_eq!(e.status, 400);
    }

    #[test]
    fn rate_limit_never_says_retry_after_zero() {
        assert_eq!(ApiError::rate_limited(0).retry_after, Some(1));
    }
}
