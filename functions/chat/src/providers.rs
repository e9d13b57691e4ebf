//! `GET /api/chat/providers`: which providers and models this user can
//! chat with, and for the others, why not.

use serde_json::json;
use worker::Response;

use webox_core::chat::ChatProvider;
use webox_core::ApiResult;
use webox_edge::{config, guard, llm, provider_keys, respond, Ctx};

pub async fn list(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let saved = provider_keys::saved_by(&cx.db()?, &user.user_id).await?;
    let mut providers = Vec::new();
    for provider in ChatProvider::ALL {
        let models = llm::models(&cx.env, provider)?;
        let (key_source, reason) = match (provider.key_provider(), provider.key_secret()) {
            (Some(stored_as), Some(secret)) => {
                if saved.iter().any(|p| p == stored_as.as_str()) {
                    (Some("user"), None)
                } else if config::optional(&cx.env, secret).is_some() {
                    (Some("platform"), None)
                } else {
                    (None, Some(format!("{} is not configured: add your own {} API key in your profile", provider.name(), provider.name())))
                }
            }
            _ if llm::workers_ai_available(&cx.env) => (Some("platform"), None),
            _ => (None, Some(llm::workers_ai_unavailable().message)),
        };
        providers.push(json!({
            "id": provider.id(),
            "name": provider.name(),
            "configured": key_source.is_some(),
            "key_source": key_source,
            "reason": reason,
            "default_model": models.first().map(|m| m.id.clone()),
            "models": models.iter().map(|m| json!({
                "id": m.id,
                "input_usd_per_million": m.input_usd_per_million(),
                "output_usd_per_million": m.output_usd_per_million(),
            })).collect::<Vec<_>>(),
        }));
    }
    respond::json(200, &json!({"providers": providers}))
}
