//! `-j LOG [--log-prefix P] [--log-level N]`: write a kernel log line and continue.
//!
//! Part of the netfilter targets. libxt_LOG.c saves the prefix with `xtables_save_string` and
//! the level only when it differs from the default 4 (warning); other flags
//! (`--log-tcp-sequence` ...) are not modelled and make the target unknown.

use std::fmt;

use crate::netfilter::quote::save_string;

/// syslog levels by name, as libxt_LOG.c `log_names` (index = level).
const LEVELS: [&str; 8] = ["emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"];

/// The default log level (`LOG_WARNING`).
pub const DEFAULT_LEVEL: u8 = 4;

/// The LOG target.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Log {
    /// Up to 29 characters put in front of the message.
    pub prefix: String,
    /// The syslog level, 0 to 7.
    pub level: u8,
}

impl Default for Log {
    fn default() -> Log {
        Log { prefix: String::new(), level: DEFAULT_LEVEL }
    }
}

impl Log {
    /// Parses `--log-level`: a number 0..=7 or a name (`warning`, also `panic`/`warn`).
    pub fn parse_level(text: &str) -> Option<u8> {
        if let Ok(level) = text.parse::<u8>() {
            return (level <= 7).then_some(level);
        }
        let lower = text.to_ascii_lowercase();
        let lower = match lower.as_str() {
            "panic" => "emerg",
            "warn" => "warning",
            other => other,
        };
        LEVELS.iter().position(|name| *name == lower).and_then(|index| u8::try_from(index).ok())
    }

    /// ` level 4 prefix "x"` for `iptables -L` (`LOG_print`).
    pub(crate) fn list_options(&self) -> String {
        let mut out = format!(" LOG flags 0 level {}", self.level);
        if !self.prefix.is_empty() {
            out.push_str(&format!(" prefix \"{}\"", self.prefix));
        }
        out
    }
}

impl fmt::Display for Log {
    /// The options after `-j LOG`, each with a leading space.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.prefix.is_empty() {
            write!(f, " --log-prefix {}", save_string(&self.prefix))?;
        }
        if self.level != DEFAULT_LEVEL {
            write!(f, " --log-level {}", self.level)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_prefix_and_non_default_level() {
        assert_eq!(Log::default().to_string(), "");
        let log = Log { prefix: "KUBE drop: ".into(), level: Log::parse_level("info").unwrap() };
        assert_eq!(log.to_string(), r#" --log-prefix "KUBE drop: " --log-level 6"#);
        assert_eq!(Log::parse_level("warn"), Some(4));
        assert_eq!(Log::parse_level("8"), None);
    }
}
