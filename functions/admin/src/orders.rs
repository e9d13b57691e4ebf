//! Order management: an admin moves an order along its life (processing,
//! shipped, delivered, ...). The status table decides; held stock comes
//! back on cancellation; the history records who did it.

use worker::Response;

use webox_core::mail::OrderEvent;
use webox_core::order::OrderStatus;
use webox_core::role::Role;
use webox_core::{ApiError, ApiResult};
use webox_edge::orders::{self, Actor};
use webox_edge::respond;
use webox_edge::{guard, refunds, Ctx};

/// `{status, note?}`. Refunds are not set here: they go through the payment
/// provider (`refunded` comes from it), so this route refuses them.
pub async fn change_status(mut cx: Ctx) -> ApiResult<Response> {
    let admin = guard::authorize(&cx, Role::Admin).await?;
    let body = cx.json_body().await?;
    let wanted = body.required_str("status")?;
    let next = OrderStatus::parse(wanted).ok_or_else(|| {
        let names: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
        ApiError::invalid("invalid_value", "status", format!("`status` must be one of: {}", names.join(", ")))
    })?;
    if next == OrderStatus::Refunded {
        return Err(ApiError::invalid("refund_via_provider", "status", "orders are refunded through their payment, not set to refunded by hand"));
    }
    let note = body.optional_str("note")?.map(|n| n.trim().chars().take(500).collect::<String>());
    let db = cx.db()?;
    let order = orders::find(&db, cx.param(0)).await?.ok_or_else(|| ApiError::not_found("order"))?;
    if order.status() == OrderStatus::Paid && next == OrderStatus::Cancelled {
        return Err(ApiError::conflict("refund_required", "a paid order is cancelled by refunding its payment"));
    }
    if !orders::transition(&db, &order, next, Actor::Admin(&admin.user_id), note.as_deref(), cx.now).await? {
        return Err(ApiError::conflict("order_changed", "the order changed meanwhile; reload it"));
    }
    let order = orders::find(&db, &order.id).await?.ok_or_else(ApiError::internal)?;
    if next == OrderStatus::Cancelled {
        orders::notify(&cx, &order, OrderEvent::Cancelled).await?;
    }
    respond::json(200, &serde_json::json!({ "order_id": order.id, "status": order.status, "updated_at": order.updated_at }))
}

/// `{reason?}`: refunds the order's payment in full through its provider
/// (a bank transfer is recorded as to be sent back by hand) and marks the
/// order refunded. Retrying after a failure never refunds twice.
pub async fn refund(mut cx: Ctx) -> ApiResult<Response> {
    let admin = guard::authorize(&cx, Role::Admin).await?;
    let body = cx.optional_json_body().await?;
    let reason = body.optional_str("reason")?.map(|n| n.trim().chars().take(500).collect::<String>()).filter(|r| !r.is_empty());
    let db = cx.db()?;
    let order = orders::find(&db, cx.param(0)).await?.ok_or_else(|| ApiError::not_found("order"))?;
    let refund = refunds::refund(&cx, &order, Some(OrderStatus::Refunded), Actor::Admin(&admin.user_id), reason.as_deref()).await?;
    let order = orders::find(&db, &order.id).await?.ok_or_else(ApiError::internal)?;
    respond::json(200, &serde_json::json!({ "order_id": order.id, "status": order.status, "refund": refund }))
}
