//! `Policy`: what a built-in chain does with a packet that falls off its end (`-P INPUT ACCEPT`).
//!
//! Part of the netfilter model. User-defined chains have no policy (`-` in `iptables-save`);
//! packets falling off them return to the calling chain.

use std::fmt;

/// The policy of a built-in chain. iptables only allows ACCEPT and DROP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Policy {
    #[default]
    Accept,
    Drop,
}

impl Policy {
    pub fn name(self) -> &'static str {
        match self {
            Policy::Accept => "ACCEPT",
            Policy::Drop => "DROP",
        }
    }

    pub fn parse(text: &str) -> Option<Policy> {
        match text {
            "ACCEPT" => Some(Policy::Accept),
            "DROP" => Some(Policy::Drop),
            _ => None,
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_the_two_policies() {
        assert_eq!(Policy::parse("DROP"), Some(Policy::Drop));
        assert_eq!(Policy::parse("RETURN"), None);
        assert_eq!(Policy::default().to_string(), "ACCEPT");
    }
}
