//! The simulator: one HTTP server standing in for the external services
//! WeBox calls (for now the Resend email API), speaking their real wire
//! formats so the Workers run the same code against it as in production.
//! Each service is a module with its own `router()`; `/_sim/*` routes let
//! developers and tests look inside and inject faults.

pub mod email;
pub mod faults;
pub mod stripe;

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};

#[derive(Clone)]
pub struct Config {
    /// The key `POST /emails` accepts as `Authorization: Bearer <key>`.
    pub email_api_key: String,
    /// The secret key `/v1/*` accepts (`sk_test_...`).
    pub stripe_secret_key: String,
}

#[derive(Clone)]
pub struct Simulator {
    pub config: Arc<Config>,
    pub faults: faults::Faults,
    pub inbox: email::Inbox,
    pub stripe: stripe::Ledger,
}

impl Simulator {
    pub fn new(config: Config) -> Self {
        Self { config: Arc::new(config), faults: Default::default(), inbox: Default::default(), stripe: Default::default() }
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/_sim/health", get(|| async { Json(serde_json::json!({"ok": true})) }))
            .merge(faults::router())
            .merge(email::router())
            .merge(stripe::router())
            .with_state(self.clone())
    }
}

/// A random UUID (version 4), as the real services use for ids.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    // The OS RNG only fails on a broken system; ids stay unique enough from the clock then.
    if getrandom::getrandom(&mut b).is_err() {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        b = nanos.to_le_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Seconds since the epoch, for RFC 3339 timestamps.
pub fn rfc3339_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil-from-days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_are_version_4() {
        let id = super::uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }

    #[test]
    fn timestamps_look_like_rfc3339() {
        let t = super::rfc3339_now();
        assert_eq!(t.len(), 20);
        assert!(t.starts_with("20") && t.ends_with('Z'));
    }
}
