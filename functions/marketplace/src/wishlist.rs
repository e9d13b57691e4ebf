//! `/api/wishlist`: products a signed-in user keeps for later.

use serde::Deserialize;
use worker::Response;

use webox_core::{ApiError, ApiResult};
use webox_edge::respond;
use webox_edge::{args, db, guard, Ctx};

use crate::catalog::{self, ProductRow};

#[derive(Deserialize)]
struct Saved {
    #[serde(flatten)]
    product: ProductRow,
    saved_at: i64,
}

pub async fn list(cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let rows: Vec<Saved> = db::all(
        &cx.db()?,
        "SELECT p.id, p.slug, p.kind, p.title, p.description, p.category, p.price_minor, p.currency, p.stock, p.images,
                p.rating_count, p.rating_avg_tenths, p.created_at, w.created_at AS saved_at
         FROM wishlists w JOIN products p ON p.id = w.product_id
         WHERE w.user_id = ?1 AND p.active = 1 ORDER BY w.created_at DESC, p.id",
        args![&user.user_id],
    )
    .await?;
    let items: Vec<serde_json::Value> =
        rows.into_iter().map(|r| serde_json::json!({"product": r.product.view(), "saved_at": r.saved_at})).collect();
    respond::json(200, &serde_json::json!({ "items": items }))
}

/// `{product_id}`: 201 when added, 200 when it was already there.
pub async fn add(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let body = cx.json_body().await?;
    let product = catalog::find(&cx, body.required_str("product_id")?).await?;
    let added = db::run(
        &cx.db()?,
        "INSERT INTO wishlists (user_id, product_id, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        args![&user.user_id, &product.id, cx.now],
    )
    .await?;
    respond::json(if added == 1 { 201 } else { 200 }, &serde_json::json!({ "product_id": product.id, "added": added == 1 }))
}

/// `{product_id}`
pub async fn remove(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let body = cx.json_body().await?;
    let product_id = body.required_str("product_id")?;
    let removed =
        db::run(&cx.db()?, "DELETE FROM wishlists WHERE user_id = ?1 AND product_id = ?2", args![&user.user_id, product_id]).await?;
    if removed == 0 {
        return Err(ApiError::new(404, "not_in_wishlist", "this product is not in your wishlist").with_field("product_id"));
    }
    respond::no_content()
}
