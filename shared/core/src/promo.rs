//! Promo codes: percent or fixed amount, with a minimum subtotal, a validity
//! window, a total usage limit, a per-user limit and optionally a set of
//! categories. `evaluate` says how much a code takes off a cart, or exactly
//! why it does not apply.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Discount {
    /// Basis points: 1500 = 15 %.
    PercentBp(i64),
    /// Minor units, in the code's currency.
    FixedMinor(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoCode {
    pub code: String,
    pub discount: Discount,
    /// For fixed discounts and minimums; a cart in another currency cannot use the code.
    pub currency: String,
    pub min_subtotal_minor: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub usage_limit: Option<i64>,
    pub per_user_limit: Option<i64>,
    /// Only lines in these categories count (and are discounted).
    pub categories: Option<Vec<String>>,
    pub active: bool,
}

/// A cart line as promo rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromoLine {
    pub category: String,
    pub line_total_minor: i64,
}

/// Normalises what a visitor typed: trimmed, upper-case, 3–32 of A–Z 0–9 - _.
pub fn normalise_code(raw: &str) -> Result<String, ApiError> {
    let code = raw.trim().to_uppercase();
    let ok = (3..=32).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(code)
    } else {
        Err(ApiError::invalid("invalid_promo_code", "code", "`code` must be 3 to 32 letters, digits, - or _"))
    }
}

fn rejected(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(422, code, message).with_field("code")
}

/// The discount in minor units the code gives on `lines`, or why it does not
/// apply. Never more than the eligible subtotal, never negative.
pub fn evaluate(
    promo: &PromoCode,
    lines: &[PromoLine],
    currency: &str,
    now: i64,
    uses_total: i64,
    uses_by_user: Option<i64>,
) -> Result<i64, ApiError> {
    if !promo.active || promo.ends_at.is_some_and(|end| now >= end) {
        return Err(rejected("promo_expired", format!("the code {} has expired", promo.code)));
    }
    if promo.starts_at.is_some_and(|start| now < start) {
        return Err(rejected("promo_not_started", format!("the code {} is not valid yet", promo.code)));
    }
    if promo.usage_limit.is_some_and(|limit| uses_total >= limit) {
        return Err(rejected("promo_exhausted", format!("the code {} has been used up", promo.code)));
    }
    if let (Some(limit), Some(used)) = (promo.per_user_limit, uses_by_user) {
        if used >= limit {
            return Err(rejected("promo_already_used", format!("you have already used the code {} as often as it allows", promo.code)));
        }
    }
    if !lines.is_empty() && promo.currency != currency {
        return Err(rejected("promo_wrong_currency", format!("the code {} works for {} carts only", promo.code, promo.currency)));
    }
    let eligible: i64 = lines
        .iter()
        .filter(|l| promo.categories.as_ref().is_none_or(|cats| cats.contains(&l.category)))
        .map(|l| l.line_total_minor.max(0))
        .sum();
    if eligible == 0 {
        let why = match &promo.categories {
            Some(cats) => format!("the code {} applies only to: {}", promo.code, cats.join(", ")),
            None => format!("the code {} needs something in the cart", promo.code),
        };
        return Err(rejected("promo_not_applicable", why));
    }
    if eligible < promo.min_subtotal_minor {
        return Err(rejected(
            "promo_below_minimum",
            format!("the code {} needs at least {} {} of eligible items", promo.code, crate::money::format_minor(promo.min_subtotal_minor), promo.currency),
        ));
    }
    let discount = match promo.discount {
        // Rounded half up to the minor unit, computed in integers.
        Discount::PercentBp(bp) => (eligible * bp.clamp(0, 10_000) + 5_000) / 10_000,
        Discount::FixedMinor(amount) => amount.max(0),
    };
    Ok(discount.min(eligible))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_800_000_000;

    fn promo(discount: Discount) -> PromoCode {
        PromoCode {
            code: "SAVE".into(),
            discount,
            currency: "EUR".into(),
            min_subtotal_minor: 0,
            starts_at: None,
            ends_at: None,
            usage_limit: None,
            per_user_limit: None,
            categories: None,
            active: true,
        }
    }

    fn lines(amounts: &[(&str, i64)]) -> Vec<PromoLine> {
        amounts.iter().map(|(c, a)| PromoLine { category: (*c).into(), line_total_minor: *a }).collect()
    }

    fn code_of(r: Result<i64, ApiError>) -> &'static str {
        r.unwrap_err().code
    }

    #[test]
    fn percent_rounds_half_up_in_minor_units() {
        assert_eq!(evaluate(&promo(Discount::PercentBp(1500)), &lines(&[("a", 1999)]), "EUR", NOW, 0, None), Ok(300));
        assert_eq!(evaluate(&promo(Discount::PercentBp(1000)), &lines(&[("a", 5)]), "EUR", NOW, 0, None), Ok(1));
    }

    #[test]
    fn fixed_never_exceeds_the_subtotal() {
        assert_eq!(evaluate(&promo(Discount::FixedMinor(5000)), &lines(&[("a", 1200)]), "EUR", NOW, 0, None), Ok(1200));
        assert_eq!(evaluate(&promo(Discount::FixedMinor(500)), &lines(&[("a", 1200)]), "EUR", NOW, 0, None), Ok(500));
    }

    #[test]
    fn every_rule_gives_its_own_reason() {
        let l = lines(&[("books", 1000)]);
        let mut p = promo(Discount::PercentBp(1000));
        p.ends_at = Some(NOW);
        assert_eq!(code_of(evaluate(&p, &l, "EUR", NOW, 0, None)), "promo_expired");
        let mut p = promo(Discount::PercentBp(1000));
        p.active = false;
        assert_eq!(code_of(evaluate(&p, &l, "EUR", NOW, 0, None)), "promo_expired");
        let mut p = promo(Discount::PercentBp(1000));
        p.starts_at = Some(NOW + 1);
        assert_eq!(code_of(evaluate(&p, &l, "EUR", NOW, 0, None)), "promo_not_started");
        let mut p = promo(Discount::PercentBp(1000));
        p.usage_limit = Some(10);
        assert_eq!(code_of(evaluate(&p, &l, "EUR", NOW, 10, None)), "promo_exhausted");
        assert!(evaluate(&p, &l, "EUR", NOW, 9, None).is_ok());
        let mut p = promo(Discount::PercentBp(1000));
        p.per_user_limit = Some(1);
        assert_eq!(code_of(evaluate(&p, &l, "EUR", NOW, 0, Some(1))), "promo_already_used");
        assert!(evaluate(&p, &l, "EUR", NOW, 0, Some(0)).is_ok());
        assert!(evaluate(&p, &l, "EUR", NOW, 0, None).is_ok(), "anonymous carts are checked at checkout");
        let mut p = promo(Discount::PercentBp(1000));
        p.min_subtotal_minor = 1001;
        assert_eq!(code_of(evaluate(&p, &l, "EUR", NOW, 0, None)), "promo_below_minimum");
        let mut p = promo(Discount::PercentBp(1000));
        p.categories = Some(vec!["music".into()]);
        assert_eq!(code_of(evaluate(&p, &l, "EUR", NOW, 0, None)), "promo_not_applicable");
        assert_eq!(code_of(evaluate(&promo(Discount::PercentBp(1000)), &l, "USD", NOW, 0, None)), "promo_wrong_currency");
        assert_eq!(code_of(evaluate(&promo(Discount::PercentBp(1000)), &[], "EUR", NOW, 0, None)), "promo_not_applicable");
    }

    #[test]
    fn category_codes_discount_only_their_lines() {
        let mut p = promo(Discount::PercentBp(5000));
        p.categories = Some(vec!["music".into()]);
        assert_eq!(evaluate(&p, &lines(&[("music", 1000), ("books", 3000)]), "EUR", NOW, 0, None), Ok(500));
        p.min_subtotal_minor = 2000;
        assert_eq!(code_of(evaluate(&p, &lines(&[("music", 1000), ("books", 3000)]), "EUR", NOW, 0, None)), "promo_below_minimum");
    }

    #[test]
    fn codes_are_normalised() {
        assert_eq!(normalise_code(" welcome10 ").unwrap(), "WELCOME10");
        assert!(normalise_code("a").is_err());
        assert!(normalise_code("has space").is_err());
    }

    proptest! {
        #[test]
        fn discount_is_never_negative_nor_above_the_eligible_subtotal(
            amounts in proptest::collection::vec(0i64..10_000_000, 1..8),
            bp in -500i64..20_000,
            fixed in -1000i64..100_000_000,
            percent in any::<bool>(),
        ) {
            let l: Vec<PromoLine> = amounts.iter().map(|a| PromoLine { category: "c".into(), line_total_minor: *a }).collect();
            let subtotal: i64 = amounts.iter().sum();
            let p = promo(if percent { Discount::PercentBp(bp) } else { Discount::FixedMinor(fixed) });
            if let Ok(d) = evaluate(&p, &l, "EUR", NOW, 0, None) {
                prop_assert!(d >= 0 && d <= subtotal);
            }
        }
    }
}
