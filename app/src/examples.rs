//! The Examples menu: the blog post's demo and the scenarios around it.
//!
//! The YAML lives in `static/examples/` (served next to the page, so a reader can download
//! it). Only the default is compiled into the page's wasm; the others are fetched from the
//! page's own origin when chosen ([`Example::path`]), which keeps ~14 KB of YAML out of the
//! first load. The page still recognises an unedited example by its length and FNV-1a digest
//! ([`Example::showing`]), computed at compile time. [`Example::text`] (every text, compiled
//! in) is for the tests. Titles and descriptions are in [`crate::i18n::examples`].

/// One entry of the Examples menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Example {
    /// The post's whole demo: its cluster, nginx behind NodePort 31000, and Contour's
    /// Ingress sending /cinnamon and /butterscotch to two http-echo pods.
    Post,
    /// The post's ClusterIP `sample-service` in front of two nginx pods.
    ClusterIp,
    /// The post's NodePort 31000 -> 8080 -> 80, the nginx pod on node2 at 192.168.231.166.
    NodePort,
    /// The post's `sample-lb` with nothing to provide a load balancer.
    LoadBalancer,
    /// MetalLB layer 2: a pool, an L2Advertisement, eTP Cluster and Local side by side.
    MetalLb,
    /// A LoadBalancer whose status a cloud controller filled in.
    CloudLb,
    /// A `networking.k8s.io/v1` Ingress with hosts, a wildcard, Exact and Prefix paths.
    IngressHosts,
    /// Contour as upstream ships it, its envoy LoadBalancer given an address by MetalLB.
    IngressMetalLb,
    /// A NodePort with `externalTrafficPolicy: Local`.
    EtpLocal,
    /// `sessionAffinity: ClientIP`.
    SessionAffinity,
}

impl Example {
    pub const ALL: [Example; 10] = [
        Example::Post,
        Example::ClusterIp,
        Example::NodePort,
        Example::LoadBalancer,
        Example::MetalLb,
        Example::CloudLb,
        Example::IngressHosts,
        Example::IngressMetalLb,
        Example::EtpLocal,
        Example::SessionAffinity,
    ];

    /// What the lab shows the first time.
    pub const DEFAULT: Example = Example::Post;

    /// The default example's text, the only one in the page's wasm.
    pub fn default_text() -> &'static str {
        include_str!("../../static/examples/post-default.yaml")
    }

    /// Where the page fetches the example from (relative to the page).
    pub fn path(self) -> String {
        let file = if self == Example::Post { "post-default" } else { self.id() };
        format!("static/examples/{file}.yaml")
    }

    /// Every example's text, compiled in (tests and tools; the page uses [`Example::path`]).
    pub fn text(self) -> &'static str {
        match self {
            Example::Post => include_str!("../../static/examples/post-default.yaml"),
            Example::ClusterIp => include_str!("../../static/examples/clusterip.yaml"),
            Example::NodePort => include_str!("../../static/examples/nodeport.yaml"),
            Example::LoadBalancer => include_str!("../../static/examples/loadbalancer.yaml"),
            Example::MetalLb => include_str!("../../static/examples/metallb-l2.yaml"),
            Example::CloudLb => include_str!("../../static/examples/cloud-lb.yaml"),
            Example::IngressHosts => include_str!("../../static/examples/ingress-hosts.yaml"),
            Example::IngressMetalLb => include_str!("../../static/examples/ingress-metallb.yaml"),
            Example::EtpLocal => include_str!("../../static/examples/etp-local.yaml"),
            Example::SessionAffinity => include_str!("../../static/examples/session-affinity.yaml"),
        }
    }

    /// Its stable id (the `<option value>`, and the file's name without `.yaml` except for
    /// the default).
    pub fn id(self) -> &'static str {
        match self {
            Example::Post => "post",
            Example::ClusterIp => "clusterip",
            Example::NodePort => "nodeport",
            Example::LoadBalancer => "loadbalancer",
            Example::MetalLb => "metallb-l2",
            Example::CloudLb => "cloud-lb",
            Example::IngressHosts => "ingress-hosts",
            Example::IngressMetalLb => "ingress-metallb",
            Example::EtpLocal => "etp-local",
            Example::SessionAffinity => "session-affinity",
        }
    }

    pub fn from_id(id: &str) -> Option<Example> {
        Example::ALL.into_iter().find(|example| example.id() == id)
    }

    /// The example whose text `text` is, unedited (its description is shown while it is):
    /// same length and same FNV-1a digest. Texts of another length cost nothing.
    pub fn showing(text: &str) -> Option<Example> {
        let candidates = || Example::ALL.into_iter().zip(FINGERPRINTS).filter(|(_, (len, _))| *len == text.len());
        candidates().next()?;
        let digest = fnv1a(text.as_bytes());
        candidates().find(|(_, (_, d))| *d == digest).map(|(example, _)| example)
    }
}

/// FNV-1a, 64 bits (Fowler, Noll, Vo): a `const fn`, so the digests below are computed by the
/// compiler and the example texts themselves are not kept in the page.
pub const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

const fn fingerprint(text: &str) -> (usize, u64) {
    (text.len(), fnv1a(text.as_bytes()))
}

/// (length, digest) of each example's file, in [`Example::ALL`]'s order.
const FINGERPRINTS: [(usize, u64); 10] = [
    fingerprint(include_str!("../../static/examples/post-default.yaml")),
    fingerprint(include_str!("../../static/examples/clusterip.yaml")),
    fingerprint(include_str!("../../static/examples/nodeport.yaml")),
    fingerprint(include_str!("../../static/examples/loadbalancer.yaml")),
    fingerprint(include_str!("../../static/examples/metallb-l2.yaml")),
    fingerprint(include_str!("../../static/examples/cloud-lb.yaml")),
    fingerprint(include_str!("../../static/examples/ingress-hosts.yaml")),
    fingerprint(include_str!("../../static/examples/ingress-metallb.yaml")),
    fingerprint(include_str!("../../static/examples/etp-local.yaml")),
    fingerprint(include_str!("../../static/examples/session-affinity.yaml")),
];

#[cfg(test)]
mod tests {
    use super::*;
    use engine::cluster::{Cluster, Service, ServiceType, TrafficPolicy};
    use engine::diagnostic::Diagnostic;

    fn build(example: Example) -> (Cluster, Vec<Diagnostic>) {
        let (manifests, mut diagnostics) = engine::manifest::parse(example.text());
        let (cluster, more) = engine::cluster::build(&manifests);
        diagnostics.extend(more);
        (cluster, diagnostics)
    }

    fn service<'a>(cluster: &'a Cluster, key: &str) -> &'a Service {
        cluster.services.iter().find(|s| s.key() == key).unwrap_or_else(|| panic!("no Service {key}"))
    }

    fn lb_ip(service: &Service) -> Option<String> {
        service.load_balancer_ingress.iter().find_map(|ingress| ingress.ip).map(|ip| ip.to_string())
    }

    #[test]
    fn the_page_knows_each_example_by_its_fingerprint_and_file() {
        for example in Example::ALL {
            assert_eq!(Example::showing(example.text()), Some(example));
            // One byte more or different is not the example any more.
            assert_eq!(Example::showing(&format!("{} ", example.text())), None);
            let changed = example.text().replacen(':', ";", 1);
            assert_eq!(changed.len(), example.text().len());
            assert_eq!(Example::showing(&changed), None, "{example:?}");
            // The fetched file is the compiled-in text.
            let on_disk = std::fs::read_to_string(format!("{}/../{}", env!("CARGO_MANIFEST_DIR"), example.path()));
            assert_eq!(on_disk.ok().as_deref(), Some(example.text()), "{example:?}");
        }
        assert_eq!(Example::default_text(), Example::DEFAULT.text());
        // FNV-1a's published test vectors (64-bit): "" and "a".
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    /// Every example reads without errors and has a unique id.
    #[test]
    fn examples_build_clean() {
        for example in Example::ALL {
            let (cluster, diagnostics) = build(example);
            let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
            assert!(errors.is_empty(), "{example:?}: {errors:?}");
            assert_eq!(cluster.nodes.len(), 3, "{example:?}: the post's three nodes");
            assert!(!cluster.services.is_empty(), "{example:?}");
            assert_eq!(Example::from_id(example.id()), Some(example));
            assert_eq!(Example::showing(example.text()), Some(example));
            // Every pod found a node and an address.
            for pod in &cluster.pods {
                assert!(pod.node_name.is_some() && pod.ip.is_some(), "{example:?}: {pod:?}");
            }
        }
        assert_eq!(Example::showing("kind: Pod\n"), None);
    }

    /// The default is the post's whole demo, as its closing sections run it.
    #[test]
    fn the_default_is_the_posts_demo() {
        assert_eq!(Example::DEFAULT, Example::Post);
        let (cluster, _) = build(Example::Post);
        let names: Vec<&str> = cluster.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["controlplane", "node1", "node2"]);
        // The `web` Deployment's nginx pod on node2 at the post's address, behind NodePort 31000.
        let web = cluster.pods.iter().find(|p| p.name.starts_with("web-")).expect("the web pod");
        assert_eq!(web.node_name.as_deref(), Some("node2"));
        assert_eq!(web.ip.map(|ip| ip.to_string()).as_deref(), Some("192.168.231.166"));
        let sample = service(&cluster, "default/sample-service");
        assert_eq!(sample.service_type, ServiceType::NodePort);
        assert_eq!(sample.ports.first().map(|p| (p.port, p.node_port)), Some((8080, Some(31000))));
        // Contour, added by the lab as the post installs it: envoy NodePort 80:32023, 443:30370.
        let envoy = service(&cluster, "projectcontour/envoy");
        assert_eq!(envoy.service_type, ServiceType::NodePort);
        let ports: Vec<(u16, Option<u16>)> = envoy.ports.iter().map(|p| (p.port, p.node_port)).collect();
        assert_eq!(ports, [(80, Some(32023)), (443, Some(30370))]);
        assert!(cluster.pods.iter().any(|p| p.namespace == "projectcontour" && p.name.starts_with("envoy-")));
        // The Ingress's two paths, to the cinnamon and butterscotch http-echo pods.
        let ingress = cluster.ingresses.iter().find(|i| i.name == "sample-ingress").expect("sample-ingress");
        let paths: Vec<(&str, &str)> = ingress
            .rules
            .iter()
            .flat_map(|rule| &rule.paths)
            .map(|path| (path.path.as_str(), path.backend.service_name.as_str()))
            .collect();
        assert_eq!(paths, [("/butterscotch", "butterscotch-service"), ("/cinnamon", "cinnamon-service")]);
        for app in ["cinnamon", "butterscotch"] {
            let pod = cluster.pods.iter().find(|p| p.labels.get("app").map(String::as_str) == Some(app));
            assert!(pod.is_some_and(|p| p.ready), "{app}");
        }
    }

    /// Each menu entry has what its title promises.
    #[test]
    fn each_example_shows_what_its_title_says() {
        let (cluster, _) = build(Example::ClusterIp);
        assert_eq!(service(&cluster, "default/sample-service").service_type, ServiceType::ClusterIp);
        let web = cluster.pods.iter().filter(|p| p.labels.get("app").map(String::as_str) == Some("web")).count();
        assert_eq!(web, 2);

        let (cluster, _) = build(Example::NodePort);
        let sample = service(&cluster, "default/sample-service");
        assert_eq!(sample.service_type, ServiceType::NodePort);
        assert_eq!(sample.ports.first().and_then(|p| p.node_port), Some(31000));
        let nginx = cluster.pods.iter().find(|p| p.name == "nginx").expect("nginx");
        assert_eq!((nginx.node_name.as_deref(), nginx.ip.map(|ip| ip.to_string())), (Some("node2"), Some("192.168.231.166".into())));

        let (cluster, _) = build(Example::LoadBalancer);
        let lb = service(&cluster, "default/sample-lb");
        assert_eq!(lb.service_type, ServiceType::LoadBalancer);
        assert_eq!(lb_ip(lb), None, "nothing provides an address");
        assert_eq!(lb.ports.first().and_then(|p| p.node_port), Some(31000));

        // MetalLB hands out the pool's lowest free addresses in Service order.
        let (cluster, _) = build(Example::MetalLb);
        assert_eq!(lb_ip(service(&cluster, "default/web-cluster")).as_deref(), Some("172.16.120.200"));
        let local = service(&cluster, "default/web-local");
        assert_eq!(lb_ip(local).as_deref(), Some("172.16.120.201"));
        assert_eq!(local.external_traffic_policy, TrafficPolicy::Local);

        let (cluster, _) = build(Example::CloudLb);
        assert_eq!(lb_ip(service(&cluster, "default/sample-lb")).as_deref(), Some("203.0.113.10"));
        assert!(cluster.metallb_pools.is_empty(), "the address is the cloud's, not MetalLB's");

        let (cluster, _) = build(Example::IngressHosts);
        let hosts: Vec<Option<&str>> = cluster.ingresses.iter().flat_map(|i| &i.rules).map(|r| r.host.as_deref()).collect();
        assert_eq!(hosts, [Some("cinnamon.example.com"), Some("*.sweets.example.com")]);
        assert!(cluster.ingresses.iter().all(|i| i.default_backend.is_some()));

        let (cluster, _) = build(Example::IngressMetalLb);
        let envoy = service(&cluster, "projectcontour/envoy");
        assert_eq!(envoy.service_type, ServiceType::LoadBalancer);
        assert_eq!(envoy.external_traffic_policy, TrafficPolicy::Local);
        assert_eq!(lb_ip(envoy).as_deref(), Some("172.16.120.240"));

        let (cluster, _) = build(Example::EtpLocal);
        let whoami = service(&cluster, "default/whoami");
        assert_eq!(whoami.external_traffic_policy, TrafficPolicy::Local);
        assert_eq!(whoami.ports.first().and_then(|p| p.node_port), Some(31080));

        let (cluster, _) = build(Example::SessionAffinity);
        let whoami = service(&cluster, "default/whoami");
        assert_eq!(whoami.session_affinity_timeout, Some(10800), "ClientIP with the default timeout");
    }
}
