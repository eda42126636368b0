//! The Send form's model: where a connection starts, where it goes, and the URL that makes.
//!
//! Sits between the picture (the last good [`Cluster`]) and the tracer: the form offers the
//! destinations the cluster has (a Service's ClusterIP and port, a NodePort on a chosen
//! node, a LoadBalancer address once one is assigned, a pod's IP and container port, or a URL
//! typed by hand) and [`SendForm::compose`] turns the choice, the path and the Host header
//! into the URL and `TraceOptions` that `engine::trace::trace` receives. Pure and tested
//! natively; the component only shows the lists and reports changes.

use std::net::Ipv4Addr;

use engine::cluster::{Cluster, ServiceType};
use engine::net::Protocol;
use engine::trace::{TraceOptions, Url};

/// What kind of destination the form builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Kind {
    ClusterIp,
    #[default]
    NodePort,
    LoadBalancer,
    PodIp,
    Url,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::ClusterIp, Kind::NodePort, Kind::LoadBalancer, Kind::PodIp, Kind::Url];

    /// The `<option value>`.
    pub fn id(self) -> &'static str {
        match self {
            Kind::ClusterIp => "clusterip",
            Kind::NodePort => "nodeport",
            Kind::LoadBalancer => "loadbalancer",
            Kind::PodIp => "podip",
            Kind::Url => "url",
        }
    }

    pub fn from_id(id: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.id() == id)
    }
}

/// One destination the cluster offers for a [`Kind`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// Stable across pictures: `namespace/name:port`, plus `@address` for LoadBalancers.
    pub key: String,
    /// What the picker shows (tool-like text, not translated).
    pub label: String,
    /// The address; `None` for a NodePort (the node's address is chosen apart).
    pub address: Option<Ipv4Addr>,
    pub port: u16,
}

/// Why a Send did not start a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendError {
    /// The URL box is empty.
    EmptyUrl,
    /// `engine::trace::Url::parse` refused the URL, for this reason.
    BadUrl { url: String, why: String },
    /// The cluster has nothing of the chosen kind.
    NoDestination,
    /// The source host is not in the cluster.
    UnknownHost(String),
    /// No cluster was ever built.
    NoCluster,
}

/// The form's fields, kept in the store so a re-render or a new picture does not lose them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendForm {
    /// The source, as `engine::shell::host::known_hosts` names it.
    pub from: String,
    pub kind: Kind,
    /// The chosen [`Choice::key`] for `kind`.
    pub choice: String,
    /// The node whose address a NodePort goes to.
    pub node: String,
    pub path: String,
    /// An optional `Host` header (`-H 'Host: …'`); empty means the URL's host.
    pub host_header: String,
    /// The URL typed by hand (kind [`Kind::Url`]).
    pub url: String,
}

impl Default for SendForm {
    fn default() -> SendForm {
        SendForm {
            from: "client".to_string(),
            kind: Kind::default(),
            choice: String::new(),
            node: String::new(),
            path: "/".to_string(),
            host_header: String::new(),
            url: String::new(),
        }
    }
}

/// Every destination of `kind` in `cluster`, in the cluster's order (TCP ports only: the
/// tracer sends HTTP).
pub fn choices(cluster: &Cluster, kind: Kind) -> Vec<Choice> {
    let tcp_ports = |service: &engine::cluster::Service| {
        service.ports.iter().filter(|port| port.protocol == Protocol::Tcp).cloned().collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    match kind {
        Kind::ClusterIp => {
            for service in cluster.services.iter().filter(|s| s.service_type != ServiceType::ExternalName) {
                let Some(ip) = service.cluster_ip else { continue };
                for port in tcp_ports(service) {
                    out.push(Choice {
                        key: format!("{}:{}", service.key(), port.port),
                        label: format!("{} {ip}:{}", service.key(), port.port),
                        address: Some(ip),
                        port: port.port,
                    });
                }
            }
        }
        Kind::NodePort => {
            for service in &cluster.services {
                for port in tcp_ports(service) {
                    let Some(node_port) = port.node_port else { continue };
                    out.push(Choice {
                        key: format!("{}:{node_port}", service.key()),
                        label: format!("{} :{node_port} (port {})", service.key(), port.port),
                        address: None,
                        port: node_port,
                    });
                }
            }
        }
        Kind::LoadBalancer => {
            for service in cluster.services.iter().filter(|s| s.service_type == ServiceType::LoadBalancer) {
                for address in service.load_balancer_ingress.iter().filter_map(|ingress| ingress.ip) {
                    for port in tcp_ports(service) {
                        out.push(Choice {
                            key: format!("{}:{}@{address}", service.key(), port.port),
                            label: format!("{} {address}:{}", service.key(), port.port),
                            address: Some(address),
                            port: port.port,
                        });
                    }
                }
            }
        }
        Kind::PodIp => {
            for pod in &cluster.pods {
                let Some(ip) = pod.ip else { continue };
                let mut ports: Vec<u16> = pod
                    .containers
                    .iter()
                    .flat_map(|container| &container.ports)
                    .filter(|port| port.protocol == Protocol::Tcp)
                    .map(|port| port.container_port)
                    .collect();
                ports.dedup();
                if ports.is_empty() {
                    ports.push(80);
                }
                for port in ports {
                    out.push(Choice {
                        key: format!("{}:{port}", pod.key()),
                        label: format!("{} {ip}:{port}", pod.key()),
                        address: Some(ip),
                        port,
                    });
                }
            }
        }
        Kind::Url => {}
    }
    out
}

/// The nodes a NodePort can be sent to: name and InternalIP.
pub fn nodes(cluster: &Cluster) -> Vec<(String, Ipv4Addr)> {
    cluster.nodes.iter().map(|node| (node.name.clone(), node.internal_ip)).collect()
}

impl SendForm {
    /// Keeps the fields that still make sense in `cluster` and picks defaults for the rest:
    /// the first choice of the kind, the first worker (a node that is not the control plane)
    /// for NodePorts, `client` or the first host as the source.
    pub fn follow(&mut self, cluster: &Cluster) {
        let hosts = engine::shell::host::known_hosts(cluster);
        if !hosts.contains(&self.from) {
            self.from = hosts.iter().find(|h| *h == "client").or_else(|| hosts.first()).cloned().unwrap_or_default();
        }
        let choices = choices(cluster, self.kind);
        if !choices.iter().any(|choice| choice.key == self.choice) {
            self.choice = choices.first().map(|choice| choice.key.clone()).unwrap_or_default();
        }
        if !cluster.nodes.iter().any(|node| node.name == self.node) {
            let worker = cluster.nodes.iter().find(|node| !node.control_plane).or_else(|| cluster.nodes.first());
            self.node = worker.map(|node| node.name.clone()).unwrap_or_default();
        }
    }

    /// Changes the kind and picks its first choice.
    pub fn set_kind(&mut self, kind: Kind, cluster: &Cluster) {
        self.kind = kind;
        self.choice = String::new();
        self.follow(cluster);
    }

    /// The URL the form will send, or why it cannot.
    pub fn compose(&self, cluster: &Cluster) -> Result<String, SendError> {
        let url = if self.kind == Kind::Url {
            let url = self.url.trim();
            if url.is_empty() {
                return Err(SendError::EmptyUrl);
            }
            url.to_string()
        } else {
            let choices = choices(cluster, self.kind);
            let choice = choices
                .iter()
                .find(|choice| choice.key == self.choice)
                .or_else(|| choices.first())
                .ok_or(SendError::NoDestination)?;
            let address = match choice.address {
                Some(address) => address,
                None => {
                    let node = cluster.nodes.iter().find(|node| node.name == self.node).or_else(|| cluster.nodes.first());
                    node.map(|node| node.internal_ip).ok_or(SendError::NoDestination)?
                }
            };
            let path = self.path.trim();
            let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
            format!("http://{address}:{}{path}", choice.port)
        };
        match Url::parse(&url) {
            Ok(_) => Ok(url),
            Err(error) => Err(SendError::BadUrl { url, why: error.why }),
        }
    }

    /// The tracer's options: the Host header when one was typed.
    pub fn options(&self) -> TraceOptions {
        let host = self.host_header.trim();
        let headers = if host.is_empty() { Vec::new() } else { vec![("Host".to_string(), host.to_string())] };
        TraceOptions { headers, ..TraceOptions::default() }
    }

    /// Checks the source against `cluster`'s hosts.
    pub fn source(&self, cluster: &Cluster) -> Result<String, SendError> {
        if engine::shell::host::known_hosts(cluster).contains(&self.from) {
            Ok(self.from.clone())
        } else {
            Err(SendError::UnknownHost(self.from.clone()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples::Example;

    fn cluster(example: Example) -> Cluster {
        crate::analysis::analyse(example.text()).1.cluster
    }

    #[test]
    fn the_posts_nodeport_on_node1() {
        let cluster = cluster(Example::NodePort);
        let mut form = SendForm::default();
        form.follow(&cluster);
        assert_eq!(form.from, "client");
        assert_eq!(form.kind, Kind::NodePort);
        assert_eq!(form.choice, "default/sample-service:31000");
        // The first worker: the post calls node1's NodePort.
        assert_eq!(form.node, "node1");
        let node1 = nodes(&cluster).into_iter().find(|(name, _)| name == "node1").map(|(_, ip)| ip);
        let expected = node1.map(|ip| format!("http://{ip}:31000/"));
        assert_eq!(form.compose(&cluster).ok(), expected);
        form.path = "cinnamon".into();
        assert!(form.compose(&cluster).is_ok_and(|url| url.ends_with(":31000/cinnamon")));
    }

    #[test]
    fn clusterip_and_pod_choices_carry_their_ports() {
        let cluster = cluster(Example::NodePort);
        let services = choices(&cluster, Kind::ClusterIp);
        let sample = services.iter().find(|c| c.key == "default/sample-service:8080").expect("sample-service");
        assert_eq!(sample.port, 8080);
        assert!(sample.address.is_some());
        let pods = choices(&cluster, Kind::PodIp);
        let nginx = pods.iter().find(|c| c.key == "default/nginx:80").expect("nginx");
        assert_eq!(nginx.address, Some(Ipv4Addr::new(192, 168, 231, 166)));
        let mut form = SendForm::default();
        form.set_kind(Kind::PodIp, &cluster);
        form.choice = "default/nginx:80".into();
        assert_eq!(form.compose(&cluster), Ok("http://192.168.231.166:80/".to_string()));
    }

    #[test]
    fn a_pending_loadbalancer_offers_nothing() {
        let cluster = cluster(Example::LoadBalancer);
        assert!(choices(&cluster, Kind::LoadBalancer).is_empty());
        let mut form = SendForm::default();
        form.set_kind(Kind::LoadBalancer, &cluster);
        assert_eq!(form.compose(&cluster), Err(SendError::NoDestination));
    }

    #[test]
    fn typed_urls_are_checked_before_sending() {
        let cluster = cluster(Example::NodePort);
        let mut form = SendForm { kind: Kind::Url, ..SendForm::default() };
        assert_eq!(form.compose(&cluster), Err(SendError::EmptyUrl));
        form.url = "ftp://172.16.120.63/".into();
        assert!(matches!(form.compose(&cluster), Err(SendError::BadUrl { why, .. }) if why == "unsupported scheme"));
        form.url = "http://172.16.120.63:99999/".into();
        assert!(matches!(form.compose(&cluster), Err(SendError::BadUrl { why, .. }) if why == "bad port"));
        form.url = " http://172.17.0.62:32023/cinnamon ".into();
        assert_eq!(form.compose(&cluster), Ok("http://172.17.0.62:32023/cinnamon".to_string()));
    }

    #[test]
    fn the_host_header_is_optional() {
        let mut form = SendForm::default();
        assert!(form.options().headers.is_empty());
        form.host_header = " cinnamon.example.com ".into();
        assert_eq!(form.options().headers, vec![("Host".to_string(), "cinnamon.example.com".to_string())]);
    }
}
