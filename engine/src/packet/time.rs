//! Lab time: the clock of a scenario, given by the caller because the engine has none.
//!
//! Part of [`crate::packet`]. tcpdump prints each packet's capture time as
//! `HH:MM:SS.ffffff` (local time of day, microseconds, `ts_format` in tcpdump's util-print.c),
//! and conntrack counts its timeouts down in seconds; both read a [`LabTime`].

use std::fmt;

/// Microseconds since the start of the lab day (00:00:00.000000).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct LabTime {
    micros: u64,
}

const MICROS_PER_SECOND: u64 = 1_000_000;
const SECONDS_PER_DAY: u64 = 86_400;

impl LabTime {
    /// A time `micros` microseconds after midnight.
    pub fn from_micros(micros: u64) -> LabTime {
        LabTime { micros }
    }

    /// A time of day; out-of-range parts simply add up (61 seconds is 1:01).
    pub fn hms_micros(hours: u64, minutes: u64, seconds: u64, micros: u64) -> LabTime {
        let total_seconds = hours
            .saturating_mul(3600)
            .saturating_add(minutes.saturating_mul(60))
            .saturating_add(seconds);
        LabTime {
            micros: total_seconds
                .saturating_mul(MICROS_PER_SECOND)
                .saturating_add(micros),
        }
    }

    /// Microseconds since midnight.
    pub fn as_micros(self) -> u64 {
        self.micros
    }

    /// Whole seconds since midnight.
    pub fn as_secs(self) -> u64 {
        self.micros / MICROS_PER_SECOND
    }

    /// This time plus `micros` microseconds.
    pub fn plus_micros(self, micros: u64) -> LabTime {
        LabTime {
            micros: self.micros.saturating_add(micros),
        }
    }

    /// This time plus `seconds` seconds.
    pub fn plus_secs(self, seconds: u64) -> LabTime {
        self.plus_micros(seconds.saturating_mul(MICROS_PER_SECOND))
    }
}

/// tcpdump's default timestamp: `HH:MM:SS.ffffff`, wrapping at midnight.
impl fmt::Display for LabTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = (self.micros / MICROS_PER_SECOND) % SECONDS_PER_DAY;
        let fraction = self.micros % MICROS_PER_SECOND;
        write!(
            f,
            "{:02}:{:02}:{:02}.{:06}",
            seconds / 3600,
            (seconds / 60) % 60,
            seconds % 60,
            fraction
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_tcpdump() {
        // From a real capture: `16:12:34.299084 IP 172.16.120.61.51234 > ...`.
        assert_eq!(
            LabTime::hms_micros(16, 12, 34, 299_084).to_string(),
            "16:12:34.299084"
        );
        assert_eq!(LabTime::from_micros(5).to_string(), "00:00:00.000005");
        assert_eq!(
            LabTime::hms_micros(23, 59, 59, 999_999)
                .plus_micros(1)
                .to_string(),
            "00:00:00.000000"
        );
        assert_eq!(
            LabTime::hms_micros(0, 0, 61, 0).to_string(),
            "00:01:01.000000"
        );
        assert_eq!(LabTime::hms_micros(0, 0, 2, 500_000).as_secs(), 2);
    }
}
