//! Sessions. One login makes one session; its refresh token rotates on every
//! use. The refresh token is `<session id>.<secret>`; only the secret's hash
//! is stored. Presenting a secret that is no longer the current one means a
//! token was copied: the whole session (every token descended from that
//! login) is revoked.

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::random;
use crate::role::Role;

pub const REFRESH_TOKEN_SECONDS: i64 = 30 * 24 * 3600;

/// What the access-token guard reads from KV (`SESSIONS`, key `session:<sid>`)
/// on every authenticated request. Deleting it revokes the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub user_id: String,
    pub role: Role,
    pub created_at: i64,
    pub expires_at: i64,
}

pub fn kv_key(session_id: &str) -> String {
    format!("session:{session_id}")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub session_id: String,
    pub secret: String,
}

impl RefreshToken {
    pub fn generate(session_id: &str) -> ApiResult<Self> {
        Ok(Self { session_id: session_id.to_owned(), secret: random::secret_token()? })
    }

    pub fn parse(raw: &str) -> ApiResult<Self> {
        let invalid = || ApiError::unauthorized("refresh_token_invalid", "the refresh token is not valid");
        let (sid, secret) = raw.trim().split_once('.').ok_or_else(invalid)?;
        let hex_id = sid.len() == 32 && sid.bytes().all(|b| b.is_ascii_hexdigit());
        let secret_ok = secret.len() == 43 && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !hex_id || !secret_ok {
            return Err(invalid());
        }
        Ok(Self { session_id: sid.to_owned(), secret: secret.to_owned() })
    }

    pub fn encode(&self) -> String {
        format!("{}.{}", self.session_id, self.secret)
    }

    pub fn secret_hash(&self) -> String {
        random::token_hash(&self.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_round_trip() {
        let sid = random::id().unwrap();
        let t = RefreshToken::generate(&sid).unwrap();
        assert_eq!(RefreshToken::parse(&t.encode()).unwrap(), t);
    }

    #[test]
    fn malformed_refresh_tokens_are_refused() {
        for raw in ["", "abc", "abc.def", &format!("{}.short", "a".repeat(32)), &format!("{}.{}", "z".repeat(32), "a".repeat(43))] {
            assert_eq!(RefreshToken::parse(raw).unwrap_err().code, "refresh_token_invalid", "{raw}");
        }
    }
}
