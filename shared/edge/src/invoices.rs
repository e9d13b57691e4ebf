//! Invoices. The number is given out by `orders::transition` in the same
//! transaction that marks the order paid (so numbers have no gaps and no
//! duplicates); the PDF is rendered right after and stored in R2 under
//! `invoices/{year}/{number}.pdf`, or on first download if that failed.

use serde::{Deserialize, Serialize};

use webox_core::calendar;
use webox_core::invoice::{self, Invoice, Line, Party};
use webox_core::{ApiError, ApiResult};

use crate::orders::OrderRow;
use crate::respond::OrInternal;
use crate::{args, config, db, Ctx};

#[derive(Debug, Deserialize)]
struct InvoiceRow {
    year: i64,
    number: i64,
    issued_at: i64,
    pdf_key: Option<String>,
}

/// What clients see of an invoice.
#[derive(Debug, Serialize)]
pub struct InvoiceInfo {
    pub number: String,
    pub issued_at: i64,
    pub download: String,
}

async fn row(cx: &Ctx, order_id: &str) -> ApiResult<Option<InvoiceRow>> {
    db::first(&cx.db()?, "SELECT year, number, issued_at, pdf_key FROM invoices WHERE order_id = ?1", args![order_id]).await
}

pub async fn of_order(cx: &Ctx, order_id: &str) -> ApiResult<Option<InvoiceInfo>> {
    Ok(row(cx, order_id).await?.map(|r| InvoiceInfo {
        number: invoice::number(r.year, r.number),
        issued_at: r.issued_at,
        download: format!("/api/orders/{order_id}/invoice"),
    }))
}

#[derive(Deserialize)]
struct LineRow {
    title: String,
    quantity: i64,
    unit_price_minor: i64,
    line_total_minor: i64,
}

#[derive(Deserialize)]
struct Buyer {
    name: String,
    email: String,
}

fn method_name(method: &str) -> &'static str {
    match method {
        "stripe" => "card (Stripe)",
        "paypal" => "PayPal",
        _ => "bank transfer",
    }
}

async fn render(cx: &Ctx, order: &OrderRow, inv: &InvoiceRow) -> ApiResult<Vec<u8>> {
    let db = cx.db()?;
    let lines: Vec<LineRow> =
        db::all(&db, "SELECT title, quantity, unit_price_minor, line_total_minor FROM order_lines WHERE order_id = ?1 ORDER BY position", args![&order.id]).await?;
    let buyer: Buyer = db::first(&db, "SELECT name, email FROM users WHERE id = ?1", args![&order.user_id]).await?.ok_or_else(ApiError::internal)?;
    let seller_name = config::optional(&cx.env, "INVOICE_SELLER_NAME").unwrap_or_else(|| "WeBox".into());
    let mut seller_lines: Vec<String> =
        config::optional(&cx.env, "INVOICE_SELLER_ADDRESS").map(|a| a.split('|').map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect()).unwrap_or_default();
    if let Some(tax_id) = config::optional(&cx.env, "INVOICE_SELLER_TAX_ID") {
        seller_lines.push(format!("VAT ID {tax_id}"));
    }
    let tax_rate_bps = config::optional(&cx.env, "INVOICE_TAX_RATE_BPS").and_then(|r| r.trim().parse::<i64>().ok()).filter(|r| (0..10_000).contains(r));
    let buyer_name = if buyer.name.trim().is_empty() { buyer.email.clone() } else { buyer.name.clone() };
    let pdf = Invoice {
        number: invoice::number(inv.year, inv.number),
        issued_on: calendar::date(inv.issued_at),
        order_id: &order.id,
        seller: Party { name: &seller_name, lines: seller_lines },
        buyer: Party { name: &buyer_name, lines: vec![buyer.email.clone()] },
        lines: lines.iter().map(|l| Line { title: &l.title, quantity: l.quantity, unit_price_minor: l.unit_price_minor, line_total_minor: l.line_total_minor }).collect(),
        currency: &order.currency,
        subtotal_minor: order.subtotal_minor,
        discount_minor: order.discount_minor,
        promo_code: order.promo_code.as_deref(),
        total_minor: order.total_minor,
        tax_rate_bps,
        payment_method: method_name(&order.payment_method),
        paid_on: calendar::date(inv.issued_at),
    }
    .to_pdf();
    Ok(pdf)
}

/// The invoice PDF of a paid order (rendered and stored if not yet), with
/// its file name; `None` if the order has no invoice.
pub async fn pdf(cx: &Ctx, order: &OrderRow) -> ApiResult<Option<(String, Vec<u8>)>> {
    let Some(inv) = row(cx, &order.id).await? else { return Ok(None) };
    let name = format!("{}.pdf", invoice::number(inv.year, inv.number));
    let bucket = cx.env.bucket("MEDIA").or_internal("the MEDIA binding")?;
    if let Some(key) = &inv.pdf_key {
        let stored = bucket.get(key.as_str()).execute().await.or_internal("reading an invoice from R2")?;
        if let Some(body) = stored.as_ref().and_then(|o| o.body()) {
            return Ok(Some((name, body.bytes().await.or_internal("reading an invoice body")?)));
        }
    }
    let bytes = render(cx, order, &inv).await?;
    let key = format!("invoices/{}/{name}", inv.year);
    let metadata = worker::HttpMetadata { content_type: Some("application/pdf".into()), ..Default::default() };
    bucket.put(key.as_str(), bytes.clone()).http_metadata(metadata).execute().await.or_internal("storing an invoice in R2")?;
    db::run(&cx.db()?, "UPDATE invoices SET pdf_key = ?1 WHERE order_id = ?2", args![&key, &order.id]).await?;
    Ok(Some((name, bytes)))
}

/// Renders and stores the PDF of a just-paid order. A failure here does not
/// undo the payment: it is logged and the PDF is made on first download.
pub async fn issue(cx: &Ctx, order: &OrderRow) {
    if let Err(e) = pdf(cx, order).await {
        worker::console_error!("[{}] invoice for order {} not rendered yet: {}", cx.request_id, order.id, e.message);
    }
}
