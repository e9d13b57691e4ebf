//! Bank transfer. The buyer gets an ISO 11649 RF reference for the order
//! (check digits catch a mistyped reference), the beneficiary account from
//! configuration and the amount; an admin records each transfer received,
//! partial amounts included, and the order is paid once they cover it.

use serde::Deserialize;
use worker::Response;

use webox_core::order::OrderStatus;
use webox_core::role::Role;
use webox_core::{random, rf_reference, ApiError, ApiResult};
use webox_edge::orders::{self, Actor, OrderRow};
use webox_edge::respond;
use webox_edge::{args, config, db, guard, Ctx};

use crate::buyer;

#[derive(Deserialize)]
struct PaymentRow {
    id: String,
    provider_reference: String,
    amount_minor: i64,
    currency: String,
    status: String,
    received_minor: i64,
}

async fn payment_of(cx: &Ctx, order_id: &str) -> ApiResult<Option<PaymentRow>> {
    db::first(
        &cx.db()?,
        "SELECT id, provider_reference, amount_minor, currency, status, received_minor FROM payments WHERE order_id = ?1 AND provider = 'bank_transfer'",
        args![order_id],
    )
    .await
}

/// A numeric reference body for the order: 17 digits from its random id.
fn reference_for(order_id: &str) -> ApiResult<String> {
    let number = u64::from_str_radix(order_id.get(..14).unwrap_or_default(), 16).map_err(|_| ApiError::internal())?;
    rf_reference::create(&format!("{number:017}")).ok_or_else(ApiError::internal)
}

fn instructions(cx: &Ctx, order: &OrderRow, payment: &PaymentRow) -> ApiResult<serde_json::Value> {
    let beneficiary = serde_json::json!({
        "name": config::required(&cx.env, "BANK_BENEFICIARY")?,
        "iban": config::required(&cx.env, "BANK_IBAN")?,
        "bic": config::required(&cx.env, "BANK_BIC")?,
    });
    Ok(serde_json::json!({
        "order_id": order.id,
        "reference": payment.provider_reference,
        "reference_grouped": rf_reference::grouped(&payment.provider_reference),
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "received_minor": payment.received_minor,
        "status": payment.status,
        "beneficiary": beneficiary,
        "instructions": "Transfer the amount to the account above with the reference exactly as shown; the order is paid when the full amount has arrived.",
    }))
}

/// `{order_id}` → the reference, beneficiary and amount (the same each time).
pub async fn generate(mut cx: Ctx) -> ApiResult<Response> {
    let order = buyer::own_order(&mut cx, "bank_transfer").await?;
    let db = cx.db()?;
    let payment = match payment_of(&cx, &order.id).await? {
        Some(payment) => payment,
        None => {
            if order.status() != OrderStatus::PendingPayment {
                return Err(ApiError::conflict("order_not_payable", format!("the order is {}", order.status)));
            }
            db::run(
                &db,
                "INSERT INTO payments (id, order_id, provider, provider_reference, amount_minor, currency, status, created_at, updated_at)
                 VALUES (?1, ?2, 'bank_transfer', ?3, ?4, ?5, 'pending', ?6, ?6) ON CONFLICT (order_id, provider) DO NOTHING",
                args![&random::id()?, &order.id, &reference_for(&order.id)?, order.total_minor, &order.currency, cx.now],
            )
            .await?;
            payment_of(&cx, &order.id).await?.ok_or_else(ApiError::internal)?
        }
    };
    respond::json(200, &serde_json::json!({ "bank_transfer": instructions(&cx, &order, &payment)? }))
}

/// Admin: `{order_id, amount_minor, note?}` records a transfer received.
pub async fn receive(mut cx: Ctx) -> ApiResult<Response> {
    let admin = guard::authorize(&cx, Role::Admin).await?;
    let body = cx.json_body().await?;
    let order_id = body.required_str("order_id")?.to_owned();
    let amount = body.required_int("amount_minor")?;
    if amount <= 0 {
        return Err(ApiError::invalid("invalid_amount", "amount_minor", "`amount_minor` must be a positive whole number of minor units"));
    }
    let note = body.optional_str("note")?.map(|n| n.trim().chars().take(500).collect::<String>());
    let db = cx.db()?;
    let order = orders::find(&db, &order_id).await?.ok_or_else(|| ApiError::not_found("order"))?;
    if order.status() != OrderStatus::PendingPayment {
        return Err(ApiError::conflict("order_not_payable", format!("the order is {}; nothing to receive", order.status)));
    }
    let payment = payment_of(&cx, &order.id)
        .await?
        .ok_or_else(|| ApiError::conflict("no_bank_transfer", "no bank transfer reference was generated for this order"))?;
    db::batch(
        &db,
        vec![
            db::statement(
                &db,
                "INSERT INTO bank_transfer_receipts (payment_id, amount_minor, received_at, recorded_by, note) VALUES (?1, ?2, ?3, ?4, ?5)",
                args![&payment.id, amount, cx.now, &admin.user_id, note.as_deref()],
            )?,
            db::statement(
                &db,
                "UPDATE payments SET received_minor = received_minor + ?1,
                   status = CASE WHEN received_minor + ?1 >= amount_minor THEN 'succeeded' ELSE 'partially_received' END,
                   updated_at = ?2
                 WHERE id = ?3",
                args![amount, cx.now, &payment.id],
            )?,
        ],
    )
    .await?;
    let payment = payment_of(&cx, &order.id).await?.ok_or_else(ApiError::internal)?;
    if payment.received_minor >= payment.amount_minor {
        let note = format!("bank transfer {} received in full", payment.provider_reference);
        orders::settle(&cx, &order, Actor::Admin(&admin.user_id), &note).await?;
    }
    let order = orders::find(&db, &order.id).await?.ok_or_else(ApiError::internal)?;
    respond::json(200, &serde_json::json!({ "bank_transfer": instructions(&cx, &order, &payment)?, "order_status": order.status }))
}
