//! User preferences: a small, validated document. Updates are partial: the
//! fields sent replace the stored ones, everything else is kept.

use serde::{Deserialize, Serialize};

use crate::api_keys::Provider;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonObject;

pub const THEMES: &[&str] = &["light", "dark", "system"];
pub const LANGUAGES: &[&str] = &["en", "fr", "es", "de", "it", "pt"];
pub const MODEL_KINDS: &[&str] = &["chat", "image", "audio", "video"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    pub theme: String,
    pub language: String,
    /// Per kind, `provider:model`, e.g. `{"chat": "anthropic:claude-sonnet-4-5"}`.
    pub default_models: std::collections::BTreeMap<String, String>,
    pub notifications: Notifications,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifications {
    pub email: bool,
    pub in_app: bool,
    pub marketing: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            theme: "system".into(),
            language: "en".into(),
            default_models: Default::default(),
            notifications: Notifications { email: true, in_app: true, marketing: false },
        }
    }
}

fn one_of(value: &str, allowed: &[&str], field: &str) -> ApiResult<String> {
    if allowed.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(ApiError::invalid("invalid_value", field, format!("`{field}` must be one of: {}", allowed.join(", "))))
    }
}

impl Preferences {
    /// Applies a partial update; on any error nothing is applied.
    pub fn apply(&self, update: &JsonObject) -> ApiResult<Self> {
        update.only_keys(&["theme", "language", "default_models", "notifications"], "")?;
        let mut next = self.clone();
        if let Some(theme) = update.optional_str("theme")? {
            next.theme = one_of(theme, THEMES, "theme")?;
        }
        if let Some(language) = update.optional_str("language")? {
            next.language = one_of(language, LANGUAGES, "language")?;
        }
        if let Some(models) = update.optional_object("default_models")? {
            models.only_keys(MODEL_KINDS, "default_models.")?;
            for kind in MODEL_KINDS {
                let field = format!("default_models.{kind}");
                match models.get(kind) {
                    None if models.keys().any(|k| k == kind) => {
                        next.default_models.remove(*kind);
                    }
                    None => {}
                    Some(serde_json::Value::String(choice)) => {
                        next.default_models.insert((*kind).to_owned(), parse_model_choice(choice, &field)?);
                    }
                    Some(_) => return Err(ApiError::wrong_type(&field, "a string like \"openai:gpt-4o\" or null")),
                }
            }
        }
        if let Some(n) = update.optional_object("notifications")? {
            n.only_keys(&["email", "in_app", "marketing"], "notifications.")?;
            let flag = |name: &str, current: bool| -> ApiResult<bool> {
                n.optional_bool(name).map_err(|_| ApiError::wrong_type(&format!("notifications.{name}"), "a boolean")).map(|v| v.unwrap_or(current))
            };
            next.notifications = Notifications {
                email: flag("email", self.notifications.email)?,
                in_app: flag("in_app", self.notifications.in_app)?,
                marketing: flag("marketing", self.notifications.marketing)?,
            };
        }
        Ok(next)
    }
}

/// `provider:model` where the provider is one WeBox speaks to.
fn parse_model_choice(choice: &str, field: &str) -> ApiResult<String> {
    let bad = || ApiError::invalid("invalid_value", field, format!("`{field}` must look like \"provider:model\", e.g. \"openai:gpt-4o\""));
    let (provider, model) = choice.split_once(':').ok_or_else(bad)?;
    if provider != "workers-ai" {
        Provider::parse(provider, field)?;
    }
    let model_ok = !model.is_empty() && model.len() <= 100 && model.chars().all(|c| c.is_ascii_alphanumeric() || "-._/@:".contains(c));
    if !model_ok {
        return Err(bad());
    }
    Ok(choice.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(json: &str) -> JsonObject {
        JsonObject::parse(json.as_bytes()).unwrap()
    }

    #[test]
    fn partial_update_keeps_the_rest() {
        let p = Preferences::default().apply(&update(r#"{"theme":"dark","default_models":{"chat":"anthropic:claude-sonnet-4-5"}}"#)).unwrap();
        assert_eq!(p.theme, "dark");
        assert_eq!(p.language, "en");
        assert_eq!(p.default_models["chat"], "anthropic:claude-sonnet-4-5");
        let p2 = p.apply(&update(r#"{"notifications":{"marketing":true},"default_models":{"chat":null}}"#)).unwrap();
        assert!(p2.notifications.marketing && p2.notifications.email);
        assert!(p2.default_models.is_empty());
    }

    #[test]
    fn every_bad_value_names_its_field() {
        let cases = [
            (r#"{"theme":"neon"}"#, "theme", "invalid_value"),
            (r#"{"theme":3}"#, "theme", "invalid_field_type"),
            (r#"{"language":"xx"}"#, "language", "invalid_value"),
            (r#"{"font":"big"}"#, "font", "unknown_field"),
            (r#"{"default_models":{"chat":"acme:x"}}"#, "default_models.chat", "unknown_provider"),
            (r#"{"default_models":{"chat":"gpt-4o"}}"#, "default_models.chat", "invalid_value"),
            (r#"{"default_models":{"music":"openai:x"}}"#, "default_models.music", "unknown_field"),
            (r#"{"default_models":[]}"#, "default_models", "invalid_field_type"),
            (r#"{"notifications":{"email":"yes"}}"#, "notifications.email", "invalid_field_type"),
        ];
        for (json, field, code) in cases {
            let e = Preferences::default().apply(&update(json)).unwrap_err();
            assert_eq!((e.code, e.field.as_deref()), (code, Some(field)), "{json}");
        }
    }
}
