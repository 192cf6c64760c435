//! Wire types with Mattermost's JSON names, plus ids and time. No I/O here.

pub mod action;
pub mod attachment;
pub mod bot;
pub mod channel;
pub mod command;
pub mod dialog;
pub mod file_info;
pub mod ids;
pub mod incoming_hook;
pub mod mention;
pub mod outgoing_hook;
pub mod post;
pub mod preference;
pub mod search;
pub mod session;
pub mod team;
pub mod token;
pub mod user;

pub use ids::{is_valid_id, new_id, new_token};

/// Milliseconds since the Unix epoch, as every Mattermost timestamp is.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `ms` (since the epoch) as RFC 3339 UTC with milliseconds: `2026-01-02T09:00:00.000Z`.
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::rfc3339(1_767_268_800_123),
            "2026-01-01T12:00:00.123Z"
        );
        assert_eq!(super::rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(
            super::rfc3339(1_709_251_199_999),
            "2024-02-29T23:59:59.999Z"
        );
    }
}
