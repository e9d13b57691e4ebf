//! The generation history's query: filters by provider, status and dates,
//! and pages.

use crate::calendar;
use crate::error::{ApiError, ApiResult};
use crate::paging::{Page, MAX_PER_PAGE};

pub const STATUSES: &[&str] = &["queued", "running", "succeeded", "failed"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    pub provider: Option<String>,
    pub status: Option<String>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive (the day after `to`).
    pub until: Option<i64>,
    pub page: Page,
}

impl HistoryQuery {
    /// `provider`, `status`, `from` and `to` (`YYYY-MM-DD`, inclusive),
    /// `page`, `per_page`; anything else is refused by name.
    pub fn parse(pairs: &[(String, String)], providers: &[&str]) -> ApiResult<Self> {
        let mut query = HistoryQuery { provider: None, status: None, from: None, until: None, page: Page { page: 1, per_page: 20 } };
        let mut paging = Vec::new();
        for (key, value) in pairs {
            let value = value.trim();
            match key.as_str() {
                "provider" if providers.contains(&value) => query.provider = Some(value.to_owned()),
                "provider" => return Err(ApiError::invalid("invalid_value", "provider", format!("`provider` must be one of: {}", providers.join(", ")))),
                "status" if STATUSES.contains(&value) => query.status = Some(value.to_owned()),
                "status" => return Err(ApiError::invalid("invalid_value", "status", format!("`status` must be one of: {}", STATUSES.join(", ")))),
                "from" | "to" => {
                    let day = calendar::parse_date(value).ok_or_else(|| ApiError::invalid("invalid_value", key, format!("`{key}` must be a date, YYYY-MM-DD")))?;
                    if key == "from" {
                        query.from = Some(day);
                    } else {
                        query.until = Some(day + 86_400);
                    }
                }
                "page" | "per_page" => paging.push((key.clone(), value.to_owned())),
                other => {
                    return Err(ApiError::invalid(
                        "unknown_parameter",
                        other,
                        format!("`{other}` is not a parameter of this route; expected provider, status, from, to, page, per_page"),
                    ))
                }
            }
        }
        query.page = Page::parse(&paging, 20)?;
        debug_assert!(query.page.per_page <= MAX_PER_PAGE);
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn filters_and_refusals() {
        let q = HistoryQuery::parse(&pairs(&[("provider", "openai"), ("status", "failed"), ("from", "2026-11-01"), ("to", "2026-11-01"), ("per_page", "5")]), &["openai", "stability"]).unwrap();
        assert_eq!((q.provider.as_deref(), q.status.as_deref(), q.page.per_page), (Some("openai"), Some("failed"), 5));
        assert_eq!(q.until.unwrap() - q.from.unwrap(), 86_400);
        let field = |k: &str, v: &str| HistoryQuery::parse(&pairs(&[(k, v)]), &["openai"]).unwrap_err().field;
        assert_eq!(field("provider", "dall-e").as_deref(), Some("provider"));
        assert_eq!(field("status", "done").as_deref(), Some("status"));
        assert_eq!(field("from", "yesterday").as_deref(), Some("from"));
        assert_eq!(field("page", "0").as_deref(), Some("page"));
        assert_eq!(field("sort", "x").as_deref(), Some("sort"));
    }
}
