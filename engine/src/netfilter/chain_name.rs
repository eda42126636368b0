//! `ChainName`: the name of a built-in or user-defined chain (`KUBE-SERVICES`, `cali-FORWARD`).
//!
//! Part of the netfilter model. kube-proxy types these as `utiliptables.Chain`
//! (pkg/util/iptables/iptables.go); iptables refuses names of 29 characters or more
//! (`XT_EXTENSION_MAXNAMELEN`), names starting with `-` or `!`, and names with blanks.

use std::fmt;

use super::hook::Hook;

/// The longest chain name iptables accepts (`XT_EXTENSION_MAXNAMELEN - 1`).
pub const MAX_CHAIN_NAME_LEN: usize = 28;

/// A chain name. Built-in chains are spelled like their [`Hook`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChainName(String);

/// Why a text is not a chain name iptables accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainNameError {
    Empty,
    TooLong { name: String, len: usize },
    BadStart { name: String },
    Blank { name: String },
    /// A quote: the lab reads `iptables-restore` input with shell-like quoting, and
    /// `iptables-save` prints names bare, so such a name could not be read back.
    Quote { name: String },
}

impl fmt::Display for ChainNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainNameError::Empty => f.write_str("a chain name cannot be empty"),
            ChainNameError::TooLong { name, len } => {
                write!(f, "the chain name `{name}` has {len} characters; iptables allows at most {MAX_CHAIN_NAME_LEN}")
            }
            ChainNameError::BadStart { name } => {
                write!(f, "the chain name `{name}` starts with `-` or `!`, which iptables refuses")
            }
            ChainNameError::Blank { name } => {
                write!(f, "the chain name `{name}` contains a blank or control character")
            }
            ChainNameError::Quote { name } => {
                write!(f, "the chain name `{name}` contains a quote, which iptables-save would print bare")
            }
        }
    }
}

impl ChainName {
    /// A checked chain name.
    pub fn new(name: impl Into<String>) -> Result<ChainName, ChainNameError> {
        let name = name.into();
        if name.is_empty() {
            return Err(ChainNameError::Empty);
        }
        let len = name.chars().count();
        if len > MAX_CHAIN_NAME_LEN {
            return Err(ChainNameError::TooLong { name, len });
        }
        if name.starts_with('-') || name.starts_with('!') {
            return Err(ChainNameError::BadStart { name });
        }
        if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ChainNameError::Blank { name });
        }
        if name.contains(['"', '\'']) {
            return Err(ChainNameError::Quote { name });
        }
        Ok(ChainName(name))
    }

    /// A name the engine generated itself (e.g. `KUBE-SVC-` + a 16-character hash), taken as is.
    /// Use [`ChainName::new`] for user input; [`crate::netfilter::check`] still reports a bad name.
    pub fn from_trusted(name: impl Into<String>) -> ChainName {
        ChainName(name.into())
    }

    /// The name of the built-in chain of `hook`.
    pub fn builtin(hook: Hook) -> ChainName {
        ChainName(hook.name().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hook, if this is a built-in chain name.
    pub fn hook(&self) -> Option<Hook> {
        Hook::parse(&self.0)
    }

    /// Re-checks the invariant (for names made with [`ChainName::from_trusted`]).
    pub fn validate(&self) -> Result<(), ChainNameError> {
        ChainName::new(self.0.clone()).map(|_| ())
    }
}

impl From<Hook> for ChainName {
    fn from(hook: Hook) -> ChainName {
        ChainName::builtin(hook)
    }
}

impl fmt::Display for ChainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_kube_proxy_names_and_refuses_bad_ones() {
        assert_eq!(ChainName::new("KUBE-SVC-XPGD46QRK7WJZT7O").unwrap().as_str(), "KUBE-SVC-XPGD46QRK7WJZT7O");
        assert!(matches!(ChainName::new(""), Err(ChainNameError::Empty)));
        // Found by fuzzing: `:"\""` declared a chain `"` that saved text could not declare again.
        assert!(matches!(ChainName::new("\""), Err(ChainNameError::Quote { .. })));
        assert!(matches!(
            ChainName::new("KUBE-SVC-XPGD46QRK7WJZT7O-TOO-LONG"),
            Err(ChainNameError::TooLong { len: 34, .. })
        ));
        assert!(ChainName::new("x".repeat(28)).is_ok());
        assert!(ChainName::new("x".repeat(29)).is_err());
        assert!(matches!(ChainName::new("-j"), Err(ChainNameError::BadStart { .. })));
        assert!(matches!(ChainName::new("A B"), Err(ChainNameError::Blank { .. })));
    }

    #[test]
    fn builtin_names_know_their_hook() {
        assert_eq!(ChainName::builtin(Hook::Forward).hook(), Some(Hook::Forward));
        assert_eq!(ChainName::from_trusted("KUBE-FORWARD").hook(), None);
    }
}
