//! `-m recent`: per-address lists with timestamps, kube-proxy's ClientIP session affinity.
//!
//! Part of the netfilter matches. kube-proxy writes `--name KUBE-SEP-x --set` on the DNAT rule
//! and `--name KUBE-SEP-x --rcheck --seconds T --reap` on the affinity rule; `recent_save`
//! (libxt_recent.c) prints `[!] --set|--rcheck|--update|--remove [--seconds N] [--reap]
//! [--hitcount N] [--rttl] --name NAME --mask MASK --rsource|--rdest`.

use std::fmt;
use std::net::Ipv4Addr;

/// What the recent match does with the packet's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecentCommand {
    /// `--set`: add or refresh the address; always matches.
    Set,
    /// `--rcheck`: is the address in the list?
    Check,
    /// `--update`: like `--rcheck`, and refresh the timestamp.
    Update,
    /// `--remove`: remove the address if it is there (matches if it was).
    Remove,
}

impl RecentCommand {
    fn save_name(self) -> &'static str {
        match self {
            RecentCommand::Set => "--set",
            RecentCommand::Check => "--rcheck",
            RecentCommand::Update => "--update",
            RecentCommand::Remove => "--remove",
        }
    }

    fn list_name(self) -> &'static str {
        match self {
            RecentCommand::Set => "SET",
            RecentCommand::Check => "CHECK",
            RecentCommand::Update => "UPDATE",
            RecentCommand::Remove => "REMOVE",
        }
    }
}

/// Which address of the packet goes into the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum RecentSide {
    /// `--rsource` (the default).
    #[default]
    Source,
    /// `--rdest`.
    Destination,
}

/// The recent match.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Recent {
    pub negated: bool,
    pub command: RecentCommand,
    /// `--seconds`: only entries seen within this many seconds count (0 = no limit, not printed).
    pub seconds: u32,
    /// `--reap`: purge entries older than `seconds`.
    pub reap: bool,
    /// `--hitcount`: the entry must have been seen this many times (0 = not printed).
    pub hit_count: u32,
    /// `--rttl`: the TTL must also match.
    pub rttl: bool,
    /// `--name`, `DEFAULT` when not given.
    pub name: String,
    /// `--mask`, applied to the address (`255.255.255.255` when not given).
    pub mask: Ipv4Addr,
    pub side: RecentSide,
}

impl Recent {
    /// A match with iptables' defaults for everything but the command and name.
    pub fn new(command: RecentCommand, name: impl Into<String>) -> Recent {
        Recent {
            negated: false,
            command,
            seconds: 0,
            reap: false,
            hit_count: 0,
            rttl: false,
            name: name.into(),
            mask: Ipv4Addr::BROADCAST,
            side: RecentSide::Source,
        }
    }

    /// kube-proxy's affinity check: `--rcheck --seconds T --reap --name NAME`.
    pub fn affinity_check(name: impl Into<String>, seconds: u32) -> Recent {
        Recent { seconds, reap: true, ..Recent::new(RecentCommand::Check, name) }
    }

    /// `[! ]recent: CHECK seconds: ... mask: ...`, as `iptables -L` prints it (`recent_print`).
    pub(crate) fn list_text(&self) -> String {
        let mut out = String::new();
        if self.negated {
            out.push_str("! ");
        }
        out.push_str("recent: ");
        out.push_str(self.command.list_name());
        if self.seconds != 0 {
            out.push_str(&format!(" seconds: {}", self.seconds));
        }
        if self.reap {
            out.push_str(" reap");
        }
        if self.hit_count != 0 {
            out.push_str(&format!(" hit_count: {}", self.hit_count));
        }
        if self.rttl {
            out.push_str(" TTL-Match");
        }
        out.push_str(&format!(" name: {}", self.name));
        match self.side {
            RecentSide::Source => out.push_str(" side: source"),
            RecentSide::Destination => out.push_str(" side: dest"),
        }
        out.push_str(&format!(" mask: {}", self.mask));
        out
    }
}

impl fmt::Display for Recent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("-m recent")?;
        if self.negated {
            f.write_str(" !")?;
        }
        write!(f, " {}", self.command.save_name())?;
        if self.seconds != 0 {
            write!(f, " --seconds {}", self.seconds)?;
        }
        if self.reap {
            f.write_str(" --reap")?;
        }
        if self.hit_count != 0 {
            write!(f, " --hitcount {}", self.hit_count)?;
        }
        if self.rttl {
            f.write_str(" --rttl")?;
        }
        write!(f, " --name {} --mask {}", self.name, self.mask)?;
        match self.side {
            RecentSide::Source => f.write_str(" --rsource"),
            RecentSide::Destination => f.write_str(" --rdest"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_proxy_affinity_rules_save_as_reference_section_10() {
        assert_eq!(
            Recent::affinity_check("KUBE-SEP-I77PXRDZVX7PMWMN", 10800).to_string(),
            "-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-I77PXRDZVX7PMWMN --mask 255.255.255.255 --rsource"
        );
        assert_eq!(
            Recent::new(RecentCommand::Set, "KUBE-SEP-I77PXRDZVX7PMWMN").to_string(),
            "-m recent --set --name KUBE-SEP-I77PXRDZVX7PMWMN --mask 255.255.255.255 --rsource"
        );
    }
}
