//! Provider events processed exactly once. The event id is recorded before
//! the event is acted on, so a redelivery — even a concurrent one — finds it
//! and does nothing. If acting fails (or the event came too early, out of
//! order), the record is removed and the error answered, so the provider
//! delivers it again later.

use std::future::Future;

use worker::Response;

use webox_core::ApiResult;
use webox_edge::{args, db, respond, Ctx};

pub async fn once(cx: &Ctx, provider: &str, event_id: &str, kind: &str, act: impl Future<Output = ApiResult<String>>) -> ApiResult<Response> {
    let db = cx.db()?;
    let first_delivery = db::run(
        &db,
        "INSERT INTO webhook_events (provider, event_id, event_type, received_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        args![provider, event_id, kind, cx.now],
    )
    .await?
        == 1;
    if !first_delivery {
        return respond::json(200, &serde_json::json!({ "received": true, "duplicate": true }));
    }
    let outcome = match act.await {
        Ok(outcome) => outcome,
        Err(e) => {
            db::run(&db, "DELETE FROM webhook_events WHERE provider = ?1 AND event_id = ?2", args![provider, event_id]).await?;
            return Err(e);
        }
    };
    db::run(&db, "UPDATE webhook_events SET outcome = ?1 WHERE provider = ?2 AND event_id = ?3", args![&outcome, provider, event_id]).await?;
    respond::json(200, &serde_json::json!({ "received": true, "outcome": outcome }))
}
