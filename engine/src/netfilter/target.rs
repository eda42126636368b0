//! `Target`: what a rule does when it matches (`-j ACCEPT`, `-j KUBE-SVC-...`, `-j DNAT ...`).
//!
//! Part of the netfilter model. `Display` is the exact `iptables-save` fragment, starting with
//! `-j` (or `-g` for a goto). Targets the lab does not model are kept as
//! [`Target::Unknown`] so they print and can be reported as "not emulated".

pub mod log;
pub mod nat;
pub mod reject;

use std::fmt;

pub use log::Log;
pub use nat::{Masquerade, Nat, NatRange};
pub use reject::RejectWith;

use super::chain_name::ChainName;
use super::mark::MarkMask;
use super::quote::quote_word;

/// A rule's target.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// `-j ACCEPT`: stop traversing this table's hook; the packet goes on.
    Accept,
    /// `-j DROP`: discard silently.
    Drop,
    /// `-j RETURN`: go back to the calling chain (or the policy, in a built-in chain).
    Return,
    /// `-j REJECT --reject-with TYPE`.
    Reject(RejectWith),
    /// `-j CHAIN`: traverse a user chain, then come back.
    Jump(ChainName),
    /// `-g CHAIN`: continue in a user chain and do not come back here.
    Goto(ChainName),
    /// `-j DNAT --to-destination ...`.
    Dnat(Nat),
    /// `-j SNAT --to-source ...`.
    Snat(Nat),
    /// `-j MASQUERADE [...]`.
    Masquerade(Masquerade),
    /// `-j MARK --set-xmark VALUE/MASK`: `mark = (mark & !MASK) ^ VALUE`. The other spellings
    /// (`--or-mark`, `--xor-mark`, `--and-mark`, `--set-mark`) are normalised to this, as the
    /// kernel stores them (libxt_MARK.c `mark_tg_parse`).
    Mark(MarkMask),
    /// `-j LOG ...`.
    Log(Log),
    /// `-j TRACE` (raw table): trace the packet through every rule.
    Trace,
    /// Any other target extension, kept verbatim: `-j NAME ARGS...`.
    Unknown { name: String, args: Vec<String> },
}

impl Target {
    /// `-j DNAT --to-destination ip:port`.
    pub fn dnat(address: std::net::Ipv4Addr, port: u16) -> Target {
        Target::Dnat(Nat::to(NatRange::socket(address, port)))
    }

    /// `--or-mark BITS`: set the bits (`--set-xmark BITS/BITS`).
    pub fn or_mark(bits: u32) -> Target {
        Target::Mark(MarkMask::new(bits, bits))
    }

    /// `--xor-mark BITS`: flip the bits (`--set-xmark BITS/0x0`).
    pub fn xor_mark(bits: u32) -> Target {
        Target::Mark(MarkMask::new(bits, 0))
    }

    /// `--and-mark BITS`: keep only these bits (`--set-xmark 0x0/~BITS`).
    pub fn and_mark(bits: u32) -> Target {
        Target::Mark(MarkMask::new(0, !bits))
    }

    /// `--set-mark VALUE[/MASK]`: (`--set-xmark VALUE/(MASK|VALUE)`).
    pub fn set_mark(value: u32, mask: u32) -> Target {
        Target::Mark(MarkMask::new(value, mask | value))
    }

    /// Whether this ends the traversal of the current hook (ACCEPT, DROP, REJECT, DNAT ...),
    /// as opposed to continuing (MARK, LOG, TRACE) or moving between chains (jump, goto, RETURN).
    pub fn is_terminal(&self) -> bool {
        match self {
            Target::Accept
            | Target::Drop
            | Target::Reject(_)
            | Target::Dnat(_)
            | Target::Snat(_)
            | Target::Masquerade(_) => true,
            Target::Return
            | Target::Jump(_)
            | Target::Goto(_)
            | Target::Mark(_)
            | Target::Log(_)
            | Target::Trace
            | Target::Unknown { .. } => false,
        }
    }

    /// The user chain this target enters, if any.
    pub fn chain(&self) -> Option<&ChainName> {
        match self {
            Target::Jump(chain) | Target::Goto(chain) => Some(chain),
            _ => None,
        }
    }

    /// The name in the `target` column of `iptables -L` (the chain, or the extension).
    pub fn name(&self) -> &str {
        match self {
            Target::Accept => "ACCEPT",
            Target::Drop => "DROP",
            Target::Return => "RETURN",
            Target::Reject(_) => "REJECT",
            Target::Jump(chain) | Target::Goto(chain) => chain.as_str(),
            Target::Dnat(_) => "DNAT",
            Target::Snat(_) => "SNAT",
            Target::Masquerade(_) => "MASQUERADE",
            Target::Mark(_) => "MARK",
            Target::Log(_) => "LOG",
            Target::Trace => "TRACE",
            Target::Unknown { name, .. } => name,
        }
    }

    /// The text `iptables -L` appends after the matches (e.g. `to:10.180.0.1:80`,
    /// `MARK or 0x4000`, `reject-with icmp-port-unreachable`, `[goto]`), without surrounding spaces.
    pub fn list_text(&self) -> String {
        match self {
            Target::Accept | Target::Drop | Target::Return | Target::Jump(_) | Target::Trace => String::new(),
            Target::Goto(_) => "[goto]".to_string(),
            Target::Reject(with) => format!("reject-with {with}"),
            Target::Dnat(nat) | Target::Snat(nat) => format!("to:{}{}", nat.to, nat.list_flags()),
            Target::Masquerade(masquerade) => {
                let mut out = String::new();
                if let Some(ports) = masquerade.to_ports {
                    out.push_str(&format!("masq ports: {}", nat::dash_range(ports)));
                }
                for (set, name) in [(masquerade.random, "random"), (masquerade.random_fully, "random-fully")] {
                    if set {
                        if !out.is_empty() {
                            out.push(' ');
                        }
                        out.push_str(name);
                    }
                }
                out
            }
            Target::Mark(mark) => mark_list_text(*mark),
            Target::Log(log) => log.list_options().trim_start().to_string(),
            Target::Unknown { args, .. } => args.iter().map(|arg| quote_word(arg)).collect::<Vec<_>>().join(" "),
        }
    }
}

/// libxt_MARK.c `mark_tg_print` (revision 2): names the operation the value/mask pair performs.
fn mark_list_text(mark: MarkMask) -> String {
    if mark.value == 0 {
        format!("MARK and {:#x}", !mark.mask)
    } else if mark.value == mark.mask {
        format!("MARK or {:#x}", mark.value)
    } else if mark.mask == 0 {
        format!("MARK xor {:#x}", mark.value)
    } else if mark.mask == u32::MAX {
        format!("MARK set {:#x}", mark.value)
    } else {
        format!("MARK xset {mark}")
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Accept | Target::Drop | Target::Return | Target::Trace => write!(f, "-j {}", self.name()),
            Target::Reject(with) => write!(f, "-j REJECT --reject-with {with}"),
            Target::Jump(chain) => write!(f, "-j {chain}"),
            Target::Goto(chain) => write!(f, "-g {chain}"),
            Target::Dnat(nat) => write!(f, "-j DNAT --to-destination {}{}", nat.to, nat.save_flags()),
            Target::Snat(nat) => write!(f, "-j SNAT --to-source {}{}", nat.to, nat.save_flags()),
            Target::Masquerade(masquerade) => write!(f, "-j MASQUERADE{masquerade}"),
            Target::Mark(mark) => write!(f, "-j MARK --set-xmark {mark}"),
            Target::Log(log) => write!(f, "-j LOG{log}"),
            Target::Unknown { name, args } => {
                write!(f, "-j {name}")?;
                for arg in args {
                    write!(f, " {}", quote_word(arg))?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mark_spellings_normalise_like_iptables() {
        // Reference §12.4.
        assert_eq!(Target::or_mark(0x4000).to_string(), "-j MARK --set-xmark 0x4000/0x4000");
        assert_eq!(Target::xor_mark(0x4000).to_string(), "-j MARK --set-xmark 0x4000/0x0");
        assert_eq!(Target::and_mark(0xffff_bfff).to_string(), "-j MARK --set-xmark 0x0/0x4000");
        assert_eq!(Target::set_mark(0x1, u32::MAX).to_string(), "-j MARK --set-xmark 0x1/0xffffffff");
        assert_eq!(Target::or_mark(0x4000).list_text(), "MARK or 0x4000");
        assert_eq!(Target::xor_mark(0x4000).list_text(), "MARK xor 0x4000");
        assert_eq!(Target::and_mark(0xffff_bfff).list_text(), "MARK and 0xffffbfff");
    }

    #[test]
    fn reject_always_names_its_type() {
        assert_eq!(Target::Reject(RejectWith::default()).to_string(), "-j REJECT --reject-with icmp-port-unreachable");
    }

    #[test]
    fn dnat_and_goto() {
        let dnat = Target::dnat("10.180.0.1".parse().unwrap(), 80);
        assert_eq!(dnat.to_string(), "-j DNAT --to-destination 10.180.0.1:80");
        assert_eq!(dnat.list_text(), "to:10.180.0.1:80");
        assert_eq!(Target::Goto(ChainName::from_trusted("cali-wl-to-host")).to_string(), "-g cali-wl-to-host");
        assert_eq!(Target::Masquerade(Masquerade::random_fully()).to_string(), "-j MASQUERADE --random-fully");
    }
}
