//! `ChainName`: the name of a built-in or user-defined chain (`KUBE-SERVICES`, `cali-FORWARD`).
//!
//! Part of the netfilter model. kube-proxy types these as `utiliptables.Chain`
//! (pkg/util/iptables/iptables.go); iptables refuses names of 29 characters or more
//! (`XT_EXTENSION_MAXNAMELEN`), names starting with `-` or `!`, and names with blanks.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use super::hook::Hook;

/// The longest chain name iptables accepts (`XT_EXTENSION_MAXNAMELEN - 1`).
pub const MAX_CHAIN_NAME_LEN: usize = 28;

/// A chain name. Built-in chains are spelled like their [`Hook`].
///
/// The text is shared: cloning a name (every `-j CHAIN` and every rule of a generated chain
/// holds one; ~320,000 rules for 10,000 Services) bumps a reference count instead of
/// allocating. Order, equality and hashing are those of the text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChainName(Arc<str>);

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
        Ok(ChainName(Arc::from(name)))
    }

    /// A name the engine generated itself (e.g. `KUBE-SVC-` + a 16-character hash), taken as is.
    /// Use [`ChainName::new`] for user input; [`crate::netfilter::check`] still reports a bad name.
    pub fn from_trusted(name: impl Into<String>) -> ChainName {
        ChainName(Arc::from(name.into()))
    }

    /// [`ChainName::from_trusted`] for a borrowed name, copied once.
    pub fn from_trusted_str(name: &str) -> ChainName {
        ChainName(Arc::from(name))
    }

    /// The name of the built-in chain of `hook`.
    pub fn builtin(hook: Hook) -> ChainName {
        ChainName(Arc::from(hook.name()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hook, if this is a built-in chain name.
    pub fn hook(&self) -> Option<Hook> {
        Hook::parse(&self.0)
    }

    /// Whether [`ChainName::new`] would accept `name`, without allocating (the parser asks
    /// this for every `-j` word).
    pub fn is_valid(name: &str) -> bool {
        !name.is_empty()
            && name.chars().count() <= MAX_CHAIN_NAME_LEN
            && !name.starts_with(['-', '!'])
            && !name.chars().any(|c| c.is_whitespace() || c.is_control())
    }

    /// Re-checks the invariant (for names made with [`ChainName::from_trusted`]).
    pub fn validate(&self) -> Result<(), ChainNameError> {
        ChainName::new(self.0.to_string()).map(|_| ())
    }
}

impl From<Hook> for ChainName {
    fn from(hook: Hook) -> ChainName {
        ChainName::builtin(hook)
    }
}

/// Lets maps keyed by chain name be searched with a `&str` (the derived order and equality
/// are those of the inner String, hence of `str`).
impl Borrow<str> for ChainName {
    fn borrow(&self) -> &str {
        &self.0
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
    fn is_valid_agrees_with_new() {
        let long = "x".repeat(29);
        for name in ["KUBE-SVC-XPGD46QRK7WJZT7O", "", "-j", "!x", "A B", "tab\there", "x\u{7}", &long, "é".repeat(28).as_str()] {
            assert_eq!(ChainName::is_valid(name), ChainName::new(name).is_ok(), "{name:?}");
        }
    }

    #[test]
    fn builtin_names_know_their_hook() {
        assert_eq!(ChainName::builtin(Hook::Forward).hook(), Some(Hook::Forward));
        assert_eq!(ChainName::from_trusted("KUBE-FORWARD").hook(), None);
    }
}
