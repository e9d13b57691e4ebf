//! Refunds: the whole payment of an order goes back through the provider it
//! came from (Stripe refund, PayPal capture refund; a bank transfer is sent
//! back by hand and recorded as such), then the order changes status.
//!
//! The refund row is written before the provider is called and the call is
//! idempotent by order, so a retry after a failure never refunds twice; if
//! the provider refuses, the row is removed and nothing has changed.

use serde::{Deserialize, Serialize};
use worker::Method;

use webox_core::mail::OrderEvent;
use webox_core::order::OrderStatus;
use webox_core::{random, stripe, ApiError, ApiResult};

use crate::orders::{self, Actor, OrderRow};
use crate::{args, db, paypal_api, stripe_api, Ctx};

#[derive(Deserialize)]
struct PaidWith {
    id: String,
    provider: String,
    provider_reference: String,
    capture_reference: Option<String>,
    received_minor: i64,
    currency: String,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct RefundRow {
    pub id: String,
    pub provider: String,
    pub provider_reference: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub created_at: i64,
}

pub async fn of_order(cx: &Ctx, order_id: &str) -> ApiResult<Option<RefundRow>> {
    db::first(
        &cx.db()?,
        "SELECT id, provider, provider_reference, amount_minor, currency, status, created_at FROM refunds WHERE order_id = ?1",
        args![order_id],
    )
    .await
}

/// Refunds `order` in full and moves it to `target` (`refunded`, or
/// `cancelled` when the buyer cancels a paid order). With no target, the
/// order stays as it is: a payment that arrived after the order was closed
/// (expired, cancelled) goes straight back. The buyer is emailed once, by
/// the call that made the refund.
pub async fn refund(cx: &Ctx, order: &OrderRow, target: Option<OrderStatus>, actor: Actor<'_>, reason: Option<&str>) -> ApiResult<RefundRow> {
    if let Some(target) = target {
        order.status().check(target)?;
    }
    let db = cx.db()?;
    let paid: PaidWith = db::first(
        &db,
        "SELECT id, provider, provider_reference, capture_reference, received_minor, currency FROM payments
         WHERE order_id = ?1 AND status IN ('succeeded', 'refunded') ORDER BY updated_at DESC LIMIT 1",
        args![&order.id],
    )
    .await?
    .ok_or_else(|| ApiError::conflict("no_payment", "this order has no received payment to refund"))?;
    let (requested_by_kind, requested_by) = actor.parts();
    db::run(
        &db,
        "INSERT INTO refunds (id, order_id, payment_id, provider, amount_minor, currency, status, requested_by_kind, requested_by, reason, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8, ?9, ?10, ?10) ON CONFLICT (order_id) DO NOTHING",
        args![&random::id()?, &order.id, &paid.id, &paid.provider, paid.received_minor, &paid.currency, requested_by_kind, requested_by, reason, cx.now],
    )
    .await?;
    let mut row = of_order(cx, &order.id).await?.ok_or_else(ApiError::internal)?;
    let made_now = row.status == "pending";
    if made_now {
        let sent = match paid.provider.as_str() {
            "stripe" => {
                let form = stripe::refund_form(&paid.provider_reference, &order.id);
                let refund: Result<stripe::Refund, ApiError> = stripe_api::call(cx, Method::Post, "/v1/refunds", Some(form), Some(&format!("refund-{}", order.id))).await;
                refund.and_then(|r| match r.status.as_str() {
                    "succeeded" | "pending" => Ok((Some(r.id), "succeeded")),
                    other => Err(ApiError::new(502, "refund_failed", format!("Stripe did not refund the payment ({other})"))),
                })
            }
            "paypal" => match paid.capture_reference.as_deref() {
                Some(capture) => paypal_api::refund_capture(cx, capture, &order.id).await.map(|id| (Some(id), "succeeded")),
                None => Err(ApiError::conflict("no_capture", "the PayPal payment was never captured")),
            },
            _ => Ok((None, "manual")),
        };
        let (reference, status) = match sent {
            Ok(done) => done,
            Err(e) => {
                db::run(&db, "DELETE FROM refunds WHERE order_id = ?1 AND status = 'pending'", args![&order.id]).await?;
                return Err(e);
            }
        };
        db::batch(
            &db,
            vec![
                db::statement(
                    &db,
                    "UPDATE refunds SET status = ?1, provider_reference = ?2, updated_at = ?3 WHERE order_id = ?4",
                    args![status, reference.as_deref(), cx.now, &order.id],
                )?,
                db::statement(&db, "UPDATE payments SET status = 'refunded', updated_at = ?1 WHERE id = ?2", args![cx.now, &paid.id])?,
            ],
        )
        .await?;
        row = of_order(cx, &order.id).await?.ok_or_else(ApiError::internal)?;
    }
    let note = match row.status.as_str() {
        "manual" => format!("refund of {} {} to send back by bank transfer", row.amount_minor, row.currency),
        _ => format!("refunded through {} ({})", row.provider, row.provider_reference.as_deref().unwrap_or("-")),
    };
    let note = match reason {
        Some(reason) => format!("{note}: {reason}"),
        None => note,
    };
    let Some(target) = target else {
        if made_now {
            worker::console_log!("[{}] order {}: {note}", cx.request_id, order.id);
            orders::notify(cx, order, OrderEvent::Refunded).await?;
        }
        return Ok(row);
    };
    if orders::transition(&db, order, target, actor, Some(&note), cx.now).await? {
        orders::notify(cx, order, OrderEvent::Refunded).await?;
    } else {
        let now = orders::find(&db, &order.id).await?.map(|o| o.status()).unwrap_or(order.status());
        if !matches!(now, OrderStatus::Refunded | OrderStatus::Cancelled) {
            return Err(ApiError::conflict("order_changed", format!("the order changed meanwhile; it is now {}", now.as_str())));
        }
    }
    Ok(row)
}
