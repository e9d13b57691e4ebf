//! Reading the catalogue's current prices and stock (the `products` table,
//! owned by marketplace): what every cart read and every checkout prices
//! from, so no stored price is ever trusted.

use serde::Deserialize;
use worker::D1Database;

use webox_core::cart::Priced;
use webox_core::ApiResult;

use crate::respond::OrInternal;
use crate::{args, db};

#[derive(Deserialize)]
struct PricedRow {
    id: String,
    slug: String,
    title: String,
    category: String,
    price_minor: i64,
    currency: String,
    stock: Option<i64>,
    active: i64,
}

/// The current price, stock and state of the given products.
pub async fn priced(db: &D1Database, ids: &[&str]) -> ApiResult<Vec<Priced>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = serde_json::to_string(ids).or_internal("encoding ids")?;
    let rows: Vec<PricedRow> = db::all(
        db,
        "SELECT id, slug, title, category, price_minor, currency, stock, active FROM products WHERE id IN (SELECT value FROM json_each(?1))",
        args![&list],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Priced {
            id: r.id,
            slug: r.slug,
            title: r.title,
            category: r.category,
            price_minor: r.price_minor,
            currency: r.currency,
            stock: r.stock,
            active: r.active == 1,
        })
        .collect())
}

