//! `Rule`: the criteria, matches and target of one `-A CHAIN ...` line.
//!
//! Part of the netfilter model. The fixed criteria (`-s -d -i -o -p`) are fields; module
//! matches are a list in the order given (kernel order); the target is optional (a rule
//! without one only counts packets, like the comment-only last rule of kube-proxy's KUBE-FW
//! chains). `Display` prints what follows `-A CHAIN ` in `iptables-save`, in its field order:
//! `[!] -s`, `[!] -d`, `[!] -i`, `[!] -o`, `[!] -p`, the matches, then the target
//! (`nft_ipv4_save_rule` in iptables/nft-ipv4.c).

use std::fmt;

use crate::net::Cidr;

use super::counters::Counters;
use super::interface::Interface;
use super::ip_protocol::IpProtocol;
use super::matches::Match;
use super::negatable::Negatable;
use super::target::Target;

/// One rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Rule {
    /// `-s`: printed with its prefix length (`/32` for a host).
    pub source: Option<Negatable<Cidr>>,
    /// `-d`.
    pub destination: Option<Negatable<Cidr>>,
    /// `-i`: the incoming interface (PREROUTING, INPUT, FORWARD).
    pub in_interface: Option<Negatable<Interface>>,
    /// `-o`: the outgoing interface (FORWARD, OUTPUT, POSTROUTING).
    pub out_interface: Option<Negatable<Interface>>,
    /// `-p`.
    pub protocol: Option<Negatable<IpProtocol>>,
    /// `-m ...` in order.
    pub matches: Vec<Match>,
    /// `-j` / `-g`; `None` for a rule that only counts.
    pub target: Option<Target>,
    /// Packet and byte counters (`iptables-save -c`, `iptables -L -v`).
    pub counters: Counters,
}

impl Rule {
    /// A rule with no criteria and this target (`-A CHAIN -j TARGET`).
    pub fn jump(target: Target) -> Rule {
        Rule { target: Some(target), ..Rule::default() }
    }

    /// Builder: `-s`.
    pub fn source(mut self, cidr: Cidr) -> Rule {
        self.source = Some(Negatable::is(cidr));
        self
    }

    /// Builder: `! -s`.
    pub fn not_source(mut self, cidr: Cidr) -> Rule {
        self.source = Some(Negatable::not(cidr));
        self
    }

    /// Builder: `-d`.
    pub fn destination(mut self, cidr: Cidr) -> Rule {
        self.destination = Some(Negatable::is(cidr));
        self
    }

    /// Builder: `! -d`.
    pub fn not_destination(mut self, cidr: Cidr) -> Rule {
        self.destination = Some(Negatable::not(cidr));
        self
    }

    /// Builder: `-i`.
    pub fn in_interface(mut self, interface: Interface) -> Rule {
        self.in_interface = Some(Negatable::is(interface));
        self
    }

    /// Builder: `-o`.
    pub fn out_interface(mut self, interface: Interface) -> Rule {
        self.out_interface = Some(Negatable::is(interface));
        self
    }

    /// Builder: `-p`.
    pub fn protocol(mut self, protocol: IpProtocol) -> Rule {
        self.protocol = Some(Negatable::is(protocol));
        self
    }

    /// Builder: appends a match.
    pub fn with(mut self, matched: Match) -> Rule {
        self.matches.push(matched);
        self
    }

    /// Builder: sets the target.
    pub fn target(mut self, target: Target) -> Rule {
        self.target = Some(target);
        self
    }

    /// The comment of the first `-m comment`, if any.
    pub fn comment(&self) -> Option<&str> {
        self.matches.iter().find_map(|matched| match matched {
            Match::Comment(comment) => Some(comment.text()),
            _ => None,
        })
    }

    /// The rule's parts in save order, each a complete fragment such as `! -s 10.0.0.0/8`.
    pub fn fragments(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if let Some(source) = &self.source {
            parts.push(format!("{}-s {}", source.bang(), source.value));
        }
        if let Some(destination) = &self.destination {
            parts.push(format!("{}-d {}", destination.bang(), destination.value));
        }
        if let Some(interface) = &self.in_interface {
            parts.push(format!("{}-i {}", interface.bang(), interface.value));
        }
        if let Some(interface) = &self.out_interface {
            parts.push(format!("{}-o {}", interface.bang(), interface.value));
        }
        if let Some(protocol) = &self.protocol {
            parts.push(format!("{}-p {}", protocol.bang(), protocol.value));
        }
        parts.extend(self.matches.iter().map(|matched| matched.to_string()));
        if let Some(target) = &self.target {
            parts.push(target.to_string());
        }
        parts
    }
}

impl fmt::Display for Rule {
    /// Everything after `-A CHAIN ` (empty for a rule with nothing at all).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.fragments().join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netfilter::chain_name::ChainName;
    use crate::netfilter::matches::Ports;

    #[test]
    fn prints_in_iptables_save_field_order() {
        // Reference §12.1, the KUBE-SVC masquerade rule.
        let rule = Rule::default()
            .with(Match::comment("ns1/svc1:p80 cluster IP"))
            .with(Match::Tcp(Ports::destination(80)))
            .protocol(IpProtocol::TCP)
            .destination(Cidr::host("172.30.0.41".parse().unwrap()))
            .not_source(Cidr::parse_strict("10.0.0.0/8").unwrap())
            .target(Target::Jump(ChainName::from_trusted("KUBE-MARK-MASQ")));
        assert_eq!(
            rule.to_string(),
            r#"! -s 10.0.0.0/8 -d 172.30.0.41/32 -p tcp -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ"#
        );
        assert_eq!(rule.comment(), Some("ns1/svc1:p80 cluster IP"));
    }

    #[test]
    fn a_rule_may_have_no_target() {
        let rule = Rule::default()
            .with(Match::comment("other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL"));
        assert_eq!(
            rule.to_string(),
            r#"-m comment --comment "other traffic to ns5/svc5:p80 will be dropped by KUBE-PROXY-FIREWALL""#
        );
        assert_eq!(Rule::default().to_string(), "");
    }
}
