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
