//! `FelixRule`: one rule as Felix builds it (comments, match criteria, action), rendered two ways.
//!
//! Part of the Calico stage. Felix hashes the text *it* writes to `iptables-restore`
//! (`--jump ACCEPT`, `-p 4`, `--set-mark 0/0xf0000`), which differs from what `iptables-save`
//! prints back (`-j ACCEPT`, `-p ipencap`, `--set-xmark 0x0/0xf0000`). So each rule keeps
//! Felix's typed criteria: [`FelixRule::fragment`] is Felix's text (the hash input, from
//! felix/iptables/match_builder.go and actions.go), and [`FelixRule::to_rule`] is the typed
//! netfilter rule the kernel stores, with the `cali:` hash comment first.

use crate::netfilter::PortRange;
use crate::netfilter::matches::{
    AddrTypes, Addrtype, Conntrack, CtState, LimitIface, Multiport, MultiportSide, Rpfilter, SetDirection, SetMatch,
};
use crate::netfilter::target::Masquerade;
use crate::netfilter::{ChainName, Interface, IpProtocol, MarkMask, Match, Negatable, Rule, Target};

/// One criterion, in the order Felix appends it (`matchCriteria` is an ordered list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FelixMatch {
    /// `MarkMatchesWithMask` / `MarkSingleBitSet`: `-m mark --mark 0x10000/0x10000`.
    Mark { mark: u32, mask: u32 },
    /// `MarkClear`: `-m mark --mark 0/0x10000` (note Felix writes `0`, not `0x0`).
    MarkClear(u32),
    /// `--in-interface cali+`.
    InInterface(String),
    /// `--out-interface tunl0`.
    OutInterface(String),
    /// `ProtocolNum`: `-p 4`.
    ProtocolNum(u8),
    /// `RPFCheckFailed`: `-m rpfilter --invert --validmark`.
    RpfCheckFailed,
    /// `SrcAddrType` / `NotSrcAddrType`: `-m addrtype [!] --src-type LOCAL [--limit-iface-out]`.
    SrcAddrTypeLocal { negated: bool, limit_iface_out: bool },
    /// `DestAddrType`: `-m addrtype --dst-type LOCAL`.
    DestAddrTypeLocal,
    /// `ConntrackState` / `NotConntrackState`: `-m conntrack [!] --ctstate STATES`.
    ConntrackState { negated: bool, states: Vec<CtState> },
    /// `SourceIPSet` / `NotSourceIPSet` / `DestIPSet` / `NotDestIPSet`.
    IpSet { negated: bool, name: String, direction: SetDirection },
    /// `DestPorts`: `-m multiport --destination-ports 4789`.
    DestPorts(Vec<u16>),
}

impl FelixMatch {
    /// Felix's restore text for this criterion.
    pub fn fragment(&self) -> String {
        match self {
            FelixMatch::Mark { mark, mask } => format!("-m mark --mark {mark:#x}/{mask:#x}"),
            FelixMatch::MarkClear(mask) => format!("-m mark --mark 0/{mask:#x}"),
            FelixMatch::InInterface(name) => format!("--in-interface {name}"),
            FelixMatch::OutInterface(name) => format!("--out-interface {name}"),
            FelixMatch::ProtocolNum(number) => format!("-p {number}"),
            FelixMatch::RpfCheckFailed => "-m rpfilter --invert --validmark".to_string(),
            FelixMatch::SrcAddrTypeLocal { negated, limit_iface_out } => format!(
                "-m addrtype {}--src-type LOCAL{}",
                if *negated { "! " } else { "" },
                if *limit_iface_out { " --limit-iface-out" } else { "" }
            ),
            FelixMatch::DestAddrTypeLocal => "-m addrtype --dst-type LOCAL".to_string(),
            FelixMatch::ConntrackState { negated, states } => {
                let names: Vec<&str> = states.iter().map(|state| state.name()).collect();
                format!("-m conntrack {}--ctstate {}", if *negated { "! " } else { "" }, names.join(","))
            }
            FelixMatch::IpSet { negated, name, direction } => {
                format!("-m set {}--match-set {name} {}", if *negated { "! " } else { "" }, direction.name())
            }
            FelixMatch::DestPorts(ports) => {
                let ports: Vec<String> = ports.iter().map(|port| port.to_string()).collect();
                format!("-m multiport --destination-ports {}", ports.join(","))
            }
        }
    }

    /// Adds this criterion to a netfilter rule: the fixed `-i -o -p` fields, or a module match.
    fn add_to(&self, rule: &mut Rule) {
        match self {
            FelixMatch::Mark { mark, mask } => {
                rule.matches.push(Match::Mark(Negatable::is(MarkMask::new(*mark, *mask))));
            }
            FelixMatch::MarkClear(mask) => rule.matches.push(Match::Mark(Negatable::is(MarkMask::new(0, *mask)))),
            FelixMatch::InInterface(name) => {
                rule.in_interface = Interface::new(name.clone()).map(Negatable::is);
            }
            FelixMatch::OutInterface(name) => {
                rule.out_interface = Interface::new(name.clone()).map(Negatable::is);
            }
            FelixMatch::ProtocolNum(number) => {
                rule.protocol = IpProtocol::new(*number).map(Negatable::is);
            }
            FelixMatch::RpfCheckFailed => {
                rule.matches.push(Match::Rpfilter(Rpfilter { validmark: true, invert: true, ..Rpfilter::default() }))
            }
            FelixMatch::SrcAddrTypeLocal { negated, limit_iface_out } => {
                let types = if *negated { Negatable::not(AddrTypes::LOCAL) } else { Negatable::is(AddrTypes::LOCAL) };
                rule.matches.push(Match::Addrtype(Addrtype {
                    source: Some(types),
                    destination: None,
                    limit_iface: limit_iface_out.then_some(LimitIface::Out),
                }));
            }
            FelixMatch::DestAddrTypeLocal => rule.matches.push(Match::Addrtype(Addrtype::destination_local())),
            FelixMatch::ConntrackState { negated, states } => rule.matches.push(Match::Conntrack(if *negated {
                Conntrack::not_state(states)
            } else {
                Conntrack::state(states)
            })),
            FelixMatch::IpSet { negated, name, direction } => {
                rule.matches
                    .push(Match::Set(SetMatch { negated: *negated, ..SetMatch::new(name.clone(), *direction) }));
            }
            FelixMatch::DestPorts(ports) => rule.matches.push(Match::Multiport(Multiport {
                negated: false,
                side: MultiportSide::Destination,
                ports: ports.iter().map(|port| PortRange::single(*port)).collect(),
            })),
        }
    }
}

/// Felix's actions (felix/iptables/actions.go) that the default iptables dataplane uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FelixAction {
    Accept,
    Drop,
    Return,
    Jump(String),
    Goto(String),
    /// `ClearMarkAction`: `--jump MARK --set-mark 0/MASK`.
    ClearMark(u32),
    /// `SetMarkAction`: `--jump MARK --set-mark BITS/BITS`.
    SetMark(u32),
    /// `MasqAction` with no port range; `--random-fully` when the iptables binary supports it
    /// (`features.MASQFullyRandom`).
    Masquerade {
        random_fully: bool,
    },
}

impl FelixAction {
    /// Felix's `ToFragment`.
    pub fn fragment(&self) -> String {
        match self {
            FelixAction::Accept => "--jump ACCEPT".to_string(),
            FelixAction::Drop => "--jump DROP".to_string(),
            FelixAction::Return => "--jump RETURN".to_string(),
            FelixAction::Jump(chain) => format!("--jump {chain}"),
            FelixAction::Goto(chain) => format!("--goto {chain}"),
            FelixAction::ClearMark(mask) => format!("--jump MARK --set-mark 0/{mask:#x}"),
            FelixAction::SetMark(bits) => format!("--jump MARK --set-mark {bits:#x}/{bits:#x}"),
            FelixAction::Masquerade { random_fully } => {
                if *random_fully {
                    "--jump MASQUERADE --random-fully".to_string()
                } else {
                    "--jump MASQUERADE".to_string()
                }
            }
        }
    }

    /// The target the kernel stores. `--set-mark V/M` becomes `--set-xmark V/(V|M)`
    /// (libxt_MARK.c `mark_tg_parse`, revision 2).
    pub fn target(&self) -> Target {
        match self {
            FelixAction::Accept => Target::Accept,
            FelixAction::Drop => Target::Drop,
            FelixAction::Return => Target::Return,
            FelixAction::Jump(chain) => Target::Jump(ChainName::from_trusted(chain.clone())),
            FelixAction::Goto(chain) => Target::Goto(ChainName::from_trusted(chain.clone())),
            FelixAction::ClearMark(mask) => Target::set_mark(0, *mask),
            FelixAction::SetMark(bits) => Target::set_mark(*bits, *bits),
            FelixAction::Masquerade { random_fully } => {
                Target::Masquerade(Masquerade { random_fully: *random_fully, ..Masquerade::default() })
            }
        }
    }

    /// The chain this action enters, if any (for reference counting and jump checks).
    pub fn chain(&self) -> Option<&str> {
        match self {
            FelixAction::Jump(chain) | FelixAction::Goto(chain) => Some(chain),
            _ => None,
        }
    }
}

/// One rule as Felix's rule renderer produces it (`generictables.Rule`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FelixRule {
    pub matches: Vec<FelixMatch>,
    /// `None` for a rule that only carries comments (an empty profile's placeholder rule).
    pub action: Option<FelixAction>,
    pub comments: Vec<String>,
}

impl FelixRule {
    /// A rule with no criteria.
    pub fn new(action: FelixAction) -> FelixRule {
        FelixRule { matches: Vec::new(), action: Some(action), comments: Vec::new() }
    }

    /// A rule with neither criteria nor action; it only counts packets and carries comments.
    pub fn empty() -> FelixRule {
        FelixRule { matches: Vec::new(), action: None, comments: Vec::new() }
    }

    /// The chain this rule jumps or goes to, if any.
    pub fn target_chain(&self) -> Option<&str> {
        self.action.as_ref().and_then(FelixAction::chain)
    }

    /// Builder: appends a criterion.
    pub fn with(mut self, matched: FelixMatch) -> FelixRule {
        self.matches.push(matched);
        self
    }

    /// Builder: appends a comment.
    pub fn comment(mut self, text: &str) -> FelixRule {
        self.comments.push(text.to_string());
        self
    }

    /// Felix's restore text after the chain name and hash comment (`renderInner`): comments
    /// (escaped, at most 256 bytes), matches, action.
    pub fn fragment(&self) -> String {
        let mut parts: Vec<String> = self
            .comments
            .iter()
            .map(|comment| format!("-m comment --comment \"{}\"", escape_comment(comment)))
            .collect();
        let matches: Vec<String> = self.matches.iter().map(FelixMatch::fragment).collect();
        if !matches.is_empty() {
            parts.push(matches.join(" "));
        }
        if let Some(action) = &self.action {
            parts.push(action.fragment());
        }
        parts.join(" ")
    }

    /// The netfilter rule the kernel holds, as `iptables-save` prints it: the hash comment,
    /// Felix's comments, then the module matches in Felix's order; `-i -o -p` go to their fields.
    pub fn to_rule(&self, hash: &str) -> Rule {
        let mut rule = Rule::default().with(Match::comment(format!("cali:{hash}")));
        for comment in &self.comments {
            rule.matches.push(Match::comment(escape_comment(comment)));
        }
        for matched in &self.matches {
            matched.add_to(&mut rule);
        }
        rule.target = self.action.as_ref().map(FelixAction::target);
        rule
    }
}

/// Port of `escapeComment` and `truncateComment` (felix/iptables/renderer.go): every character
/// outside `[\w @%+=:,./-]` becomes `_`, and the text is cut to 256 bytes.
pub fn escape_comment(text: &str) -> String {
    let escaped: String =
        text.chars().map(|c| if c.is_ascii_alphanumeric() || "_ @%+=:,./-".contains(c) { c } else { '_' }).collect();
    escaped.chars().take(256).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn felix_text_and_saved_text_differ_as_on_a_real_node() {
        let rule = FelixRule::new(FelixAction::Accept)
            .with(FelixMatch::ProtocolNum(4))
            .with(FelixMatch::IpSet {
                negated: false,
                name: "cali40all-hosts-net".to_string(),
                direction: SetDirection::Source,
            })
            .with(FelixMatch::DestAddrTypeLocal)
            .comment("Allow IPIP packets from Calico hosts");
        assert_eq!(
            rule.fragment(),
            "-m comment --comment \"Allow IPIP packets from Calico hosts\" -p 4 -m set --match-set \
             cali40all-hosts-net src -m addrtype --dst-type LOCAL --jump ACCEPT"
        );
        // Reference §1.8: how the rule reads in iptables-save.
        assert_eq!(
            rule.to_rule("abcdefghijklmnop").to_string(),
            "-p ipencap -m comment --comment \"cali:abcdefghijklmnop\" -m comment --comment \"Allow IPIP packets from \
             Calico hosts\" -m set --match-set cali40all-hosts-net src -m addrtype --dst-type LOCAL -j ACCEPT"
        );
    }

    #[test]
    fn marks_save_as_set_xmark() {
        let clear = FelixRule::new(FelixAction::ClearMark(0xf0000));
        assert_eq!(clear.fragment(), "--jump MARK --set-mark 0/0xf0000");
        assert!(clear.to_rule("h").to_string().ends_with("-j MARK --set-xmark 0x0/0xf0000"));
        let set = FelixRule::new(FelixAction::SetMark(0x10000)).with(FelixMatch::MarkClear(0x10000));
        assert_eq!(set.fragment(), "-m mark --mark 0/0x10000 --jump MARK --set-mark 0x10000/0x10000");
        assert!(
            set.to_rule("h").to_string().ends_with("-m mark --mark 0x0/0x10000 -j MARK --set-xmark 0x10000/0x10000")
        );
    }

    #[test]
    fn comments_are_escaped_like_felix() {
        assert_eq!(escape_comment("Return if profile accepted"), "Return if profile accepted");
        assert_eq!(escape_comment("a\"b'c;d"), "a_b_c_d");
        assert_eq!(escape_comment(&"x".repeat(300)).len(), 256);
    }
}
