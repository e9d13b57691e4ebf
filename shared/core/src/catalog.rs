//! Catalogue queries: the search, filter, sort and page parameters of
//! `GET /api/products`, parsed so that only valid values reach SQL, and the
//! full-text expression handed to D1's FTS5.

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_PER_PAGE: i64 = 24;
pub const MAX_PER_PAGE: i64 = 100;
const MAX_PRICE: i64 = 1_000_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    PriceAsc,
    PriceDesc,
    Newest,
    Rating,
    Relevance,
}

impl Sort {
    pub const NAMES: &'static [&'static str] = &["price_asc", "price_desc", "newest", "rating", "relevance"];

    fn parse(raw: &str) -> ApiResult<Self> {
        Ok(match raw {
            "price_asc" => Sort::PriceAsc,
            "price_desc" => Sort::PriceDesc,
            "newest" => Sort::Newest,
            "rating" => Sort::Rating,
            "relevance" => Sort::Relevance,
            _ => return Err(ApiError::invalid("invalid_value", "sort", format!("`sort` must be one of: {}", Sort::NAMES.join(", ")))),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductQuery {
    /// An FTS5 MATCH expression built from the visitor's words.
    pub text: Option<String>,
    pub category: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    /// Minimum average rating, in tenths of a star (35 = 3.5).
    pub min_rating_tenths: Option<i64>,
    pub in_stock: bool,
    pub sort: Sort,
    pub page: i64,
    pub per_page: i64,
}

const PARAMETERS: &[&str] = &["q", "category", "min_price", "max_price", "min_rating", "in_stock", "sort", "page", "per_page"];

fn whole(raw: &str, field: &str, min: i64, max: i64) -> ApiResult<i64> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| ApiError::invalid("invalid_value", field, format!("`{field}` must be a whole number from {min} to {max}")))
}

/// Words of at most 40 characters, letters and digits only, at most 8 of them:
/// `"word"*` each, all required. Nothing the visitor types can become FTS5 syntax.
pub fn fts_expression(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| format!("\"{}\"*", w.chars().take(40).collect::<String>().to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

pub fn is_slug(s: &str) -> bool {
    (1..=80).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') && !s.starts_with('-')
}

/// `Lo-Fi Beats, Vol. 2` → `lo-fi-beats-vol-2`.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(80).collect()
}

impl ProductQuery {
    pub fn parse(pairs: &[(String, String)]) -> ApiResult<Self> {
        let mut query = ProductQuery {
            text: None,
            category: None,
            min_price: None,
            max_price: None,
            min_rating_tenths: None,
            in_stock: false,
            sort: Sort::Newest,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        };
        let mut sort_given = None;
        for (key, value) in pairs {
            if pairs.iter().filter(|(k, _)| k == key).count() > 1 {
                return Err(ApiError::invalid("duplicate_parameter", key, format!("`{key}` is given more than once")));
            }
            match key.as_str() {
                "q" => {
                    if value.chars().count() > 100 {
                        return Err(ApiError::invalid("invalid_value", "q", "`q` must be at most 100 characters"));
                    }
                    query.text = fts_expression(value);
                }
                "category" => {
                    if !is_slug(value) {
                        return Err(ApiError::invalid("invalid_value", "category", "`category` must be a category slug such as `music`"));
                    }
                    query.category = Some(value.clone());
                }
                "min_price" => query.min_price = Some(whole(value, "min_price", 0, MAX_PRICE)?),
                "max_price" => query.max_price = Some(whole(value, "max_price", 0, MAX_PRICE)?),
                "min_rating" => {
                    let tenths = value
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|r| (0.0..=5.0).contains(r))
                        .map(|r| (r * 10.0).round() as i64)
                        .ok_or_else(|| ApiError::invalid("invalid_value", "min_rating", "`min_rating` must be a number from 0 to 5"))?;
                    query.min_rating_tenths = Some(tenths);
                }
                "in_stock" => {
                    query.in_stock = match value.as_str() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(ApiError::invalid("invalid_value", "in_stock", "`in_stock` must be true or false")),
                    }
                }
                "sort" => sort_given = Some(Sort::parse(value)?),
                "page" => query.page = whole(value, "page", 1, 100_000)?,
                "per_page" => query.per_page = whole(value, "per_page", 1, MAX_PER_PAGE)?,
                other => {
                    return Err(ApiError::invalid(
                        "unknown_parameter",
                        other,
                        format!("`{other}` is not a parameter of this route; expected one of: {}", PARAMETERS.join(", ")),
                    ))
                }
            }
        }
        if let (Some(min), Some(max)) = (query.min_price, query.max_price) {
            if min > max {
                return Err(ApiError::invalid("invalid_range", "max_price", "`max_price` must not be below `min_price`"));
            }
        }
        query.sort = match (sort_given, &query.text) {
            (Some(Sort::Relevance), None) => {
                return Err(ApiError::invalid("invalid_value", "sort", "`sort=relevance` needs a search text in `q`"));
            }
            (Some(sort), _) => sort,
            (None, Some(_)) => Sort::Relevance,
            (None, None) => Sort::Newest,
        };
        Ok(query)
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> ApiResult<ProductQuery> {
        let pairs: Vec<(String, String)> =
            q.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        ProductQuery::parse(&pairs)
    }

    #[test]
    fn defaults_and_full_queries() {
        let q = parse("").unwrap();
        assert_eq!((q.sort, q.page, q.per_page, q.in_stock, q.text), (Sort::Newest, 1, 24, false, None));
        let q = parse("q=lo-fi beats&category=music&min_price=100&max_price=5000&min_rating=3.5&in_stock=true&sort=price_desc&page=3&per_page=10").unwrap();
        assert_eq!(q.text.as_deref(), Some("\"lo\"* \"fi\"* \"beats\"*"));
        assert_eq!((q.min_price, q.max_price, q.min_rating_tenths), (Some(100), Some(5000), Some(35)));
        assert_eq!((q.sort, q.offset()), (Sort::PriceDesc, 20));
        assert_eq!(parse("q=synth").unwrap().sort, Sort::Relevance);
    }

    #[test]
    fn every_bad_parameter_names_itself() {
        let cases = [
            ("sort=cheapest", "sort"),
            ("sort=relevance", "sort"),
            ("min_price=-1", "min_price"),
            ("max_price=abc", "max_price"),
            ("min_price=500&max_price=100", "max_price"),
            ("min_rating=6", "min_rating"),
            ("in_stock=maybe", "in_stock"),
            ("page=0", "page"),
            ("per_page=101", "per_page"),
            ("category=Not A Slug", "category"),
            ("colour=red", "colour"),
            ("page=1&page=2", "page"),
        ];
        for (q, field) in cases {
            assert_eq!(parse(q).unwrap_err().field.as_deref(), Some(field), "{q}");
        }
    }

    #[test]
    fn search_text_cannot_inject_fts_syntax() {
        assert_eq!(fts_expression("a\" OR 1 NEAR(x"), Some("\"a\"* \"or\"* \"1\"* \"near\"* \"x\"*".into()));
        assert_eq!(fts_expression("  ***  "), None);
        assert_eq!(fts_expression("Café crème"), Some("\"café\"* \"crème\"*".into()));
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Lo-Fi Beats, Vol. 2"), "lo-fi-beats-vol-2");
        assert!(is_slug("lo-fi-beats-vol-2"));
        assert!(!is_slug("Nope"));
    }
}
