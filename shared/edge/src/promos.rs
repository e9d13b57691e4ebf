//! Promo codes from D1 (`promo_codes`, `promo_redemptions`), evaluated by
//! the rules in `webox_core::promo`. Used by the cart and by checkout.

use serde::Deserialize;
use worker::D1Database;

use webox_core::cart::{self, CartLine};
use webox_core::promo::{self, Discount, PromoCode};
use webox_core::{ApiError, ApiResult};

use crate::{args, db};

#[derive(Deserialize)]
struct PromoRow {
    code: String,
    discount_kind: String,
    discount_value: i64,
    currency: String,
    min_subtotal_minor: i64,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    usage_limit: Option<i64>,
    per_user_limit: Option<i64>,
    categories: Option<String>,
    active: i64,
}

impl PromoRow {
    fn promo(self) -> PromoCode {
        PromoCode {
            discount: if self.discount_kind == "percent_bp" { Discount::PercentBp(self.discount_value) } else { Discount::FixedMinor(self.discount_value) },
            code: self.code,
            currency: self.currency,
            min_subtotal_minor: self.min_subtotal_minor,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            usage_limit: self.usage_limit,
            per_user_limit: self.per_user_limit,
            categories: self.categories.and_then(|c| serde_json::from_str(&c).ok()),
            active: self.active == 1,
        }
    }
}

#[derive(Deserialize)]
struct Uses {
    total: i64,
    mine: i64,
}

/// The discount `code` gives these lines now (outer error: storage; inner:
/// why the code does not apply). `user_id` is the signed-in buyer, whose
/// earlier uses count against the per-user limit.
pub async fn evaluate(
    db: &D1Database,
    code: &str,
    lines: &[CartLine],
    currency: &str,
    user_id: Option<&str>,
    now: i64,
) -> ApiResult<Result<i64, ApiError>> {
    let row: Option<PromoRow> = db::first(db, "SELECT * FROM promo_codes WHERE code = ?1", args![code]).await?;
    let Some(found) = row.map(PromoRow::promo) else {
        return Ok(Err(ApiError::new(404, "promo_unknown", format!("there is no promo code {code}")).with_field("code")));
    };
    let uses: Option<Uses> = db::first(
        db,
        "SELECT COUNT(*) AS total, COALESCE(SUM(user_id = ?2), 0) AS mine FROM promo_redemptions WHERE code = ?1",
        args![code, user_id.unwrap_or("")],
    )
    .await?;
    let (total, mine) = uses.map_or((0, 0), |u| (u.total, u.mine));
    Ok(promo::evaluate(&found, &cart::promo_lines(lines), currency, now, total, user_id.map(|_| mine)))
}
