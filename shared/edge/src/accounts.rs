//! The `users` table: read by every family, written by auth and profile.

use serde::{Deserialize, Serialize};
use worker::D1Database;

use webox_core::role::Role;
use webox_core::ApiResult;

use crate::args;
use crate::db;

#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub status: String,
    pub email_verified_at: Option<i64>,
    pub created_at: i64,
}

/// What clients see of an account.
#[derive(Debug, Clone, Serialize)]
pub struct PublicUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub email_verified: bool,
    pub created_at: i64,
}

const COLUMNS: &str = "id, email, name, password_hash, role, status, email_verified_at, created_at";

impl Account {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::User)
    }

    pub fn is_active(&self) -> bool {
        self.status == "active"
    }

    pub fn public(&self) -> PublicUser {
        PublicUser {
            id: self.id.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
            role: self.role.clone(),
            email_verified: self.email_verified_at.is_some(),
            created_at: self.created_at,
        }
    }
}

pub async fn by_email(db: &D1Database, email: &str) -> ApiResult<Option<Account>> {
    db::first(db, &format!("SELECT {COLUMNS} FROM users WHERE email = ?1"), args![email]).await
}

pub async fn by_id(db: &D1Database, id: &str) -> ApiResult<Option<Account>> {
    db::first(db, &format!("SELECT {COLUMNS} FROM users WHERE id = ?1"), args![id]).await
}

/// User names: trimmed, 1 to 100 characters, no control characters.
pub fn parse_name(raw: &str, field: &str) -> ApiResult<String> {
    let name = raw.trim();
    let len = name.chars().count();
    if len == 0 || len > 100 || name.chars().any(char::is_control) {
        return Err(webox_core::ApiError::invalid(
            "invalid_name",
            field,
            format!("`{field}` must be 1 to 100 characters without control characters"),
        ));
    }
    Ok(name.to_owned())
}
