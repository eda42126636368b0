//! The Examples menu: manifests from the blog post, embedded in the bundle.
//!
//! The YAML lives in `static/examples/` (also served, so a reader can download it) and is
//! compiled in with `include_str!`, so choosing an example never fetches anything.

use crate::i18n::Msg;

/// One entry of the Examples menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Example {
    /// The post's ClusterIP `sample-service` in front of two nginx pods.
    ClusterIp,
    /// The post's NodePort 31000 -> 8080 -> 80, the nginx pod on node2 at 192.168.231.166.
    NodePort,
    /// The post's `sample-lb` with nothing to provide a load balancer.
    LoadBalancer,
}

impl Example {
    pub const ALL: [Example; 3] = [Example::ClusterIp, Example::NodePort, Example::LoadBalancer];

    /// What the lab shows the first time.
    pub const DEFAULT: Example = Example::NodePort;

    pub fn text(self) -> &'static str {
        match self {
            Example::ClusterIp => include_str!("../../static/examples/clusterip.yaml"),
            Example::NodePort => include_str!("../../static/examples/nodeport.yaml"),
            Example::LoadBalancer => include_str!("../../static/examples/loadbalancer.yaml"),
        }
    }

    /// Its stable id (the `<option value>`).
    pub fn id(self) -> &'static str {
        match self {
            Example::ClusterIp => "clusterip",
            Example::NodePort => "nodeport",
            Example::LoadBalancer => "loadbalancer",
        }
    }

    pub fn from_id(id: &str) -> Option<Example> {
        Example::ALL.into_iter().find(|example| example.id() == id)
    }

    pub fn title(self) -> Msg {
        match self {
            Example::ClusterIp => Msg::ExampleClusterIp,
            Example::NodePort => Msg::ExampleNodePort,
            Example::LoadBalancer => Msg::ExampleLoadBalancer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::cluster::ServiceType;

    /// Every example reads without errors and gives the Service the post describes.
    #[test]
    fn examples_build_clean() {
        for example in Example::ALL {
            let (manifests, mut diagnostics) = engine::manifest::parse(example.text());
            let (cluster, more) = engine::cluster::build(&manifests);
            diagnostics.extend(more);
            let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
            assert!(errors.is_empty(), "{example:?}: {errors:?}");
            let (name, kind) = match example {
                Example::ClusterIp => ("sample-service", ServiceType::ClusterIp),
                Example::NodePort => ("sample-service", ServiceType::NodePort),
                Example::LoadBalancer => ("sample-lb", ServiceType::LoadBalancer),
            };
            let service = cluster.services.iter().find(|s| s.name == name).expect("the post's Service");
            assert_eq!(service.service_type, kind);
            let port = service.ports.first().expect("one port");
            assert_eq!(port.port, 8080);
            if kind != ServiceType::ClusterIp {
                assert_eq!(port.node_port, Some(31000));
            }
            assert_eq!(Example::from_id(example.id()), Some(example));
        }
    }

    #[test]
    fn the_clusterip_example_has_two_ready_endpoints() {
        let (manifests, _) = engine::manifest::parse(Example::ClusterIp.text());
        let (cluster, _) = engine::cluster::build(&manifests);
        let web: Vec<_> = cluster.pods.iter().filter(|p| p.labels.get("app").map(String::as_str) == Some("web")).collect();
        assert_eq!(web.len(), 2);
        assert!(web.iter().all(|p| p.ip.is_some() && p.node_name.is_some()));
    }
}
