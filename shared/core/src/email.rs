//! `Email`: an address that has been normalised (trimmed, lower-cased) and
//! checked for a sane shape. Holding one means it is valid.

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

const MAX_LEN: usize = 254;
const MAX_LOCAL: usize = 64;

impl Email {
    pub fn parse(raw: &str, field: &str) -> ApiResult<Self> {
        let email = raw.trim().to_lowercase();
        let bad = |why: &str| ApiError::invalid("invalid_email", field, format!("`{field}` is not a valid email address: {why}"));
        if email.is_empty() {
            return Err(bad("it is empty"));
        }
        if email.len() > MAX_LEN {
            return Err(bad("it is longer than 254 characters"));
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(bad("it has no `@`"));
        };
        if local.is_empty() || local.len() > MAX_LOCAL {
            return Err(bad("the part before `@` must be 1 to 64 characters"));
        }
        let local_ok = local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) || (!c.is_ascii() && !c.is_whitespace()));
        if !local_ok || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(bad("the part before `@` has characters an address cannot have"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(bad("the domain needs a dot, as in example.com"));
        }
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric()))
        };
        if !labels.iter().all(label_ok) {
            return Err(bad("the domain is not a valid host name"));
        }
        if labels.last().is_some_and(|tld| tld.len() < 2 || tld.chars().all(|c| c.is_ascii_digit())) {
            return Err(bad("the domain has no valid top-level part"));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_spaces() {
        assert_eq!(Email::parse("  Ada.Lovelace+x@Example.COM ", "email").unwrap().as_str(), "ada.lovelace+x@example.com");
    }

    #[test]
    fn accepts_common_shapes() {
        for ok in ["a@b.co", "first.last@sub.example.org", "x_y-z@my-host.io", "o'neil@example.ie"] {
            assert!(Email::parse(ok, "email").is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_broken_addresses_with_the_field() {
        for bad in ["", "plain", "@example.com", "a@", "a@b", "a@@b.com", "a b@c.com", "a@-b.com", "a@b.c", ".a@b.com", "a..b@c.com", "a@b..com", "a@1.2"] {
            let e = Email::parse(bad, "email").unwrap_err();
            assert_eq!((e.status, e.code, e.field.as_deref()), (400, "invalid_email", Some("email")), "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert!(Email::parse(&long, "email").is_err());
    }
}
