//! Stripe: a PaymentIntent per order (created through Stripe's REST API,
//! form-encoded, with an Idempotency-Key derived from the order), and
//! confirmation by re-reading the PaymentIntent from Stripe — never by
//! trusting the browser — before the order is settled.

use serde::Deserialize;
use worker::{Method, Response};

use webox_core::mail::OrderEvent;
use webox_core::order::OrderStatus;
use webox_core::stripe::{self, PaymentIntent};
use webox_core::{random, ApiError, ApiResult};
use webox_edge::orders::{self, Actor, OrderRow};
use webox_edge::respond;
use webox_edge::{args, config, db, refunds, stripe_api, Ctx};

use crate::{buyer, webhooks};

/// The PaymentIntent as Stripe has it now.
async fn retrieve(cx: &Ctx, intent_id: &str) -> ApiResult<PaymentIntent> {
    stripe_api::call(cx, Method::Get, &format!("/v1/payment_intents/{intent_id}"), None, None).await
}

#[derive(Deserialize)]
struct StripePayment {
    id: String,
    provider_reference: String,
}

async fn payment_of(cx: &Ctx, order_id: &str) -> ApiResult<Option<StripePayment>> {
    db::first(&cx.db()?, "SELECT id, provider_reference FROM payments WHERE order_id = ?1 AND provider = 'stripe'", args![order_id]).await
}

/// `{order_id}` → `{client_secret, payment_intent_id, amount_minor, currency}`.
pub async fn create_intent(mut cx: Ctx) -> ApiResult<Response> {
    let order = buyer::own_order(&mut cx, "stripe").await?;
    if order.status() != OrderStatus::PendingPayment {
        return Err(ApiError::conflict("order_not_payable", format!("the order is {}", order.status)));
    }
    let intent = match payment_of(&cx, &order.id).await? {
        Some(payment) => retrieve(&cx, &payment.provider_reference).await?,
        None => {
            let form = stripe::create_intent_form(&order.id, order.total_minor, &order.currency);
            let intent: PaymentIntent = stripe_api::call(&cx, Method::Post, "/v1/payment_intents", Some(form), Some(&format!("order-{}", order.id))).await?;
            db::run(
                &cx.db()?,
                "INSERT INTO payments (id, order_id, provider, provider_reference, amount_minor, currency, status, created_at, updated_at)
                 VALUES (?1, ?2, 'stripe', ?3, ?4, ?5, 'pending', ?6, ?6) ON CONFLICT DO NOTHING",
                args![&random::id()?, &order.id, &intent.id, order.total_minor, &order.currency, cx.now],
            )
            .await?;
            intent
        }
    };
    respond::json(
        200,
        &serde_json::json!({
            "payment_intent_id": intent.id,
            "client_secret": intent.client_secret,
            "amount_minor": intent.amount,
            "currency": intent.currency.to_uppercase(),
            "publishable_key": config::optional(&cx.env, "STRIPE_PUBLISHABLE_KEY"),
            "test_api_base": stripe_api::test_api_base(&cx),
        }),
    )
}

/// `{order_id}`: asks Stripe how the PaymentIntent stands; if it succeeded
/// for the order's amount and currency, the order becomes paid.
pub async fn confirm(mut cx: Ctx) -> ApiResult<Response> {
    let order = buyer::own_order(&mut cx, "stripe").await?;
    let payment = payment_of(&cx, &order.id).await?.ok_or_else(|| ApiError::conflict("no_payment", "start the payment first (create-intent)"))?;
    let intent = retrieve(&cx, &payment.provider_reference).await?;
    let matches = intent.order_id() == Some(order.id.as_str()) && intent.amount == order.total_minor && intent.currency.eq_ignore_ascii_case(&order.currency);
    if !intent.succeeded() {
        return Err(ApiError::new(402, "payment_not_completed", format!("the payment is {}", intent.status)));
    }
    if !matches {
        worker::console_error!("[{}] PaymentIntent {} does not match order {}", cx.request_id, intent.id, order.id);
        return Err(ApiError::conflict("payment_mismatch", "the payment does not match this order"));
    }
    let db = cx.db()?;
    db::run(
        &db,
        "UPDATE payments SET status = 'succeeded', received_minor = ?1, updated_at = ?2 WHERE id = ?3 AND status IN ('pending', 'failed')",
        args![intent.amount, cx.now, &payment.id],
    )
    .await?;
    settle_or_return(&cx, &order, &format!("Stripe PaymentIntent {} succeeded", intent.id)).await?;
    let order = orders::find(&db, &order.id).await?.ok_or_else(ApiError::internal)?;
    respond::json(200, &serde_json::json!({ "payment_intent_id": intent.id, "payment_status": intent.status, "order_status": order.status }))
}

/// `POST /api/payment/stripe/webhook`: Stripe's events, signature checked
/// (`STRIPE_WEBHOOK_SECRET`), each event id acted on once.
pub async fn webhook(mut cx: Ctx) -> ApiResult<Response> {
    let secret = config::required(&cx.env, "STRIPE_WEBHOOK_SECRET")?;
    let body = cx.req.bytes().await.map_err(|_| ApiError::new(400, "invalid_body", "the request body could not be read"))?;
    stripe::verify_signature(cx.header("Stripe-Signature").as_deref(), &body, &secret, cx.now)?;
    let event: stripe::Event = serde_json::from_slice(&body).map_err(|_| ApiError::new(400, "invalid_json", "the event is not a Stripe event"))?;
    webhooks::once(&cx, "stripe", &event.id, &event.kind, apply(&cx, &event)).await
}

/// A succeeded payment: the order becomes paid, or — if it was closed
/// meanwhile (expired, cancelled) — the money goes straight back.
async fn settle_or_return(cx: &Ctx, order: &OrderRow, note: &str) -> ApiResult<()> {
    match order.status() {
        OrderStatus::PendingPayment => {
            orders::settle(cx, order, Actor::Provider("stripe"), note).await?;
        }
        OrderStatus::Expired | OrderStatus::Cancelled => {
            let reason = format!("paid after the order was {}", order.status);
            refunds::refund(cx, order, None, Actor::System, Some(&reason)).await?;
        }
        _ => {}
    }
    Ok(())
}

#[derive(Deserialize)]
struct PaymentOrder {
    id: String,
    order_id: String,
}

async fn apply(cx: &Ctx, event: &stripe::Event) -> ApiResult<String> {
    let db = cx.db()?;
    let intent_id = match event.kind.as_str() {
        "payment_intent.succeeded" | "payment_intent.payment_failed" => event.data.object["id"].as_str(),
        "charge.refunded" => event.data.object["payment_intent"].as_str(),
        _ => return Ok(format!("ignored {}", event.kind)),
    }
    .unwrap_or_default();
    let payment: Option<PaymentOrder> =
        db::first(&db, "SELECT id, order_id FROM payments WHERE provider = 'stripe' AND provider_reference = ?1", args![intent_id]).await?;
    let Some(payment) = payment else { return Ok(format!("ignored: no payment for {intent_id}")) };
    let order = orders::find(&db, &payment.order_id).await?.ok_or_else(ApiError::internal)?;
    let note = format!("Stripe event {} ({})", event.id, event.kind);
    let (payment_status, next) = match event.kind.as_str() {
        "payment_intent.succeeded" => ("succeeded", Some(OrderStatus::Paid)),
        "payment_intent.payment_failed" => ("failed", None),
        // A refund WeBox made has already moved the order; one made in
        // Stripe's dashboard moves it here.
        _ if refunds::of_order(cx, &order.id).await?.is_some() => ("refunded", None),
        _ => ("refunded", Some(OrderStatus::Refunded)),
    };
    if event.kind == "payment_intent.succeeded" {
        let object = &event.data.object;
        let matches = object["amount"].as_i64().is_none_or(|a| a == order.total_minor)
            && object["currency"].as_str().is_none_or(|c| c.eq_ignore_ascii_case(&order.currency));
        if !matches {
            worker::console_error!("[{}] Stripe event {} does not match order {}", cx.request_id, event.id, order.id);
            return Ok("ignored: the amount does not match the order".into());
        }
        // The payment is recorded before the order is paid, so a refund
        // right after finds it.
        db::run(
            &db,
            "UPDATE payments SET status = 'succeeded', received_minor = amount_minor, updated_at = ?1 WHERE id = ?2 AND status IN ('pending', 'failed')",
            args![cx.now, &payment.id],
        )
        .await?;
    }
    let closed = matches!(order.status(), OrderStatus::Expired | OrderStatus::Cancelled);
    let mut outcome = format!("payment {payment_status}");
    if next == Some(OrderStatus::Paid) && closed && refunds::of_order(cx, &order.id).await?.is_none() {
        settle_or_return(cx, &order, &note).await?;
        outcome = format!("payment refunded: the order was {}", order.status);
    } else if let Some(next) = next {
        if order.status() != next && !(next == OrderStatus::Paid && closed) {
            if !order.status().can_become(next) {
                return Err(ApiError::conflict("event_out_of_order", format!("the order is {}; deliver the event again later", order.status)));
            }
            if next == OrderStatus::Paid {
                orders::settle(cx, &order, Actor::Provider("stripe"), &note).await?;
            } else if orders::transition(&db, &order, next, Actor::Provider("stripe"), Some(&note), cx.now).await? {
                orders::notify(cx, &order, OrderEvent::Refunded).await?;
            }
        }
    }
    db::run(
        &db,
        "UPDATE payments SET status = CASE WHEN status = 'refunded' OR (?1 = 'failed' AND status <> 'pending') THEN status ELSE ?1 END,
           raw_event_ids = json_insert(raw_event_ids, '$[#]', ?2), updated_at = ?3 WHERE id = ?4",
        args![payment_status, &event.id, cx.now, &payment.id],
    )
    .await?;
    Ok(outcome)
}
