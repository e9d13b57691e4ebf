//! Path patterns for the route tables: `/api/profile/api-keys/{provider}`.

/// Matches `path` against `pattern`; on success returns the values of the
/// `{params}` in order. Segments are compared exactly; a trailing slash is
/// not the same path.
pub fn match_path<'p>(pattern: &str, path: &'p str) -> Option<Vec<&'p str>> {
    let mut params = Vec::new();
    let mut pat = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (pat.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(p), Some(g)) if p.starts_with('{') && p.ends_with('}') => {
                if g.is_empty() {
                    return None;
                }
                params.push(g);
            }
            (Some(p), Some(g)) if p == g => {}
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_and_parameter_segments() {
        assert_eq!(match_path("/api/auth/login", "/api/auth/login"), Some(vec![]));
        assert_eq!(match_path("/api/profile/api-keys/{provider}", "/api/profile/api-keys/openai"), Some(vec!["openai"]));
        assert_eq!(match_path("/api/profile/api-keys/{provider}", "/api/profile/api-keys/"), None);
        assert_eq!(match_path("/api/profile/api-keys/{provider}", "/api/profile/api-keys/a/b"), None);
        assert_eq!(match_path("/api/auth/login", "/api/auth/login/"), None);
        assert_eq!(match_path("/api/auth/login", "/api/auth"), None);
    }
}
