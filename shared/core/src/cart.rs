//! The cart: what a visitor intends to buy, as product ids and quantities.
//! Prices are never stored in it: every read prices it again from the
//! catalogue (`price`), so a stale or tampered cart cannot set a price.

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::promo::PromoLine;

pub const MAX_QUANTITY: i64 = 99;
pub const MAX_LINES: usize = 50;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub items: Vec<CartItem>,
    pub promo_code: Option<String>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartItem {
    pub product_id: String,
    pub quantity: i64,
}

/// A product as the catalogue has it right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priced {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub category: String,
    pub price_minor: i64,
    pub currency: String,
    /// `None`: not counted (plans, digital goods).
    pub stock: Option<i64>,
    pub active: bool,
}

/// Checks a requested quantity: a whole number in 1..=99 (0 too when `zero_removes`).
pub fn check_quantity(quantity: i64, zero_removes: bool) -> ApiResult<i64> {
    let min = if zero_removes { 0 } else { 1 };
    if (min..=MAX_QUANTITY).contains(&quantity) {
        Ok(quantity)
    } else {
        Err(ApiError::invalid("invalid_quantity", "quantity", format!("`quantity` must be a whole number from {min} to {MAX_QUANTITY}")))
    }
}

fn insufficient(product: &Priced, available: i64) -> ApiError {
    let mut e = ApiError::conflict("insufficient_stock", format!("only {available} of {} left in stock", product.title)).with_field("quantity");
    e.available = Some(available);
    e
}

impl Cart {
    pub fn quantity_of(&self, product_id: &str) -> i64 {
        self.items.iter().find(|i| i.product_id == product_id).map_or(0, |i| i.quantity)
    }

    fn currency_clash(&self, product: &Priced, catalogue: &[Priced]) -> Option<ApiError> {
        let existing = self.items.iter().filter(|i| i.product_id != product.id).find_map(|i| catalogue.iter().find(|p| p.id == i.product_id))?;
        (existing.currency != product.currency).then(|| {
            ApiError::conflict(
                "currency_mismatch",
                format!("the cart is in {}; {} is sold in {}", existing.currency, product.title, product.currency),
            )
        })
    }

    /// Sets the quantity of `product` (0 removes it), checking stock, the
    /// per-line maximum, the number of lines and the cart's currency.
    /// `catalogue` prices the items already in the cart.
    pub fn set_quantity(&mut self, product: &Priced, quantity: i64, catalogue: &[Priced], now: i64) -> ApiResult<()> {
        if quantity == 0 {
            self.items.retain(|i| i.product_id != product.id);
            self.updated_at = now;
            return Ok(());
        }
        if !product.active {
            return Err(ApiError::not_found("product"));
        }
        if quantity > MAX_QUANTITY {
            return Err(ApiError::invalid("invalid_quantity", "quantity", format!("at most {MAX_QUANTITY} of one product per order")));
        }
        if let Some(stock) = product.stock {
            if quantity > stock {
                return Err(insufficient(product, stock.max(0)));
            }
        }
        if let Some(clash) = self.currency_clash(product, catalogue) {
            return Err(clash);
        }
        if let Some(item) = self.items.iter_mut().find(|i| i.product_id == product.id) {
            item.quantity = quantity;
        } else if self.items.len() >= MAX_LINES {
            return Err(ApiError::conflict("cart_full", format!("a cart holds at most {MAX_LINES} different products")));
        } else {
            self.items.push(CartItem { product_id: product.id.clone(), quantity });
        }
        self.updated_at = now;
        Ok(())
    }

    /// Folds `other` (an anonymous cart) into this one: quantities add up,
    /// capped by stock and the per-line maximum; products that are gone or
    /// in another currency are left out. A promo code is kept if this cart
    /// has none.
    pub fn merge(&mut self, other: &Cart, catalogue: &[Priced], now: i64) {
        for item in &other.items {
            let Some(product) = catalogue.iter().find(|p| p.id == item.product_id && p.active) else { continue };
            let cap = product.stock.unwrap_or(MAX_QUANTITY).min(MAX_QUANTITY);
            let wanted = (self.quantity_of(&product.id) + item.quantity).min(cap);
            if wanted > 0 {
                let _ = self.set_quantity(product, wanted, catalogue, now);
            }
        }
        if self.promo_code.is_none() {
            self.promo_code.clone_from(&other.promo_code);
        }
        self.updated_at = now;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CartLine {
    pub product_id: String,
    pub slug: String,
    pub title: String,
    pub category: String,
    pub unit_price_minor: i64,
    pub currency: String,
    pub quantity: i64,
    pub line_total_minor: i64,
    /// Units in stock when counted; the line cannot be bought beyond it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
}

/// The priced lines of a cart, and the items that could not be priced
/// (deleted or deactivated products), which callers drop from the cart.
pub fn price(cart: &Cart, catalogue: &[Priced]) -> (Vec<CartLine>, Vec<String>) {
    let mut lines = Vec::new();
    let mut gone = Vec::new();
    for item in &cart.items {
        match catalogue.iter().find(|p| p.id == item.product_id && p.active) {
            Some(p) => lines.push(CartLine {
                product_id: p.id.clone(),
                slug: p.slug.clone(),
                title: p.title.clone(),
                category: p.category.clone(),
                unit_price_minor: p.price_minor,
                currency: p.currency.clone(),
                quantity: item.quantity,
                line_total_minor: p.price_minor.saturating_mul(item.quantity),
                available: p.stock,
            }),
            None => gone.push(item.product_id.clone()),
        }
    }
    (lines, gone)
}

pub fn promo_lines(lines: &[CartLine]) -> Vec<PromoLine> {
    lines.iter().map(|l| PromoLine { category: l.category.clone(), line_total_minor: l.line_total_minor }).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub item_count: i64,
}

/// Subtotal, discount (clamped to 0..=subtotal) and total, in minor units.
pub fn totals(lines: &[CartLine], discount_minor: i64) -> Totals {
    let subtotal: i64 = lines.iter().map(|l| l.line_total_minor).sum();
    let discount = discount_minor.clamp(0, subtotal.max(0));
    Totals {
        subtotal_minor: subtotal,
        discount_minor: discount,
        total_minor: subtotal - discount,
        item_count: lines.iter().map(|l| l.quantity).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn product(id: &str, price: i64, stock: Option<i64>, currency: &str) -> Priced {
        Priced {
            id: id.into(),
            slug: id.into(),
            title: format!("Product {id}"),
            category: "c".into(),
            price_minor: price,
            currency: currency.into(),
            stock,
            active: true,
        }
    }

    #[test]
    fn quantities_are_bounded() {
        assert!(check_quantity(1, false).is_ok());
        assert_eq!(check_quantity(0, false).unwrap_err().code, "invalid_quantity");
        assert!(check_quantity(0, true).is_ok());
        assert_eq!(check_quantity(100, true).unwrap_err().code, "invalid_quantity");
        assert_eq!(check_quantity(-1, true).unwrap_err().code, "invalid_quantity");
    }

    #[test]
    fn stock_and_currency_are_enforced() {
        let a = product("a", 1000, Some(3), "EUR");
        let b = product("b", 500, None, "USD");
        let catalogue = vec![a.clone(), b.clone()];
        let mut cart = Cart::default();
        cart.set_quantity(&a, 3, &catalogue, 1).unwrap();
        let e = cart.set_quantity(&a, 4, &catalogue, 1).unwrap_err();
        assert_eq!((e.status, e.code, e.available), (409, "insufficient_stock", Some(3)));
        assert_eq!(cart.set_quantity(&b, 1, &catalogue, 1).unwrap_err().code, "currency_mismatch");
        cart.set_quantity(&a, 0, &catalogue, 1).unwrap();
        assert!(cart.items.is_empty());
        cart.set_quantity(&b, 1, &catalogue, 1).unwrap();
        let mut gone = a.clone();
        gone.active = false;
        assert_eq!(cart.set_quantity(&gone, 1, &catalogue, 1).unwrap_err().code, "not_found");
    }

    #[test]
    fn merging_adds_quantities_capped_by_stock() {
        let a = product("a", 1000, Some(5), "EUR");
        let b = product("b", 200, None, "EUR");
        let catalogue = vec![a.clone(), b.clone()];
        let mut mine = Cart::default();
        mine.set_quantity(&a, 3, &catalogue, 1).unwrap();
        let mut anonymous = Cart::default();
        anonymous.set_quantity(&a, 4, &catalogue, 1).unwrap();
        anonymous.set_quantity(&b, 2, &catalogue, 1).unwrap();
        anonymous.promo_code = Some("WELCOME10".into());
        mine.merge(&anonymous, &catalogue, 2);
        assert_eq!(mine.quantity_of("a"), 5);
        assert_eq!(mine.quantity_of("b"), 2);
        assert_eq!(mine.promo_code.as_deref(), Some("WELCOME10"));
    }

    #[test]
    fn pricing_uses_the_catalogue_and_reports_what_is_gone() {
        let a = product("a", 1250, Some(9), "EUR");
        let cart = Cart {
            items: vec![CartItem { product_id: "a".into(), quantity: 2 }, CartItem { product_id: "zz".into(), quantity: 1 }],
            promo_code: None,
            updated_at: 0,
        };
        let (lines, gone) = price(&cart, &[a]);
        assert_eq!(lines[0].line_total_minor, 2500);
        assert_eq!(gone, vec!["zz".to_string()]);
        let t = totals(&lines, 300);
        assert_eq!((t.subtotal_minor, t.discount_minor, t.total_minor, t.item_count), (2500, 300, 2200, 2));
    }

    proptest! {
        #[test]
        fn totals_are_never_negative_and_discount_never_exceeds_subtotal(
            items in proptest::collection::vec((0i64..1_000_000, 1i64..=99), 0..20),
            discount in -1_000_000i64..100_000_000,
        ) {
            let lines: Vec<CartLine> = items.iter().enumerate().map(|(i, (price, qty))| CartLine {
                product_id: i.to_string(), slug: i.to_string(), title: String::new(), category: "c".into(),
                unit_price_minor: *price, currency: "EUR".into(), quantity: *qty, line_total_minor: price * qty, available: None,
            }).collect();
            let t = totals(&lines, discount);
            prop_assert!(t.total_minor >= 0);
            prop_assert!(t.discount_minor >= 0 && t.discount_minor <= t.subtotal_minor);
            prop_assert_eq!(t.subtotal_minor - t.discount_minor, t.total_minor);
        }
    }
}
