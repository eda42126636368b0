//! `kubectl get` against hand-built clusters, checked against real kubectl output quoted in
//! the blog post and in public guides.

use std::net::Ipv4Addr;

use crate::cluster::{
    Cluster, Container, Endpoint, EndpointPort, EndpointSlice, Ingress, IngressBackend, IngressPath,
    IngressRule, KubeProxyConfig, LoadBalancerIngress, Node, PathType, Pod, Service, ServicePort,
    ServiceType, TargetPort, Workload,
};
use crate::net::{Cidr, Protocol};
use crate::shell::{CommandOutput, Host, Lab, LabClock};

fn empty_cluster() -> Cluster {
    Cluster {
        nodes: Vec::new(),
        namespaces: vec!["default".to_string()],
        workloads: Vec::new(),
        pods: Vec::new(),
        services: Vec::new(),
        endpoint_slices: Vec::new(),
        ip_pools: Vec::new(),
        kube_proxy: KubeProxyConfig::default(),
        service_cidr: Cidr::new(Ipv4Addr::new(10, 96, 0, 0), 12).unwrap(),
        node_port_range: (30000, 32767),
        external_hosts: Vec::new(),
        metallb_pools: Vec::new(),
        l2_advertisements: Vec::new(),
        ingresses: Vec::new(),
        ingress_classes: Vec::new(),
    }
}

fn ip(text: &str) -> Ipv4Addr {
    text.parse().unwrap()
}

fn port(name: Option<&str>, protocol: Protocol, number: u16, node_port: Option<u16>) -> ServicePort {
    ServicePort {
        name: name.map(str::to_string),
        protocol,
        port: number,
        target_port: TargetPort::Number(number),
        node_port,
    }
}

fn service(namespace: &str, name: &str, service_type: ServiceType, cluster_ip: Option<&str>, ports: Vec<ServicePort>) -> Service {
    Service {
        namespace: namespace.to_string(),
        name: name.to_string(),
        service_type,
        cluster_ip: cluster_ip.map(ip),
        ports,
        selector: Some([("app".to_string(), name.to_string())].into()),
        ..Service::default()
    }
}

fn node(name: &str, address: &str, role: Option<&str>) -> Node {
    let mut labels = crate::cluster::Labels::new();
    if let Some(role) = role {
        labels.insert(format!("node-role.kubernetes.io/{role}"), String::new());
    }
    Node {
        name: name.to_string(),
        labels,
        annotations: Default::default(),
        taints: Vec::new(),
        unschedulable: false,
        internal_ip: ip(address),
        external_ip: None,
        subnet: Cidr::new(ip(address), 24).unwrap(),
        gateway: ip("172.17.0.1"),
        blocks: Vec::new(),
        tunnel_ip: None,
        control_plane: role.is_some(),
        kubelet_version: "v1.18.0".to_string(),
    }
}

fn pod(namespace: &str, name: &str, node: &str, address: &str) -> Pod {
    Pod {
        namespace: namespace.to_string(),
        name: name.to_string(),
        labels: [("app".to_string(), "web".to_string())].into(),
        node_name: Some(node.to_string()),
        ip: Some(ip(address)),
        containers: vec![Container { name: "web".to_string(), image: "nginx".to_string(), ..Container::default() }],
        ready: true,
        ..Pod::default()
    }
}

fn run(lab: &mut Lab, line: &str) -> CommandOutput {
    lab.run(&Host::Node("node1".to_string()), line)
}

fn stdout(lab: &mut Lab, line: &str) -> String {
    let output = run(lab, line);
    assert_eq!(output.exit_code, 0, "{line}: {}", output.stderr);
    output.stdout
}

/// Whitespace-separated cells of each line, for output whose spacing a web page mangled.
fn tokens(text: &str) -> Vec<Vec<String>> {
    text.lines().map(|line| line.split_whitespace().map(str::to_string).collect()).collect()
}

fn age(seconds: i64) -> LabClock {
    LabClock { age_seconds: seconds, ..LabClock::default() }
}

/// `kubectl get svc -n yaobank` from Calico's "yaobank" kube-proxy lab, byte for byte.
#[test]
fn services_match_real_output() {
    let mut cluster = empty_cluster();
    cluster.services = vec![
        service("yaobank", "customer", ServiceType::NodePort, Some("10.49.60.52"), vec![port(None, Protocol::Tcp, 80, Some(30180))]),
        service("yaobank", "database", ServiceType::ClusterIp, Some("10.49.164.49"), vec![port(None, Protocol::Tcp, 2379, None)]),
        service("yaobank", "summary", ServiceType::ClusterIp, Some("10.49.80.32"), vec![port(None, Protocol::Tcp, 80, None)]),
    ];
    let mut lab = Lab::from_cluster(cluster).with_clock(age(50 * 3600));
    assert_eq!(
        stdout(&mut lab, "kubectl get svc -n yaobank"),
        "\
NAME       TYPE        CLUSTER-IP     EXTERNAL-IP   PORT(S)        AGE
customer   NodePort    10.49.60.52    <none>        80:30180/TCP   2d2h
database   ClusterIP   10.49.164.49   <none>        2379/TCP       2d2h
summary    ClusterIP   10.49.80.32    <none>        80/TCP         2d2h
"
    );
}

fn kube_dns_cluster() -> Cluster {
    let mut cluster = empty_cluster();
    cluster.namespaces.push("kube-system".to_string());
    let mut kube_dns = service(
        "kube-system",
        "kube-dns",
        ServiceType::ClusterIp,
        Some("10.96.0.10"),
        vec![
            port(Some("dns"), Protocol::Udp, 53, None),
            port(Some("dns-tcp"), Protocol::Tcp, 53, None),
            port(Some("metrics"), Protocol::Tcp, 9153, None),
        ],
    );
    kube_dns.selector = Some([("k8s-app".to_string(), "kube-dns".to_string())].into());
    cluster.services = vec![kube_dns];
    let endpoint = |address: &str| Endpoint {
        addresses: vec![ip(address)],
        ready: Some(true),
        serving: Some(true),
        terminating: Some(false),
        ..Endpoint::default()
    };
    let slice_port = |name: &str, number: u16, protocol: Protocol| EndpointPort {
        name: Some(name.to_string()),
        port: Some(number),
        protocol,
    };
    cluster.endpoint_slices = vec![EndpointSlice {
        namespace: "kube-system".to_string(),
        name: "kube-dns-pzq8z".to_string(),
        service_name: "kube-dns".to_string(),
        address_type: "IPv4".to_string(),
        endpoints: vec![endpoint("10.244.1.9"), endpoint("10.244.2.7")],
        ports: vec![
            slice_port("dns", 53, Protocol::Udp),
            slice_port("dns-tcp", 53, Protocol::Tcp),
            slice_port("metrics", 9153, Protocol::Tcp),
        ],
        managed_by_lab: true,
    }];
    cluster
}

/// `kubectl get svc kube-dns -n kube-system` and `kubectl get endpoints -n kube-system kube-dns`
/// as quoted in a CoreDNS troubleshooting note (two CoreDNS pods, three ports).
#[test]
fn kube_dns_service_and_endpoints_match_real_output() {
    let mut cluster = kube_dns_cluster();
    // The warning comes from API servers of v1.33 and later.
    cluster.nodes = vec![Node { kubelet_version: "v1.33.1".to_string(), ..node("node1", "172.18.0.2", None) }];
    let mut lab = Lab::from_cluster(cluster).with_clock(age(25 * 3600));
    assert_eq!(
        stdout(&mut lab, "kubectl get svc -n kube-system kube-dns"),
        "\
NAME       TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)                  AGE
kube-dns   ClusterIP   10.96.0.10   <none>        53/UDP,53/TCP,9153/TCP   25h
"
    );
    let endpoints = run(&mut lab, "kubectl get endpoints -n kube-system kube-dns");
    assert_eq!(
        endpoints.stdout,
        "\
NAME       ENDPOINTS                                               AGE
kube-dns   10.244.1.9:53,10.244.2.7:53,10.244.1.9:53 + 3 more...   25h
"
    );
    assert_eq!(
        endpoints.stderr,
        "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n"
    );
}

/// `kubectl get endpointslices -n kube-system` from a CoreDNS health check (one endpoint).
#[test]
fn endpointslices_match_real_output() {
    let mut cluster = kube_dns_cluster();
    cluster.endpoint_slices[0].endpoints.truncate(1);
    cluster.endpoint_slices[0].endpoints[0].addresses = vec![ip("10.244.0.2")];
    let mut lab = Lab::from_cluster(cluster).with_clock(age(143 * 60));
    assert_eq!(
        stdout(&mut lab, "kubectl get endpointslices -n kube-system"),
        "\
NAME             ADDRESSTYPE   PORTS        ENDPOINTS    AGE
kube-dns-pzq8z   IPv4          53,53,9153   10.244.0.2   143m
"
    );
}

/// The blog post's Contour scenario: `kubectl get service -n projectcontour` and
/// `kubectl get node -o wide`. The post's spacing was mangled on the web page, so the cells
/// are compared, not the padding.
#[test]
fn blog_post_contour_nodeport_scenario() {
    let mut cluster = empty_cluster();
    cluster.namespaces.push("projectcontour".to_string());
    cluster.services = vec![
        service("projectcontour", "contour", ServiceType::ClusterIp, Some("10.99.83.37"), vec![port(None, Protocol::Tcp, 8001, None)]),
        service(
            "projectcontour",
            "envoy",
            ServiceType::NodePort,
            Some("10.96.131.130"),
            vec![port(Some("http"), Protocol::Tcp, 80, Some(32023)), port(Some("https"), Protocol::Tcp, 443, Some(30370))],
        ),
    ];
    cluster.nodes = vec![node("controlplane", "172.17.0.61", Some("master")), node("node01", "172.17.0.62", None)];
    let mut lab = Lab::from_cluster(cluster).with_clock(age(27 * 60));
    let seed = "\
NAME      TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)         AGE
contour   ClusterIP   10.99.83.37     <none>        8001/TCP         27m
envoy     NodePort    10.96.131.130   <none>        80:32023/TCP,443:30370/TCP   27m
";
    assert_eq!(tokens(&stdout(&mut lab, "kubectl get service -n projectcontour")), tokens(seed));

    let mut lab = lab.with_clock(age(33 * 60));
    let nodes = stdout(&mut lab, "kubectl get node -o wide");
    let seed_nodes = "\
NAME           STATUS   ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP
controlplane   Ready    master   33m   v1.18.0   172.17.0.61   <none>
node01         Ready    <none>   33m   v1.18.0   172.17.0.62   <none>
";
    // The post's OS-IMAGE, KERNEL-VERSION and CONTAINER-RUNTIME were Katacoda's; the lab's are its own.
    let first_seven: Vec<Vec<String>> = tokens(&nodes).into_iter().map(|row| row.into_iter().take(7).collect()).collect();
    assert_eq!(first_seven, tokens(seed_nodes));
    assert!(nodes.starts_with("NAME           STATUS   ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE"));
}

/// The blog post's `kubectl get deployments.apps`, byte for byte.
#[test]
fn deployments_match_the_blog_post() {
    let mut cluster = empty_cluster();
    for name in ["butterscotch", "cinnamon"] {
        let pod_name = format!("{name}-deployment-5d5b9d8f7c-abcde");
        cluster.pods.push(pod("default", &pod_name, "node01", "192.168.1.2"));
        cluster.workloads.push(Workload {
            kind: "Deployment".to_string(),
            namespace: "default".to_string(),
            name: format!("{name}-deployment"),
            replicas: 1,
            pods: vec![pod_name],
            ..Workload::default()
        });
    }
    let mut lab = Lab::from_cluster(cluster).with_clock(age(21 * 60));
    assert_eq!(
        stdout(&mut lab, "kubectl get deployments.apps"),
        "\
NAME                      READY   UP-TO-DATE   AVAILABLE   AGE
butterscotch-deployment   1/1     1            1           21m
cinnamon-deployment       1/1     1            1           21m
"
    );
}

fn pods_cluster() -> Cluster {
    let mut cluster = empty_cluster();
    cluster.namespaces.push("kube-system".to_string());
    cluster.nodes = vec![node("node1", "172.16.120.63", None), node("node2", "172.16.120.64", None)];
    cluster.pods = vec![
        pod("default", "nginx", "node2", "192.168.231.166"),
        Pod { node_name: None, ip: None, ..pod("default", "pending", "node1", "0.0.0.0") },
        pod("kube-system", "coredns-559f6c778d-dfnhj", "node1", "192.168.56.130"),
    ];
    cluster
}

#[test]
fn pods_wide_and_all_namespaces() {
    let mut lab = Lab::from_cluster(pods_cluster());
    // READY is ready/total containers; an unscheduled pod is Pending with no IP or node.
    expect_test::expect![[r#"
        NAME      READY   STATUS    RESTARTS   AGE   IP                NODE     NOMINATED NODE   READINESS GATES
        nginx     1/1     Running   0          10m   192.168.231.166   node2    <none>           <none>
        pending   0/1     Pending   0          10m   <none>            <none>   <none>           <none>
    "#]]
    .assert_eq(&stdout(&mut lab, "kubectl get pods -o wide"));
    expect_test::expect![[r#"
        NAMESPACE     NAME                       READY   STATUS    RESTARTS   AGE
        default       nginx                      1/1     Running   0          10m
        default       pending                    0/1     Pending   0          10m
        kube-system   coredns-559f6c778d-dfnhj   1/1     Running   0          10m
    "#]]
    .assert_eq(&stdout(&mut lab, "kubectl get po -A"));
    assert_eq!(stdout(&mut lab, "kubectl -n kube-system get pods -o name"), "pod/coredns-559f6c778d-dfnhj\n");
    assert_eq!(stdout(&mut lab, "kubectl get pods --namespace=kube-system -oname"), "pod/coredns-559f6c778d-dfnhj\n");
    assert_eq!(stdout(&mut lab, "kubectl get pods -l app=web,app!=db --no-headers -o name"), "pod/nginx\npod/pending\n");
}

#[test]
fn errors_and_empty_lists_say_what_kubectl_says() {
    let mut lab = Lab::from_cluster(pods_cluster());
    let empty = run(&mut lab, "kubectl get svc");
    assert_eq!((empty.exit_code, empty.stdout.as_str()), (0, ""));
    assert_eq!(empty.stderr, "No resources found in default namespace.\n");
    assert_eq!(run(&mut lab, "kubectl get ing -A").stderr, "No resources found\n");

    let missing = run(&mut lab, "kubectl get pod nginx nope");
    assert_eq!(missing.exit_code, 1);
    assert!(missing.stdout.contains("nginx"));
    assert_eq!(missing.stderr, "Error from server (NotFound): pods \"nope\" not found\n");
    assert_eq!(
        run(&mut lab, "kubectl get deploy web").stderr,
        "Error from server (NotFound): deployments.apps \"web\" not found\n"
    );
    assert_eq!(
        run(&mut lab, "kubectl get widgets").stderr,
        "error: the server doesn't have a resource type \"widgets\"\n"
    );
    assert_eq!(
        run(&mut lab, "kubectl get pods --bogus").stderr,
        "error: unknown flag: --bogus\nSee 'kubectl get --help' for usage.\n"
    );
    assert_eq!(run(&mut lab, "kubectl get pods -n").exit_code, 1);
    let unknown = run(&mut lab, "kubeclt get pods");
    assert_eq!((unknown.exit_code, unknown.stderr.as_str()), (127, "bash: kubeclt: command not found\n"));
    assert_eq!(run(&mut lab, "echo 'oops").exit_code, 2);
}

#[test]
fn service_types_in_the_external_ip_column() {
    let mut cluster = empty_cluster();
    let mut lb = service("default", "lb", ServiceType::LoadBalancer, Some("10.96.0.20"), vec![port(None, Protocol::Tcp, 80, Some(31000))]);
    let mut pending = lb.clone();
    pending.name = "lb-pending".to_string();
    lb.load_balancer_ingress = vec![LoadBalancerIngress { ip: Some(ip("172.16.120.200")), ..Default::default() }];
    let mut headless = service("default", "headless", ServiceType::ClusterIp, None, vec![port(None, Protocol::Tcp, 80, None)]);
    headless.selector = None;
    let mut external_name = service("default", "mail", ServiceType::ExternalName, None, Vec::new());
    external_name.external_name = Some("mail.example.com".to_string());
    let mut external_ips = service("default", "web", ServiceType::ClusterIp, Some("10.96.0.30"), vec![port(None, Protocol::Udp, 53, None)]);
    external_ips.external_ips = vec![ip("198.51.100.7"), ip("198.51.100.8")];
    cluster.services = vec![headless, lb, pending, external_name, external_ips];
    let mut lab = Lab::from_cluster(cluster);
    // Headless: `None`; ExternalName: no ClusterIP and the name as EXTERNAL-IP; LoadBalancer
    // without an address: `<pending>`; no ports: `<none>`; selector-less: `<none>`.
    expect_test::expect![[r#"
        NAME         TYPE           CLUSTER-IP   EXTERNAL-IP                 PORT(S)        AGE   SELECTOR
        headless     ClusterIP      None         <none>                      80/TCP         10m   <none>
        lb           LoadBalancer   10.96.0.20   172.16.120.200              80:31000/TCP   10m   app=lb
        lb-pending   LoadBalancer   10.96.0.20   <pending>                   80:31000/TCP   10m   app=lb
        mail         ExternalName   <none>       mail.example.com            <none>         10m   app=mail
        web          ClusterIP      10.96.0.30   198.51.100.7,198.51.100.8   53/UDP         10m   app=web
    "#]]
    .assert_eq(&stdout(&mut lab, "kubectl get svc -o wide"));
}

#[test]
fn ingress_table_and_yaml() {
    let mut cluster = empty_cluster();
    let backend = |name: &str| IngressBackend { service_name: name.to_string(), port: TargetPort::Number(5678) };
    cluster.ingresses = vec![Ingress {
        namespace: "default".to_string(),
        name: "sample-ingress".to_string(),
        rules: vec![IngressRule {
            host: None,
            paths: vec![
                IngressPath { path: "/butterscotch".to_string(), path_type: PathType::Prefix, backend: backend("butterscotch-service") },
                IngressPath { path: "/cinnamon".to_string(), path_type: PathType::Prefix, backend: backend("cinnamon-service") },
            ],
        }],
        ..Ingress::default()
    }];
    let mut lab = Lab::from_cluster(cluster);
    expect_test::expect![[r#"
        NAME             CLASS    HOSTS   ADDRESS   PORTS   AGE
        sample-ingress   <none>   *                 80      10m
    "#]]
    .assert_eq(&stdout(&mut lab, "kubectl get ing"));
    expect_test::expect![[r#"
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: sample-ingress
          namespace: default
        spec:
          rules:
          - http:
              paths:
              - backend:
                  service:
                    name: butterscotch-service
                    port:
                      number: 5678
                path: /butterscotch
                pathType: Prefix
              - backend:
                  service:
                    name: cinnamon-service
                    port:
                      number: 5678
                path: /cinnamon
                pathType: Prefix
        status:
          loadBalancer: {}
    "#]]
    .assert_eq(&stdout(&mut lab, "kubectl get ingress sample-ingress -o yaml"));
}

#[test]
fn service_yaml_and_lists() {
    let mut cluster = empty_cluster();
    cluster.services = vec![service(
        "default",
        "sample-service",
        ServiceType::NodePort,
        Some("10.96.12.34"),
        vec![ServicePort { name: Some("http".to_string()), protocol: Protocol::Tcp, port: 8080, target_port: TargetPort::Number(80), node_port: Some(31000) }],
    )];
    let mut lab = Lab::from_cluster(cluster);
    expect_test::expect![[r#"
        apiVersion: v1
        kind: Service
        metadata:
          name: sample-service
          namespace: default
        spec:
          clusterIP: 10.96.12.34
          clusterIPs:
          - 10.96.12.34
          externalTrafficPolicy: Cluster
          internalTrafficPolicy: Cluster
          ipFamilies:
          - IPv4
          ipFamilyPolicy: SingleStack
          ports:
          - name: http
            nodePort: 31000
            port: 8080
            protocol: TCP
            targetPort: 80
          selector:
            app: sample-service
          sessionAffinity: None
          type: NodePort
        status:
          loadBalancer: {}
    "#]]
    .assert_eq(&stdout(&mut lab, "kubectl get svc sample-service -o yaml"));
    let list = stdout(&mut lab, "kubectl get svc -o yaml");
    assert!(list.starts_with("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Service\n"), "{list}");
    assert!(list.ends_with("kind: List\nmetadata:\n  resourceVersion: \"\"\n"), "{list}");
    let json = stdout(&mut lab, "kubectl get svc sample-service -o json");
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["spec"]["ports"][0]["nodePort"], 31000);
}

/// The API server keeps Endpoints for `default/kubernetes`, which has no selector.
#[test]
fn endpoints_include_the_apiserver() {
    let mut cluster = kube_dns_cluster();
    let mut kubernetes = service("default", "kubernetes", ServiceType::ClusterIp, Some("10.96.0.1"), vec![port(Some("https"), Protocol::Tcp, 443, None)]);
    kubernetes.selector = None;
    let mut headless = service("default", "manual", ServiceType::ClusterIp, None, Vec::new());
    headless.selector = None;
    cluster.services.insert(0, kubernetes);
    cluster.services.insert(1, headless);
    cluster.endpoint_slices.insert(
        0,
        EndpointSlice {
            namespace: "default".to_string(),
            name: "kubernetes".to_string(),
            service_name: "kubernetes".to_string(),
            address_type: "IPv4".to_string(),
            endpoints: vec![Endpoint { addresses: vec![ip("172.16.120.62")], ready: Some(true), ..Endpoint::default() }],
            ports: vec![EndpointPort { name: Some("https".to_string()), port: Some(6443), protocol: Protocol::Tcp }],
            managed_by_lab: false,
        },
    );
    let mut lab = Lab::from_cluster(cluster);
    assert_eq!(
        stdout(&mut lab, "kubectl get ep"),
        "NAME         ENDPOINTS            AGE\nkubernetes   172.16.120.62:6443   10m\n"
    );
}

#[test]
fn hostname_and_echo() {
    let mut lab = Lab::from_cluster(pods_cluster());
    let pod = lab.host("nginx").unwrap();
    assert_eq!(lab.run(&pod, "hostname").stdout, "nginx\n");
    assert_eq!(lab.run(&pod, "echo 'hello  world' again").stdout, "hello  world again\n");
    assert_eq!(lab.hosts(), ["node1", "node2", "default/nginx", "default/pending", "kube-system/coredns-559f6c778d-dfnhj"]);
}

/// A Service whose endpoints are all unready has an Endpoints subset with only
/// `notReadyAddresses`: kubectl prints an empty cell, not `<none>` (as quoted in a
/// CrashLoopBackOff debugging guide); a Service with no endpoints at all prints `<none>`.
#[test]
fn endpoints_of_unready_pods_are_an_empty_cell() {
    let mut cluster = kube_dns_cluster();
    for endpoint in &mut cluster.endpoint_slices[0].endpoints {
        endpoint.ready = Some(false);
    }
    let mut empty = service("kube-system", "nothing", ServiceType::ClusterIp, Some("10.96.0.11"), Vec::new());
    empty.selector = Some([("app".to_string(), "none".to_string())].into());
    cluster.services.push(empty);
    let mut lab = Lab::from_cluster(cluster).with_clock(age(60));
    let output = run(&mut lab, "kubectl get endpoints -n kube-system");
    assert_eq!(output.stdout, "NAME       ENDPOINTS   AGE\nkube-dns               60s\nnothing    <none>      60s\n");
    // No v1.33+ kubelet here, so no deprecation warning either.
    assert_eq!(output.stderr, "");
}

/// `kubectl get all` after `kubectl create deploy kubia` on a kind cluster, as quoted in a
/// "Kubernetes in Action" exercise log. The lab gives every object the same age, so the
/// Service's `5m13s` is `14s` here.
#[test]
fn get_all_matches_real_output() {
    let mut cluster = empty_cluster();
    let mut kubia = pod("default", "kubia-f578dcdb9-r5sml", "kind-control-plane", "10.244.0.5");
    kubia.owner = Some(("ReplicaSet".to_string(), "kubia-f578dcdb9".to_string()));
    cluster.pods = vec![kubia];
    let mut kubernetes = service("default", "kubernetes", ServiceType::ClusterIp, Some("10.96.0.1"), vec![port(Some("https"), Protocol::Tcp, 443, None)]);
    kubernetes.selector = None;
    cluster.services = vec![kubernetes];
    let workload = |kind: &str, name: &str, pods: Vec<String>| Workload {
        kind: kind.to_string(),
        namespace: "default".to_string(),
        name: name.to_string(),
        replicas: 1,
        pods,
        ..Workload::default()
    };
    cluster.workloads = vec![
        workload("Deployment", "kubia", vec!["kubia-f578dcdb9-r5sml".to_string()]),
        workload("ReplicaSet", "kubia-f578dcdb9", Vec::new()),
    ];
    let mut lab = Lab::from_cluster(cluster).with_clock(age(14));
    assert_eq!(
        stdout(&mut lab, "kubectl get all"),
        "\
NAME                        READY   STATUS    RESTARTS   AGE
pod/kubia-f578dcdb9-r5sml   1/1     Running   0          14s

NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE
service/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   14s

NAME                    READY   UP-TO-DATE   AVAILABLE   AGE
deployment.apps/kubia   1/1     1            1           14s

NAME                              DESIRED   CURRENT   READY   AGE
replicaset.apps/kubia-f578dcdb9   1         1         1       14s
"
    );
    assert_eq!(
        stdout(&mut lab, "kubectl get po,svc -o name"),
        "pod/kubia-f578dcdb9-r5sml\nservice/kubernetes\n"
    );
    let missing = run(&mut lab, "kubectl get svc,deploy nope");
    assert_eq!(
        missing.stderr,
        "Error from server (NotFound): services \"nope\" not found\nError from server (NotFound): deployments.apps \"nope\" not found\n"
    );
    assert_eq!(run(&mut lab, "kubectl get all -n kube-system").stderr, "No resources found in kube-system namespace.\n");
}

/// The DaemonSet table of a `kubectl get all -A` on a one-node kubeadm cluster (Fedora notes).
#[test]
fn daemonset_matches_real_output() {
    let mut cluster = empty_cluster();
    let mut proxy = pod("kube-system", "kube-proxy-fttqx", "fedora-laptop", "192.168.122.10");
    proxy.owner = Some(("DaemonSet".to_string(), "kube-proxy".to_string()));
    proxy.node_selector = [("beta.kubernetes.io/os".to_string(), "linux".to_string())].into();
    cluster.pods = vec![proxy];
    cluster.workloads = vec![Workload {
        kind: "DaemonSet".to_string(),
        namespace: "kube-system".to_string(),
        name: "kube-proxy".to_string(),
        replicas: 1,
        ..Workload::default()
    }];
    let mut lab = Lab::from_cluster(cluster).with_clock(age(3 * 60 + 45));
    assert_eq!(
        stdout(&mut lab, "kubectl get ds -A"),
        "\
NAMESPACE     NAME         DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR                 AGE
kube-system   kube-proxy   1         1         1       1            1           beta.kubernetes.io/os=linux   3m45s
"
    );
}
