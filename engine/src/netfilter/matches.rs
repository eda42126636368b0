//! `Match`: one `-m MODULE OPTIONS` criterion of a rule, typed per module.
//!
//! Part of the netfilter model. Each variant's `Display` is the exact `iptables-save`
//! fragment (from `-m` to the last option, no surrounding spaces), so a rule prints by joining
//! them. Modules the lab does not model are kept as [`UnknownMatch`] so they still print and
//! evaluation can say "not emulated".

pub mod addrtype;
pub mod comment;
pub mod conntrack;
pub mod multiport;
pub mod nfacct;
pub mod ports;
pub mod recent;
pub mod rpfilter;
pub mod set;
pub mod statistic;
pub mod unknown;

use std::fmt;

pub use addrtype::{AddrTypes, Addrtype, LimitIface};
pub use comment::Comment;
pub use conntrack::{Conntrack, CtState, CtStates};
pub use multiport::{Multiport, MultiportSide};
pub use nfacct::Nfacct;
pub use ports::Ports;
pub use recent::{Recent, RecentCommand, RecentSide};
pub use rpfilter::Rpfilter;
pub use set::{SetDirection, SetMatch};
pub use statistic::{Statistic, StatisticMode};
pub use unknown::UnknownMatch;

use super::mark::MarkMask;
use super::negatable::Negatable;

/// One match of a rule.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Match {
    /// `-m comment --comment TEXT`.
    Comment(Comment),
    /// `-m tcp [--sport P] [--dport P]`.
    Tcp(Ports),
    /// `-m udp [--sport P] [--dport P]`.
    Udp(Ports),
    /// `-m addrtype ...`.
    Addrtype(Addrtype),
    /// `-m statistic ...`.
    Statistic(Statistic),
    /// `-m mark [!] --mark VALUE[/MASK]`.
    Mark(Negatable<MarkMask>),
    /// `-m conntrack [!] --ctstate STATES`.
    Conntrack(Conntrack),
    /// `-m recent ...`.
    Recent(Recent),
    /// `-m nfacct --nfacct-name NAME`.
    Nfacct(Nfacct),
    /// `-m set [!] --match-set NAME DIRS`.
    Set(SetMatch),
    /// `-m multiport ...`.
    Multiport(Multiport),
    /// `-m rpfilter ...`.
    Rpfilter(Rpfilter),
    /// Any other module, kept verbatim.
    Unknown(UnknownMatch),
}

impl Match {
    /// `-m comment --comment TEXT`.
    pub fn comment(text: impl Into<String>) -> Match {
        Match::Comment(Comment::new(text))
    }

    /// The module name, as after `-m`.
    pub fn module(&self) -> &str {
        match self {
            Match::Comment(_) => "comment",
            Match::Tcp(_) => "tcp",
            Match::Udp(_) => "udp",
            Match::Addrtype(_) => "addrtype",
            Match::Statistic(_) => "statistic",
            Match::Mark(_) => "mark",
            Match::Conntrack(_) => "conntrack",
            Match::Recent(_) => "recent",
            Match::Nfacct(_) => "nfacct",
            Match::Set(_) => "set",
            Match::Multiport(_) => "multiport",
            Match::Rpfilter(_) => "rpfilter",
            Match::Unknown(unknown) => &unknown.module,
        }
    }

    /// The match as `iptables -L` prints it in the last column (e.g. `/* text */`,
    /// `tcp dpt:80`, `ADDRTYPE match dst-type LOCAL`), without surrounding spaces.
    pub fn list_text(&self) -> String {
        match self {
            Match::Comment(comment) => format!("/* {} */", comment.text()),
            Match::Tcp(ports) => format!("tcp{}", ports.list_options()),
            Match::Udp(ports) => format!("udp{}", ports.list_options()),
            Match::Addrtype(addrtype) => format!("ADDRTYPE match{}", addrtype.list_options()),
            Match::Statistic(statistic) => format!("statistic{}", statistic.list_options()),
            Match::Mark(mark) => format!("mark match {}{}", mark.bang(), mark_match_value(mark.value)),
            Match::Conntrack(conntrack) => conntrack.list_text(),
            Match::Recent(recent) => recent.list_text(),
            Match::Nfacct(nfacct) => nfacct.list_text(),
            Match::Set(set) => set.list_text(),
            Match::Multiport(multiport) => multiport.list_text(),
            Match::Rpfilter(rpfilter) => format!("rpfilter{}", rpfilter.list_options()),
            Match::Unknown(unknown) => format!("{}{}", unknown.module, unknown.list_options()),
        }
    }
}

/// The mark match prints `0xV` when the mask is all ones, else `0xV/0xM` (libxt_mark `print_mark`).
pub(crate) fn mark_match_value(mark: MarkMask) -> String {
    if mark.mask == u32::MAX { format!("{:#x}", mark.value) } else { mark.to_string() }
}

impl fmt::Display for Match {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Match::Comment(comment) => comment.fmt(f),
            Match::Tcp(ports) => ports::SaveFragment("tcp", ports).fmt(f),
            Match::Udp(ports) => ports::SaveFragment("udp", ports).fmt(f),
            Match::Addrtype(addrtype) => addrtype.fmt(f),
            Match::Statistic(statistic) => statistic.fmt(f),
            Match::Mark(mark) => write!(f, "-m mark {}--mark {}", mark.bang(), mark_match_value(mark.value)),
            Match::Conntrack(conntrack) => conntrack.fmt(f),
            Match::Recent(recent) => recent.fmt(f),
            Match::Nfacct(nfacct) => nfacct.fmt(f),
            Match::Set(set) => set.fmt(f),
            Match::Multiport(multiport) => multiport.fmt(f),
            Match::Rpfilter(rpfilter) => rpfilter.fmt(f),
            Match::Unknown(unknown) => unknown.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mark_match_hides_a_full_mask() {
        let masq = Match::Mark(Negatable::not(MarkMask::new(0x4000, 0x4000)));
        assert_eq!(masq.to_string(), "-m mark ! --mark 0x4000/0x4000");
        let exact = Match::Mark(Negatable::is(MarkMask::new(0x4000, u32::MAX)));
        assert_eq!(exact.to_string(), "-m mark --mark 0x4000");
    }
}
