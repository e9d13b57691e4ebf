//! Serving generated files: byte ranges (`Range: bytes=...`, for audio and
//! video seeking) and signed, expiring file links for `<img>`, `<audio>`
//! and `<video>` elements, which cannot send an Authorization header.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{ApiError, ApiResult};

/// How long a signed file link works.
pub const LINK_SECONDS: i64 = 3600;

/// The bytes `[start, end]` (inclusive) a `Range` header asks of a file of
/// `size` bytes; `None` for the whole file. Unsatisfiable ranges are 416.
pub fn byte_range(header: Option<&str>, size: u64) -> ApiResult<Option<(u64, u64)>> {
    let Some(header) = header.map(str::trim).filter(|h| !h.is_empty()) else { return Ok(None) };
    let unsatisfiable = || ApiError::new(416, "range_not_satisfiable", format!("the file has {size} bytes"));
    let Some(spec) = header.strip_prefix("bytes=") else { return Ok(None) };
    // Several ranges are answered with the whole file, as HTTP allows.
    if spec.contains(',') {
        return Ok(None);
    }
    let (first, last) = spec.split_once('-').ok_or_else(unsatisfiable)?;
    let (start, end) = match (first.trim(), last.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().map_err(|_| unsatisfiable())?;
            if n == 0 || size == 0 {
                return Err(unsatisfiable());
            }
            (size.saturating_sub(n), size - 1)
        }
        (from, "") => (from.parse().map_err(|_| unsatisfiable())?, size.saturating_sub(1)),
        (from, to) => {
            let from: u64 = from.parse().map_err(|_| unsatisfiable())?;
            let to: u64 = to.parse().map_err(|_| unsatisfiable())?;
            (from, to.min(size.saturating_sub(1)))
        }
    };
    if start >= size || start > end {
        return Err(unsatisfiable());
    }
    Ok(Some((start, end)))
}

fn signature(secret: &[u8], generation_id: &str, position: i64, expires: i64) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return String::new() };
    mac.update(format!("webox-file:{generation_id}:{position}:{expires}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// `?position=N&expires=T&signature=S` for one file, valid `LINK_SECONDS`.
pub fn signed_query(secret: &[u8], generation_id: &str, position: i64, now: i64) -> String {
    let expires = now + LINK_SECONDS;
    format!("position={position}&expires={expires}&signature={}", signature(secret, generation_id, position, expires))
}

/// Whether a signed link is genuine and not expired.
pub fn verify(secret: &[u8], generation_id: &str, position: i64, expires: i64, given: &str, now: i64) -> bool {
    use subtle::ConstantTimeEq;
    let expected = signature(secret, generation_id, position, expires);
    expires >= now && !expected.is_empty() && expected.as_bytes().ct_eq(given.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(byte_range(None, 100).unwrap(), None);
        assert_eq!(byte_range(Some("bytes=0-9"), 100).unwrap(), Some((0, 9)));
        assert_eq!(byte_range(Some("bytes=90-"), 100).unwrap(), Some((90, 99)));
        assert_eq!(byte_range(Some("bytes=-10"), 100).unwrap(), Some((90, 99)));
        assert_eq!(byte_range(Some("bytes=50-500"), 100).unwrap(), Some((50, 99)));
        assert_eq!(byte_range(Some("bytes=0-1,5-6"), 100).unwrap(), None);
        for bad in ["bytes=100-", "bytes=5-2", "bytes=x-1", "bytes=-0"] {
            assert_eq!(byte_range(Some(bad), 100).unwrap_err().status, 416, "{bad}");
        }
    }

    #[test]
    fn signed_links_expire_and_bind_the_file() {
        let secret = b"a secret long enough for hmac use";
        let query = signed_query(secret, "g1", 0, 1000);
        let sig = query.rsplit('=').next().unwrap();
        assert!(verify(secret, "g1", 0, 1000 + LINK_SECONDS, sig, 1000));
        assert!(!verify(secret, "g1", 0, 1000 + LINK_SECONDS, sig, 1000 + LINK_SECONDS + 1));
        assert!(!verify(secret, "g2", 0, 1000 + LINK_SECONDS, sig, 1000));
        assert!(!verify(secret, "g1", 1, 1000 + LINK_SECONDS, sig, 1000));
        assert!(!verify(b"another secret entirely, also long", "g1", 0, 1000 + LINK_SECONDS, sig, 1000));
    }
}
