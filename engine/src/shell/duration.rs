//! Ages as `kubectl get` prints them (`10m`, `3m10s`, `2d1h`).
//!
//! The engine has no clock, so an age is an input (the lab clock, see [`super::LabClock`]);
//! this module only turns a length of time into kubectl's text.

/// Port of `HumanDuration` (k8s.io/apimachinery/pkg/util/duration/duration.go), which
/// kubectl's printers use for every `AGE` cell through `translateTimestampSince`.
///
/// It gives about two or three significant figures: seconds up to 2 minutes, minutes and
/// seconds up to 10 minutes, minutes up to 3 hours, hours and minutes up to 8 hours, hours up
/// to 2 days, days and hours up to 8 days, days up to 2 years, years and days up to 8 years.
/// Go truncates every division toward zero, and so does Rust's integer division.
pub fn human_duration(millis: i64) -> String {
    // Like upstream, allow up to (but excluding) 2 seconds of clock skew and call it "now".
    let seconds = millis / 1000;
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let rest = seconds % 60;
        if rest == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{rest}s");
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let rest = minutes % 60;
        if rest == 0 {
            return format!("{hours}h");
        }
        return format!("{hours}h{rest}m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let rest = hours % 24;
        if rest == 0 {
            return format!("{}d", hours / 24);
        }
        return format!("{}d{rest}h", hours / 24);
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let rest = (hours / 24) % 365;
        if rest == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        return format!("{}y{rest}d", hours / 24 / 365);
    }
    format!("{}y", hours / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::human_duration;

    const SECOND: i64 = 1000;
    const MINUTE: i64 = 60 * SECOND;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    const MILLI: i64 = 1;

    /// `TestHumanDuration` from upstream's duration_test.go.
    #[test]
    fn upstream_examples() {
        let cases = [
            (SECOND, "1s"),
            (70 * SECOND, "70s"),
            (190 * SECOND, "3m10s"),
            (70 * MINUTE, "70m"),
            (47 * HOUR, "47h"),
            (49 * HOUR, "2d1h"),
            ((8 * 24 + 2) * HOUR, "8d"),
            (367 * 24 * HOUR, "367d"),
            ((365 * 2 * 24 + 25) * HOUR, "2y1d"),
            ((365 * 8 * 24 + 2) * HOUR, "8y"),
        ];
        for (millis, want) in cases {
            assert_eq!(human_duration(millis), want, "{millis}ms");
        }
    }

    /// `TestHumanDurationBoundaries` from upstream's duration_test.go. Go's `-2*time.Second + 1`
    /// (one nanosecond over) becomes one millisecond over here.
    #[test]
    fn upstream_boundaries() {
        let cases = [
            (-2 * SECOND, "<invalid>"),
            (-2 * SECOND + MILLI, "0s"),
            (0, "0s"),
            (SECOND - MILLI, "0s"),
            (2 * MINUTE - MILLI, "119s"),
            (2 * MINUTE, "2m"),
            (2 * MINUTE + SECOND, "2m1s"),
            (10 * MINUTE - MILLI, "9m59s"),
            (10 * MINUTE, "10m"),
            (10 * MINUTE + SECOND, "10m"),
            (3 * HOUR - MILLI, "179m"),
            (3 * HOUR, "3h"),
            (3 * HOUR + MINUTE, "3h1m"),
            (8 * HOUR - MILLI, "7h59m"),
            (8 * HOUR, "8h"),
            (8 * HOUR + 59 * MINUTE, "8h"),
            (2 * DAY - MILLI, "47h"),
            (2 * DAY, "2d"),
            (2 * DAY + HOUR, "2d1h"),
            (8 * DAY - MILLI, "7d23h"),
            (8 * DAY, "8d"),
            (8 * DAY + 23 * HOUR, "8d"),
            (2 * 365 * DAY - MILLI, "729d"),
            (2 * 365 * DAY, "2y"),
            (2 * 365 * DAY + 23 * HOUR, "2y"),
            (2 * 365 * DAY + 23 * HOUR + 59 * MINUTE, "2y"),
            (2 * 365 * DAY + DAY - MILLI, "2y"),
            (2 * 365 * DAY + DAY, "2y1d"),
            (3 * 365 * DAY, "3y"),
            (4 * 365 * DAY, "4y"),
            (5 * 365 * DAY, "5y"),
            (6 * 365 * DAY, "6y"),
            (7 * 365 * DAY, "7y"),
            (8 * 365 * DAY - MILLI, "7y364d"),
            (8 * 365 * DAY, "8y"),
            (8 * 365 * DAY + 364 * DAY, "8y"),
            (9 * 365 * DAY, "9y"),
        ];
        for (millis, want) in cases {
            assert_eq!(human_duration(millis), want, "{millis}ms");
        }
    }

    #[test]
    fn extremes_do_not_overflow() {
        assert_eq!(human_duration(i64::MIN), "<invalid>");
        assert!(human_duration(i64::MAX).ends_with('y'));
    }
}
