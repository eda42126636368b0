//! The kernel's packet path, hop by hop: what Linux does with a packet that arrives on a
//! device, is forwarded, or is sent by a local socket, in netfilter's hook and priority order.
//!
//! Part of [`crate::trace`]. Order (include/uapi/linux/netfilter_ipv4.h priorities):
//!
//! ```text
//! rx dev -> raw PREROUTING -> conntrack in (existing flow: NAT from the entry, nat skipped)
//!        -> mangle PREROUTING -> nat PREROUTING (new flows) -> routing decision
//!   local:   mangle INPUT -> filter INPUT -> nat INPUT -> conntrack confirm
//!            -> IPIP? decapsulate, rx tunl0 again : socket
//!   forward: TTL-1 -> mangle FORWARD -> filter FORWARD -> POSTROUTING
//! local socket -> routing -> raw OUTPUT -> conntrack in -> mangle OUTPUT -> nat OUTPUT
//!        -> (re-route after DNAT) -> filter OUTPUT (`-o` still the first route's device)
//!        -> POSTROUTING (`-o` the new route's device)
//! POSTROUTING: mangle -> nat (new flows; MASQUERADE picks the out device's address)
//!        -> conntrack confirm -> tx dev (tunl0: encapsulate, the outer packet is sent locally)
//!        -> the next host's device by the link (underlay owner, veth peer; proxy ARP)
//! ```
//!
//! Every function returns where the packet ended ([`Fate`]) and pushes [`Step`]s on the way.
//! Nothing loops forever: [`MAX_HOPS`] device crossings and tunnel passes end a trace with a
//! visible step.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use crate::conntrack::{ConntrackTable, Direction, Entry, Tuple};
use crate::dataplane::{self, Host, HostKind, LinkKind, RouteGet};
use crate::netfilter::eval::{
    self, CtView, Distribution, EvalContext, LocalAddresses, NatDecision, NatPort, PacketCtState, RuleRef,
    NetfilterState, Verdict, WalkIndex,
};
use crate::netfilter::target::RejectWith;
use crate::netfilter::{ChainName, Hook, Table};
use crate::packet::{Endpoints, Packet, PacketMeta, Payload};

use super::lab::{Lab, NodeRules};
use super::session::Session;
use super::step::{At, DropReason, Event, RouteResult, Step};

/// The most device crossings, tunnel passes and local sends one packet may take.
pub const MAX_HOPS: usize = 64;

/// The name steps use for the underlay's router, which the lab does not model as a host.
pub const ROUTER: &str = "router";

/// The name steps use for a cloud provider's load balancer (outside the lab's hosts). The
/// lab models a pass-through balancer (like GCP's network load balancer): the packet keeps
/// the load-balancer address as destination and kube-proxy's "loadbalancer IP" rule on the
/// node does the DNAT; replies leave the node with that address as source.
pub const CLOUD_BALANCER: &str = "cloud-lb";

/// Microseconds a packet spends on one link (the lab clock moves by this per hop).
const LINK_MICROS: u64 = 40;

/// `NF_NAT_MAX_ATTEMPTS` (net/netfilter/nf_nat_core.c, from "netfilter: nat: limit port
/// clash resolution attempts"): how many ports one round of the unique-tuple search tries.
const NF_NAT_MAX_ATTEMPTS: u32 = 128;

/// Where a packet ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Handed to the socket layer of `host`.
    Delivered {
        host: String,
        packet: Packet,
        meta: PacketMeta,
    },
    Dropped {
        host: String,
        reason: DropReason,
        rule: Option<RuleRef>,
    },
    /// A REJECT rule refused `packet` (as it was at the rule, after any DNAT).
    Rejected {
        host: String,
        with: RejectWith,
        rule: RuleRef,
        packet: Packet,
    },
    NoRoute {
        host: String,
        destination: Ipv4Addr,
    },
    NotEmulated {
        host: String,
        what: String,
    },
    HopLimit,
}

/// A walk stopped early: the fate, boxed (it is large and rare).
#[derive(Debug)]
struct Stop(Box<Fate>);

impl Stop {
    fn new(fate: Fate) -> Stop {
        Stop(Box::new(fate))
    }
}

/// The first nat decision point of a trace, enumerated instead of drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    pub host: String,
    pub hook: Hook,
    pub distribution: Distribution,
}

/// The packet's conntrack attachment on one host.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ct {
    /// The first packet of a flow: an unconfirmed entry that NAT may still change.
    New(Entry),
    /// A packet of a confirmed flow, with the tuple NAT turns it into.
    Existing {
        id: u32,
        direction: Direction,
        target: Option<Tuple>,
        view: CtView,
    },
    /// conntrack refused the packet (INVALID) or does not track it.
    Untracked(CtView),
}

impl Ct {
    fn view(&self) -> CtView {
        match self {
            Ct::New(entry) => CtView {
                state: PacketCtState::New,
                snat: entry.is_snat(),
                dnat: entry.is_dnat(),
            },
            Ct::Existing { view, .. } | Ct::Untracked(view) => *view,
        }
    }

    fn is_new(&self) -> bool {
        matches!(self, Ct::New(_))
    }
}

/// The result of one table at one hook.
struct TableRun {
    verdict: Verdict,
    nat: Option<NatDecision>,
    mark: u32,
    /// The last rule that decided (for DROP and REJECT).
    rule: Option<RuleRef>,
}

/// Moves packets, recording steps.
pub struct Walker<'a> {
    pub lab: &'a Lab,
    pub session: &'a mut Session,
    pub steps: Vec<Step>,
    pub hops: usize,
    /// When set, the first nat PREROUTING/OUTPUT evaluation of a new flow is also enumerated.
    pub probe: Option<Option<Probe>>,
    /// Record steps (Monte Carlo runs switch this off).
    pub record: bool,
    /// Indexes of the nodes' rules ([`Lab::walk_indexes`]) for walks that record nothing.
    pub indexes: Option<&'a BTreeMap<String, WalkIndex<'a>>>,
    /// The host [`Walker::node`] looked up last, and what it found.
    last_node: Option<(String, Option<Node<'a>>)>,
}

/// What the walker needs of a node with rules.
#[derive(Clone, Copy)]
struct Node<'a> {
    rules: &'a NodeRules,
    addresses: Option<&'a LocalAddresses>,
    index: Option<&'a WalkIndex<'a>>,
}

impl<'a> Walker<'a> {
    pub fn new(lab: &'a Lab, session: &'a mut Session) -> Walker<'a> {
        Walker {
            lab,
            session,
            steps: Vec::new(),
            hops: 0,
            probe: None,
            record: true,
            indexes: None,
            last_node: None,
        }
    }

    fn push(&mut self, host: &str, at: At, event: Event) {
        if self.record {
            let time = self.session.now;
            self.steps.push(Step {
                host: host.to_string(),
                at,
                event,
                time,
            });
        }
    }

    fn host(&self, name: &str) -> Option<&'a Host> {
        self.lab.host(name)
    }

    /// The rules, addresses and index of node `host` (`None` for a host without rules), kept
    /// from the last call: a packet crosses several tables and hooks on one host in a row.
    fn node(&mut self, host: &str) -> Option<Node<'a>> {
        if let Some((name, node)) = &self.last_node
            && name == host
        {
            return *node;
        }
        let node = self.lab.node_rules(host).map(|rules| Node {
            rules,
            addresses: self.lab.addresses.get(host),
            index: self
                .indexes
                .and_then(|indexes| indexes.get(host))
                .filter(|index| std::ptr::eq(index.ruleset(), &rules.ruleset)),
        });
        let (name, cached) = self.last_node.get_or_insert_with(|| (String::new(), None));
        name.clear();
        name.push_str(host);
        *cached = node;
        node
    }

    fn hop(&mut self) -> bool {
        self.hops = self.hops.saturating_add(1);
        self.hops <= MAX_HOPS
    }

    fn hop_limit(&mut self, host: &str) -> Fate {
        let hops = self.hops;
        self.push(host, At::Routing, Event::HopLimit { hops });
        Fate::HopLimit
    }

    // ---- conntrack -------------------------------------------------------------------

    /// `nf_conntrack_in`: attaches the packet to its flow. For a confirmed flow, the
    /// destination half of the entry's NAT is applied here (PREROUTING and OUTPUT do the
    /// `NF_NAT_MANIP_DST` part), and the nat table will be skipped.
    fn conntrack_in(&mut self, host: &str, hook: Hook, packet: Packet) -> (Ct, Packet) {
        let now = self.session.now;
        if !self.session.conntrack.contains_key(host) {
            self.session.conntrack.insert(host.to_string(), ConntrackTable::new());
        }
        let Some(table) = self.session.conntrack.get_mut(host) else {
            return (Ct::Untracked(CtView::plain(PacketCtState::Untracked)), packet);
        };
        let info = table.classify(&packet, 0);
        let view = CtView::from(info);
        match info.entry {
            Some((id, direction)) if info.state == crate::conntrack::CtState::Related => {
                // An ICMP error about a tracked flow: outer and quoted headers are rewritten
                // together (`nf_nat_icmp_reply_translation`).
                let rewritten = table.nat_rewrite(&packet, 0).unwrap_or_else(|| packet.clone());
                let entry = table.get(id).cloned();
                self.tracked(host, hook, entry, direction, &packet, &rewritten);
                (
                    Ct::Existing {
                        id,
                        direction,
                        target: None,
                        view,
                    },
                    rewritten,
                )
            }
            Some((id, direction)) => {
                let target = table.translation(&packet, 0);
                let _ = table.observe(&packet, 0, now);
                let entry = table.get(id).cloned();
                let rewritten = match target.and_then(|tuple| tuple.endpoints()) {
                    Some(ends) => manip_dst(&packet, ends.dst, Some(ends.dst_port)),
                    None => packet.clone(),
                };
                self.tracked(host, hook, entry, direction, &packet, &rewritten);
                (
                    Ct::Existing {
                        id,
                        direction,
                        target,
                        view,
                    },
                    rewritten,
                )
            }
            None => match Entry::new(&packet, 0, now) {
                Some(entry) if matches!(view.state, PacketCtState::New) => {
                    if self.record {
                        self.push(host, At::Conntrack(hook), Event::ConntrackNew { entry: entry.clone() });
                    }
                    (Ct::New(entry), packet)
                }
                _ => (Ct::Untracked(view), packet),
            },
        }
    }

    /// Records a packet of a tracked flow: the entry it hit and, when conntrack rewrote it
    /// (`before` is not `after`), the translation.
    fn tracked(
        &mut self,
        host: &str,
        hook: Hook,
        entry: Option<Entry>,
        direction: Direction,
        before: &Packet,
        after: &Packet,
    ) {
        if !self.record {
            return;
        }
        if let Some(entry) = entry {
            self.push(host, At::Conntrack(hook), Event::ConntrackHit { entry, direction });
        }
        if after != before {
            self.push(
                host,
                At::Conntrack(hook),
                Event::ConntrackNat {
                    before: before.clone(),
                    after: after.clone(),
                },
            );
        }
    }

    /// The entry a looped-back packet already carries, without a second state update.
    fn looped_back(&self, host: &str, packet: &Packet) -> Ct {
        let Some(table) = self.session.conntrack.get(host) else {
            return Ct::Untracked(CtView::plain(PacketCtState::Untracked));
        };
        let info = table.classify(packet, 0);
        let view = CtView::from(info);
        match info.entry {
            Some((id, direction)) => Ct::Existing {
                id,
                direction,
                target: None,
                view,
            },
            None => Ct::Untracked(view),
        }
    }

    /// The source half of a confirmed flow's NAT (POSTROUTING and INPUT, `NF_NAT_MANIP_SRC`).
    fn conntrack_src(&mut self, host: &str, hook: Hook, ct: &Ct, packet: Packet) -> Packet {
        let Ct::Existing {
            target: Some(target), ..
        } = ct
        else {
            return packet;
        };
        let Some(ends) = target.endpoints() else {
            return packet;
        };
        let rewritten = manip_src(&packet, ends.src, Some(ends.src_port));
        if self.record && rewritten != packet {
            self.push(
                host,
                At::Conntrack(hook),
                Event::ConntrackNat {
                    before: packet,
                    after: rewritten.clone(),
                },
            );
        }
        rewritten
    }

    /// `__nf_conntrack_confirm`: inserts a new flow's entry at the end of POSTROUTING or INPUT.
    fn confirm(&mut self, host: &str, hook: Hook, ct: &mut Ct) -> Result<(), Stop> {
        let Ct::New(entry) = ct else {
            return Ok(());
        };
        let table = self.session.conntrack.entry(host.to_string()).or_default();
        match table.confirm(entry.clone()) {
            Ok(id) => {
                let confirmed = table.get(id).cloned();
                let view = ct.view();
                *ct = Ct::Existing {
                    id,
                    direction: Direction::Original,
                    target: None,
                    view,
                };
                if let Some(entry) = confirmed {
                    self.push(host, At::Conntrack(hook), Event::ConntrackConfirmed { entry });
                }
                Ok(())
            }
            Err(_) => {
                self.push(
                    host,
                    At::Conntrack(hook),
                    Event::Dropped {
                        reason: DropReason::NatClash,
                        rule: None,
                    },
                );
                Err(Stop::new(Fate::Dropped {
                    host: host.to_string(),
                    reason: DropReason::NatClash,
                    rule: None,
                }))
            }
        }
    }

    // ---- netfilter -------------------------------------------------------------------

    /// Runs one table at one hook on a node (hosts without rules accept everything).
    #[allow(clippy::too_many_arguments)]
    fn run_table(
        &mut self,
        host: &str,
        hook: Hook,
        table: Table,
        packet: &Packet,
        meta: &PacketMeta,
        ct: &Ct,
        masquerade_source: Option<Ipv4Addr>,
    ) -> TableRun {
        let accept = TableRun {
            verdict: Verdict::Accept,
            nat: None,
            mark: meta.mark,
            rule: None,
        };
        let Some(node) = self.node(host) else {
            return accept;
        };
        let rules = node.rules;
        let has_chain = rules.ruleset.table(table).is_some_and(|rules| {
            // The built-in chains first, by name, without building a ChainName.
            let mut builtins = rules.chains().iter().take_while(|chain| chain.is_builtin());
            builtins.any(|chain| chain.name().as_str() == hook.name())
                || rules.has_chain(&ChainName::builtin(hook))
        });
        if !has_chain {
            return accept;
        }
        let empty_addresses = LocalAddresses::new();
        let addresses = node.addresses.unwrap_or(&empty_addresses);
        let Session {
            netfilter, rng, now, ..
        } = &mut *self.session;
        if !netfilter.contains_key(host) {
            netfilter.insert(host.to_string(), NetfilterState::default());
        }
        let Some(state) = netfilter.get_mut(host) else {
            return accept;
        };
        let mut ctx = EvalContext {
            addresses,
            conntrack: ct.view(),
            ipsets: &rules.ipsets,
            now_secs: now.as_secs(),
            masquerade_source,
            state,
            rng,
        };
        let wants_probe = matches!(self.probe, Some(None))
            && table == Table::Nat
            && matches!(hook, Hook::PreRouting | Hook::Output)
            && ct.is_new();
        if wants_probe {
            let distribution = eval::probabilities(
                &rules.ruleset,
                table,
                hook,
                &ChainName::builtin(hook),
                packet,
                meta,
                &ctx,
            );
            let decides = distribution.outcomes.iter().any(|outcome| outcome.nat.is_some());
            if decides {
                self.probe = Some(Some(Probe {
                    host: host.to_string(),
                    hook,
                    distribution,
                }));
            }
        }
        // A walker that records nothing evaluates quietly: the same rules, verdict and draws,
        // without building a step for each rule looked at.
        let evaluation = match node.index {
            _ if self.record => eval::evaluate(&rules.ruleset, table, hook, packet, meta, &mut ctx),
            Some(index) => index.evaluate_quiet(table, hook, packet, meta, &mut ctx),
            None => eval::evaluate_quiet(&rules.ruleset, table, hook, packet, meta, &mut ctx),
        };
        // The DROP or REJECT rule, for the fate (a policy has no rule number).
        let rule = match evaluation.verdict {
            Verdict::Drop | Verdict::Reject(_) => evaluation.decided_by.clone(),
            _ => None,
        };
        if self.record {
            let time = self.session.now;
            let at = At::Table { hook, table };
            for step in &evaluation.steps {
                self.steps.push(Step {
                    host: host.to_string(),
                    at: at.clone(),
                    event: Event::Rule(step.clone()),
                    time,
                });
            }
            if evaluation.mark_before != evaluation.mark_after {
                self.steps.push(Step {
                    host: host.to_string(),
                    at: at.clone(),
                    event: Event::Mark {
                        before: evaluation.mark_before,
                        after: evaluation.mark_after,
                    },
                    time,
                });
            }
            if !evaluation.steps.is_empty() {
                self.steps.push(Step {
                    host: host.to_string(),
                    at,
                    event: Event::Verdict(evaluation.verdict.clone()),
                    time,
                });
            }
        }
        TableRun {
            verdict: evaluation.verdict,
            nat: evaluation.nat,
            mark: evaluation.mark_after,
            rule,
        }
    }

    /// Runs a table and turns a verdict other than ACCEPT into a fate.
    #[allow(clippy::too_many_arguments)]
    fn filter_table(
        &mut self,
        host: &str,
        hook: Hook,
        table: Table,
        packet: &Packet,
        meta: &mut PacketMeta,
        ct: &Ct,
    ) -> Result<(), Stop> {
        let run = self.run_table(host, hook, table, packet, meta, ct, None);
        meta.mark = run.mark;
        self.verdict(host, hook, table, run.verdict, run.rule, packet)
    }

    fn verdict(
        &mut self,
        host: &str,
        hook: Hook,
        table: Table,
        verdict: Verdict,
        rule: Option<RuleRef>,
        packet: &Packet,
    ) -> Result<(), Stop> {
        let at = At::Table { hook, table };
        match verdict {
            Verdict::Accept | Verdict::Return => Ok(()),
            Verdict::Drop => {
                self.push(
                    host,
                    at,
                    Event::Dropped {
                        reason: DropReason::Rule,
                        rule: rule.clone(),
                    },
                );
                Err(Stop::new(Fate::Dropped {
                    host: host.to_string(),
                    reason: DropReason::Rule,
                    rule,
                }))
            }
            Verdict::Reject(with) => {
                let rule = rule.unwrap_or(RuleRef {
                    table,
                    chain: ChainName::builtin(hook),
                    number: 0,
                });
                self.push(
                    host,
                    at,
                    Event::Rejected {
                        with,
                        rule: rule.clone(),
                    },
                );
                Err(Stop::new(Fate::Rejected {
                    host: host.to_string(),
                    with,
                    rule,
                    packet: packet.clone(),
                }))
            }
            Verdict::NotEmulated { why } => {
                self.push(host, at, Event::NotEmulated { what: why.clone() });
                Err(Stop::new(Fate::NotEmulated {
                    host: host.to_string(),
                    what: why,
                }))
            }
        }
    }

    /// The nat table for a new flow at a destination hook: DNAT goes into the entry and the packet.
    fn nat_dst(
        &mut self,
        host: &str,
        hook: Hook,
        packet: Packet,
        meta: &mut PacketMeta,
        ct: &mut Ct,
    ) -> Result<Packet, Stop> {
        if !ct.is_new() {
            return Ok(packet);
        }
        let run = self.run_table(host, hook, Table::Nat, &packet, meta, ct, None);
        meta.mark = run.mark;
        let decision = run.nat.clone();
        self.verdict(host, hook, Table::Nat, run.verdict, run.rule, &packet)?;
        let Some(decision @ NatDecision::Dnat { .. }) = decision else {
            return Ok(packet);
        };
        let Some((address, port)) = decision.destination() else {
            let what = format!("{decision}");
            self.push(
                host,
                At::Table {
                    hook,
                    table: Table::Nat,
                },
                Event::NotEmulated { what: what.clone() },
            );
            return Err(Stop::new(Fate::NotEmulated {
                host: host.to_string(),
                what,
            }));
        };
        let after = manip_dst(&packet, address, port.or(packet.dst_port()));
        if let Ct::New(entry) = ct {
            *entry = entry.with_dnat(address, port);
        }
        if self.record {
            self.push(
                host,
                At::Table {
                    hook,
                    table: Table::Nat,
                },
                Event::Dnat {
                    rule: decision.rule().clone(),
                    before: packet,
                    after: after.clone(),
                },
            );
        }
        Ok(after)
    }

    /// The nat table for a new flow at a source hook: SNAT or MASQUERADE, with the port
    /// kept when the tuple stays unique (`nf_nat_l4proto_unique_tuple`).
    #[allow(clippy::too_many_arguments)]
    fn nat_src(
        &mut self,
        host: &str,
        hook: Hook,
        packet: Packet,
        meta: &mut PacketMeta,
        ct: &mut Ct,
        masquerade_source: Option<Ipv4Addr>,
    ) -> Result<Packet, Stop> {
        if !ct.is_new() {
            return Ok(self.conntrack_src(host, hook, ct, packet));
        }
        let run = self.run_table(host, hook, Table::Nat, &packet, meta, ct, masquerade_source);
        meta.mark = run.mark;
        let decision = run.nat.clone();
        self.verdict(host, hook, Table::Nat, run.verdict, run.rule, &packet)?;
        let Some(decision) = decision else {
            return Ok(packet);
        };
        let (masquerade, port_choice) = match &decision {
            NatDecision::Snat { port, .. } => (false, port.clone()),
            NatDecision::Masquerade { port, .. } => (true, port.clone()),
            NatDecision::Dnat { .. } => return Ok(packet),
        };
        let Some((address, fixed)) = decision.source() else {
            let reason = if masquerade {
                DropReason::NoMasqueradeSource
            } else {
                DropReason::Rule
            };
            self.push(
                host,
                At::Table {
                    hook,
                    table: Table::Nat,
                },
                Event::Dropped {
                    reason: reason.clone(),
                    rule: None,
                },
            );
            return Err(Stop::new(Fate::Dropped {
                host: host.to_string(),
                reason,
                rule: None,
            }));
        };
        let port = match (fixed, packet.src_port()) {
            (Some(_), Some(_)) if matches!(port_choice, NatPort::Random { .. }) => {
                self.unique_random_port(host, ct, address, &port_choice)
            }
            (Some(port), _) => Some(port),
            (None, Some(original)) => Some(self.unique_port(host, ct, address, original, &port_choice)),
            (None, None) => None,
        };
        let after = manip_src(&packet, address, port);
        if let Ct::New(entry) = ct {
            *entry = entry.with_snat(address, port);
        }
        if self.record {
            self.push(
                host,
                At::Table {
                    hook,
                    table: Table::Nat,
                },
                Event::Snat {
                    rule: decision.rule().clone(),
                    masquerade,
                    port: port_choice,
                    before: packet,
                    after: after.clone(),
                },
            );
        }
        Ok(after)
    }

    /// The source port an SNAT keeps or moves to: the original one unless another entry
    /// already uses the resulting reply tuple, then the next free one in the range.
    fn unique_port(&self, host: &str, ct: &Ct, address: Ipv4Addr, original: u16, choice: &NatPort) -> u16 {
        let Ct::New(entry) = ct else {
            return original;
        };
        let table = self.session.conntrack.get(host);
        let taken = |port: u16| {
            let candidate = entry.with_snat(address, Some(port));
            table.is_some_and(|table| table.lookup(&candidate.reply, 0).is_some())
        };
        if !taken(original) {
            return original;
        }
        let range = match choice {
            NatPort::KeepIfUnique { range: Some(range) } => (range.first(), range.last()),
            _ => match original {
                0..=511 => (1, 511),
                512..=1023 => (600, 1023),
                _ => (1024, 65535),
            },
        };
        (range.0..=range.1).find(|port| !taken(*port)).unwrap_or(original)
    }

    /// The source port of a randomised SNAT (`--random`, `--random-fully`): the drawn offset
    /// first, then the following ports of the range, as `nf_nat_l4proto_unique_tuple`
    /// (net/netfilter/nf_nat_core.c) walks `min + off % range_size` for at most
    /// `NF_NAT_MAX_ATTEMPTS` (128) tries before it gives up on uniqueness. The kernel's
    /// later rounds with a fresh random offset and a halved window are not modelled: with
    /// 128 consecutive ports all taken the drawn port is kept (and confirm reports the clash).
    fn unique_random_port(&self, host: &str, ct: &Ct, address: Ipv4Addr, choice: &NatPort) -> Option<u16> {
        let NatPort::Random { draw, port, range } = choice else {
            return None;
        };
        let Ct::New(entry) = ct else {
            return Some(*port);
        };
        let Some(table) = self.session.conntrack.get(host) else {
            return Some(*port);
        };
        let first = u32::from(range.first());
        let size = u32::from(range.last()).saturating_sub(first).saturating_add(1);
        let attempts = size.min(NF_NAT_MAX_ATTEMPTS);
        (0..attempts)
            .filter_map(|i| {
                let offset = u32::from(*draw).saturating_add(i).checked_rem(size)?;
                u16::try_from(first.saturating_add(offset)).ok()
            })
            .find(|candidate| {
                let tuple = entry.with_snat(address, Some(*candidate));
                table.lookup(&tuple.reply, 0).is_none()
            })
            .or(Some(*port))
    }

    // ---- paths -----------------------------------------------------------------------

    /// A packet a local socket sends (`ip_queue_xmit` / `ip_local_out`).
    pub fn output(&mut self, host_name: &str, packet: Packet, mark: u32) -> Fate {
        if !self.hop() {
            return self.hop_limit(host_name);
        }
        let Some(host) = self.host(host_name) else {
            return unknown_host(host_name);
        };
        let (mut dev, mut gateway) = match self.route_output(host, packet.ip.dst) {
            Ok(route) => route,
            Err(fate) => return *fate.0,
        };
        let mut meta = PacketMeta {
            mark,
            in_interface: None,
            out_interface: Some(dev.clone()),
        };
        if let Err(fate) = self.filter_table(
            host_name,
            Hook::Output,
            Table::Raw,
            &packet,
            &mut meta,
            &Ct::Untracked(CtView::new_connection()),
        ) {
            return *fate.0;
        }
        let (mut ct, packet) = self.conntrack_in(host_name, Hook::Output, packet);
        if let Err(fate) = self.filter_table(host_name, Hook::Output, Table::Mangle, &packet, &mut meta, &ct) {
            return *fate.0;
        }
        let before_nat = packet.ip.dst;
        let packet = match self.nat_dst(host_name, Hook::Output, packet, &mut meta, &mut ct) {
            Ok(packet) => packet,
            Err(fate) => return *fate.0,
        };
        if packet.ip.dst != before_nat {
            // ip_route_me_harder (from nf_nat_ipv4_local_fn): the destination changed, route
            // again (the source stays). The new route is the one the packet leaves by, but
            // the rest of the OUTPUT hook keeps the device of the first route: __ip_local_out
            // built the hook state once (`nf_hook(..., skb_dst(skb)->dev, ...)`,
            // net/ipv4/ip_output.c), so filter OUTPUT's `-o` still sees it.
            match self.route_output(host, packet.ip.dst) {
                Ok((new_dev, new_gateway)) => {
                    dev = new_dev;
                    gateway = new_gateway;
                }
                Err(fate) => return *fate.0,
            }
        }
        if let Err(fate) = self.filter_table(host_name, Hook::Output, Table::Filter, &packet, &mut meta, &ct) {
            return *fate.0;
        }
        // ip_output: POSTROUTING's state takes the out device from the (new) route.
        meta.out_interface = Some(dev.clone());
        self.postrouting(host_name, packet, meta, ct, &dev, gateway)
    }

    /// `ip_route_output`: the device and gateway, with a step.
    fn route_output(&mut self, host: &Host, destination: Ipv4Addr) -> Result<(String, Option<Ipv4Addr>), Stop> {
        let answer = host.route_get(destination);
        let matched = answer.matched();
        match answer {
            RouteGet::Reachable {
                dev,
                gateway,
                source,
                kind,
                ..
            } => {
                if self.record {
                    let result = if kind == dataplane::RouteType::Local || dev == "lo" {
                        RouteResult::Local
                    } else {
                        RouteResult::Unicast {
                            dev: dev.clone(),
                            via: gateway,
                            source,
                        }
                    };
                    self.push(
                        &host.name,
                        At::Routing,
                        Event::Route {
                            destination,
                            matched,
                            result,
                        },
                    );
                }
                Ok((dev, gateway))
            }
            RouteGet::Refused { kind, .. } => {
                self.push(
                    &host.name,
                    At::Routing,
                    Event::Route {
                        destination,
                        matched,
                        result: RouteResult::Refused {
                            kind: kind.name().to_string(),
                        },
                    },
                );
                Err(Stop::new(Fate::NoRoute {
                    host: host.name.clone(),
                    destination,
                }))
            }
            RouteGet::NoRoute | RouteGet::Martian => {
                self.push(
                    &host.name,
                    At::Routing,
                    Event::Route {
                        destination,
                        matched,
                        result: RouteResult::NoRoute,
                    },
                );
                self.push(&host.name, At::Routing, Event::NoRoute { destination });
                Err(Stop::new(Fate::NoRoute {
                    host: host.name.clone(),
                    destination,
                }))
            }
        }
    }

    /// POSTROUTING, confirm, and out of the device.
    fn postrouting(
        &mut self,
        host_name: &str,
        packet: Packet,
        mut meta: PacketMeta,
        mut ct: Ct,
        dev: &str,
        gateway: Option<Ipv4Addr>,
    ) -> Fate {
        if let Err(fate) = self.filter_table(host_name, Hook::PostRouting, Table::Mangle, &packet, &mut meta, &ct) {
            return *fate.0;
        }
        let next_hop = gateway.unwrap_or(packet.ip.dst);
        let masquerade_source = self
            .host(host_name)
            .and_then(|host| dataplane::select_source(host, dev, next_hop));
        let packet = match self.nat_src(
            host_name,
            Hook::PostRouting,
            packet,
            &mut meta,
            &mut ct,
            masquerade_source,
        ) {
            Ok(packet) => packet,
            Err(fate) => return *fate.0,
        };
        if let Err(fate) = self.confirm(host_name, Hook::PostRouting, &mut ct) {
            return *fate.0;
        }
        self.transmit(host_name, dev, gateway, packet, meta)
    }

    /// Out of `dev`: loopback, the IPIP tunnel, or a link to the next host.
    fn transmit(
        &mut self,
        host_name: &str,
        dev: &str,
        gateway: Option<Ipv4Addr>,
        packet: Packet,
        meta: PacketMeta,
    ) -> Fate {
        let Some(host) = self.host(host_name) else {
            return unknown_host(host_name);
        };
        if self.record {
            self.push(
                host_name,
                At::Device(dev.to_string()),
                Event::DeviceTx { packet: packet.clone() },
            );
        }
        if dev == "lo" {
            let meta = PacketMeta {
                mark: meta.mark,
                in_interface: Some("lo".to_string()),
                out_interface: None,
            };
            return self.receive(host_name, "lo", packet, meta);
        }
        let link = host.link(dev);
        match link.map(|link| &link.kind) {
            Some(LinkKind::Ipip) => {
                // ip_tunnel_xmit: the outer destination is the route's next hop (`onlink via`),
                // the outer source comes from routing to it (eth0's address).
                let Some(remote) = gateway else {
                    let what = "tunl0 route without a gateway".to_string();
                    self.push(
                        host_name,
                        At::Device(dev.to_string()),
                        Event::NotEmulated { what: what.clone() },
                    );
                    return Fate::NotEmulated {
                        host: host_name.to_string(),
                        what,
                    };
                };
                let outer_source = match host.route_get(remote) {
                    RouteGet::Reachable {
                        source: Some(source), ..
                    } => source,
                    _ => {
                        self.push(
                            host_name,
                            At::Device(dev.to_string()),
                            Event::NoRoute { destination: remote },
                        );
                        return Fate::NoRoute {
                            host: host_name.to_string(),
                            destination: remote,
                        };
                    }
                };
                let outer = packet.encapsulate_ipip(outer_source, remote);
                if self.record {
                    self.push(
                        host_name,
                        At::Device(dev.to_string()),
                        Event::Encap {
                            before: packet,
                            after: outer.clone(),
                        },
                    );
                }
                self.output(host_name, outer, meta.mark)
            }
            Some(LinkKind::Veth { peer_index, .. }) => {
                let peer_index = *peer_index;
                let Some((peer, peer_dev)) = self.veth_peer(host, dev, peer_index) else {
                    let what = format!("the other end of {dev}");
                    self.push(
                        host_name,
                        At::Device(dev.to_string()),
                        Event::NotEmulated { what: what.clone() },
                    );
                    return Fate::NotEmulated {
                        host: host_name.to_string(),
                        what,
                    };
                };
                if matches!(host.kind, HostKind::Pod { .. })
                    && let Some(gateway) = gateway
                    && !peer_owns(self.lab, &peer, gateway)
                {
                    self.push(
                        &peer,
                        At::Device(peer_dev.clone()),
                        Event::ProxyArp {
                            dev: peer_dev.clone(),
                            address: gateway,
                        },
                    );
                }
                self.session.advance_micros(LINK_MICROS);
                let meta = PacketMeta::received_on(&peer_dev);
                self.receive(&peer, &peer_dev, packet, meta)
            }
            Some(LinkKind::Ethernet) => {
                let next_hop = gateway.unwrap_or(packet.ip.dst);
                let mut packet = packet;
                let mut owner = self.neighbour(next_hop);
                if owner.is_none() && self.lab.is_underlay_gateway(next_hop) {
                    // The underlay's router (outside the lab) forwards to whoever owns the
                    // destination on its other side.
                    let Some(routed) = packet.forwarded() else {
                        let reason = DropReason::TtlExceeded;
                        self.push(
                            ROUTER,
                            At::Routing,
                            Event::Dropped {
                                reason: reason.clone(),
                                rule: None,
                            },
                        );
                        return Fate::Dropped {
                            host: ROUTER.to_string(),
                            reason,
                            rule: None,
                        };
                    };
                    self.push(ROUTER, At::Routing, Event::Forwarded { ttl: routed.ip.ttl });
                    packet = routed;
                    owner = self.neighbour(packet.ip.dst);
                    if owner.is_none() {
                        let destination = packet.ip.dst;
                        self.push(ROUTER, At::Routing, Event::NoRoute { destination });
                        return Fate::NoRoute {
                            host: ROUTER.to_string(),
                            destination,
                        };
                    }
                }
                let Some(owner) = owner else {
                    let reason = DropReason::NoNeighbour(next_hop);
                    self.push(
                        host_name,
                        At::Device(dev.to_string()),
                        Event::Dropped {
                            reason: reason.clone(),
                            rule: None,
                        },
                    );
                    return Fate::Dropped {
                        host: host_name.to_string(),
                        reason,
                        rule: None,
                    };
                };
                let owner_name = owner.name.clone();
                let owner_dev = owner
                    .links
                    .iter()
                    .find(|link| {
                        link.addresses
                            .iter()
                            .any(|inet| inet.local == next_hop || inet.local == packet.ip.dst)
                    })
                    .map_or_else(|| dataplane::build::UNDERLAY_DEV.to_string(), |link| link.name.clone());
                self.session.advance_micros(LINK_MICROS);
                let meta = PacketMeta::received_on(&owner_dev);
                self.receive(&owner_name, &owner_dev, packet, meta)
            }
            Some(LinkKind::Loopback) | None => {
                let what = format!("sending out of {dev}");
                self.push(
                    host_name,
                    At::Device(dev.to_string()),
                    Event::NotEmulated { what: what.clone() },
                );
                Fate::NotEmulated {
                    host: host_name.to_string(),
                    what,
                }
            }
        }
    }

    /// The underlay host that answers ARP for `address`: its owner, or the MetalLB speaker
    /// announcing it (with a step).
    fn neighbour(&mut self, address: Ipv4Addr) -> Option<&'a Host> {
        if let Some(owner) = self.lab.underlay_owner(address) {
            return Some(owner);
        }
        let lab = self.lab;
        if let Some(targets) = lab.cloud_balancer_targets(address) {
            let count = u64::try_from(targets.len()).ok().filter(|count| *count > 0)?;
            let index = self.session.rng.range("cloud load balancer target", 0..count);
            let node = targets.get(usize::try_from(index).ok()?).copied()?;
            self.push(
                CLOUD_BALANCER,
                At::Routing,
                Event::CloudBalancer {
                    address,
                    node: node.to_string(),
                    targets: targets.iter().map(ToString::to_string).collect(),
                },
            );
            return lab.host(node);
        }
        let announcer = lab.l2_announcer(address).and_then(|name| lab.host(name))?;
        let dev = dataplane::build::UNDERLAY_DEV.to_string();
        self.push(
            &announcer.name,
            At::Device(dev.clone()),
            Event::ProxyArp { dev, address },
        );
        Some(announcer)
    }

    /// The host and device at the other end of a veth.
    fn veth_peer(&self, host: &Host, dev: &str, peer_index: u32) -> Option<(String, String)> {
        match &host.kind {
            HostKind::Pod { node, .. } => {
                let node_host = self.lab.host(node)?;
                let peer = node_host.link_by_index(peer_index)?;
                Some((node_host.name.clone(), peer.name.clone()))
            }
            _ => {
                let index = host.link(dev)?.index;
                self.lab.hosts.iter().find_map(|candidate| match &candidate.kind {
                    HostKind::Pod { node, .. } if node == &host.name => candidate
                        .links
                        .iter()
                        .find(|link| matches!(link.kind, LinkKind::Veth { peer_index, .. } if peer_index == index))
                        .map(|link| (candidate.name.clone(), link.name.clone())),
                    _ => None,
                })
            }
        }
    }

    /// A packet arriving on `dev` of `host` (`ip_rcv` and on).
    pub fn receive(&mut self, host_name: &str, dev: &str, packet: Packet, mut meta: PacketMeta) -> Fate {
        if !self.hop() {
            return self.hop_limit(host_name);
        }
        let Some(host) = self.host(host_name) else {
            return unknown_host(host_name);
        };
        if self.record {
            self.push(
                host_name,
                At::Device(dev.to_string()),
                Event::DeviceRx { packet: packet.clone() },
            );
        }
        if let Err(fate) = self.filter_table(
            host_name,
            Hook::PreRouting,
            Table::Raw,
            &packet,
            &mut meta,
            &Ct::Untracked(CtView::new_connection()),
        ) {
            return *fate.0;
        }
        // A looped-back packet keeps the conntrack entry it got on the way out
        // (`nf_conntrack_in` returns early when the skb already has one).
        let (mut ct, packet) = if dev == "lo" {
            (self.looped_back(host_name, &packet), packet)
        } else {
            self.conntrack_in(host_name, Hook::PreRouting, packet)
        };
        if let Err(fate) = self.filter_table(host_name, Hook::PreRouting, Table::Mangle, &packet, &mut meta, &ct) {
            return *fate.0;
        }
        let packet = match self.nat_dst(host_name, Hook::PreRouting, packet, &mut meta, &mut ct) {
            Ok(packet) => packet,
            Err(fate) => return *fate.0,
        };
        let destination = packet.ip.dst;
        // Loopback packets keep the route they were sent with (`skb_dst` is set).
        let answer = if dev == "lo" {
            RouteGet::Reachable {
                matched: host.lookup(destination),
                kind: dataplane::RouteType::Local,
                destination,
                gateway: None,
                dev: "lo".to_string(),
                source: Some(packet.ip.src),
            }
        } else {
            host.route_input(destination, packet.ip.src, dev)
        };
        let matched = answer.matched();
        match answer {
            RouteGet::Reachable {
                dev: out,
                gateway,
                kind,
                ..
            } => {
                let local =
                    out == "lo" || matches!(kind, dataplane::RouteType::Local | dataplane::RouteType::Broadcast);
                let result = if local {
                    RouteResult::Local
                } else {
                    RouteResult::Unicast {
                        dev: out.clone(),
                        via: gateway,
                        source: None,
                    }
                };
                self.push(
                    host_name,
                    At::Routing,
                    Event::Route {
                        destination,
                        matched,
                        result,
                    },
                );
                if local {
                    self.input(host_name, packet, meta, ct)
                } else {
                    self.forward(host_name, packet, meta, ct, &out, gateway)
                }
            }
            RouteGet::Refused { kind, .. } => {
                self.push(
                    host_name,
                    At::Routing,
                    Event::Route {
                        destination,
                        matched,
                        result: RouteResult::Refused {
                            kind: kind.name().to_string(),
                        },
                    },
                );
                let reason = if kind == dataplane::RouteType::Blackhole {
                    DropReason::Blackhole
                } else {
                    DropReason::Rule
                };
                self.push(
                    host_name,
                    At::Routing,
                    Event::Dropped {
                        reason: reason.clone(),
                        rule: None,
                    },
                );
                Fate::Dropped {
                    host: host_name.to_string(),
                    reason,
                    rule: None,
                }
            }
            RouteGet::NoRoute => {
                self.push(
                    host_name,
                    At::Routing,
                    Event::Route {
                        destination,
                        matched,
                        result: RouteResult::NoRoute,
                    },
                );
                self.push(host_name, At::Routing, Event::NoRoute { destination });
                Fate::NoRoute {
                    host: host_name.to_string(),
                    destination,
                }
            }
            RouteGet::Martian => {
                self.push(
                    host_name,
                    At::Routing,
                    Event::Route {
                        destination,
                        matched,
                        result: RouteResult::Martian,
                    },
                );
                self.push(
                    host_name,
                    At::Routing,
                    Event::Dropped {
                        reason: DropReason::Martian,
                        rule: None,
                    },
                );
                Fate::Dropped {
                    host: host_name.to_string(),
                    reason: DropReason::Martian,
                    rule: None,
                }
            }
        }
    }

    /// `ip_forward`: TTL, FORWARD, POSTROUTING.
    fn forward(
        &mut self,
        host_name: &str,
        packet: Packet,
        mut meta: PacketMeta,
        ct: Ct,
        out: &str,
        gateway: Option<Ipv4Addr>,
    ) -> Fate {
        let Some(packet) = packet.forwarded() else {
            self.push(
                host_name,
                At::Routing,
                Event::Dropped {
                    reason: DropReason::TtlExceeded,
                    rule: None,
                },
            );
            return Fate::Dropped {
                host: host_name.to_string(),
                reason: DropReason::TtlExceeded,
                rule: None,
            };
        };
        self.push(host_name, At::Routing, Event::Forwarded { ttl: packet.ip.ttl });
        meta.out_interface = Some(out.to_string());
        for table in [Table::Mangle, Table::Filter] {
            if let Err(fate) = self.filter_table(host_name, Hook::Forward, table, &packet, &mut meta, &ct) {
                return *fate.0;
            }
        }
        self.postrouting(host_name, packet, meta, ct, out, gateway)
    }

    /// `ip_local_deliver`: INPUT, confirm, then decapsulation or the socket.
    fn input(&mut self, host_name: &str, packet: Packet, mut meta: PacketMeta, mut ct: Ct) -> Fate {
        for table in [Table::Mangle, Table::Filter] {
            if let Err(fate) = self.filter_table(host_name, Hook::Input, table, &packet, &mut meta, &ct) {
                return *fate.0;
            }
        }
        let packet = match self.nat_src(host_name, Hook::Input, packet, &mut meta, &mut ct, None) {
            Ok(packet) => packet,
            Err(fate) => return *fate.0,
        };
        if let Err(fate) = self.confirm(host_name, Hook::Input, &mut ct) {
            return *fate.0;
        }
        if let Payload::Ipip(_) = packet.payload {
            let has_tunnel = self
                .host(host_name)
                .is_some_and(|host| host.link(dataplane::build::TUNNEL_DEV).is_some());
            let Some(inner) = packet.decapsulate().filter(|_| has_tunnel) else {
                let what = "IPIP packet for a host without tunl0".to_string();
                self.push(host_name, At::Socket, Event::NotEmulated { what: what.clone() });
                return Fate::NotEmulated {
                    host: host_name.to_string(),
                    what,
                };
            };
            let dev = dataplane::build::TUNNEL_DEV;
            self.push(
                host_name,
                At::Device(dev.to_string()),
                Event::Decap {
                    before: packet,
                    after: inner.clone(),
                },
            );
            // ip_tunnel_rcv keeps the mark (skb_scrub_packet without xnet) and resets conntrack.
            let meta = PacketMeta {
                mark: meta.mark,
                in_interface: Some(dev.to_string()),
                out_interface: None,
            };
            return self.receive(host_name, dev, inner, meta);
        }
        Fate::Delivered {
            host: host_name.to_string(),
            packet,
            meta,
        }
    }

    /// Pushes a step from outside (the connection layer).
    pub fn note(&mut self, host: &str, at: At, event: Event) {
        self.push(host, at, event);
    }
}

/// The fate of a packet sent to or from a host the lab does not have.
fn unknown_host(host_name: &str) -> Fate {
    Fate::NotEmulated {
        host: host_name.to_string(),
        what: format!("unknown host {host_name}"),
    }
}

/// Whether `host` itself owns `address` (then no proxy ARP is needed).
fn peer_owns(lab: &Lab, host: &str, address: Ipv4Addr) -> bool {
    lab.host(host).is_some_and(|host| host.is_local(address))
}

/// The packet with a new destination (and port, for TCP/UDP).
fn manip_dst(packet: &Packet, address: Ipv4Addr, port: Option<u16>) -> Packet {
    match (packet.endpoints(), port) {
        (Some(ends), Some(port)) => packet.with_endpoints(Endpoints {
            dst: address,
            dst_port: port,
            ..ends
        }),
        _ => packet.with_dst(address),
    }
}

/// The packet with a new source (and port, for TCP/UDP).
fn manip_src(packet: &Packet, address: Ipv4Addr, port: Option<u16>) -> Packet {
    match (packet.endpoints(), port) {
        (Some(ends), Some(port)) => packet.with_endpoints(Endpoints {
            src: address,
            src_port: port,
            ..ends
        }),
        _ => packet.with_src(address),
    }
}
