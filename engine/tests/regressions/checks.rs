//! The invariants the fuzz targets and the property tests hold the engine to, in one place.
//!
//! Pipeline position: the whole engine, end to end. `fuzz/fuzz_targets/*.rs`, `tests/regressions.rs`
//! and `tests/properties.rs` include this file with `#[path]`, so a crash the fuzzer finds is
//! replayed by plain `cargo test` through exactly the same code. Every function panics (through
//! `assert!`) when an invariant is broken; that is what the fuzzer and the tests look for.

use engine::calico;
use engine::cluster::{self, Cluster};
use engine::diagnostic::Diagnostic;
use engine::kubeproxy;
use engine::manifest;
use engine::netfilter::check;
use engine::netfilter::list::{ListOptions, list};
use engine::netfilter::spec::spec;
use engine::netfilter::{self, RestoreOptions, Ruleset, SaveOptions};
use engine::shell::Lab;

/// The banner date: the engine has no clock.
pub const DATE: &str = "Thu Nov 26 16:20:01 2026";

/// What the pipeline produced for one manifest text, for callers that check more.
pub struct PipelineOutput {
    pub cluster: Cluster,
    pub diagnostics: Vec<Diagnostic>,
    /// Each node's `iptables-save` (kube-proxy with Calico's Felix on top), by node, in node order.
    pub saves: Vec<(String, String)>,
}

/// kube-proxy's rules for `node` with Felix's applied on top, as on a real node.
pub fn node_ruleset(cluster: &Cluster, node: &str) -> Ruleset {
    let mut ruleset = kubeproxy::generate(cluster, node);
    calico::apply(cluster, node, &mut ruleset);
    ruleset
}

/// Manifest text through the whole pipeline: parse, build, every node's rules, their text and
/// its parse, and a few shell commands. Panics if any stage panics or an invariant breaks:
/// every node's rules print and read back to the same values, print again byte for byte, and
/// every jump lands on a defined chain.
pub fn manifest_pipeline(text: &str) -> PipelineOutput {
    let (manifests, mut diagnostics) = manifest::parse(text);
    let (cluster, more) = cluster::build(&manifests);
    diagnostics.extend(more);
    for diagnostic in &diagnostics {
        // Rendering points at line:column in the text; it must never slice out of bounds.
        let _ = diagnostic.render("input.yaml");
        let _ = diagnostic.problem.to_string();
    }
    let mut saves = Vec::new();
    for node in &cluster.nodes {
        let ruleset = node_ruleset(&cluster, &node.name);
        let text = ruleset_round_trip(&ruleset, &node.name);
        saves.push((node.name.clone(), text));
    }
    shell_commands(&cluster);
    PipelineOutput { cluster, diagnostics, saves }
}

/// Generated rules: text and values agree both ways, and the jump check is clean.
pub fn ruleset_round_trip(ruleset: &Ruleset, node: &str) -> String {
    let options = SaveOptions::new(DATE);
    let text = netfilter::save(ruleset, &options);
    let parsed = netfilter::parse(&text);
    assert!(parsed.errors.is_empty(), "node {node}: its own iptables-save does not parse: {:?}\n{text}", parsed.errors);
    assert!(parsed.ruleset == *ruleset, "node {node}: iptables-save does not read back to the same rules\n{text}");
    let again = netfilter::save(&parsed.ruleset, &options);
    assert!(again == text, "node {node}: printing the parsed rules changes the text");
    let findings = check::check_jumps(ruleset);
    assert!(findings.is_empty(), "node {node}: jumps to undefined chains: {}", join(&findings));
    // The other renderings and checks must not panic on generated rules either.
    for table in ruleset.tables() {
        let _ = spec(table);
        let _ = list(table, ListOptions { verbose: true, line_numbers: true });
    }
    let _ = check::check_placement(ruleset);
    let _ = check::check_kube_proxy(ruleset);
    text
}

/// A few commands a learner types first, on the first node and on `client`.
pub fn shell_commands(cluster: &Cluster) {
    let mut lab = Lab::from_cluster(cluster.clone());
    let mut hosts: Vec<String> = cluster.nodes.iter().take(1).map(|node| node.name.clone()).collect();
    hosts.push("client".to_string());
    for name in hosts {
        let Ok(host) = lab.host(&name) else { continue };
        for command in ["kubectl get all -A -o wide", "iptables-save", "iptables -t nat -L -n -v | head -20"] {
            let _ = lab.run(&host, command);
        }
    }
}

/// Arbitrary text as `iptables-save` output and as `iptables-restore --noflush` input: never a
/// panic, and after the first read the text is a fixed point, even when lines were refused
/// (save -> parse -> save is stable and reads back to the same values, without errors when the
/// first read had none).
pub fn netfilter_text(text: &str) {
    let first = netfilter::parse(text);
    for error in &first.errors {
        let _ = error.to_string();
    }
    let options = SaveOptions { counters: true, ..SaveOptions::new(DATE) };
    let saved = netfilter::save(&first.ruleset, &options);
    let second = netfilter::parse(&saved);
    // Text read with errors may keep what the real tool would refuse (a jump to a chain that
    // never came), so only clean input must give clean normalised text.
    if first.errors.is_empty() {
        assert!(second.errors.is_empty(), "normalised text does not parse: {:?}\n{saved}", second.errors);
    }
    // With or without errors, a refused line is dropped whole and what was kept prints back to
    // itself: the rules read from the saved text are the rules it was saved from.
    assert!(second.ruleset == first.ruleset, "normalised text reads back to other rules: {:?}\n{saved}", second.errors);
    let again = netfilter::save(&second.ruleset, &options);
    assert!(again == saved, "save -> parse -> save is not a fixed point\n{saved}\n---\n{again}");
    for table in first.ruleset.tables() {
        let _ = spec(table);
        let _ = list(table, ListOptions { verbose: true, line_numbers: true });
    }
    let _ = check::check_jumps(&first.ruleset);
    let _ = check::check_placement(&first.ruleset);
    let _ = check::check_kube_proxy(&first.ruleset);
    let _ = check::not_emulated(&first.ruleset);
    // The same text as kube-proxy's restore input, on top of rules already there.
    let mut base = first.ruleset.clone();
    let _ = netfilter::restore(&mut base, text, RestoreOptions { noflush: true, counters: false });
    let _ = netfilter::save(&base, &options);
}

fn join(findings: &[check::Finding]) -> String {
    findings.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// One connection a learner would make: `curl URL` on host `from`, with a `Host` header when
/// an Ingress rule names one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub from: String,
    pub url: String,
    pub host: Option<String>,
}

impl Request {
    pub fn new(from: &str, url: &str) -> Request {
        Request { from: from.to_string(), url: url.to_string(), host: None }
    }
}

/// Where a learner would send connections in `cluster`, at most `limit` of them. For every TCP
/// Service port: its ClusterIP, each externalIP and load-balancer address, and its NodePort on
/// every node, each from `client`, the first node and the first pod with an address; and its
/// DNS name `name.namespace` from that pod (the lookups are traced UDP flows). For every
/// Ingress path: each load-balancer address and the first node's NodePort of every Service,
/// with the rule's host as `Host` (a wildcard's `*` as `x`), from `client`. Taken in turn from
/// each of the user's Services and the Ingresses, so a short limit still sees each of them;
/// the cluster's own Services (`default/kubernetes`, `kube-system`) come after.
pub fn trace_requests(cluster: &Cluster, limit: usize) -> Vec<Request> {
    let pod = cluster.pods.iter().find(|pod| pod.ip.is_some()).map(|pod| pod.key());
    let mut sources = vec!["client".to_string()];
    sources.extend(cluster.nodes.first().map(|node| node.name.clone()));
    sources.extend(pod.clone());
    let mut user = Vec::new();
    let mut system = Vec::new();
    let mut entries = Vec::new();
    for service in &cluster.services {
        let mut addresses = Vec::new();
        let mut names = Vec::new();
        for port in service.ports.iter().filter(|port| port.protocol == engine::net::Protocol::Tcp) {
            let at = |ip: &std::net::Ipv4Addr| format!("{ip}:{}", port.port);
            let mut targets: Vec<String> = service.cluster_ip.iter().chain(&service.external_ips).map(at).collect();
            let balancers: Vec<String> = service.load_balancer_ingress.iter().filter_map(|ingress| ingress.ip.as_ref()).map(at).collect();
            let node_ports: Vec<String> = port
                .node_port
                .iter()
                .flat_map(|node_port| cluster.nodes.iter().map(move |node| format!("{}:{node_port}", node.internal_ip)))
                .collect();
            entries.extend(balancers.iter().cloned());
            entries.extend(node_ports.first().cloned());
            targets.extend(balancers);
            targets.extend(node_ports);
            for target in targets {
                addresses.extend(sources.iter().map(|source| Request::new(source, &format!("http://{target}/"))));
            }
            if let (Some(pod), Some(_)) = (&pod, service.cluster_ip) {
                names.push(Request::new(pod, &format!("http://{}.{}:{}/", service.name, service.namespace, port.port)));
            }
        }
        let requests = interleave(vec![addresses, names]);
        if service.namespace == "kube-system" || service.key() == "default/kubernetes" {
            system.push(requests);
        } else {
            user.push(requests);
        }
    }
    let mut ingresses = Vec::new();
    for ingress in &cluster.ingresses {
        for rule in &ingress.rules {
            let host = rule.host.as_ref().map(|host| host.replace('*', "x"));
            for path in &rule.paths {
                let path = if path.path.starts_with('/') { path.path.clone() } else { format!("/{}", path.path) };
                for entry in &entries {
                    ingresses.push(Request { from: "client".to_string(), url: format!("http://{entry}{path}"), host: host.clone() });
                }
            }
        }
    }
    user.push(ingresses);
    let mut requests = interleave(user);
    requests.extend(interleave(system));
    requests.truncate(limit);
    requests
}

/// The first of each list, then the second of each, and so on.
fn interleave(lists: Vec<Vec<Request>>) -> Vec<Request> {
    let mut lists: Vec<_> = lists.into_iter().map(Vec::into_iter).collect();
    let mut out = Vec::new();
    loop {
        let before = out.len();
        for list in &mut lists {
            out.extend(list.next());
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Traces `requests` in one session. Every trace ends (a bounded number of steps and an
/// outcome), its text renders, and an answered connection's reply carries the client's tuple
/// reversed (conntrack's un-NAT restored it); through Envoy the same holds for Envoy's own
/// connection to the backend. Returns the outcomes, in the order of `requests`.
pub fn traces(cluster: &Cluster, requests: &[Request]) -> Vec<engine::trace::Outcome> {
    use engine::trace::{self, Outcome, Session, TraceOptions};
    let lab = trace::Lab::new(cluster.clone());
    let mut session = Session::new(7);
    let mut outcomes = Vec::new();
    for request in requests {
        let Request { from, url, host } = request;
        let headers = host.iter().map(|host| ("Host".to_string(), host.clone())).collect();
        let options = TraceOptions { headers, ..TraceOptions::default() };
        let traced = trace::trace(&lab, &mut session, from, url, &options);
        let steps = traced.all_steps().count();
        assert!(steps < 100_000, "{from} -> {url}: {steps} steps");
        let _ = traced.text();
        let _ = traced.outcome.to_string();
        if let Outcome::Answered { .. } = traced.outcome {
            let (Some(client), Some(reply)) = (traced.client, traced.reply) else {
                panic!("{from} -> {url}: answered without the client's and the reply's tuples");
            };
            assert_reversed(&client, &reply, &format!("{from} -> {url}"));
        }
        if let Some(leg) = traced.proxy.as_ref().and_then(|proxy| proxy.leg.as_ref())
            && let Outcome::Answered { .. } = leg.outcome
        {
            let Some(reply) = leg.reply else {
                panic!("{from} -> {url}: Envoy's connection {} answered without a reply tuple", leg.request);
            };
            assert_reversed(&leg.client, &reply, &format!("{from} -> {url} (Envoy's {})", leg.request));
        }
        outcomes.push(traced.outcome);
    }
    outcomes
}

/// The answer a client received comes from where it sent to and goes to its own socket.
fn assert_reversed(client: &engine::packet::Endpoints, reply: &engine::packet::Endpoints, what: &str) {
    let restored = (reply.src, reply.src_port, reply.dst, reply.dst_port);
    let expected = (client.dst, client.dst_port, client.src, client.src_port);
    assert!(restored == expected, "{what}: the reply {restored:?} does not reverse the client's {expected:?}");
}

/// Manifest text -> cluster -> up to 16 traces through [`traces`].
pub fn scenario_trace(text: &str) {
    let (manifests, _) = manifest::parse(text);
    let (cluster, _) = cluster::build(&manifests);
    let requests = trace_requests(&cluster, 16);
    let _ = traces(&cluster, &requests);
}
