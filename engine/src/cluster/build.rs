//! Manifests -> Cluster: scheduling, Calico IPAM, allocation, endpoints. Owned by the cluster work.

use crate::cluster::Cluster;
use crate::diagnostic::Diagnostic;
use crate::manifest::Manifests;

/// Builds the cluster the manifests describe, filling gaps with the blog post's default cluster.
pub fn build(_manifests: &Manifests) -> (Cluster, Vec<Diagnostic>) {
    let cluster = Cluster {
        nodes: Vec::new(),
        namespaces: Vec::new(),
        workloads: Vec::new(),
        pods: Vec::new(),
        services: Vec::new(),
        endpoint_slices: Vec::new(),
        ip_pools: Vec::new(),
        kube_proxy: crate::cluster::KubeProxyConfig::default(),
        service_cidr: crate::net::Cidr::host(std::net::Ipv4Addr::UNSPECIFIED),
        node_port_range: (30000, 32767),
        external_hosts: Vec::new(),
        metallb_pools: Vec::new(),
        l2_advertisements: Vec::new(),
        ingresses: Vec::new(),
        ingress_classes: Vec::new(),
    };
    (cluster, Vec::new())
}
