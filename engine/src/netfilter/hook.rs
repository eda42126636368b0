//! The five netfilter hooks, which are also the built-in chain names (PREROUTING ... POSTROUTING).
//!
//! Part of the netfilter model. Linux `include/uapi/linux/netfilter.h`, `enum nf_inet_hooks`.

use std::fmt;

/// A netfilter hook; each table has a built-in chain of the same name for some of them.
///
/// The declaration order is the kernel's hook order, which is also the order `iptables-save`
/// prints the built-in chains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hook {
    PreRouting,
    Input,
    Forward,
    Output,
    PostRouting,
}

impl Hook {
    /// Every hook, in kernel order.
    pub const ALL: [Hook; 5] = [Hook::PreRouting, Hook::Input, Hook::Forward, Hook::Output, Hook::PostRouting];

    /// The built-in chain name, e.g. `PREROUTING`.
    pub fn name(self) -> &'static str {
        match self {
            Hook::PreRouting => "PREROUTING",
            Hook::Input => "INPUT",
            Hook::Forward => "FORWARD",
            Hook::Output => "OUTPUT",
            Hook::PostRouting => "POSTROUTING",
        }
    }

    /// The hook whose built-in chain is called `name` (case-sensitive, as iptables).
    pub fn parse(name: &str) -> Option<Hook> {
        Hook::ALL.into_iter().find(|hook| hook.name() == name)
    }
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for hook in Hook::ALL {
            assert_eq!(Hook::parse(hook.name()), Some(hook));
        }
        assert_eq!(Hook::parse("prerouting"), None);
        assert_eq!(Hook::PostRouting.to_string(), "POSTROUTING");
    }
}
