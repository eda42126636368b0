//! The rule writer: one full `syncProxyRules` run, producing the `iptables-restore` input.
//!
//! Part of the kube-proxy stage. A faithful port of `(*Proxier).syncProxyRules` and
//! `writeServiceToEndpointRules` (kubernetes `pkg/proxy/iptables/proxier.go`, v1.32 line):
//! the same chains, the same rules, in the same order per service port. Only full syncs are
//! modelled (kube-proxy's partial syncs skip unchanged services' chains). Stale service chains
//! that existed before the sync (`ProxierInput::existing_nat_chains`) are flushed and deleted
//! with `-X`, as kube-proxy does on every sync (in large-cluster mode it does so at most once per
//! `syncPeriod`; here always).
//!
//! **Service order.** kube-proxy walks its service map in Go map order, which is random and
//! changes between syncs. Here service ports are taken in a fixed order: byte-wise by
//! `ns/name:port`, then by protocol. (kube-proxy's own tests sort KUBE-SERVICES and
//! KUBE-NODEPORTS by service name before comparing, which agrees with this order.)

use std::collections::BTreeMap;
use std::fmt;

use crate::net::Cidr;
use crate::netfilter::matches::{Addrtype, Conntrack, CtState, Nfacct, Recent, RecentCommand, Statistic};
use crate::netfilter::target::{Masquerade, RejectWith};
use crate::netfilter::{Chain, ChainName, MarkMask, Match, Negatable, Probability, Rule, Ruleset, Table, TableRules, Target};

use super::config::ProxierConfig;
use super::endpoint::{EndpointInfo, EndpointsMap, endpoints_map};
use super::input::ProxierInput;
use super::probability::compute_probability;
use super::rules::{ToChain, comment, host, if_local, if_not_local, jump, with_protocol};
use super::service_port::{ServicePortInfo, service_ports};
use super::topology::categorize_endpoints;

/// `KUBE-SERVICES`: the entry chain (nat: VIP captures; filter: REJECT/DROP of VIPs).
pub const KUBE_SERVICES: &str = "KUBE-SERVICES";
/// `KUBE-EXTERNAL-SERVICES` (filter): drops/rejects for external destinations.
pub const KUBE_EXTERNAL_SERVICES: &str = "KUBE-EXTERNAL-SERVICES";
/// `KUBE-NODEPORTS`: NodePort captures (nat) and health-check accepts (filter).
pub const KUBE_NODEPORTS: &str = "KUBE-NODEPORTS";
/// `KUBE-POSTROUTING` (nat): the MASQUERADE of marked packets.
pub const KUBE_POSTROUTING: &str = "KUBE-POSTROUTING";
/// `KUBE-MARK-MASQ` (nat): sets the masquerade bit.
pub const KUBE_MARK_MASQ: &str = "KUBE-MARK-MASQ";
/// `KUBE-FORWARD` (filter): lets marked and established traffic through FORWARD.
pub const KUBE_FORWARD: &str = "KUBE-FORWARD";
/// `KUBE-PROXY-FIREWALL` (filter): loadBalancerSourceRanges drops.
pub const KUBE_PROXY_FIREWALL: &str = "KUBE-PROXY-FIREWALL";
/// `KUBE-FIREWALL` (filter): kubelet's anti-martian chain, duplicated by kube-proxy.
pub const KUBE_FIREWALL: &str = "KUBE-FIREWALL";

/// Above this many endpoints (all service ports together) kube-proxy drops the comments
/// of KUBE-SEP rules and SVC/SVL -> SEP rules (`largeClusterEndpointsThreshold`).
pub const LARGE_CLUSTER_ENDPOINTS_THRESHOLD: usize = 1000;

/// nfacct counter on the INVALID drop rule (`metrics.IPTablesCTStateInvalidDroppedNFAcctCounter`).
pub const CT_STATE_INVALID_DROPPED: &str = "ct_state_invalid_dropped_pkts";
/// nfacct counter on localhost NodePort rules (`metrics.LocalhostNodePortAcceptedNFAcctCounter`).
pub const LOCALHOST_NODEPORTS_ACCEPTED: &str = "localhost_nps_accepted_pkts";

/// One table of the restore input: chain declaration lines (`:CHAIN - [0:0]`, each flushes
/// the chain) and `-A` rules, both in the order kube-proxy writes them.
#[derive(Clone, Debug, PartialEq)]
pub struct RestoreTable {
    pub table: Table,
    pub chains: Vec<ChainName>,
    pub rules: Vec<(ChainName, Rule)>,
    /// `-X CHAIN` lines after the rules: stale chains, declared (flushed) above, then deleted.
    pub deleted: Vec<ChainName>,
}

impl RestoreTable {
    fn new(table: Table) -> RestoreTable {
        RestoreTable { table, chains: Vec::new(), rules: Vec::new(), deleted: Vec::new() }
    }

    fn declare(&mut self, name: impl ToChain) {
        self.chains.push(name.to_chain());
    }

    fn write(&mut self, name: impl ToChain, rule: Rule) {
        self.rules.push((name.to_chain(), rule));
    }

    /// The declared chains with their rules, in declaration order (what the table holds for
    /// these chains once the restore is applied).
    pub fn chains_with_rules(&self) -> Vec<(ChainName, Vec<Rule>)> {
        let mut by_chain: BTreeMap<&ChainName, Vec<Rule>> = BTreeMap::new();
        for (name, rule) in &self.rules {
            by_chain.entry(name).or_default().push(rule.clone());
        }
        self.chains.iter().map(|name| (name.clone(), by_chain.remove(name).unwrap_or_default())).collect()
    }

    /// The table this restore input alone would produce on an empty host (built-in chains
    /// empty, the declared chains filled).
    pub fn to_table(&self) -> TableRules {
        let chains = self
            .chains_with_rules()
            .into_iter()
            .filter(|(name, _)| !self.deleted.contains(name))
            .map(|(name, rules)| {
                let mut chain = Chain::user(name);
                chain.rules = rules;
                chain
            })
            .collect();
        TableRules::from_chains(self.table, chains)
    }
}

/// The whole `iptables-restore --noflush` input of one sync: `*filter` then `*nat`.
#[derive(Clone, Debug, PartialEq)]
pub struct RestoreData {
    pub filter: RestoreTable,
    pub nat: RestoreTable,
    /// Total endpoints over all service ports (kube-proxy logs it as `numEndpoints`).
    pub total_endpoints: usize,
    /// Whether large-cluster mode was on (comments dropped from SEP and SVC -> SEP rules).
    pub large_cluster_mode: bool,
}

impl RestoreData {
    /// The filter and nat tables this restore input alone produces on an empty host: the
    /// "restore data" view, without kubelet's chains and kube-proxy's jump rules.
    pub fn to_ruleset(&self) -> Ruleset {
        let mut ruleset = Ruleset::new();
        ruleset.set_table(self.filter.to_table());
        ruleset.set_table(self.nat.to_table());
        ruleset
    }
}

/// Port of `syncProxyRules` for a full sync of `input`.
pub fn sync_proxy_rules(input: &ProxierInput) -> RestoreData {
    let config = &input.config;
    let mark = config.masquerade_mark();
    let mut filter = RestoreTable::new(Table::Filter);
    let mut nat = RestoreTable::new(Table::Nat);

    for name in [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL] {
        filter.declare(name);
    }
    for name in [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ] {
        nat.declare(name);
    }

    // The kubernetes-specific postrouting rules.
    nat.write(
        KUBE_POSTROUTING,
        Rule::default().with(Match::Mark(Negatable::not(MarkMask::new(mark, mark)))).target(Target::Return),
    );
    nat.write(KUBE_POSTROUTING, Rule::jump(Target::xor_mark(mark)));
    let masquerade = if config.random_fully { Masquerade::random_fully() } else { Masquerade::default() };
    nat.write(
        KUBE_POSTROUTING,
        Rule::default().with(comment("kubernetes service traffic requiring SNAT")).target(Target::Masquerade(masquerade)),
    );
    nat.write(KUBE_MARK_MASQ, Rule::jump(Target::or_mark(mark)));

    if config.localhost_node_ports {
        // The anti-martian rule that makes route_localnet safe (identical to kubelet's).
        filter.declare(KUBE_FIREWALL);
        filter.write(KUBE_FIREWALL, anti_martian_rule());
    }

    // Service ports in a fixed order (see the module doc) and their endpoints.
    // References are sorted, not the (large) infos themselves: a stable sort moves its
    // elements many times.
    let all_ports: Vec<ServicePortInfo> = input.services.iter().flat_map(service_ports).collect();
    let mut ports: Vec<&ServicePortInfo> = all_ports.iter().collect();
    crate::sort::by(&mut ports, |a, b| (&a.name_string, a.protocol).cmp(&(&b.name_string, b.protocol)));
    let endpoints: EndpointsMap = endpoints_map(input.endpoint_slices, &input.node_name);
    let no_endpoints: Vec<EndpointInfo> = Vec::new();

    let total_endpoints: usize =
        ports.iter().map(|port| endpoints.get(&port.port_name).map_or(0, Vec::len)).sum();
    let large_cluster_mode = total_endpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;

    let mut writer = Writer {
        config,
        node_ip: input.node_ip,
        large_cluster_mode,
        probabilities: Vec::new(),
        services: ChainName::from_trusted_str(KUBE_SERVICES),
        mark_masq: ChainName::from_trusted_str(KUBE_MARK_MASQ),
    };
    for &port in &ports {
        let port_endpoints = endpoints.get(&port.port_name).unwrap_or(&no_endpoints);
        writer.service_port(port, port_endpoints, input.node_zone.as_deref(), &mut filter, &mut nat);
    }

    // Delete chains no longer in use: kube-proxy's own chain prefixes only.
    let active: std::collections::BTreeSet<&ChainName> = crate::sort::set_of(nat.chains.iter());
    let mut stale: Vec<ChainName> = input
        .existing_nat_chains
        .iter()
        .filter(|name| !active.contains(name) && is_service_chain_name(name.as_str()))
        .cloned()
        .collect();
    crate::sort::natural(&mut stale);
    stale.dedup();
    for name in stale {
        nat.chains.push(name.clone());
        nat.deleted.push(name);
    }

    // Finally, tail-call to the nodePorts chain.
    let tail_comment = "kubernetes service nodeports; NOTE: this must be the last rule in this chain";
    if config.node_port_addresses.match_all {
        let mut rule = Rule::default().with(comment(tail_comment)).with(Match::Addrtype(Addrtype::destination_local()));
        if !config.localhost_node_ports {
            rule = rule.not_destination(loopback_net());
        }
        nat.write(KUBE_SERVICES, rule.target(jump(KUBE_NODEPORTS)));
    } else {
        for ip in config.node_port_addresses.node_ips(&input.node_addresses) {
            if ip.is_loopback() && !config.localhost_node_ports {
                continue;
            }
            nat.write(
                KUBE_SERVICES,
                Rule::default().with(comment(tail_comment)).destination(host(ip)).target(jump(KUBE_NODEPORTS)),
            );
        }
    }

    // Drop INVALID packets unless nf_conntrack_tcp_be_liberal is set.
    if !config.conntrack_tcp_be_liberal {
        let mut rule = Rule::default().with(Match::Conntrack(Conntrack::state(&[CtState::Invalid])));
        if config.nfacct {
            rule = rule.with(Match::Nfacct(Nfacct::new(CT_STATE_INVALID_DROPPED)));
        }
        filter.write(KUBE_FORWARD, rule.target(Target::Drop));
    }
    filter.write(
        KUBE_FORWARD,
        Rule::default()
            .with(comment("kubernetes forwarding rules"))
            .with(Match::Mark(Negatable::is(MarkMask::new(mark, mark))))
            .target(Target::Accept),
    );
    filter.write(
        KUBE_FORWARD,
        Rule::default()
            .with(comment("kubernetes forwarding conntrack rule"))
            .with(Match::Conntrack(Conntrack::state(&[CtState::Related, CtState::Established])))
            .target(Target::Accept),
    );

    RestoreData { filter, nat, total_endpoints, large_cluster_mode }
}

/// Port of `isServiceChainName`: the per-service chain prefixes kube-proxy owns.
pub fn is_service_chain_name(name: &str) -> bool {
    use super::hash::{ENDPOINT_PREFIX, SERVICE_CLUSTER_PREFIX, SERVICE_EXTERNAL_PREFIX, SERVICE_FIREWALL_PREFIX, SERVICE_LOCAL_PREFIX};
    [SERVICE_CLUSTER_PREFIX, SERVICE_LOCAL_PREFIX, ENDPOINT_PREFIX, SERVICE_FIREWALL_PREFIX, SERVICE_EXTERNAL_PREFIX]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// `127.0.0.0/8`.
fn loopback_net() -> Cidr {
    Cidr::new(std::net::Ipv4Addr::new(127, 0, 0, 0), 8).unwrap_or_else(|| host(std::net::Ipv4Addr::LOCALHOST))
}

/// `-m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8
/// -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP` (kube-proxy and kubelet).
pub fn anti_martian_rule() -> Rule {
    Rule::default()
        .with(comment("block incoming localnet connections"))
        .destination(loopback_net())
        .not_source(loopback_net())
        .with(Match::Conntrack(Conntrack::not_state(&[CtState::Related, CtState::Established, CtState::Dnat])))
        .target(Target::Drop)
}

/// The per-sync state the per-service-port writer needs.
struct Writer<'c> {
    config: &'c ProxierConfig,
    node_ip: std::net::Ipv4Addr,
    large_cluster_mode: bool,
    /// `precomputedProbabilities`: index n holds the probability for n remaining endpoints.
    probabilities: Vec<Option<Probability>>,
    /// `KUBE-SERVICES` and `KUBE-MARK-MASQ`, named once and shared by every rule that
    /// refers to them.
    services: ChainName,
    mark_masq: ChainName,
}

impl Writer<'_> {
    /// `appendServiceCommentLocked`: the comment, unless in large-cluster mode (where the
    /// text is not even formatted: 10,000 Services x 10 endpoints skip 100,000 Strings).
    fn service_comment(&self, rule: Rule, text: fmt::Arguments<'_>) -> Rule {
        if self.large_cluster_mode { rule } else { rule.with(comment(text.to_string())) }
    }

    fn probability(&mut self, n: usize) -> Option<Probability> {
        while self.probabilities.len() <= n {
            let next = self.probabilities.len();
            self.probabilities.push(if next == 0 { None } else { Probability::parse(&compute_probability(next)) });
        }
        self.probabilities.get(n).copied().flatten()
    }

    /// The body of the per-service-port loop of `syncProxyRules`.
    fn service_port(
        &mut self,
        svc: &ServicePortInfo,
        all_endpoints: &[EndpointInfo],
        zone: Option<&str>,
        filter: &mut RestoreTable,
        nat: &mut RestoreTable,
    ) {
        let config = self.config;
        let name = svc.name_string.as_str();
        let protocol = svc.protocol;
        let categorized = categorize_endpoints(all_endpoints, svc, zone);
        let has_endpoints = categorized.has_any;

        let cluster_policy_chain = ChainName::from_trusted(svc.cluster_policy_chain());
        let uses_cluster_policy_chain = !categorized.cluster.is_empty() && svc.uses_cluster_endpoints();
        let local_policy_chain = ChainName::from_trusted(svc.local_policy_chain());
        let uses_local_policy_chain = !categorized.local.is_empty() && svc.uses_local_endpoints();

        let mut internal_policy_chain = &cluster_policy_chain;
        let mut has_internal_endpoints = has_endpoints;
        if svc.internal_policy_local {
            internal_policy_chain = &local_policy_chain;
            if categorized.local.is_empty() {
                has_internal_endpoints = false;
            }
        }
        let internal_traffic_chain = internal_policy_chain;

        let mut external_policy_chain = &cluster_policy_chain;
        let mut has_external_endpoints = has_endpoints;
        if svc.external_policy_local {
            external_policy_chain = &local_policy_chain;
            if categorized.local.is_empty() {
                has_external_endpoints = false;
            }
        }
        let external_traffic_chain = ChainName::from_trusted(svc.external_chain());
        let uses_external_traffic_chain = has_endpoints && svc.externally_accessible();

        let firewall_chain = ChainName::from_trusted(svc.firewall_chain());
        let uses_fw_chain =
            has_endpoints && !svc.load_balancer_vips.is_empty() && !svc.load_balancer_source_ranges.is_empty();
        let load_balancer_traffic_chain = if uses_fw_chain { &firewall_chain } else { &external_traffic_chain };

        // REJECT when there are no endpoints at all, DROP when only local ones are missing.
        let mut internal_filter: Option<(Target, String)> = None;
        let mut external_filter: Option<(Target, String)> = None;
        if !has_endpoints {
            let text = format!("{name} has no endpoints");
            internal_filter = Some((Target::Reject(RejectWith::PortUnreachable), text.clone()));
            external_filter = Some((Target::Reject(RejectWith::PortUnreachable), text));
        } else {
            if !has_internal_endpoints {
                internal_filter = Some((Target::Drop, format!("{name} has no local endpoints")));
            }
            if !has_external_endpoints {
                external_filter = Some((Target::Drop, format!("{name} has no local endpoints")));
            }
        }

        // `-m comment --comment C -m P -p P -d IP --dport PORT`.
        let vip_rule = |text: &str, ip| with_protocol(Rule::default().with(comment(text)), protocol, Some(svc.port)).destination(host(ip));

        // Capture the clusterIP.
        if has_internal_endpoints {
            nat.write(&self.services, vip_rule(&format!("{name} cluster IP"), svc.cluster_ip).target(jump(internal_traffic_chain)));
        } else if let Some((target, text)) = &internal_filter {
            filter.write(KUBE_SERVICES, vip_rule(text, svc.cluster_ip).target(target.clone()));
        }

        // Capture externalIPs.
        for &external_ip in &svc.external_ips {
            if has_endpoints {
                nat.write(KUBE_SERVICES, vip_rule(&format!("{name} external IP"), external_ip).target(jump(&external_traffic_chain)));
            }
            if !has_external_endpoints && let Some((target, text)) = &external_filter {
                filter.write(KUBE_EXTERNAL_SERVICES, vip_rule(text, external_ip).target(target.clone()));
            }
        }

        // Capture load-balancer ingress.
        for &lb_ip in &svc.load_balancer_vips {
            if has_endpoints {
                nat.write(
                    KUBE_SERVICES,
                    vip_rule(&format!("{name} loadbalancer IP"), lb_ip).target(jump(load_balancer_traffic_chain)),
                );
            }
            if uses_fw_chain {
                filter.write(
                    KUBE_PROXY_FIREWALL,
                    vip_rule(&format!("{name} traffic not accepted by {firewall_chain}"), lb_ip).target(Target::Drop),
                );
            }
        }
        if !has_external_endpoints && let Some((target, text)) = &external_filter {
            for &lb_ip in &svc.load_balancer_vips {
                filter.write(KUBE_EXTERNAL_SERVICES, vip_rule(text, lb_ip).target(target.clone()));
            }
        }

        // Capture nodeports.
        if svc.node_port != 0 {
            if has_endpoints {
                // NodePorts are not subject to loadBalancerSourceRanges.
                if config.localhost_node_ports && config.nfacct {
                    nat.write(
                        KUBE_NODEPORTS,
                        with_protocol(Rule::default().with(comment(name)), protocol, Some(svc.node_port))
                            .destination(loopback_net())
                            .with(Match::Nfacct(Nfacct::new(LOCALHOST_NODEPORTS_ACCEPTED)))
                            .target(jump(&external_traffic_chain)),
                    );
                }
                nat.write(
                    KUBE_NODEPORTS,
                    with_protocol(Rule::default().with(comment(name)), protocol, Some(svc.node_port))
                        .target(jump(&external_traffic_chain)),
                );
            }
            if !has_external_endpoints && let Some((target, text)) = &external_filter {
                filter.write(
                    KUBE_EXTERNAL_SERVICES,
                    with_protocol(
                        Rule::default().with(comment(text)).with(Match::Addrtype(Addrtype::destination_local())),
                        protocol,
                        Some(svc.node_port),
                    )
                    .target(target.clone()),
                );
            }
        }

        // Capture healthCheckNodePorts (always TCP), whether or not there are local endpoints.
        if svc.health_check_node_port != 0 {
            filter.write(
                KUBE_NODEPORTS,
                with_protocol(
                    Rule::default().with(comment(format!("{name} health check node port"))),
                    crate::net::Protocol::Tcp,
                    Some(svc.health_check_node_port),
                )
                .target(Target::Accept),
            );
        }

        // Internal traffic handling: masquerade off-cluster traffic to the ClusterIP.
        if has_internal_endpoints {
            let base = vip_rule(&format!("{name} cluster IP"), svc.cluster_ip);
            if config.masquerade_all {
                nat.write(internal_traffic_chain, base.target(jump(KUBE_MARK_MASQ)));
            } else if config.local_detector.is_implemented() {
                nat.write(internal_traffic_chain, if_not_local(base, &config.local_detector).target(jump(KUBE_MARK_MASQ)));
            }
        }

        // External traffic handling.
        if uses_external_traffic_chain {
            nat.declare(&external_traffic_chain);
            if !svc.external_policy_local {
                // Non-local endpoints may be on another node: masquerade.
                nat.write(
                    &external_traffic_chain,
                    Rule::default()
                        .with(comment(format!("masquerade traffic for {name} external destinations")))
                        .target(jump(KUBE_MARK_MASQ)),
                );
            } else {
                if config.local_detector.is_implemented() {
                    // Pod -> external destination: short-circuit to all endpoints.
                    nat.write(
                        &external_traffic_chain,
                        if_local(
                            Rule::default().with(comment(format!("pod traffic for {name} external destinations"))),
                            &config.local_detector,
                        )
                        .target(jump(&cluster_policy_chain)),
                    );
                }
                // The node itself: masquerade (the LB IP is local) and use all endpoints.
                nat.write(
                    &external_traffic_chain,
                    Rule::default()
                        .with(comment(format!("masquerade LOCAL traffic for {name} external destinations")))
                        .with(Match::Addrtype(Addrtype::source_local()))
                        .target(jump(KUBE_MARK_MASQ)),
                );
                nat.write(
                    &external_traffic_chain,
                    Rule::default()
                        .with(comment(format!("route LOCAL traffic for {name} external destinations")))
                        .with(Match::Addrtype(Addrtype::source_local()))
                        .target(jump(&cluster_policy_chain)),
                );
            }
            if has_external_endpoints {
                nat.write(&external_traffic_chain, Rule::jump(jump(external_policy_chain)));
            }
        }

        // The firewall chain for loadBalancerSourceRanges.
        if uses_fw_chain {
            nat.declare(&firewall_chain);
            let base = || Rule::default().with(comment(format!("{name} loadbalancer IP")));
            let mut allow_from_node = false;
            for cidr in &svc.load_balancer_source_ranges {
                nat.write(&firewall_chain, base().source(*cidr).target(jump(&external_traffic_chain)));
                if cidr.contains(self.node_ip) {
                    allow_from_node = true;
                }
            }
            // A node talking to a VIP it holds loops back with the VIP as source.
            if allow_from_node {
                for &lb_ip in &svc.load_balancer_vips {
                    nat.write(&firewall_chain, base().source(host(lb_ip)).target(jump(&external_traffic_chain)));
                }
            }
            nat.write(
                &firewall_chain,
                Rule::default().with(comment(format!("other traffic to {name} will be dropped by KUBE-PROXY-FIREWALL"))),
            );
        }

        if uses_cluster_policy_chain {
            nat.declare(&cluster_policy_chain);
            self.service_to_endpoint_rules(nat, svc, &cluster_policy_chain, &categorized.cluster);
        }
        if uses_local_policy_chain {
            nat.declare(&local_policy_chain);
            self.service_to_endpoint_rules(nat, svc, &local_policy_chain, &categorized.local);
        }

        // The per-endpoint chains.
        for ep in &categorized.all_reachable {
            let sep = &ep.chain;
            nat.declare(sep);
            let base = self.service_comment(Rule::default(), format_args!("{name}"));
            // Hairpin: a pod reaching itself through the Service must be masqueraded.
            nat.write(sep, base.clone().source(host(ep.ip)).target(jump(&self.mark_masq)));
            let mut dnat = base;
            if svc.sticky_max_age_seconds.is_some() {
                dnat = dnat.with(Match::Recent(Recent::new(RecentCommand::Set, sep.as_str())));
            }
            nat.write(sep, with_protocol(dnat, protocol, None).target(Target::dnat(ep.ip, ep.port)));
        }
    }

    /// Port of `writeServiceToEndpointRules`: affinity checks, then the probability cascade.
    fn service_to_endpoint_rules(&mut self, nat: &mut RestoreTable, svc: &ServicePortInfo, chain_name: &ChainName, endpoints: &[&EndpointInfo]) {
        let name = svc.name_string.as_str();
        if let Some(seconds) = svc.sticky_max_age_seconds {
            for ep in endpoints {
                let rule = self.service_comment(Rule::default(), format_args!("{name} -> {}", ep.endpoint));
                nat.write(
                    chain_name,
                    rule.with(Match::Recent(Recent::affinity_check(ep.chain.as_str(), seconds))).target(jump(&ep.chain)),
                );
            }
        }
        let count = endpoints.len();
        for (i, ep) in endpoints.iter().enumerate() {
            let mut rule = self.service_comment(Rule::default(), format_args!("{name} -> {}", ep.endpoint));
            // Every rule but the last is a probabilistic match; the last always matches.
            if i + 1 < count && let Some(probability) = self.probability(count.saturating_sub(i)) {
                rule = rule.with(Match::Statistic(Statistic::random(probability)));
            }
            nat.write(chain_name, rule.target(jump(&ep.chain)));
        }
    }
}
