//! Where a command runs: a node, a pod's network namespace, or a host outside the cluster.

use std::fmt;

use crate::cluster::Cluster;

/// A machine (or network namespace) a command can run on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Host {
    /// A node, by name; its root network namespace holds kube-proxy's rules.
    Node(String),
    /// A pod's own network namespace (for a hostNetwork pod, its node's).
    Pod { namespace: String, name: String },
    /// A host on the underlay outside the cluster, such as the blog post's `client`.
    External(String),
}

impl Host {
    /// The name a prompt shows: `node1`, `default/web-0`, `client`.
    pub fn name(&self) -> String {
        match self {
            Host::Node(name) | Host::External(name) => name.clone(),
            Host::Pod { namespace, name } => format!("{namespace}/{name}"),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Why a host name could not be resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostError {
    /// Nothing has this name; carries the names that do exist, for the message.
    Unknown { name: String, known: Vec<String> },
    /// Pods in several namespaces have this name.
    Ambiguous { name: String, candidates: Vec<String> },
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Unknown { name, known } => {
                write!(f, "there is no node, pod or outside host named `{name}`")?;
                if !known.is_empty() {
                    write!(f, "; hosts are: {}", known.join(", "))?;
                }
                Ok(())
            }
            HostError::Ambiguous { name, candidates } => write!(
                f,
                "`{name}` names pods in several namespaces; say which: {}",
                candidates.join(", ")
            ),
        }
    }
}

/// Resolves a host name: nodes first, then outside hosts, then `NAMESPACE/NAME`, then a pod
/// name that is unique across namespaces.
pub fn resolve(cluster: &Cluster, name: &str) -> Result<Host, HostError> {
    if cluster.nodes.iter().any(|node| node.name == name) {
        return Ok(Host::Node(name.to_string()));
    }
    if cluster.external_hosts.iter().any(|host| host.name == name) {
        return Ok(Host::External(name.to_string()));
    }
    if let Some((namespace, pod_name)) = name.split_once('/')
        && cluster.pods.iter().any(|pod| pod.namespace == namespace && pod.name == pod_name)
    {
        return Ok(Host::Pod { namespace: namespace.to_string(), name: pod_name.to_string() });
    }
    let matches: Vec<_> = cluster.pods.iter().filter(|pod| pod.name == name).collect();
    match matches.as_slice() {
        [pod] => Ok(Host::Pod { namespace: pod.namespace.clone(), name: pod.name.clone() }),
        [] => Err(HostError::Unknown { name: name.to_string(), known: known_hosts(cluster) }),
        several => Err(HostError::Ambiguous {
            name: name.to_string(),
            candidates: several.iter().map(|pod| pod.key()).collect(),
        }),
    }
}

/// Every host name, for messages: nodes, outside hosts, then pods as `NAMESPACE/NAME`.
pub fn known_hosts(cluster: &Cluster) -> Vec<String> {
    let nodes = cluster.nodes.iter().map(|node| node.name.clone());
    let external = cluster.external_hosts.iter().map(|host| host.name.clone());
    let pods = cluster.pods.iter().map(|pod| pod.key());
    nodes.chain(external).chain(pods).collect()
}

#[cfg(test)]
mod tests {
    use super::{Host, HostError, resolve};
    use crate::cluster::{Cluster, ExternalHost, KubeProxyConfig, Node, Pod};
    use crate::net::Cidr;

    fn cluster() -> Cluster {
        let node = Node {
            name: "node1".to_string(),
            labels: Default::default(),
            annotations: Default::default(),
            taints: Vec::new(),
            unschedulable: false,
            internal_ip: "172.16.120.63".parse().unwrap(),
            external_ip: None,
            subnet: Cidr::parse_strict("172.16.120.0/24").unwrap(),
            gateway: "172.16.120.1".parse().unwrap(),
            blocks: Vec::new(),
            tunnel_ip: None,
            control_plane: false,
            kubelet_version: "v1.31.0".to_string(),
        };
        let pod = |namespace: &str, name: &str| Pod { namespace: namespace.to_string(), name: name.to_string(), ..Pod::default() };
        Cluster {
            nodes: vec![node],
            namespaces: vec!["default".to_string(), "staging".to_string()],
            workloads: Vec::new(),
            pods: vec![pod("default", "db"), pod("default", "web"), pod("staging", "web")],
            services: Vec::new(),
            endpoint_slices: Vec::new(),
            ip_pools: Vec::new(),
            kube_proxy: KubeProxyConfig::default(),
            service_cidr: Cidr::parse_strict("10.96.0.0/12").unwrap(),
            node_port_range: (30000, 32767),
            external_hosts: vec![ExternalHost {
                name: "client".to_string(),
                ip: "172.16.120.61".parse().unwrap(),
                subnet: Cidr::parse_strict("172.16.120.0/24").unwrap(),
                gateway: "172.16.120.1".parse().unwrap(),
            }],
            metallb_pools: Vec::new(),
            l2_advertisements: Vec::new(),
            ingresses: Vec::new(),
            ingress_classes: Vec::new(),
        }
    }

    fn pod(namespace: &str, name: &str) -> Host {
        Host::Pod { namespace: namespace.to_string(), name: name.to_string() }
    }

    #[test]
    fn nodes_clients_and_pods() {
        let cluster = cluster();
        assert_eq!(resolve(&cluster, "node1"), Ok(Host::Node("node1".to_string())));
        assert_eq!(resolve(&cluster, "client"), Ok(Host::External("client".to_string())));
        assert_eq!(resolve(&cluster, "db"), Ok(pod("default", "db")));
        assert_eq!(resolve(&cluster, "staging/web"), Ok(pod("staging", "web")));
        assert_eq!(pod("staging", "web").to_string(), "staging/web");
    }

    #[test]
    fn ambiguous_and_unknown_names() {
        let cluster = cluster();
        let ambiguous = resolve(&cluster, "web").unwrap_err();
        assert_eq!(
            ambiguous,
            HostError::Ambiguous { name: "web".to_string(), candidates: vec!["default/web".to_string(), "staging/web".to_string()] }
        );
        assert_eq!(ambiguous.to_string(), "`web` names pods in several namespaces; say which: default/web, staging/web");
        let unknown = resolve(&cluster, "node9").unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "there is no node, pod or outside host named `node9`; hosts are: node1, client, default/db, default/web, staging/web"
        );
        assert!(resolve(&cluster, "prod/web").is_err());
    }
}
