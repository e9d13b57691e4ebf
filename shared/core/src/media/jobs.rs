//! When a long-running generation job looks at its provider task again,
//! and when it gives up.

/// Polls come quickly at first (tasks that take seconds show progress),
/// then back off to this.
pub const MAX_POLL_MS: i64 = 30_000;
/// Consecutive failed polls (network, 429, 5xx) before the job fails.
pub const MAX_POLL_ERRORS: u32 = 8;
/// Default wall-clock limit of a job (`VIDEO_JOB_TIMEOUT_SECONDS`).
pub const DEFAULT_TIMEOUT_SECONDS: i64 = 1_800;

/// Milliseconds until poll number `polls` (0 = the first): 1 s growing by
/// half each time, capped at `MAX_POLL_MS`; after an error, twice that.
pub fn next_poll_ms(polls: u32, errors: u32) -> i64 {
    let base = (1_000.0 * 1.5_f64.powi(polls.min(20) as i32)) as i64;
    let backoff = if errors > 0 { base.saturating_mul(1 << errors.min(5)) } else { base };
    backoff.min(MAX_POLL_MS)
}

/// Whether a job started at `started` (unix s) is past its limit.
pub fn timed_out(started: i64, now: i64, limit_seconds: i64) -> bool {
    now - started > limit_seconds
}

/// A time limit in words: "45 seconds", "1 minute", "30 minutes".
pub fn duration_words(seconds: i64) -> String {
    match seconds {
        s if s < 120 && s % 60 != 0 => format!("{s} second{}", if s == 1 { "" } else { "s" }),
        s if s < 7_200 || s % 3_600 != 0 => format!("{} minute{}", s / 60, if s / 60 == 1 { "" } else { "s" }),
        s => format!("{} hours", s / 3_600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_back_off_and_cap() {
        assert_eq!(next_poll_ms(0, 0), 1_000);
        assert_eq!(next_poll_ms(1, 0), 1_500);
        assert_eq!(next_poll_ms(2, 0), 2_250);
        assert_eq!(next_poll_ms(30, 0), MAX_POLL_MS);
        assert_eq!(next_poll_ms(0, 2), 4_000);
        assert_eq!(next_poll_ms(5, 9), MAX_POLL_MS);
        assert!(timed_out(0, 1_801, 1_800) && !timed_out(0, 1_800, 1_800));
        assert_eq!((duration_words(8), duration_words(1), duration_words(60), duration_words(1_800)), ("8 seconds".into(), "1 second".into(), "1 minute".into(), "30 minutes".into()));
        assert_eq!(duration_words(7_200), "2 hours");
    }
}
