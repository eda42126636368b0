//! Contour's Ingress routing, checked against the Kubernetes docs and Contour's sources.
//!
//! Facts are asserted directly; readable goldens (one folder per scenario under
//! `tests/ingress/`, regenerate with `UPDATE_EXPECT=1`) record the full decisions.

// Helpers outside `#[test]` functions read fixtures; a failure there is a broken fixture.
#![allow(clippy::unwrap_used)]

#[path = "common/build.rs"]
mod common;

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use engine::cluster::{self, Cluster};
use engine::diagnostic::{Diagnostic, Problem, Severity};
use engine::ingress::route::{NotFound, Outcome, Verdict};
use engine::ingress::table::RouteSource;
use engine::ingress::upstream::{RoundRobin, endpoints_for};
use engine::ingress::{self, contour};
use engine::manifest;
use expect_test::expect_file;

use common::build;

/// A ClusterIP Service `name` on port 80 (selecting nothing: routing does not need pods).
fn service(name: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: {name}\n  ports:\n    - port: 80\n"
    )
}

/// Where a request went, in the vocabulary of the docs' table: the index of the path that
/// matched, the default backend, or Envoy's 404.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Went {
    Path(usize),
    DefaultBackend,
    NotFound,
}

fn went(cluster: &Cluster, host: &str, path: &str) -> Went {
    let decision = ingress::route(cluster, host, path);
    match decision.route().map(|route| &route.source) {
        Some(RouteSource::Rule { path, .. }) => Went::Path(*path),
        Some(RouteSource::DefaultBackend { .. }) => Went::DefaultBackend,
        None => Went::NotFound,
    }
}

/// The examples table of the Kubernetes Ingress docs (`content/en/docs/concepts/
/// services-networking/ingress.md`, identical to KEP-1453), verbatim in its first four
/// columns; the last column is what the row's "Matches?" means for the lab's Ingress, whose
/// paths go to one Service each and whose `defaultBackend` catches the rest.
/// (kind, [(path, pathType)], request paths, the docs' "Matches?", where the lab sends them).
type DocsRow = (&'static str, &'static [(&'static str, &'static str)], &'static [&'static str], &'static str, Went);

const DOCS_TABLE: &[DocsRow] = &[
    ("Prefix", &[("/", "Prefix")], &["/", "/foo", "/aaa/bbb/ccc", "/x?y=z"], "Yes", Went::Path(0)),
    ("Exact", &[("/foo", "Exact")], &["/foo"], "Yes", Went::Path(0)),
    ("Exact", &[("/foo", "Exact")], &["/bar"], "No", Went::DefaultBackend),
    ("Exact", &[("/foo", "Exact")], &["/foo/"], "No", Went::DefaultBackend),
    ("Exact", &[("/foo/", "Exact")], &["/foo"], "No", Went::DefaultBackend),
    ("Prefix", &[("/foo", "Prefix")], &["/foo", "/foo/"], "Yes", Went::Path(0)),
    ("Prefix", &[("/foo/", "Prefix")], &["/foo", "/foo/"], "Yes", Went::Path(0)),
    ("Prefix", &[("/aaa/bb", "Prefix")], &["/aaa/bbb"], "No", Went::DefaultBackend),
    ("Prefix", &[("/aaa/bbb", "Prefix")], &["/aaa/bbb"], "Yes", Went::Path(0)),
    ("Prefix", &[("/aaa/bbb/", "Prefix")], &["/aaa/bbb"], "Yes, ignores trailing slash", Went::Path(0)),
    ("Prefix", &[("/aaa/bbb", "Prefix")], &["/aaa/bbb/"], "Yes,  matches trailing slash", Went::Path(0)),
    ("Prefix", &[("/aaa/bbb", "Prefix")], &["/aaa/bbb/ccc"], "Yes, matches subpath", Went::Path(0)),
    ("Prefix", &[("/aaa/bbb", "Prefix")], &["/aaa/bbbxyz"], "No, does not match string prefix", Went::DefaultBackend),
    ("Prefix", &[("/", "Prefix"), ("/aaa", "Prefix")], &["/aaa/ccc"], "Yes, matches `/aaa` prefix", Went::Path(1)),
    (
        "Prefix",
        &[("/", "Prefix"), ("/aaa", "Prefix"), ("/aaa/bbb", "Prefix")],
        &["/aaa/bbb"],
        "Yes, matches `/aaa/bbb` prefix",
        Went::Path(2),
    ),
    (
        "Prefix",
        &[("/", "Prefix"), ("/aaa", "Prefix"), ("/aaa/bbb", "Prefix")],
        &["/ccc"],
        "Yes, matches `/` prefix",
        Went::Path(0),
    ),
    ("Prefix", &[("/aaa", "Prefix")], &["/ccc"], "No, uses default backend", Went::DefaultBackend),
    ("Mixed", &[("/foo", "Prefix"), ("/foo", "Exact")], &["/foo"], "Yes, prefers Exact", Went::Path(1)),
];

/// One Ingress for a row: path `i` goes to Service `p{i}`, everything else to `fallback`.
fn docs_row_manifest(paths: &[(&str, &str)]) -> String {
    let mut text = String::from(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: docs\nspec:\n  defaultBackend:\n    service:\n      name: fallback\n      port:\n        number: 80\n  rules:\n  - http:\n      paths:\n",
    );
    for (index, (path, path_type)) in paths.iter().enumerate() {
        let _ = write!(
            text,
            "      - path: {path}\n        pathType: {path_type}\n        backend:\n          service:\n            name: p{index}\n            port:\n              number: 80\n"
        );
    }
    text.push_str(&service("fallback"));
    for index in 0..paths.len() {
        text.push_str(&service(&format!("p{index}")));
    }
    text
}

#[test]
fn kubernetes_docs_path_examples() {
    assert_eq!(DOCS_TABLE.len(), 18, "the docs' table has 18 rows");
    let mut record = String::new();
    for (kind, paths, requests, docs_answer, expected) in DOCS_TABLE {
        let (cluster, diagnostics) = build(&docs_row_manifest(paths));
        assert!(!diagnostics.iter().any(Diagnostic::is_error), "{diagnostics:?}");
        for request in *requests {
            let got = went(&cluster, "example.com", request);
            assert_eq!(got, *expected, "{kind} {paths:?} <- {request} (docs: {docs_answer})");
            let paths: Vec<String> = paths.iter().map(|(path, path_type)| format!("{path} ({path_type})")).collect();
            let _ = writeln!(record, "{kind:6} | {:40} | {request:14} | {docs_answer:34} | {got:?}", paths.join(", "));
        }
    }
    expect_file!["ingress/docs-path-examples/result.txt"].assert_eq(&record);
}

/// An Ingress with one rule per host, each host's `/` going to its own Service.
fn hosts_manifest(hosts: &[&str]) -> String {
    let mut text =
        String::from("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: hosts\nspec:\n  rules:\n");
    for (index, host) in hosts.iter().enumerate() {
        let _ = write!(
            text,
            "  - host: \"{host}\"\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: h{index}\n            port:\n              number: 80\n"
        );
    }
    for index in 0..hosts.len() {
        text.push_str(&service(&format!("h{index}")));
    }
    text
}

/// Which host's Service took the request, by index, or `None` for Envoy's 404.
fn host_went(cluster: &Cluster, host: &str) -> Option<String> {
    ingress::route(cluster, host, "/").route().map(|route| route.backend.service.clone())
}

#[test]
fn kubernetes_docs_wildcard_host_examples() {
    // The docs' table: `*.foo.com` covers exactly one DNS label.
    let (cluster, _) = build(&hosts_manifest(&["*.foo.com"]));
    assert_eq!(host_went(&cluster, "bar.foo.com").as_deref(), Some("h0"), "Matches based on shared suffix");
    assert_eq!(host_went(&cluster, "baz.bar.foo.com"), None, "No match, wildcard only covers a single DNS label");
    assert_eq!(host_went(&cluster, "foo.com"), None, "No match, wildcard only covers a single DNS label");
}

#[test]
fn precise_hosts_beat_wildcards_and_the_catch_all() {
    let (cluster, _) = build(&hosts_manifest(&["*", "*.foo.com", "bar.foo.com"]));
    // A rule host of `*` is rejected by API validation; the lab reads it as "every host".
    assert_eq!(host_went(&cluster, "bar.foo.com").as_deref(), Some("h2"));
    assert_eq!(host_went(&cluster, "qux.foo.com").as_deref(), Some("h1"));
    assert_eq!(host_went(&cluster, "foo.com").as_deref(), Some("h0"));
    // Envoy picks the wildcard virtual host for two labels too; Contour's one-label header
    // match then fails every route there, and the catch-all host is never tried.
    let decision = ingress::route(&cluster, "a.b.foo.com", "/");
    assert_eq!(decision.outcome, Outcome::NotFound(NotFound::NoRoute));
    assert_eq!(decision.considered.first().map(|considered| &considered.verdict), Some(&Verdict::NotOneLabel));
    // The Host header's port is stripped and its case ignored (`strip_any_host_port`).
    assert_eq!(host_went(&cluster, "BAR.foo.com:32023").as_deref(), Some("h2"));
}

#[test]
fn default_backend_and_404() {
    let text = format!(
        "{}{}{}",
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: shop\nspec:\n  defaultBackend:\n    service:\n      name: fallback\n      port:\n        number: 80\n  rules:\n  - host: shop.example.com\n    http:\n      paths:\n      - path: /cart\n        pathType: Prefix\n        backend:\n          service:\n            name: cart\n            port:\n              number: 80\n",
        service("fallback"),
        service("cart")
    );
    let (cluster, _) = build(&text);
    assert_eq!(went(&cluster, "shop.example.com", "/cart/items"), Went::Path(0));
    // Any other host lands on the `*` virtual host, where the defaultBackend lives.
    assert_eq!(went(&cluster, "other.example.com", "/cart"), Went::DefaultBackend);
    // Contour puts the defaultBackend on `*` only: the precise host's virtual host is chosen
    // first, none of its routes matches, and Envoy answers 404 itself.
    assert_eq!(went(&cluster, "shop.example.com", "/"), Went::NotFound);
    let decision = ingress::route(&cluster, "shop.example.com", "/");
    let mut record = format!("{decision}");
    record.push_str(&format!("{}", ingress::route(&cluster, "other.example.com", "/cart")));
    expect_file!["ingress/default-backend/decisions.txt"].assert_eq(&record);

    // Without a defaultBackend nor a matching rule, nothing matches at all.
    let (empty, _) = build(&service("fallback"));
    let decision = ingress::route(&empty, "example.com", "/");
    assert_eq!(decision.outcome, Outcome::NotFound(NotFound::NoVirtualHost));
    assert_eq!(ingress::route::NOT_FOUND_STATUS, (404, "Not Found"));
}

#[test]
fn implementation_specific_is_a_string_prefix_or_a_regex() {
    let text = format!(
        "{}{}{}{}",
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: impl\nspec:\n  rules:\n  - http:\n      paths:\n      - path: /foo\n        pathType: ImplementationSpecific\n        backend:\n          service:\n            name: plain\n            port:\n              number: 80\n      - path: /items/[0-9]+\n        pathType: ImplementationSpecific\n        backend:\n          service:\n            name: numbered\n            port:\n              number: 80\n",
        service("plain"),
        service("numbered"),
        "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: broken\nspec:\n  rules:\n  - host: broken.example.com\n    http:\n      paths:\n      - path: /bad[\n        pathType: ImplementationSpecific\n        backend:\n          service:\n            name: plain\n            port:\n              number: 80\n"
    );
    let (cluster, _) = build(&text);
    // Contour: no regex characters, so a string prefix (unlike `Prefix`, `/foobar` matches).
    assert_eq!(went(&cluster, "x", "/foobar"), Went::Path(0));
    assert_eq!(went(&cluster, "x", "/foo/bar"), Went::Path(0));
    // Any of `^+*[]%` makes it a regex that must match the whole path.
    assert_eq!(went(&cluster, "x", "/items/42"), Went::Path(1));
    assert_eq!(went(&cluster, "x", "/items/42/x"), Went::NotFound);
    assert_eq!(went(&cluster, "x", "/items/abc"), Went::NotFound);
    let diagnostics = ingress::diagnostics(&cluster);
    assert!(
        diagnostics.iter().any(|diagnostic| diagnostic.severity == Severity::Error
            && diagnostic.path == "spec.rules[0].http.paths[0].path"
            && diagnostic.object.as_deref() == Some("Ingress default/broken")),
        "{diagnostics:?}"
    );
}

#[test]
fn ingress_class_selection() {
    let ingress = |name: &str, meta: &str, spec: &str| {
        format!(
            "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n{meta}spec:\n{spec}  rules:\n  - host: {name}.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: web\n            port:\n              number: 80\n"
        )
    };
    let text = [
        service("web"),
        ingress("none", "", ""),
        ingress("contour", "", "  ingressClassName: contour\n"),
        ingress("nginx", "", "  ingressClassName: nginx\n"),
        // The annotation beats the field (KEP-1453; Contour's MatchesIngress).
        ingress(
            "annotated",
            "  annotations:\n    kubernetes.io/ingress.class: nginx\n",
            "  ingressClassName: contour\n",
        ),
        ingress(
            "contour-annotated",
            "  annotations:\n    projectcontour.io/ingress.class: contour\n",
            "  ingressClassName: nginx\n",
        ),
    ]
    .concat();
    let (cluster, _) = build(&text);
    let served = |host: &str| host_went(&cluster, host).is_some();
    assert!(served("none.example.com"));
    assert!(served("contour.example.com"));
    assert!(!served("nginx.example.com"));
    assert!(!served("annotated.example.com"));
    assert!(served("contour-annotated.example.com"));

    // A single default IngressClass is written into class-less Ingresses on creation.
    let default_class = "---\napiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: nginx\n  annotations:\n    ingressclass.kubernetes.io/is-default-class: \"true\"\nspec:\n  controller: k8s.io/ingress-nginx\n";
    let (cluster, _) = build(&[service("web"), ingress("none", "", ""), default_class.to_string()].concat());
    assert_eq!(host_went(&cluster, "none.example.com"), None);
}

#[test]
fn rewrite_target_annotations_are_reported_as_ignored() {
    let (cluster, _) = build(contour::DEMO);
    let diagnostics = ingress::diagnostics(&cluster);
    let ignored: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|diagnostic| matches!(&diagnostic.problem, Problem::IgnoredAnnotation { key, .. } if key == "ingress.kubernetes.io/rewrite-target"))
        .collect();
    assert_eq!(ignored.len(), 1, "{diagnostics:?}");
    // The backend sees the path unchanged: the route carries no rewrite at all.
    let decision = ingress::route(&cluster, "172.17.0.62:32023", "/cinnamon");
    assert_eq!(decision.path, "/cinnamon");
}

#[test]
fn the_posts_cinnamon_and_butterscotch_ingress() {
    let (cluster, diagnostics) = build(contour::DEMO);
    assert!(!diagnostics.iter().any(Diagnostic::is_error), "{diagnostics:?}");
    let mut record = String::new();
    for (path, service) in
        [("/cinnamon", Some("cinnamon-service")), ("/butterscotch", Some("butterscotch-service")), ("/", None)]
    {
        // `curl http://172.17.0.62:32023/cinnamon` sends `Host: 172.17.0.62:32023`.
        let decision = ingress::route(&cluster, "172.17.0.62:32023", path);
        assert_eq!(decision.route().map(|route| route.backend.service.as_str()), service, "{path}");
        if let Some(route) = decision.route() {
            assert_eq!(route.backend.port, 5678);
            // Envoy connects to the pod's IP and targetPort, not to the ClusterIP.
            let endpoints = endpoints_for(&cluster, &route.backend);
            assert_eq!(endpoints.len(), 1);
            let pod = cluster.pods.iter().find(|pod| Some(pod.key()) == endpoints[0].pod).unwrap();
            assert_eq!(Some(endpoints[0].ip), pod.ip);
            assert_eq!(endpoints[0].port, 5678);
            let service = cluster.services.iter().find(|s| s.name == route.backend.service).unwrap();
            assert_ne!(service.cluster_ip, Some(endpoints[0].ip));
        }
        let _ = write!(record, "{decision}");
    }
    // The legacy paths have no pathType, so ImplementationSpecific: a string prefix in Contour.
    assert_eq!(
        ingress::route(&cluster, "172.17.0.62:32023", "/cinnamonroll").route().map(|r| r.backend.service.as_str()),
        Some("cinnamon-service")
    );
    expect_file!["ingress/seed-demo/decisions.txt"].assert_eq(&record);
}

#[test]
fn round_robin_cycles_through_endpoints() {
    let mut balancer = RoundRobin::seeded(1);
    let picks: Vec<Option<usize>> = (0..4).map(|_| balancer.pick(3)).collect();
    assert_eq!(picks, [Some(1), Some(2), Some(0), Some(1)]);
    assert_eq!(RoundRobin::default().pick(0), None);
}

#[test]
fn backends_by_port_name_and_missing_backends() {
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n    - name: http\n      port: 8080\n      targetPort: 80\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: named\nspec:\n  rules:\n  - http:\n      paths:\n      - path: /named\n        pathType: Prefix\n        backend:\n          service:\n            name: web\n            port:\n              name: http\n      - path: /wrong-port\n        pathType: Prefix\n        backend:\n          service:\n            name: web\n            port:\n              number: 80\n      - path: /missing\n        pathType: Prefix\n        backend:\n          service:\n            name: nowhere\n            port:\n              number: 80\n";
    let (cluster, _) = build(text);
    let decision = ingress::route(&cluster, "x", "/named/page");
    let backend = &decision.route().unwrap().backend;
    assert_eq!((backend.service.as_str(), backend.port), ("web", 8080));
    // Contour skips backends it cannot resolve, so those paths answer 404.
    assert_eq!(went(&cluster, "x", "/wrong-port"), Went::NotFound);
    assert_eq!(went(&cluster, "x", "/missing"), Went::NotFound);
    let unresolved = ingress::diagnostics(&cluster)
        .into_iter()
        .filter(|diagnostic| matches!(diagnostic.problem, Problem::UnresolvedBackend { .. }))
        .count();
    assert_eq!(unresolved, 2);
}

#[test]
fn contour_objects_build_like_the_post() {
    let text = format!("{}---\n{}", contour::manifests(contour::EnvoyExposure::NodePort), contour::DEMO);
    let (manifests, parse_diagnostics) = manifest::parse(&text);
    let worrying: Vec<&Diagnostic> =
        parse_diagnostics.iter().filter(|diagnostic| diagnostic.severity != Severity::Info).collect();
    // Only the post's legacy Ingress warns.
    assert_eq!(worrying.len(), 1, "{worrying:?}");
    assert!(!contour::wanted(&manifests), "Contour's own objects are present already");
    let (cluster, _) = cluster::build(&manifests);
    let envoy = cluster.services.iter().find(|s| s.namespace == "projectcontour" && s.name == "envoy").unwrap();
    let node_ports: Vec<(u16, Option<u16>)> = envoy.ports.iter().map(|port| (port.port, port.node_port)).collect();
    assert_eq!(node_ports, [(80, Some(32023)), (443, Some(30370))]);
    let contour_pods = cluster.pods.iter().filter(|pod| pod.labels.get("app").map(String::as_str) == Some("contour"));
    assert_eq!(contour_pods.count(), 2);
    let envoy_pods: Vec<_> =
        cluster.pods.iter().filter(|pod| pod.labels.get("app").map(String::as_str) == Some("envoy")).collect();
    assert!(!envoy_pods.is_empty());
    for pod in envoy_pods {
        let http = pod.containers[0].ports.iter().find(|port| port.container_port == 8080).unwrap();
        assert_eq!(http.host_port, Some(80));
        assert!(!pod.host_network);
    }

    let (demo_only, _) = manifest::parse(contour::DEMO);
    assert!(contour::wanted(&demo_only));
    let (no_ingress, _) = manifest::parse(&service("web"));
    assert!(!contour::wanted(&no_ingress));
    let _ = Ipv4Addr::LOCALHOST;
}

#[test]
fn contour_route_order_port_of_sorter_test() {
    use engine::ingress::path::PathMatch::{self, Exact, Regex, SegmentPrefix, StringPrefix};
    // Contour's `TestSortRoutesPathMatch` (internal/sorter/sorter_test.go), the `want` order.
    let s = str::to_string;
    let want: Vec<PathMatch> = vec![
        Exact(s("/aab/a")),
        Exact(s("/aab")),
        Exact(s("/aaa")),
        Regex(s("/athis/is/the/longest")),
        Regex(s(r"/foo((\/).*)*")),
        Regex(s("/foo.*")),
        Regex(s("/bar.*")),
        Regex(s("/")),
        SegmentPrefix(s("/path/prefix/a")),
        StringPrefix(s("/path/prefix/a")),
        StringPrefix(s("/path/prf222")),
        StringPrefix(s("/path/prf122")),
        StringPrefix(s("/path/prfx")),
        SegmentPrefix(s("/path/p")),
    ];
    for rotation in 0..want.len() {
        let mut have = want.clone();
        have.reverse();
        have.rotate_left(rotation);
        have.sort_by(|a, b| a.envoy_order(b));
        assert_eq!(have, want, "rotation {rotation}");
    }
}

#[test]
fn contour_behind_metallb_with_local_traffic_policy() {
    use engine::metallb::announce;
    let pool = "---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: lab\n  namespace: metallb-system\nspec:\n  addresses:\n    - 172.16.120.200/32\n---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: l2\n  namespace: metallb-system\n";
    let text = format!("{}---\n{}{pool}", contour::manifests(contour::EnvoyExposure::LoadBalancer), contour::DEMO);
    let (cluster, _) = build(&text);
    let envoy = cluster.services.iter().find(|s| s.namespace == "projectcontour" && s.name == "envoy").unwrap();
    let ip = Ipv4Addr::new(172, 16, 120, 200);
    assert_eq!(contour::ingress_status(&cluster).first().and_then(|status| status.ip), Some(ip));
    // externalTrafficPolicy: Local: the announcing node must run an Envoy pod itself.
    let announcement = announce::announcer(&cluster, envoy, ip);
    let node = announcement.node().unwrap();
    assert!(cluster.pods.iter().any(
        |pod| pod.labels.get("app").map(String::as_str) == Some("envoy") && pod.node_name.as_deref() == Some(node)
    ));
    // With the NodePort form there is no address for the Ingress.
    let (node_port, _) =
        build(&format!("{}---\n{}", contour::manifests(contour::EnvoyExposure::NodePort), contour::DEMO));
    assert!(contour::ingress_status(&node_port).is_empty());
}

#[test]
fn request_paths_are_normalized_like_envoy() {
    use engine::ingress::path::request_path;
    // RFC 3986 section 5.2.4's examples, as absolute paths.
    assert_eq!(request_path("/a/b/c/./../../g"), "/a/g");
    assert_eq!(request_path("/mid/content=5/../6"), "/mid/6");
    assert_eq!(request_path("/cinnamon/../butterscotch?x=1"), "/butterscotch");
    assert_eq!(request_path("/a/b/.."), "/a/");
    assert_eq!(request_path("/../.."), "/");
    assert_eq!(request_path("/foo//bar#frag"), "/foo//bar");
}

#[test]
fn odd_requests_never_panic() {
    let (cluster, _) = build(contour::DEMO);
    let long = "/".repeat(10_000);
    for host in ["", "[", "[::1]:80", ":", "ä.example.com", "a:b:c", "*.", "*"] {
        for path in ["", "?", "#", "/..", "/./", "é", long.as_str(), "/cinnamon/../../.."] {
            let decision = ingress::route(&cluster, host, path);
            let _ = decision.to_string();
        }
    }
    assert_eq!(ingress::host::normalize_host("[::1]:8080"), "::1");
    assert_eq!(ingress::host::normalize_host("Example.COM:80"), "example.com");
}
