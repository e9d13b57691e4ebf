//! Unix time to calendar dates (UTC), without a date library.

/// `2026-11-25` for a unix time.
pub fn date(unix: i64) -> String {
    let (y, m, d) = civil(unix.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `2026-11-25T10:00:00Z` for a unix time.
pub fn rfc3339(unix: i64) -> String {
    let rem = unix.rem_euclid(86_400);
    format!("{}T{:02}:{:02}:{:02}Z", date(unix), rem / 3600, rem % 3600 / 60, rem % 60)
}

/// The unix time of midnight UTC of a `YYYY-MM-DD` date, if it is one.
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (the inverse of `civil`).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    // 2026-02-31 is not a date: it must read back the same.
    (civil(days) == (y, m, d)).then_some(days * 86_400)
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's
/// civil-from-days).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_calendar_dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_795_564_800), "2026-11-25");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(rfc3339(1_795_600_861), "2026-11-25T10:01:01Z");
        assert_eq!(parse_date("2026-11-25"), Some(1_795_564_800));
        assert_eq!(parse_date("2000-02-29"), Some(951_782_400));
        assert_eq!(parse_date("1970-01-01"), Some(0));
        for bad in ["2026-02-30", "2026-13-01", "26-01-01", "2026-1-1", "x", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
