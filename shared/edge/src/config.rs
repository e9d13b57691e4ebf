//! Settings from the Worker's Env: `[vars]` in wrangler.toml, secrets from
//! `wrangler secret put` (or `.dev.vars` locally). Values are never logged;
//! a missing setting is logged by name and answered with a 500.

use worker::Env;

use webox_core::access_token::JwtKey;
use webox_core::api_keys::KeyRing;
use webox_core::{ApiError, ApiResult};

/// A secret or a var, whichever the binding is.
pub fn optional(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.trim().is_empty())
}

pub fn required(env: &Env, name: &str) -> ApiResult<String> {
    optional(env, name).ok_or_else(|| misconfigured(name, "is not set"))
}

fn misconfigured(name: &str, why: &str) -> ApiError {
    worker::console_error!("configuration: {name} {why}");
    ApiError::new(500, "misconfigured", "the server is not configured correctly")
}

pub fn jwt_key(env: &Env) -> ApiResult<JwtKey> {
    JwtKey::new(&required(env, "JWT_SECRET_KEY")?).ok_or_else(|| misconfigured("JWT_SECRET_KEY", "must be at least 32 bytes"))
}

pub fn jwt_audience(env: &Env) -> String {
    optional(env, "JWT_AUDIENCE").unwrap_or_else(|| "webox-api".into())
}

pub fn key_ring(env: &Env) -> ApiResult<KeyRing> {
    let id = optional(env, "ENCRYPTION_KEY_ID").unwrap_or_else(|| "k1".into());
    let current = required(env, "ENCRYPTION_KEY")?;
    let previous = optional(env, "ENCRYPTION_KEYS_PREVIOUS").unwrap_or_default();
    KeyRing::new(&id, &current, &previous).map_err(|why| misconfigured("ENCRYPTION_KEY", &why))
}
