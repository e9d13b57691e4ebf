//! PayPal Checkout (Orders v2): an order at PayPal for each of ours, the
//! buyer approves it on PayPal, then WeBox captures it and settles the order
//! from what the capture says — never from what the browser says. Webhooks
//! are verified through PayPal's verify-webhook-signature API and each
//! event is acted on once.

use serde::Deserialize;
use worker::Response;

use webox_core::mail::OrderEvent;
use webox_core::order::OrderStatus;
use webox_core::paypal::{self, Capture, Transmission};
use webox_core::{random, ApiError, ApiResult};
use webox_edge::orders::{self, Actor, OrderRow};
use webox_edge::{args, db, paypal_api, refunds, respond, Ctx};

use crate::{buyer, webhooks};

#[derive(Deserialize)]
struct PaypalPayment {
    id: String,
    order_id: String,
    provider_reference: String,
    status: String,
}

const PAYMENT_COLUMNS: &str = "id, order_id, provider_reference, status";

async fn payment_of(cx: &Ctx, order_id: &str) -> ApiResult<Option<PaypalPayment>> {
    db::first(&cx.db()?, &format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE order_id = ?1 AND provider = 'paypal'"), args![order_id]).await
}

/// `{order_id}` → `{paypal_order_id, approval_url, status}`: where to send
/// the buyer to approve the payment (the same PayPal order each time).
pub async fn create_order(mut cx: Ctx) -> ApiResult<Response> {
    let order = buyer::own_order(&mut cx, "paypal").await?;
    if order.status() != OrderStatus::PendingPayment {
        return Err(ApiError::conflict("order_not_payable", format!("the order is {}", order.status)));
    }
    let at_paypal = match payment_of(&cx, &order.id).await? {
        Some(payment) => paypal_api::get_order(&cx, &payment.provider_reference).await?,
        None => {
            let back = format!("{}/checkout?order={}", cx.public_base_url(), order.id);
            let created = paypal_api::create_order(&cx, &order.id, order.total_minor, &order.currency, &format!("{back}&paypal=return"), &format!("{back}&paypal=cancel")).await?;
            db::run(
                &cx.db()?,
                "INSERT INTO payments (id, order_id, provider, provider_reference, amount_minor, currency, status, created_at, updated_at)
                 VALUES (?1, ?2, 'paypal', ?3, ?4, ?5, 'pending', ?6, ?6) ON CONFLICT DO NOTHING",
                args![&random::id()?, &order.id, &created.id, order.total_minor, &order.currency, cx.now],
            )
            .await?;
            created
        }
    };
    respond::json(
        200,
        &serde_json::json!({
            "paypal_order_id": at_paypal.id,
            "status": at_paypal.status,
            "approval_url": at_paypal.approval_link(),
            "amount_minor": order.total_minor,
            "currency": order.currency,
        }),
    )
}

/// Records a completed capture and settles the order, if the capture is for
/// this order's amount and currency. Returns what happened, for logs and
/// webhook outcomes.
async fn record_capture(cx: &Ctx, order: &OrderRow, payment: &PaypalPayment, capture: &Capture, note: &str) -> ApiResult<String> {
    let db = cx.db()?;
    if capture.amount_minor != order.total_minor || !capture.currency.eq_ignore_ascii_case(&order.currency) {
        worker::console_error!("[{}] PayPal capture {} does not match order {}", cx.request_id, capture.id, order.id);
        return Err(ApiError::conflict("payment_mismatch", "the payment does not match this order"));
    }
    match capture.status.as_str() {
        "COMPLETED" => {
            db::run(
                &db,
                "UPDATE payments SET status = CASE WHEN status = 'refunded' THEN status ELSE 'succeeded' END, received_minor = ?1, capture_reference = ?2, updated_at = ?3 WHERE id = ?4",
                args![capture.amount_minor, &capture.id, cx.now, &payment.id],
            )
            .await?;
            if order.status() == OrderStatus::PendingPayment {
                orders::settle(cx, order, Actor::Provider("paypal"), note).await?;
            }
            Ok("payment succeeded".into())
        }
        "DECLINED" | "FAILED" => {
            db::run(&db, "UPDATE payments SET status = 'failed', capture_reference = ?1, updated_at = ?2 WHERE id = ?3 AND status = 'pending'", args![&capture.id, cx.now, &payment.id])
                .await?;
            Ok("payment failed".into())
        }
        other => Ok(format!("capture {other}")),
    }
}

/// `{order_id}`: captures the approved PayPal order and settles ours.
pub async fn capture(mut cx: Ctx) -> ApiResult<Response> {
    let order = buyer::own_order(&mut cx, "paypal").await?;
    let payment = payment_of(&cx, &order.id).await?.ok_or_else(|| ApiError::conflict("no_payment", "start the payment first (create-order)"))?;
    if order.status() != OrderStatus::PendingPayment && payment.status != "succeeded" {
        return Err(ApiError::conflict("order_not_payable", format!("the order is {}", order.status)));
    }
    let captured = paypal_api::capture(&cx, &payment.provider_reference).await?;
    let capture = captured.capture().ok_or_else(|| ApiError::new(402, "payment_not_completed", format!("the PayPal order is {}", captured.status)))?;
    if capture.custom_id.as_deref().is_some_and(|id| id != order.id) {
        return Err(ApiError::conflict("payment_mismatch", "the payment does not match this order"));
    }
    let note = format!("PayPal capture {} completed", capture.id);
    record_capture(&cx, &order, &payment, &capture, &note).await?;
    if capture.status == "DECLINED" || capture.status == "FAILED" {
        return Err(ApiError::new(402, "payment_declined", "PayPal declined the payment; choose another funding source"));
    }
    let order = orders::find(&cx.db()?, &order.id).await?.ok_or_else(ApiError::internal)?;
    respond::json(200, &serde_json::json!({ "paypal_order_id": captured.id, "capture_id": capture.id, "capture_status": capture.status, "order_status": order.status }))
}

/// `POST /api/payment/paypal/webhook`: verified with PayPal before anything
/// is written; `PAYMENT.CAPTURE.COMPLETED`, `.DENIED` and `.REFUNDED` act
/// on the order, each event once.
pub async fn webhook(mut cx: Ctx) -> ApiResult<Response> {
    let transmission = Transmission::from_headers(Transmission::HEADERS.map(|name| cx.header(name)))
        .map_err(|name| ApiError::new(400, "signature_missing", format!("the {name} header is missing")).with_field(name))?;
    let raw = cx.req.text().await.map_err(|_| ApiError::new(400, "invalid_body", "the request body could not be read"))?;
    let event: paypal::Event = serde_json::from_str(&raw).map_err(|_| ApiError::new(400, "invalid_json", "the event is not a PayPal event"))?;
    if !paypal_api::verify_webhook(&cx, &transmission, &raw).await? {
        return Err(ApiError::new(400, "signature_invalid", "PayPal did not confirm this delivery").with_field("PAYPAL-TRANSMISSION-SIG"));
    }
    webhooks::once(&cx, "paypal", &event.id, &event.event_type, apply(&cx, &event)).await
}

async fn payment_by(cx: &Ctx, column: &str, value: Option<&str>) -> ApiResult<Option<PaypalPayment>> {
    match value {
        Some(v) => db::first(&cx.db()?, &format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE provider = 'paypal' AND {column} = ?1"), args![v]).await,
        None => Ok(None),
    }
}

/// The payment an event is about: by PayPal order (captures), by capture
/// (refunds), else by our order id in `custom_id`.
async fn payment_for_event(cx: &Ctx, event: &paypal::Event) -> ApiResult<Option<PaypalPayment>> {
    if let Some(found) = payment_by(cx, "provider_reference", event.related_order()).await? {
        return Ok(Some(found));
    }
    if let Some(found) = payment_by(cx, "capture_reference", event.refunded_capture()).await? {
        return Ok(Some(found));
    }
    payment_by(cx, "order_id", event.resource["custom_id"].as_str()).await
}

async fn apply(cx: &Ctx, event: &paypal::Event) -> ApiResult<String> {
    if !matches!(event.event_type.as_str(), "PAYMENT.CAPTURE.COMPLETED" | "PAYMENT.CAPTURE.DENIED" | "PAYMENT.CAPTURE.REFUNDED") {
        return Ok(format!("ignored {}", event.event_type));
    }
    let Some(payment) = payment_for_event(cx, event).await? else { return Ok("ignored: no payment for this event".into()) };
    let db = cx.db()?;
    let order = orders::find(&db, &payment.order_id).await?.ok_or_else(ApiError::internal)?;
    let outcome = match event.event_type.as_str() {
        "PAYMENT.CAPTURE.REFUNDED" => {
            db::run(&db, "UPDATE payments SET status = 'refunded', updated_at = ?1 WHERE id = ?2", args![cx.now, &payment.id]).await?;
            // A refund WeBox made has already moved the order.
            if refunds::of_order(cx, &order.id).await?.is_none() && !order.status().is_final() {
                if !order.status().can_become(OrderStatus::Refunded) {
                    return Err(ApiError::conflict("event_out_of_order", format!("the order is {}; deliver the event again later", order.status)));
                }
                let note = format!("PayPal event {} ({})", event.id, event.event_type);
                if orders::transition(&db, &order, OrderStatus::Refunded, Actor::Provider("paypal"), Some(&note), cx.now).await? {
                    orders::notify(cx, &order, OrderEvent::Refunded).await?;
                }
            }
            "payment refunded".to_owned()
        }
        _ => {
            let capture = paypal::capture_from(&event.resource).ok_or_else(|| ApiError::new(400, "invalid_json", "the capture in the event is incomplete"))?;
            let note = format!("PayPal event {} ({})", event.id, event.event_type);
            record_capture(cx, &order, &payment, &capture, &note).await?
        }
    };
    db::run(&db, "UPDATE payments SET raw_event_ids = json_insert(raw_event_ids, '$[#]', ?1), updated_at = ?2 WHERE id = ?3", args![&event.id, cx.now, &payment.id]).await?;
    Ok(outcome)
}
