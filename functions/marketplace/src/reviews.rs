//! Product reviews: one per user and product, rating 1–5 and a text. The
//! product's rating count and average are recomputed from the reviews in
//! the same transaction as the insert, so they can never drift.

use serde::Deserialize;
use worker::Response;

use webox_core::paging::Page;
use webox_core::{random, ApiError, ApiResult};
use webox_edge::respond::{self, OrInternal};
use webox_edge::{args, db, guard, Ctx};

use crate::catalog;

const MAX_TEXT: usize = 2000;

#[derive(Deserialize, serde::Serialize)]
struct ReviewRow {
    id: String,
    rating: i64,
    text: String,
    author_name: String,
    verified_purchase: i64,
    created_at: i64,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// `GET /api/products/{id}/reviews?page=&per_page=`, newest first.
#[derive(serde::Deserialize)]
struct Verified {
    verified_purchase: i64,
}

pub async fn list(cx: Ctx) -> ApiResult<Response> {
    let product = catalog::find(&cx, cx.param(0)).await?;
    let Page { page, per_page } = Page::parse(&cx.query_pairs()?, 20)?;
    let db = cx.db()?;
    let reviews: Vec<ReviewRow> = db::all(
        &db,
        "SELECT r.id, r.rating, r.text, u.name AS author_name, r.verified_purchase, r.created_at
         FROM reviews r JOIN users u ON u.id = r.user_id WHERE r.product_id = ?1
         ORDER BY r.created_at DESC, r.id LIMIT ?2 OFFSET ?3",
        args![&product.id, per_page, (page - 1) * per_page],
    )
    .await?;
    let total = db::first::<Count>(&db, "SELECT COUNT(*) AS n FROM reviews WHERE product_id = ?1", args![&product.id]).await?.map_or(0, |c| c.n);
    let reviews: Vec<serde_json::Value> = reviews
        .into_iter()
        .map(|r| serde_json::json!({"id": r.id, "rating": r.rating, "text": r.text, "author_name": r.author_name, "verified_purchase": r.verified_purchase == 1, "created_at": r.created_at}))
        .collect();
    respond::json(200, &serde_json::json!({"reviews": reviews, "page": page, "per_page": per_page, "total": total}))
}

/// `POST /api/products/{id}/reviews` `{rating, text}`
pub async fn create(mut cx: Ctx) -> ApiResult<Response> {
    let user = guard::authenticate(&cx).await?;
    let body = cx.json_body().await?;
    let rating = body.required_int("rating")?;
    if !(1..=5).contains(&rating) {
        return Err(ApiError::invalid("invalid_rating", "rating", "`rating` must be a whole number from 1 to 5"));
    }
    let text = body.required_str("text")?.trim().to_owned();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(ApiError::invalid("invalid_text", "text", format!("`text` must be 1 to {MAX_TEXT} characters")));
    }
    let product = catalog::find(&cx, cx.param(0)).await?;
    let db = cx.db()?;
    let id = random::id()?;
    let inserted = db
        .batch(vec![
            db::statement(
                &db,
                // A verified purchase: the reviewer has a paid order (not
                // refunded or cancelled) with this product in it.
                "INSERT INTO reviews (id, product_id, user_id, rating, text, verified_purchase, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, EXISTS (SELECT 1 FROM order_lines l JOIN orders o ON o.id = l.order_id
                   WHERE o.user_id = ?3 AND l.product_id = ?2 AND o.status IN ('paid', 'processing', 'shipped', 'delivered')), ?6)",
                args![&id, &product.id, &user.user_id, rating, &text, cx.now],
            )?,
            db::statement(
                &db,
                "UPDATE products SET
                   rating_count = (SELECT COUNT(*) FROM reviews WHERE product_id = ?1),
                   rating_sum = (SELECT COALESCE(SUM(rating), 0) FROM reviews WHERE product_id = ?1),
                   rating_avg_tenths = (SELECT COALESCE((SUM(rating) * 10 + COUNT(*) / 2) / COUNT(*), 0) FROM reviews WHERE product_id = ?1)
                 WHERE id = ?1",
                args![&product.id],
            )?,
        ])
        .await;
    match inserted {
        Err(e) if db::is_unique_violation(&e) => {
            return Err(ApiError::conflict("already_reviewed", "you have already reviewed this product"));
        }
        other => {
            other.or_internal("inserting a review")?;
        }
    }
    let verified: Option<Verified> = db::first(&db, "SELECT verified_purchase FROM reviews WHERE id = ?1", args![&id]).await?;
    let verified_purchase = verified.is_some_and(|v| v.verified_purchase == 1);
    let review = serde_json::json!({"id": id, "rating": rating, "text": text, "verified_purchase": verified_purchase, "created_at": cx.now});
    respond::json(201, &serde_json::json!({ "review": review }))
}
