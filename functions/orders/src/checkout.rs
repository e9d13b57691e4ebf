//! `POST /api/orders/checkout`: the signed-in user's cart becomes an order.
//!
//! One D1 batch (one transaction) inserts the order, its line snapshots,
//! its first history entry, the promo redemption, and decrements stock.
//! `products.stock` has `CHECK (stock >= 0)`, so a decrement that would
//! oversell fails the whole batch: concurrent checkouts can never sell more
//! than there is, and a failed one leaves nothing behind. The client's
//! `Idempotency-Key` is unique per user, so a retried request gets the
//! first order back instead of a second one.

use worker::Response;

use webox_core::cart::{self, CartLine};
use webox_core::mail::OrderEvent;
use webox_core::{random, ApiError, ApiResult};
use webox_edge::carts::{self, Owner};
use webox_edge::respond;
use webox_edge::{args, catalogue, config, db, guard, promos, Ctx};

use crate::orders;
use webox_edge::orders as order_rows;

const METHODS: &[&str] = &["stripe", "paypal", "bank_transfer"];
/// Minutes an unpaid order holds its stock (`ORDER_PAYMENT_MINUTES`).
const DEFAULT_PAYMENT_MINUTES: i64 = 60;

fn idempotency_key(cx: &Ctx) -> ApiResult<String> {
    let key = cx.header("Idempotency-Key").unwrap_or_default();
    let key = key.trim();
    let ok = (8..=100).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(key.to_owned())
    } else {
        Err(ApiError::invalid(
            "invalid_idempotency_key",
            "Idempotency-Key",
            "send an `Idempotency-Key` header of 8 to 100 letters, digits, - or _ (a new one per purchase, the same one when retrying)",
        ))
    }
}

async fn existing(cx: &Ctx, user_id: &str, key: &str) -> ApiResult<Option<order_rows::OrderRow>> {
    #[derive(serde::Deserialize)]
    struct Id {
        id: String,
    }
    let found: Option<Id> = db::first(&cx.db()?, "SELECT id FROM orders WHERE user_id = ?1 AND idempotency_key = ?2", args![user_id, key]).await?;
    match found {
        Some(found) => order_rows::find(&cx.db()?, &found.id).await,
        None => Ok(None),
    }
}

async fn answer(cx: &Ctx, order: &order_rows::OrderRow, status: u16) -> ApiResult<Response> {
    respond::json(status, &serde_json::json!({ "order": orders::view(cx, order).await? }))
}

/// Which line could not be reserved, for the 409.
async fn stock_conflict(cx: &Ctx, lines: &[CartLine]) -> ApiResult<ApiError> {
    let ids: Vec<&str> = lines.iter().map(|l| l.product_id.as_str()).collect();
    let now = catalogue::priced(&cx.db()?, &ids).await?;
    for line in lines {
        if let Some(product) = now.iter().find(|p| p.id == line.product_id) {
            if let Some(stock) = product.stock.filter(|s| *s < line.quantity) {
                let mut e = ApiError::conflict("insufficient_stock", format!("only {stock} of {} left in stock", line.title)).with_field("quantity");
                e.available = Some(stock);
                return Ok(e);
            }
        }
    }
    Ok(ApiError::conflict("insufficient_stock", "part of the cart is no longer in stock; review the cart"))
}

pub async fn checkout(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let key = idempotency_key(&cx)?;
    let body = cx.json_body().await?;
    let method = body.required_str("payment_method")?;
    if !METHODS.contains(&method) {
        return Err(ApiError::invalid("invalid_value", "payment_method", format!("`payment_method` must be one of: {}", METHODS.join(", "))));
    }
    if let Some(order) = existing(&cx, &user.user_id, &key).await? {
        return answer(&cx, &order, 200).await;
    }
    let db = cx.db()?;
    let owner = Owner::User(user.user_id.clone());
    let cart = carts::load(&cx.env, &owner).await?;
    let ids: Vec<&str> = cart.items.iter().map(|i| i.product_id.as_str()).collect();
    let priced = catalogue::priced(&db, &ids).await?;
    let (lines, gone) = cart::price(&cart, &priced);
    if !gone.is_empty() {
        return Err(ApiError::conflict("cart_changed", "some products in the cart are no longer sold; review the cart"));
    }
    let Some(currency) = lines.first().map(|l| l.currency.clone()) else {
        return Err(ApiError::conflict("cart_empty", "the cart is empty"));
    };
    let discount = match &cart.promo_code {
        Some(code) => promos::evaluate(&db, code, &lines, &currency, Some(&user.user_id), cx.now).await??,
        None => 0,
    };
    let totals = cart::totals(&lines, discount);
    let minutes = config::optional(&cx.env, "ORDER_PAYMENT_MINUTES").and_then(|m| m.parse().ok()).unwrap_or(DEFAULT_PAYMENT_MINUTES);
    let order_id = random::id()?;
    let promo_code = cart.promo_code.as_deref().filter(|_| totals.discount_minor > 0);

    let mut statements = vec![db::statement(
        &db,
        "INSERT INTO orders (id, user_id, status, payment_method, currency, subtotal_minor, discount_minor, total_minor, promo_code,
                             idempotency_key, expires_at, created_at, updated_at)
         VALUES (?1, ?2, 'pending_payment', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        args![
            &order_id,
            &user.user_id,
            method,
            &currency,
            totals.subtotal_minor,
            totals.discount_minor,
            totals.total_minor,
            promo_code,
            &key,
            cx.now + minutes * 60,
            cx.now
        ],
    )?];
    for (position, line) in lines.iter().enumerate() {
        let product = priced.iter().find(|p| p.id == line.product_id).ok_or_else(ApiError::internal)?;
        let counted = product.stock.is_some();
        statements.push(db::statement(
            &db,
            "INSERT INTO order_lines (order_id, position, product_id, kind, title, category, unit_price_minor, quantity, line_total_minor, stock_counted)
             SELECT ?1, ?2, id, kind, title, category, ?3, ?4, ?5, ?6 FROM products WHERE id = ?7",
            args![&order_id, position as i64, line.unit_price_minor, line.quantity, line.line_total_minor, i64::from(counted), &line.product_id],
        )?);
        if counted {
            // Fails the whole batch (CHECK stock >= 0) rather than oversell.
            statements.push(db::statement(
                &db,
                "UPDATE products SET stock = stock - ?1, updated_at = ?2 WHERE id = ?3",
                args![line.quantity, cx.now, &line.product_id],
            )?);
        }
    }
    statements.push(db::statement(
        &db,
        "INSERT INTO order_history (order_id, from_status, to_status, actor_kind, actor_id, note, at) VALUES (?1, NULL, 'pending_payment', 'user', ?2, ?3, ?4)",
        args![&order_id, &user.user_id, &format!("checkout with {method}"), cx.now],
    )?);
    if let Some(code) = promo_code {
        statements.push(db::statement(
            &db,
            "INSERT INTO promo_redemptions (code, user_id, order_id, redeemed_at) VALUES (?1, ?2, ?3, ?4)",
            args![code, &user.user_id, &order_id, cx.now],
        )?);
    }
    match db.batch(statements).await {
        Ok(_) => {}
        Err(e) if db::is_unique_violation(&e) => {
            // The same key, sent twice at once: the other request won.
            if let Some(order) = existing(&cx, &user.user_id, &key).await? {
                return answer(&cx, &order, 200).await;
            }
            return Err(webox_edge::respond::internal(&cx.request_id, "checkout", e));
        }
        Err(e) if e.to_string().contains("CHECK constraint failed") => return Err(stock_conflict(&cx, &lines).await?),
        Err(e) => return Err(webox_edge::respond::internal(&cx.request_id, "checkout", e)),
    }
    carts::delete(&cx.env, &owner).await?;
    let order = order_rows::find(&db, &order_id).await?.ok_or_else(ApiError::internal)?;
    order_rows::notify(&cx, &order, OrderEvent::Placed).await?;
    answer(&cx, &order, 201).await
}
