//! Orders as every family sees them (orders, payment, admin): the row, and
//! status changes. A change is a compare-and-swap on the current status;
//! the history entry and the stock return happen in the same transaction,
//! and only when this call made the change.

use serde::{Deserialize, Serialize};
use worker::D1Database;

use webox_core::order::OrderStatus;
use webox_core::{random, ApiResult};

use crate::{args, db};

#[derive(Debug, Deserialize, Serialize)]
pub struct OrderRow {
    pub id: String,
    pub user_id: String,
    pub status: String,
    pub payment_method: String,
    pub currency: String,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub promo_code: Option<String>,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const COLUMNS: &str = "id, user_id, status, payment_method, currency, subtotal_minor, discount_minor, total_minor, promo_code, expires_at, created_at, updated_at";

impl OrderRow {
    pub fn status(&self) -> OrderStatus {
        OrderStatus::parse(&self.status).unwrap_or(OrderStatus::PendingPayment)
    }
}


pub async fn find(db: &D1Database, id: &str) -> ApiResult<Option<OrderRow>> {
    db::first(db, &format!("SELECT {COLUMNS} FROM orders WHERE id = ?1"), args![id]).await
}

/// Who changes an order's status.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    User(&'a str),
    Admin(&'a str),
    System,
    Provider(&'a str),
}

impl Actor<'_> {
    pub fn parts(&self) -> (&'static str, Option<&str>) {
        match self {
            Actor::User(id) => ("user", Some(id)),
            Actor::Admin(id) => ("admin", Some(id)),
            Actor::System => ("system", None),
            Actor::Provider(name) => ("provider", Some(name)),
        }
    }
}

/// Moves `order` to `next` if it is still in the status it was read with:
/// the history row and the stock return happen in the same transaction and
/// only when this call made the change. Returns false if the order changed
/// meanwhile.
pub async fn transition(db: &D1Database, order: &OrderRow, next: OrderStatus, actor: Actor<'_>, note: Option<&str>, now: i64) -> ApiResult<bool> {
    let (actor_kind, actor_id) = actor.parts();
    let current = order.status();
    current.check(next)?;
    let mark = random::id()?;
    let mut statements = vec![
        db::statement(
            db,
            "UPDATE orders SET status = ?1, last_transition = ?2, updated_at = ?3 WHERE id = ?4 AND status = ?5",
            args![next.as_str(), &mark, now, &order.id, current.as_str()],
        )?,
        db::statement(
            db,
            "INSERT INTO order_history (order_id, from_status, to_status, actor_kind, actor_id, note, at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND last_transition = ?8)",
            args![&order.id, current.as_str(), next.as_str(), actor_kind, actor_id, note, now, &mark],
        )?,
    ];
    if current.holds_stock() && !next.holds_stock() {
        statements.push(db::statement(
            db,
            "UPDATE products SET stock = stock + (
               SELECT SUM(l.quantity) FROM order_lines l WHERE l.order_id = ?1 AND l.product_id = products.id AND l.stock_counted = 1)
             WHERE id IN (SELECT product_id FROM order_lines WHERE order_id = ?1 AND stock_counted = 1)
               AND stock IS NOT NULL
               AND EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND last_transition = ?2)",
            args![&order.id, &mark],
        )?);
    }
    if next == OrderStatus::Paid {
        // A paid plan becomes the account's plan, and its monthly credits
        // are added to the account, in the same transaction.
        statements.push(db::statement(
            db,
            "INSERT INTO account_plans (user_id, plan_product_id, order_id, monthly_credits, since)
             SELECT o.user_id, l.product_id, o.id, pl.monthly_credits, ?2
             FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN plans pl ON pl.product_id = l.product_id
             WHERE o.id = ?1 AND o.last_transition = ?3
             ON CONFLICT (user_id) DO UPDATE SET plan_product_id = excluded.plan_product_id, order_id = excluded.order_id,
               monthly_credits = excluded.monthly_credits, since = excluded.since",
            args![&order.id, now, &mark],
        )?);
        statements.push(db::statement(
            db,
            "INSERT INTO usage_counters (user_id, metric, value)
             SELECT o.user_id, 'credits', SUM(pl.monthly_credits * l.quantity)
             FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN plans pl ON pl.product_id = l.product_id
             WHERE o.id = ?1 AND o.last_transition = ?2 GROUP BY o.user_id
             ON CONFLICT (user_id, metric) DO UPDATE SET value = value + excluded.value",
            args![&order.id, &mark],
        )?);
    }
    if next == OrderStatus::Paid {
        // The invoice number: the year's counter goes up by one in this
        // transaction, so numbers have no gaps and no duplicates.
        let year = "CAST(strftime('%Y', ?1, 'unixepoch') AS INTEGER)";
        statements.push(db::statement(
            db,
            &format!(
                "INSERT INTO invoice_counters (year, last_number)
                 SELECT {year}, 1 WHERE EXISTS (SELECT 1 FROM orders WHERE id = ?2 AND last_transition = ?3)
                 ON CONFLICT (year) DO UPDATE SET last_number = last_number + 1"
            ),
            args![now, &order.id, &mark],
        )?);
        statements.push(db::statement(
            db,
            &format!(
                "INSERT INTO invoices (order_id, year, number, issued_at)
                 SELECT ?2, year, last_number, ?1 FROM invoice_counters
                 WHERE year = {year} AND EXISTS (SELECT 1 FROM orders WHERE id = ?2 AND last_transition = ?3)"
            ),
            args![now, &order.id, &mark],
        )?);
    }
    if matches!(current, OrderStatus::Paid | OrderStatus::Processing | OrderStatus::Shipped | OrderStatus::Delivered)
        && matches!(next, OrderStatus::Refunded | OrderStatus::Cancelled)
    {
        // Money back: the plan bought with this order ends, and its credits
        // are taken back (never below zero).
        statements.push(db::statement(
            db,
            "UPDATE usage_counters SET value = MAX(0, value - (
               SELECT COALESCE(SUM(pl.monthly_credits * l.quantity), 0) FROM order_lines l JOIN plans pl ON pl.product_id = l.product_id WHERE l.order_id = ?1))
             WHERE metric = 'credits' AND user_id = ?2 AND EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND last_transition = ?3)",
            args![&order.id, &order.user_id, &mark],
        )?);
        statements.push(db::statement(
            db,
            "DELETE FROM account_plans WHERE order_id = ?1 AND EXISTS (SELECT 1 FROM orders WHERE id = ?1 AND last_transition = ?2)",
            args![&order.id, &mark],
        )?);
    }
    let changed = db::batch(db, statements).await?;
    Ok(changed.first().copied().unwrap_or(0) == 1)
}


/// Marks a pending order paid (plan, credits and invoice number in the same
/// transaction), then renders the invoice and emails the buyer — once, by
/// whichever call made the change. Returns whether this call did.
pub async fn settle(cx: &crate::Ctx, order: &OrderRow, actor: Actor<'_>, note: &str) -> ApiResult<bool> {
    let db = cx.db()?;
    if !transition(&db, order, OrderStatus::Paid, actor, Some(note), cx.now).await? {
        return Ok(false);
    }
    if let Some(paid) = find(&db, &order.id).await? {
        crate::invoices::issue(cx, &paid).await;
    }
    notify(cx, order, webox_core::mail::OrderEvent::Paid).await?;
    Ok(true)
}

#[derive(Deserialize)]
struct Overdue {
    id: String,
}

/// Expires unpaid orders whose payment time is over (all of them, or one
/// user's), giving their stock back. Run by the orders Worker's cron and
/// before any read of a user's orders, so an overdue order is never shown
/// or paid as if it were still open. Returns how many were expired.
pub async fn expire_overdue(db: &D1Database, user_id: Option<&str>, now: i64) -> ApiResult<usize> {
    let overdue: Vec<Overdue> = db::all(
        db,
        "SELECT id FROM orders WHERE status = 'pending_payment' AND expires_at <= ?1 AND (?2 IS NULL OR user_id = ?2) LIMIT 200",
        args![now, user_id],
    )
    .await?;
    let mut expired = 0;
    for o in overdue {
        if let Some(order) = find(db, &o.id).await? {
            if transition(db, &order, OrderStatus::Expired, Actor::System, Some("not paid in time"), now).await? {
                expired += 1;
            }
        }
    }
    Ok(expired)
}

#[derive(Deserialize)]
struct MailLine {
    title: String,
    quantity: i64,
    line_total_minor: i64,
}

#[derive(Deserialize)]
struct Buyer {
    email: String,
    name: String,
}

/// Emails the buyer what happened to the order (through the outbox).
pub async fn notify(cx: &crate::Ctx, order: &OrderRow, event: webox_core::mail::OrderEvent) -> ApiResult<()> {
    use webox_core::mail::{order_update, OrderLine, OrderSummary};
    let db = cx.db()?;
    let buyer: Option<Buyer> = db::first(&db, "SELECT email, name FROM users WHERE id = ?1", args![&order.user_id]).await?;
    let Some(buyer) = buyer else { return Ok(()) };
    let lines: Vec<MailLine> =
        db::all(&db, "SELECT title, quantity, line_total_minor FROM order_lines WHERE order_id = ?1 ORDER BY position", args![&order.id]).await?;
    let summary = OrderSummary {
        order_id: &order.id,
        lines: lines.iter().map(|l| OrderLine { title: &l.title, quantity: l.quantity, line_total_minor: l.line_total_minor }).collect(),
        total_minor: order.total_minor,
        currency: &order.currency,
    };
    crate::mailer::send(cx, order_update(&buyer.email, &buyer.name, event, &summary, None)).await
}
