//! Brute-force protection. Failed logins are recorded per account and per
//! client IP; before a password is even checked, the recent failures decide
//! whether the attempt may go ahead. Throttled attempts never reach the
//! password check, so once a limit is hit even the right password is refused
//! until the window has passed.

/// A limit: at most `max` events within `window` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: usize,
    pub window: i64,
}

/// Failed logins for one account: 5 in 15 minutes, 20 in an hour.
pub const LOGIN_FAILURES_PER_ACCOUNT: &[Limit] = &[Limit { max: 5, window: 15 * 60 }, Limit { max: 20, window: 3600 }];
/// Failed logins from one IP, whatever the account: 30 in 15 minutes, 100 in an hour.
pub const LOGIN_FAILURES_PER_IP: &[Limit] = &[Limit { max: 30, window: 15 * 60 }, Limit { max: 100, window: 3600 }];
/// Accounts created from one IP.
pub const REGISTRATIONS_PER_IP: &[Limit] = &[Limit { max: 10, window: 3600 }];
/// Password-reset requests: per IP (refused with 429) ...
pub const RESET_REQUESTS_PER_IP: &[Limit] = &[Limit { max: 10, window: 3600 }];
/// ... and emails per account (silently not sent, so the answer never tells
/// whether the account exists).
pub const RESET_EMAILS_PER_ACCOUNT: &[Limit] = &[Limit { max: 3, window: 3600 }];

/// The longest window of any limit: older events can be forgotten.
pub const HORIZON: i64 = 3600;

/// `None` when another event is allowed now; otherwise the seconds to wait.
/// `events` are the unix times of past events for one key, in any order.
pub fn retry_after(events: &[i64], limits: &[Limit], now: i64) -> Option<u64> {
    limits
        .iter()
        .filter_map(|limit| {
            let mut recent: Vec<i64> = events.iter().copied().filter(|&t| t > now - limit.window && t <= now).collect();
            if recent.len() < limit.max {
                return None;
            }
            // Allowed again once enough of these events leave the window.
            recent.sort_unstable_by(|a, b| b.cmp(a));
            let unblocking = recent[limit.max - 1];
            Some((unblocking + limit.window - now).max(1) as u64)
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_000_000;

    #[test]
    fn under_the_limit_is_allowed() {
        assert_eq!(retry_after(&[NOW - 10, NOW - 20, NOW - 30, NOW - 40], LOGIN_FAILURES_PER_ACCOUNT, NOW), None);
    }

    #[test]
    fn fifth_failure_blocks_until_the_oldest_ages_out() {
        let events = [NOW - 100, NOW - 50, NOW - 40, NOW - 30, NOW - 20];
        assert_eq!(retry_after(&events, LOGIN_FAILURES_PER_ACCOUNT, NOW), Some((15 * 60 - 100) as u64));
        assert_eq!(retry_after(&events, LOGIN_FAILURES_PER_ACCOUNT, NOW - 100 + 15 * 60), None);
    }

    #[test]
    fn hourly_limit_outlasts_the_short_one() {
        // 20 failures spread over the last hour, none in the last 15 minutes
        let events: Vec<i64> = (0..20).map(|i| NOW - 3590 + i * 130).collect();
        let wait = retry_after(&events, LOGIN_FAILURES_PER_ACCOUNT, NOW).unwrap();
        assert_eq!(wait, 10);
    }

    #[test]
    fn hundred_and_first_attempt_from_an_ip_is_refused() {
        let events: Vec<i64> = (0..100).map(|i| NOW - 3000 + i * 20).collect();
        assert!(retry_after(&events, LOGIN_FAILURES_PER_IP, NOW).is_some());
    }

    proptest! {
        #[test]
        fn blocked_exactly_when_some_window_is_full(events in proptest::collection::vec(NOW - 4000..=NOW, 0..60)) {
            let decision = retry_after(&events, LOGIN_FAILURES_PER_ACCOUNT, NOW);
            let full = LOGIN_FAILURES_PER_ACCOUNT.iter().any(|l| events.iter().filter(|&&t| t > NOW - l.window).count() >= l.max);
            prop_assert_eq!(decision.is_some(), full);
            if let Some(wait) = decision {
                prop_assert!((1..=3600).contains(&wait));
                // once the wait is over, the attempt is allowed
                prop_assert_eq!(retry_after(&events, LOGIN_FAILURES_PER_ACCOUNT, NOW + wait as i64), None);
            }
        }
    }
}
