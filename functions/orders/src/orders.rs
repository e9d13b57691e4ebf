//! Reading orders (owner only) and cancelling them (status changes:
//! `webox_edge::orders::transition`).

use serde::{Deserialize, Serialize};
use worker::Response;

use webox_core::mail::OrderEvent;
use webox_core::order::OrderStatus;
use webox_core::paging::Page;
use webox_core::role::Role;
use webox_core::{ApiError, ApiResult};
use webox_edge::orders::{self, Actor, OrderRow, COLUMNS};
use webox_edge::respond::{self, OrInternal};
use webox_edge::{args, db, guard, invoices, refunds, Ctx};

#[derive(Debug, Deserialize, Serialize)]
struct LineRow {
    product_id: String,
    kind: String,
    title: String,
    category: String,
    unit_price_minor: i64,
    quantity: i64,
    line_total_minor: i64,
}

#[derive(Debug, Deserialize, Serialize)]
struct HistoryRow {
    from_status: Option<String>,
    to_status: String,
    actor_kind: String,
    note: Option<String>,
    at: i64,
}

/// The order with its lines and history, as clients see it.
pub async fn view(cx: &Ctx, order: &OrderRow) -> ApiResult<serde_json::Value> {
    let db = cx.db()?;
    let lines: Vec<LineRow> = db::all(
        &db,
        "SELECT product_id, kind, title, category, unit_price_minor, quantity, line_total_minor FROM order_lines WHERE order_id = ?1 ORDER BY position",
        args![&order.id],
    )
    .await?;
    let history: Vec<HistoryRow> =
        db::all(&db, "SELECT from_status, to_status, actor_kind, note, at FROM order_history WHERE order_id = ?1 ORDER BY id", args![&order.id]).await?;
    let refund = refunds::of_order(cx, &order.id).await?;
    let invoice = invoices::of_order(cx, &order.id).await?;
    Ok(serde_json::json!({
        "order_id": order.id,
        "status": order.status,
        "payment_method": order.payment_method,
        "currency": order.currency,
        "subtotal_minor": order.subtotal_minor,
        "discount_minor": order.discount_minor,
        "total_minor": order.total_minor,
        "promo_code": order.promo_code,
        "expires_at": order.expires_at,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "lines": lines,
        "history": history,
        "refund": refund,
        "invoice": invoice,
    }))
}

/// The caller's own order, or 404 (the same 404 for another user's order).
async fn own(cx: &Ctx) -> ApiResult<OrderRow> {
    let user = guard::authenticate(cx).await?;
    orders::expire_overdue(&cx.db()?, Some(&user.user_id), cx.now).await?;
    orders::find(&cx.db()?, cx.param(0)).await?.filter(|o| o.user_id == user.user_id).ok_or_else(|| ApiError::not_found("order"))
}

pub async fn detail(cx: Ctx) -> ApiResult<Response> {
    let order = own(&cx).await?;
    respond::json(200, &serde_json::json!({ "order": view(&cx, &order).await? }))
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// `GET /api/orders/list?page=&per_page=`, newest first.
pub async fn list(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let Page { page, per_page } = Page::parse(&cx.query_pairs()?, 20)?;
    let db = cx.db()?;
    orders::expire_overdue(&db, Some(&user.user_id), cx.now).await?;
    let rows: Vec<OrderRow> = db::all(
        &db,
        &format!("SELECT {COLUMNS} FROM orders WHERE user_id = ?1 ORDER BY created_at DESC, id LIMIT ?2 OFFSET ?3"),
        args![&user.user_id, per_page, (page - 1) * per_page],
    )
    .await?;
    let total = db::first::<Count>(&db, "SELECT COUNT(*) AS n FROM orders WHERE user_id = ?1", args![&user.user_id]).await?.map_or(0, |c| c.n);
    let orders: Vec<serde_json::Value> = rows
        .iter()
        .map(|o| {
            serde_json::json!({"order_id": o.id, "status": o.status, "payment_method": o.payment_method, "currency": o.currency,
                "total_minor": o.total_minor, "created_at": o.created_at})
        })
        .collect();
    respond::json(200, &serde_json::json!({"orders": orders, "page": page, "per_page": per_page, "total": total}))
}

/// `POST /api/orders/{id}/cancel`: before fulfilment only; stock comes back.
/// A paid order is refunded in full through its payment first.
pub async fn cancel(cx: Ctx) -> ApiResult<Response> {
    let order = own(&cx).await?;
    let user_id = order.user_id.clone();
    if order.status() == OrderStatus::Paid {
        refunds::refund(&cx, &order, Some(OrderStatus::Cancelled), Actor::User(&user_id), Some("cancelled by the buyer")).await?;
    } else {
        if !orders::transition(&cx.db()?, &order, OrderStatus::Cancelled, Actor::User(&user_id), None, cx.now).await? {
            let now = orders::find(&cx.db()?, &order.id).await?.map(|o| o.status).unwrap_or_default();
            return Err(ApiError::conflict("order_changed", format!("the order changed meanwhile; it is now {now}")));
        }
        let order = orders::find(&cx.db()?, &order.id).await?.ok_or_else(|| ApiError::not_found("order"))?;
        orders::notify(&cx, &order, OrderEvent::Cancelled).await?;
    }
    let order = orders::find(&cx.db()?, &order.id).await?.ok_or_else(|| ApiError::not_found("order"))?;
    respond::json(200, &serde_json::json!({ "order": view(&cx, &order).await? }))
}

/// `GET /api/orders/{id}/invoice`: the invoice PDF, for the buyer or an
/// admin (anyone else gets the same 404 as for a missing order).
pub async fn invoice(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let order = orders::find(&cx.db()?, cx.param(0))
        .await?
        .filter(|o| o.user_id == user.user_id || user.require(Role::Admin).is_ok())
        .ok_or_else(|| ApiError::not_found("order"))?;
    let (name, bytes) = invoices::pdf(&cx, &order)
        .await?
        .ok_or_else(|| ApiError::conflict("no_invoice", format!("an invoice is issued once the order is paid; it is {}", order.status)))?;
    let headers = worker::Headers::new();
    let _ = headers.set("Content-Type", "application/pdf");
    let _ = headers.set("Content-Disposition", &format!("attachment; filename=\"{name}\""));
    let _ = headers.set("Cache-Control", "private, no-store");
    Ok(Response::from_bytes(bytes).or_internal("an invoice response")?.with_headers(headers))
}
