//! The catalogue: listing with search, filters, sort and pages; product
//! detail; categories; plans; product images. (Current prices for carts and
//! checkout: `webox_edge::catalogue`.)

use serde::{Deserialize, Serialize};
use worker::Response;

use webox_core::catalog::{ProductQuery, Sort};
use webox_core::{ApiError, ApiResult};
use webox_edge::db::{self, Arg};
use webox_edge::respond::{self, OrInternal};
use webox_edge::{args, Ctx};

/// A product row as listings show it.
#[derive(Debug, Deserialize)]
pub struct ProductRow {
    pub id: String,
    pub slug: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub price_minor: i64,
    pub currency: String,
    pub stock: Option<i64>,
    pub images: String,
    pub rating_count: i64,
    pub rating_avg_tenths: i64,
    pub created_at: i64,
}

const COLUMNS: &str = "p.id, p.slug, p.kind, p.title, p.description, p.category, p.price_minor, p.currency, p.stock, p.images, \
                       p.rating_count, p.rating_avg_tenths, p.created_at";

#[derive(Debug, Serialize)]
pub struct ProductView {
    pub id: String,
    pub slug: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub price_minor: i64,
    pub currency: String,
    pub stock: Option<i64>,
    pub in_stock: bool,
    pub rating_average: f64,
    pub rating_count: i64,
    pub images: Vec<String>,
    pub created_at: i64,
}

impl ProductRow {
    pub fn view(self) -> ProductView {
        let image_count = serde_json::from_str::<Vec<String>>(&self.images).map_or(0, |v| v.len());
        let images = (0..image_count).map(|n| format!("/api/products/{}/images/{n}", self.id)).collect();
        ProductView {
            in_stock: self.stock.is_none_or(|s| s > 0),
            rating_average: self.rating_avg_tenths as f64 / 10.0,
            images,
            id: self.id,
            slug: self.slug,
            kind: self.kind,
            title: self.title,
            description: self.description,
            category: self.category,
            price_minor: self.price_minor,
            currency: self.currency,
            stock: self.stock,
            rating_count: self.rating_count,
            created_at: self.created_at,
        }
    }
}

const FILTERS: &str = "p.kind = 'product' AND p.active = 1 \
    AND (?1 IS NULL OR p.category = ?1) AND (?2 IS NULL OR p.price_minor >= ?2) AND (?3 IS NULL OR p.price_minor <= ?3) \
    AND (?4 IS NULL OR p.rating_avg_tenths >= ?4) AND (?5 = 0 OR p.stock IS NULL OR p.stock > 0)";

fn order_by(sort: Sort) -> &'static str {
    match sort {
        Sort::PriceAsc => "p.price_minor ASC, p.created_at DESC",
        Sort::PriceDesc => "p.price_minor DESC, p.created_at DESC",
        Sort::Newest => "p.created_at DESC, p.id",
        Sort::Rating => "p.rating_avg_tenths DESC, p.rating_count DESC",
        Sort::Relevance => "products_fts.rank",
    }
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// `GET /api/products`
pub async fn list(cx: Ctx) -> ApiResult<Response> {
    let query = ProductQuery::parse(&cx.query_pairs()?)?;
    let db = cx.db()?;
    // Fixed statement text chosen by the parsed query; every value is bound:
    // ?1-?5 the filters, ?6 the search text, ?7/?8 the page.
    // With a search text the FTS index drives the query (CROSS JOIN keeps
    // it the outer loop): only matching rows are ever looked at.
    let from = match query.text {
        Some(_) => "products_fts CROSS JOIN products p ON p.rowid = products_fts.rowid AND products_fts MATCH ?6",
        None => "products p",
    };
    let filters = || -> Vec<Arg> {
        vec![
            Arg::from(query.category.as_deref()),
            Arg::from(query.min_price),
            Arg::from(query.max_price),
            Arg::from(query.min_rating_tenths),
            Arg::from(i64::from(query.in_stock)),
        ]
    };
    let mut count_args = filters();
    if let Some(text) = &query.text {
        count_args.push(Arg::from(text.as_str()));
    }
    let mut page_args = filters();
    page_args.extend([Arg::from(query.text.as_deref()), Arg::from(query.per_page), Arg::from(query.offset())]);
    let page_sql = format!("SELECT {COLUMNS} FROM {from} WHERE {FILTERS} ORDER BY {} LIMIT ?7 OFFSET ?8", order_by(query.sort));
    let count_sql = format!("SELECT COUNT(*) AS n FROM {from} WHERE {FILTERS}");
    let rows: Vec<ProductRow> = db::all(&db, &page_sql, &page_args).await?;
    let total = db::first::<Count>(&db, &count_sql, &count_args).await?.map_or(0, |c| c.n);
    let products: Vec<ProductView> = rows.into_iter().map(ProductRow::view).collect();
    respond::json(
        200,
        &serde_json::json!({
            "products": products,
            "page": query.page,
            "per_page": query.per_page,
            "total": total,
            "pages": (total + query.per_page - 1) / query.per_page,
        }),
    )
}

pub async fn find(cx: &Ctx, id_or_slug: &str) -> ApiResult<ProductRow> {
    let row: Option<ProductRow> =
        db::first(&cx.db()?, &format!("SELECT {COLUMNS} FROM products p WHERE (p.id = ?1 OR p.slug = ?1) AND p.active = 1"), args![id_or_slug]).await?;
    row.ok_or_else(|| ApiError::not_found("product"))
}

#[derive(Deserialize, Serialize)]
struct Star {
    rating: i64,
    n: i64,
}

/// `GET /api/products/{id-or-slug}`: the product, its rating summary and,
/// for a plan, what the plan gives.
pub async fn detail(cx: Ctx) -> ApiResult<Response> {
    let product = find(&cx, cx.param(0)).await?;
    let db = cx.db()?;
    let stars: Vec<Star> = db::all(&db, "SELECT rating, COUNT(*) AS n FROM reviews WHERE product_id = ?1 GROUP BY rating", args![&product.id]).await?;
    let distribution: serde_json::Map<String, serde_json::Value> =
        (1..=5).map(|r| (r.to_string(), stars.iter().find(|s| s.rating == r).map_or(0, |s| s.n).into())).collect();
    let plan: Option<PlanRow> = db::first(&db, "SELECT monthly_credits, billing_interval, features FROM plans WHERE product_id = ?1", args![&product.id]).await?;
    let view = product.view();
    let rating = serde_json::json!({"average": view.rating_average, "count": view.rating_count, "distribution": distribution});
    respond::json(200, &serde_json::json!({ "product": view, "rating": rating, "plan": plan.map(PlanRow::view) }))
}

#[derive(Deserialize)]
struct CategoryRow {
    slug: String,
    name: String,
    product_count: i64,
}

pub async fn categories(cx: Ctx) -> ApiResult<Response> {
    let rows: Vec<CategoryRow> = db::all(
        &cx.db()?,
        "SELECT c.slug, c.name, COUNT(p.id) AS product_count FROM categories c
         LEFT JOIN products p ON p.category = c.slug AND p.kind = 'product' AND p.active = 1
         GROUP BY c.slug, c.name, c.position ORDER BY c.position, c.name",
        args![],
    )
    .await?;
    let categories: Vec<serde_json::Value> =
        rows.into_iter().map(|c| serde_json::json!({"slug": c.slug, "name": c.name, "product_count": c.product_count})).collect();
    respond::json(200, &serde_json::json!({ "categories": categories }))
}

#[derive(Deserialize)]
struct PlanRow {
    monthly_credits: i64,
    billing_interval: String,
    features: String,
}

impl PlanRow {
    fn view(self) -> serde_json::Value {
        let features: Vec<String> = serde_json::from_str(&self.features).unwrap_or_default();
        serde_json::json!({"monthly_credits": self.monthly_credits, "billing_interval": self.billing_interval, "features": features})
    }
}

#[derive(Deserialize)]
struct PlanListing {
    #[serde(flatten)]
    product: ProductRow,
    monthly_credits: i64,
    billing_interval: String,
    features: String,
}

pub async fn plans(cx: Ctx) -> ApiResult<Response> {
    let rows: Vec<PlanListing> = db::all(
        &cx.db()?,
        &format!(
            "SELECT {COLUMNS}, pl.monthly_credits, pl.billing_interval, pl.features FROM products p
             JOIN plans pl ON pl.product_id = p.id WHERE p.kind = 'plan' AND p.active = 1 ORDER BY pl.position"
        ),
        args![],
    )
    .await?;
    let plans: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|r| {
            let plan = PlanRow { monthly_credits: r.monthly_credits, billing_interval: r.billing_interval, features: r.features }.view();
            serde_json::json!({ "product": r.product.view(), "plan": plan })
        })
        .collect();
    respond::json(200, &serde_json::json!({ "plans": plans }))
}

/// `GET /api/products/{id}/images/{n}`: the image from R2. Demo products
/// have generated cover art, drawn and stored in R2 the first time it is
/// asked for.
pub async fn image(cx: Ctx) -> ApiResult<Response> {
    let product = find(&cx, cx.param(0)).await?;
    let keys: Vec<String> = serde_json::from_str(&product.images).unwrap_or_default();
    let key = cx.param(1).parse::<usize>().ok().and_then(|n| keys.get(n)).ok_or_else(|| ApiError::not_found("image"))?;
    let bucket = cx.env.bucket("MEDIA").or_internal("the MEDIA binding")?;
    let stored = bucket.get(key.as_str()).execute().await.or_internal("reading an image from R2")?;
    let body = stored.as_ref().and_then(|object| object.body());
    let bytes = match body {
        Some(body) => body.bytes().await.or_internal("reading an image body")?,
        None => {
            let png = webox_core::artwork::product_cover(&product.id, &product.category).or_internal("drawing a cover")?;
            let metadata = worker::HttpMetadata { content_type: Some("image/png".into()), ..Default::default() };
            bucket.put(key.as_str(), png.clone()).http_metadata(metadata).execute().await.or_internal("storing an image in R2")?;
            png
        }
    };
    let headers = worker::Headers::new();
    let _ = headers.set("Content-Type", "image/png");
    let _ = headers.set("Cache-Control", "public, max-age=86400");
    Ok(Response::from_bytes(bytes).or_internal("an image response")?.with_headers(headers))
}
