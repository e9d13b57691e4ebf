//! Money in integer minor units (cents) with its ISO 4217 currency. Never
//! floats: amounts are added, compared and discounted as integers.

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};

/// An upper-case three-letter currency code, e.g. `EUR`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Currency(String);

impl Currency {
    pub fn parse(raw: &str, field: &str) -> ApiResult<Self> {
        let code = raw.trim().to_uppercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(code))
        } else {
            Err(ApiError::invalid("invalid_currency", field, format!("`{field}` must be a three-letter currency code such as EUR")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Formats minor units for people: `1999` → `19.99`.
pub fn format_minor(amount: i64) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// ISO 4217 currencies without minor units (amounts are whole units).
const ZERO_DECIMAL: &[&str] = &["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"];

/// How many decimals `currency` has (0 or 2 for the currencies we sell in).
pub fn decimals(currency: &str) -> u32 {
    if ZERO_DECIMAL.iter().any(|c| c.eq_ignore_ascii_case(currency)) {
        0
    } else {
        2
    }
}

/// Minor units as the decimal string payment APIs take: `1999 EUR` → `"19.99"`,
/// `500 JPY` → `"500"`.
pub fn to_decimal(amount: i64, currency: &str) -> String {
    match decimals(currency) {
        0 => amount.to_string(),
        _ => format_minor(amount),
    }
}

/// The decimal string back to minor units, exactly (no floats): `"19.99"`
/// → 1999. `None` for anything that is not a plain amount in that currency.
pub fn from_decimal(value: &str, currency: &str) -> Option<i64> {
    let places = decimals(currency) as usize;
    let (sign, digits) = match value.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, value),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || fraction.len() > places || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{whole}{fraction:0<places$}");
    padded.parse::<i64>().ok().map(|v| sign * v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_round_trip_exactly() {
        assert_eq!(to_decimal(1999, "EUR"), "19.99");
        assert_eq!(to_decimal(500, "JPY"), "500");
        assert_eq!(from_decimal("19.99", "EUR"), Some(1999));
        assert_eq!(from_decimal("19.9", "EUR"), Some(1990));
        assert_eq!(from_decimal("19", "EUR"), Some(1900));
        assert_eq!(from_decimal("500", "jpy"), Some(500));
        for bad in ["", ".5", "1.999", "1e3", "12,00", "abc"] {
            assert_eq!(from_decimal(bad, "EUR"), None, "{bad}");
        }
        assert_eq!(from_decimal("5.5", "JPY"), None);
        for minor in [0, 1, 99, 100, 123_456_789] {
            assert_eq!(from_decimal(&to_decimal(minor, "EUR"), "EUR"), Some(minor));
        }
    }

    #[test]
    fn currencies_are_normalised() {
        assert_eq!(Currency::parse(" eur ", "currency").unwrap().as_str(), "EUR");
        for bad in ["", "EU", "EURO", "E1R"] {
            assert_eq!(Currency::parse(bad, "currency").unwrap_err().code, "invalid_currency");
        }
    }

    #[test]
    fn minor_units_format_without_floats() {
        assert_eq!(format_minor(1999), "19.99");
        assert_eq!(format_minor(5), "0.05");
        assert_eq!(format_minor(-250), "-2.50");
        assert_eq!(format_minor(0), "0.00");
    }
}
