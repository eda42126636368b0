//! Shared by the trace benchmarks, the Monte Carlo example, the wasm bench and
//! tests/montecarlo.rs: the lab's default cluster (the blog post's, static/examples/
//! post-default.yaml: nginx behind NodePort 31000, the Ingress demo with Contour), ten whoami
//! pods behind the ClusterIP Service `load/svc-500-web`, and `count` more ClusterIP Services
//! from `load.rs`.
//!
//! The `load` Services' endpoints are addresses without pods (enough for the rules); a
//! connection to one ends in "no route". `svc-500-web` has real pods, so a traced connection
//! to it is answered and the Monte Carlo counts name pods, like the exact odds. kube-proxy
//! sorts `KUBE-SERVICES` by `namespace/name:port`, which puts `load/svc-500-web` right after
//! `load/svc-500`, near the middle of the list (about 450 rules in at 1,000 Services).

use engine::cluster::Cluster;

#[path = "load.rs"]
mod load;

/// The lab's default cluster: the blog post's nginx pod (192.168.231.166 on node2) behind
/// NodePort 31000, and the post's Ingress demo.
pub const POST: &str = include_str!("../../../static/examples/post-default.yaml");

/// Ten whoami pods (port 80) and their ClusterIP Service.
pub const WEB: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: load
spec:
  replicas: 10
  selector:
    matchLabels:
      app: web-load
  template:
    metadata:
      labels:
        app: web-load
    spec:
      containers:
        - name: whoami
          image: traefik/whoami
---
apiVersion: v1
kind: Service
metadata:
  name: svc-500-web
  namespace: load
spec:
  clusterIP: 10.96.200.10
  selector:
    app: web-load
  ports:
    - name: http
      port: 80
      targetPort: 80
";

/// The URL of `load/svc-500-web`.
pub const WEB_URL: &str = "http://10.96.200.10/";

/// The default cluster, the web pods and `count` load Services.
pub fn cluster(count: u32) -> Cluster {
    let (manifests, _) = engine::manifest::parse(&format!("{POST}\n---\n{WEB}"));
    let (mut cluster, _) = engine::cluster::build(&manifests);
    load::add_services(&mut cluster, count);
    cluster
}
