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

#[cfg(test)]
mod tests {
    use super::*;

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
