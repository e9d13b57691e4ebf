//! `page` / `per_page` for list routes that take only those.

use crate::error::{ApiError, ApiResult};

pub const MAX_PER_PAGE: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub page: i64,
    pub per_page: i64,
}

impl Page {
    /// Parses the query pairs; any other parameter is refused by name.
    pub fn parse(pairs: &[(String, String)], default_per_page: i64) -> ApiResult<Self> {
        let mut page = Page { page: 1, per_page: default_per_page };
        for (key, value) in pairs {
            let n = value.trim().parse::<i64>().ok();
            match key.as_str() {
                "page" => page.page = n.filter(|p| *p >= 1).ok_or_else(|| ApiError::invalid("invalid_value", "page", "`page` must be a whole number from 1"))?,
                "per_page" => {
                    page.per_page = n
                        .filter(|p| (1..=MAX_PER_PAGE).contains(p))
                        .ok_or_else(|| ApiError::invalid("invalid_value", "per_page", format!("`per_page` must be from 1 to {MAX_PER_PAGE}")))?
                }
                other => {
                    return Err(ApiError::invalid("unknown_parameter", other, format!("`{other}` is not a parameter of this route; expected page, per_page")))
                }
            }
        }
        Ok(page)
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_values_and_refusals() {
        assert_eq!(Page::parse(&[], 20).unwrap(), Page { page: 1, per_page: 20 });
        let p = Page::parse(&pairs(&[("page", "3"), ("per_page", "10")]), 20).unwrap();
        assert_eq!((p.page, p.offset()), (3, 20));
        assert_eq!(Page::parse(&pairs(&[("page", "0")]), 20).unwrap_err().field.as_deref(), Some("page"));
        assert_eq!(Page::parse(&pairs(&[("per_page", "101")]), 20).unwrap_err().field.as_deref(), Some("per_page"));
        assert_eq!(Page::parse(&pairs(&[("sort", "x")]), 20).unwrap_err().code, "unknown_parameter");
    }
}
