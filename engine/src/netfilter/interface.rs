//! `Interface`: the name in `-i`/`-o`, where a trailing `+` matches every name with that prefix.
//!
//! Part of the netfilter model. iptables(8): "If the interface name ends in a "+", then any
//! interface which begins with this name will match." Names are at most 15 characters (IFNAMSIZ - 1).

use std::fmt;

/// The longest interface name Linux allows.
pub const MAX_INTERFACE_LEN: usize = 15;

/// An interface name or `prefix+` pattern, e.g. `tunl0`, `cali+`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interface(String);

impl Interface {
    /// A checked name: 1 to 15 characters (plus an optional `+`), no blanks or `/`.
    pub fn new(name: impl Into<String>) -> Option<Interface> {
        let name = name.into();
        let bare = name.strip_suffix('+').unwrap_or(&name);
        let valid = !name.is_empty()
            && bare.chars().count() <= MAX_INTERFACE_LEN
            && !bare.chars().any(|c| c.is_whitespace() || c.is_control() || c == '/');
        valid.then_some(Interface(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a `prefix+` pattern.
    pub fn is_wildcard(&self) -> bool {
        self.0.ends_with('+')
    }

    /// Whether the device called `device` matches, as `ifname_compare` in the kernel does.
    pub fn matches(&self, device: &str) -> bool {
        match self.0.strip_suffix('+') {
            Some(prefix) => device.starts_with(prefix),
            None => device == self.0,
        }
    }
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_prefixes() {
        let cali = Interface::new("cali+").unwrap();
        assert!(cali.is_wildcard());
        assert!(cali.matches("cali12345"));
        assert!(!cali.matches("tunl0"));
        assert!(Interface::new("tunl0").unwrap().matches("tunl0"));
        assert!(!Interface::new("tunl0").unwrap().matches("tunl01"));
    }

    #[test]
    fn refuses_long_or_blank_names() {
        assert!(Interface::new("").is_none());
        assert!(Interface::new("a".repeat(16)).is_none());
        assert!(Interface::new(format!("{}+", "a".repeat(15))).is_some());
        assert!(Interface::new("eth 0").is_none());
    }
}
