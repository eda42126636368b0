//! Shared by the benchmarks: `count` ClusterIP Services in namespace `load`, each with one TCP
//! port and 10 ready endpoints spread over node1 and node2, added to a cluster.

use std::net::Ipv4Addr;

use engine::cluster::{Cluster, Endpoint, EndpointPort, EndpointSlice, Service, ServicePort, TargetPort};
use engine::net::Protocol;

/// Adds the `load` Services (ClusterIPs 10.100.x.y, endpoints 10.200-209.x.y) to `cluster`.
pub fn add_services(cluster: &mut Cluster, count: u32) {
    for index in 0..count {
        let name = format!("svc-{index}");
        let [_, _, high, low] = index.to_be_bytes();
        cluster.services.push(Service {
            namespace: "load".to_string(),
            name: name.clone(),
            cluster_ip: Some(Ipv4Addr::new(10, 100, high, low)),
            ports: vec![ServicePort {
                name: Some("http".to_string()),
                protocol: Protocol::Tcp,
                port: 80,
                target_port: TargetPort::Number(8080),
                node_port: None,
            }],
            ..Service::default()
        });
        let endpoints = (0..10u8)
            .map(|endpoint| Endpoint {
                addresses: vec![Ipv4Addr::new(10, 200 + endpoint, high, low)],
                ready: Some(true),
                serving: Some(true),
                terminating: Some(false),
                node_name: Some(if endpoint % 2 == 0 { "node1" } else { "node2" }.to_string()),
                ..Endpoint::default()
            })
            .collect();
        cluster.endpoint_slices.push(EndpointSlice {
            namespace: "load".to_string(),
            name: format!("{name}-abcde"),
            service_name: name,
            address_type: "IPv4".to_string(),
            endpoints,
            ports: vec![EndpointPort { name: Some("http".to_string()), port: Some(8080), protocol: Protocol::Tcp }],
            managed_by_lab: false,
        });
    }
}
