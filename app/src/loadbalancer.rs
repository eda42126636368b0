//! Why a LoadBalancer Service shows `EXTERNAL-IP <pending>`, decided from the built cluster.
//!
//! A LoadBalancer Service is a NodePort Service plus a request for an outside address;
//! something else must fulfil the request: a cloud controller (it writes
//! `status.loadBalancer.ingress`) or MetalLB (the lab's `metallb::allocate`, from an
//! `IPAddressPool`). Until one does, `kubectl get svc` prints `<pending>`, and the
//! Service's NodePorts and ClusterIP work as for a NodePort Service (the post's point:
//! "LoadBalancer のバックにあるのは NodePort である"). `components::lb_notes` words
//! each case under the diagram.

use engine::cluster::{Cluster, Service, ServiceType};
use engine::net::Protocol;

/// Why no address was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingReason {
    /// No MetalLB pool and no address in the status: nothing provides load balancers.
    NoProvider,
    /// MetalLB has pools but did not give this Service an address (pool full, a requested
    /// address outside every pool, ...); the diagnostics say which.
    MetalLbRefused,
}

/// One LoadBalancer Service without an outside address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingLoadBalancer {
    /// `namespace/name`.
    pub service: String,
    pub reason: PendingReason,
    /// Its NodePorts as `kubectl get svc` prints them: `8080:31000/TCP`.
    pub node_ports: Vec<String>,
    /// A URL that reaches it through a worker node's NodePort: `http://172.16.120.63:31000/`.
    pub try_url: Option<String>,
}

/// Why this cluster's pending LoadBalancers are pending: no provider at all, or MetalLB
/// (which has pools) gave them nothing.
pub fn pending_reason(cluster: &Cluster) -> PendingReason {
    if cluster.metallb_pools.is_empty() { PendingReason::NoProvider } else { PendingReason::MetalLbRefused }
}

/// Every LoadBalancer Service that has neither an IP nor a hostname in its status.
pub fn pending_load_balancers(cluster: &Cluster) -> Vec<PendingLoadBalancer> {
    let reason = pending_reason(cluster);
    // The post curls node1, a worker; any node would do.
    let node = cluster.nodes.iter().find(|node| !node.control_plane).or_else(|| cluster.nodes.first());
    cluster
        .services
        .iter()
        .filter(|service| is_pending(service))
        .map(|service| PendingLoadBalancer {
            service: service.key(),
            reason,
            node_ports: service
                .ports
                .iter()
                .filter_map(|port| {
                    port.node_port.map(|node_port| format!("{}:{node_port}/{}", port.port, port.protocol.api_name()))
                })
                .collect(),
            try_url: node.and_then(|node| {
                let port = service.ports.iter().find(|port| port.protocol == Protocol::Tcp)?;
                Some(format!("http://{}:{}/", node.internal_ip, port.node_port?))
            }),
        })
        .collect()
}

fn is_pending(service: &Service) -> bool {
    service.service_type == ServiceType::LoadBalancer
        && !service.load_balancer_ingress.iter().any(|ingress| ingress.ip.is_some() || ingress.hostname.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::Example;
    use crate::i18n::Lang;
    use crate::i18n::examples::pending_note;

    fn cluster(text: &str) -> Cluster {
        let (manifests, _) = engine::manifest::parse(text);
        engine::cluster::build(&manifests).0
    }

    #[test]
    fn the_posts_load_balancer_is_pending_for_want_of_a_provider() {
        let pending = pending_load_balancers(&cluster(Example::LoadBalancer.text()));
        assert_eq!(
            pending,
            [PendingLoadBalancer {
                service: "default/sample-lb".into(),
                reason: PendingReason::NoProvider,
                node_ports: vec!["8080:31000/TCP".into()],
                // node1 in the post's cluster.
                try_url: Some("http://172.16.120.63:31000/".into()),
            }]
        );
        let Some(first) = pending.first() else { return };
        let en = pending_note(first, Lang::En);
        assert!(en.contains("default/sample-lb") && en.contains("MetalLB") && en.contains("8080:31000/TCP"), "{en}");
        let ja = pending_note(first, Lang::Ja);
        assert!(ja.contains("ロードバランサー") && ja.contains("8080:31000/TCP") && ja.contains("curl http://172.16.120.63:31000/"), "{ja}");
    }

    #[test]
    fn addresses_from_metallb_or_a_cloud_are_not_pending() {
        for example in [Example::MetalLb, Example::CloudLb, Example::IngressMetalLb, Example::Post, Example::NodePort] {
            assert_eq!(pending_load_balancers(&cluster(example.text())), [], "{example:?}");
        }
    }

    #[test]
    fn a_full_metallb_pool_is_metallbs_doing() {
        // One address in the pool and two LoadBalancers: the second stays pending.
        let text = Example::MetalLb.text().replace("172.16.120.200-172.16.120.210", "172.16.120.200/32");
        let pending = pending_load_balancers(&cluster(&text));
        assert_eq!(pending.len(), 1, "{pending:?}");
        let Some(first) = pending.first() else { return };
        assert_eq!(first.service, "default/web-local");
        assert_eq!(first.reason, PendingReason::MetalLbRefused);
        assert_eq!(first.node_ports.len(), 1);
        assert!(pending_note(first, Lang::En).contains("MetalLB has pools"));
    }

    #[test]
    fn without_node_ports_only_the_cluster_ip_is_left() {
        let text = Example::LoadBalancer
            .text()
            .replace("  type: LoadBalancer\n", "  type: LoadBalancer\n  allocateLoadBalancerNodePorts: false\n")
            .replace("      nodePort: 31000\n", "");
        let pending = pending_load_balancers(&cluster(&text));
        let Some(first) = pending.first() else { panic!("pending: {pending:?}") };
        assert_eq!(first.node_ports, Vec::<String>::new());
        assert_eq!(first.try_url, None);
        assert!(pending_note(first, Lang::En).contains("only its ClusterIP works"));
    }
}
