//! The applications pods run, as far as a packet trace needs them: which ports they listen
//! on and what they answer.
//!
//! Part of [`crate::trace`]. The lab knows a few images: `traefik/whoami` (port 80 or
//! `--port`; its `whoamiHandler` in app.go prints `Hostname:`, one `IP:` per interface
//! address, `RemoteAddr:` and the request as `req.Write` sends it), `hashicorp/http-echo`
//! (`-listen=:5678` by default, answers `-text` plus a newline), `nginx` (port 80, its
//! welcome page) and CoreDNS (UDP and TCP 53, the Service records of the cluster). Any other
//! image answers like whoami on its declared container ports (port 80 when none is declared).
//! Nodes run the kubelet (10250) and, on the control plane, kube-apiserver (6443), both TLS.

use std::net::Ipv4Addr;

use crate::cluster::{Cluster, Container, Pod};
use crate::dataplane::{Host, HostKind};
use crate::net::Protocol;

/// What answers on a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum App {
    Whoami,
    HttpEcho {
        text: String,
    },
    Nginx,
    CoreDns,
    /// Envoy as Contour runs it: its HTTP listener (8080) proxies by Contour's routes
    /// ([`super::proxy`]).
    Envoy,
    /// A TLS server (kubelet, kube-apiserver): a plain HTTP request gets Go's 400 answer.
    Tls {
        name: String,
    },
}

impl App {
    /// The short name used in steps.
    pub fn name(&self) -> String {
        match self {
            App::Whoami => "whoami".to_string(),
            App::HttpEcho { .. } => "http-echo".to_string(),
            App::Nginx => "nginx".to_string(),
            App::CoreDns => "coredns".to_string(),
            App::Envoy => "envoy".to_string(),
            App::Tls { name } => name.clone(),
        }
    }
}

/// A listening socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listener {
    pub app: App,
    pub protocol: Protocol,
    pub port: u16,
}

/// The image's name without registry, tag or digest: `docker.io/traefik/whoami:v1.10` ->
/// `traefik/whoami`.
fn image_path(image: &str) -> String {
    let without_digest = image.split('@').next().unwrap_or(image);
    let (name, _tag) = match without_digest.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, tag),
        _ => (without_digest, ""),
    };
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1
        && parts
            .first()
            .is_some_and(|first| first.contains('.') || first.contains(':') || *first == "localhost")
    {
        parts.remove(0);
    }
    if parts.first() == Some(&"library") {
        parts.remove(0);
    }
    parts.join("/")
}

/// The value of a Go `flag` option in `args` (`-name=value`, `--name=value`, `-name value`).
fn flag_value(args: &[String], name: &str) -> Option<String> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let bare = arg.trim_start_matches('-');
        if bare.len() == arg.len() {
            continue;
        }
        if let Some(value) = bare.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')) {
            return Some(value.to_string());
        }
        if bare == name {
            return iter.next().cloned();
        }
    }
    None
}

fn port_of(value: &str) -> Option<u16> {
    value.rsplit(':').next().and_then(|port| port.parse().ok())
}

/// The sockets one container listens on.
pub fn container_listeners(container: &Container) -> Vec<Listener> {
    let path = image_path(&container.image);
    let last = path.rsplit('/').next().unwrap_or(&path).to_string();
    let args: Vec<String> = container.command.iter().chain(container.args.iter()).cloned().collect();
    let tcp = |app: App, port: u16| Listener {
        app,
        protocol: Protocol::Tcp,
        port,
    };
    if path == "traefik/whoami" || last == "whoami" {
        let port = flag_value(&args, "port")
            .and_then(|port| port.parse().ok())
            .unwrap_or(80);
        return vec![tcp(App::Whoami, port)];
    }
    if path == "hashicorp/http-echo" || last == "http-echo" {
        let port = flag_value(&args, "listen")
            .and_then(|listen| port_of(&listen))
            .unwrap_or(5678);
        let text = flag_value(&args, "text").unwrap_or_default();
        return vec![tcp(App::HttpEcho { text }, port)];
    }
    if path == "envoyproxy/envoy" || last == "envoy" {
        // Contour's bootstrap: the HTTP listener on 8080 (`--envoy-service-http-port`); the
        // HTTPS listener (8443) exists only with TLS virtual hosts, which the lab lacks.
        return vec![tcp(App::Envoy, 8080)];
    }
    if last == "nginx" {
        return vec![tcp(App::Nginx, 80)];
    }
    if last == "coredns" {
        return vec![
            Listener {
                app: App::CoreDns,
                protocol: Protocol::Udp,
                port: 53,
            },
            Listener {
                app: App::CoreDns,
                protocol: Protocol::Tcp,
                port: 53,
            },
        ];
    }
    let declared: Vec<Listener> = container
        .ports
        .iter()
        .filter(|port| port.protocol == Protocol::Tcp)
        .map(|port| tcp(App::Whoami, port.container_port))
        .collect();
    if declared.is_empty() {
        vec![tcp(App::Whoami, 80)]
    } else {
        declared
    }
}

/// Every socket listening in a pod.
pub fn pod_listeners(pod: &Pod) -> Vec<Listener> {
    pod.containers.iter().flat_map(container_listeners).collect()
}

/// The sockets of a host: its pod's containers, or a node's kubelet (and kube-apiserver on
/// the control plane, plus its hostNetwork pods).
pub fn listeners(cluster: &Cluster, host: &Host) -> Vec<Listener> {
    match &host.kind {
        HostKind::Pod { namespace, name, .. } => cluster
            .pods
            .iter()
            .find(|pod| &pod.namespace == namespace && &pod.name == name)
            .map(pod_listeners)
            .unwrap_or_default(),
        HostKind::Node => {
            let mut sockets = vec![Listener {
                app: App::Tls {
                    name: "kubelet".to_string(),
                },
                protocol: Protocol::Tcp,
                port: 10250,
            }];
            let control_plane = cluster
                .nodes
                .iter()
                .any(|node| node.name == host.name && node.control_plane);
            if control_plane {
                sockets.push(Listener {
                    app: App::Tls {
                        name: "kube-apiserver".to_string(),
                    },
                    protocol: Protocol::Tcp,
                    port: 6443,
                });
            }
            for pod in cluster
                .pods
                .iter()
                .filter(|pod| pod.host_network && pod.node_name.as_deref() == Some(&host.name))
            {
                sockets.extend(pod_listeners(pod));
            }
            sockets
        }
        HostKind::External => Vec::new(),
    }
}

/// The listener for `port`/`protocol`, if any.
pub fn listener(cluster: &Cluster, host: &Host, protocol: Protocol, port: u16) -> Option<Listener> {
    listeners(cluster, host)
        .into_iter()
        .find(|listener| listener.protocol == protocol && listener.port == port)
}

/// An HTTP request as curl sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    /// Header lines in order, `Host` first.
    pub headers: Vec<(String, String)>,
}

impl HttpRequest {
    /// curl's default request: `GET path`, `Host`, `User-Agent: curl/8.5.0`, `Accept: */*`,
    /// then the extra headers (`-H`).
    pub fn curl(method: &str, host: &str, path: &str, extra: &[(String, String)]) -> HttpRequest {
        let mut headers = vec![
            ("Host".to_string(), host.to_string()),
            ("User-Agent".to_string(), CURL_USER_AGENT.to_string()),
            ("Accept".to_string(), "*/*".to_string()),
        ];
        for (name, value) in extra {
            match headers
                .iter_mut()
                .find(|(existing, _)| existing.eq_ignore_ascii_case(name))
            {
                Some(header) => header.1 = value.clone(),
                None => headers.push((name.clone(), value.clone())),
            }
        }
        HttpRequest {
            method: method.to_string(),
            path: path.to_string(),
            headers,
        }
    }

    /// The request line, `GET / HTTP/1.1`.
    pub fn request_line(&self) -> String {
        format!("{} {} HTTP/1.1", self.method, self.path)
    }

    /// The request as it travels (`req.Write`): request line, headers, blank line, CRLF ends.
    pub fn wire_text(&self) -> String {
        let mut out = format!("{}\r\n", self.request_line());
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        out
    }
}

/// Go's `Request.Write` as whoami echoes the request: the request line, `Host`, `User-Agent`,
/// then the other headers sorted by their canonical key (`Header.WriteSubset`), CRLF endings.
pub fn go_request_write(request: &HttpRequest) -> String {
    let find = |name: &str| {
        request
            .headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    };
    let mut out = format!("{}\r\n", request.request_line());
    out.push_str(&format!("Host: {}\r\n", find("Host").unwrap_or("")));
    out.push_str(&format!(
        "User-Agent: {}\r\n",
        find("User-Agent").unwrap_or("Go-http-client/1.1")
    ));
    let mut rest: Vec<(String, &str)> = request
        .headers
        .iter()
        .filter(|(key, _)| !key.eq_ignore_ascii_case("Host") && !key.eq_ignore_ascii_case("User-Agent"))
        .map(|(key, value)| (canonical_header_key(key), value.as_str()))
        .collect();
    crate::sort::by(&mut rest, |a, b| a.0.cmp(&b.0));
    for (key, value) in rest {
        out.push_str(&format!("{key}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out
}

/// Go's `textproto.CanonicalMIMEHeaderKey`: first letter and letters after `-` upper case.
fn canonical_header_key(key: &str) -> String {
    let mut upper = true;
    key.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

/// The User-Agent of the curl the lab imitates (Ubuntu 24.04's).
pub const CURL_USER_AGENT: &str = "curl/8.5.0";

/// An HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    fn new(
        status: u16,
        reason: &str,
        content_type: &str,
        body: String,
        mut extra: Vec<(String, String)>,
    ) -> HttpResponse {
        let mut headers = vec![("Content-Type".to_string(), content_type.to_string())];
        headers.append(&mut extra);
        headers.push(("Content-Length".to_string(), body.len().to_string()));
        HttpResponse {
            status,
            reason: reason.to_string(),
            headers,
            body,
        }
    }

    /// `HTTP/1.1 200 OK`.
    pub fn status_line(&self) -> String {
        format!("HTTP/1.1 {} {}", self.status, self.reason)
    }
}

/// What the server knows about the connection it answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerView {
    /// The pod's name (its hostname) or the node's name.
    pub hostname: String,
    /// Every interface address, in interface order (`lo` first).
    pub addresses: Vec<String>,
    /// The source the server's socket saw.
    pub remote: (Ipv4Addr, u16),
}

/// The interface addresses a host's processes see, as Go's `net.Interfaces` lists them.
pub fn interface_addresses(host: &Host) -> Vec<String> {
    let mut out = Vec::new();
    for link in &host.links {
        if link.name == "lo" {
            out.push("127.0.0.1".to_string());
            out.push("::1".to_string());
            continue;
        }
        for inet in &link.addresses {
            out.push(inet.local.to_string());
        }
        for inet6 in &link.addresses6 {
            out.push(inet6.address.to_string());
        }
    }
    out
}

/// The answer of `app` to `request`.
pub fn respond(app: &App, request: &HttpRequest, view: &ServerView) -> HttpResponse {
    match app {
        App::Whoami => {
            let mut body = format!("Hostname: {}\n", view.hostname);
            for address in &view.addresses {
                body.push_str(&format!("IP: {address}\n"));
            }
            body.push_str(&format!("RemoteAddr: {}:{}\n", view.remote.0, view.remote.1));
            body.push_str(&go_request_write(request));
            HttpResponse::new(200, "OK", "text/plain; charset=utf-8", body, Vec::new())
        }
        App::HttpEcho { text } => HttpResponse::new(
            200,
            "OK",
            "text/plain; charset=utf-8",
            format!("{text}\n"),
            vec![
                ("X-App-Name".to_string(), "http-echo".to_string()),
                ("X-App-Version".to_string(), "1.0.0".to_string()),
            ],
        ),
        App::Nginx => HttpResponse::new(
            200,
            "OK",
            "text/html",
            NGINX_WELCOME.to_string(),
            vec![("Server".to_string(), "nginx/1.27.3".to_string())],
        ),
        App::Envoy => super::proxy::not_found(),
        App::CoreDns => HttpResponse::new(
            400,
            "Bad Request",
            "text/plain; charset=utf-8",
            "400 Bad Request\n".to_string(),
            Vec::new(),
        ),
        App::Tls { .. } => HttpResponse::new(
            400,
            "Bad Request",
            "text/plain; charset=utf-8",
            "Client sent an HTTP request to an HTTPS server.\n".to_string(),
            Vec::new(),
        ),
    }
}

/// nginx's default `index.html` (docker-library nginx 1.27, 615 bytes).
pub const NGINX_WELCOME: &str = "<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href=\"http://nginx.org/\">nginx.org</a>.<br/>
Commercial support is available at
<a href=\"http://nginx.com/\">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
";

/// CoreDNS's answer for `name` (the `kubernetes` plugin): a Service's ClusterIP, or its
/// ready endpoints' addresses for a headless Service; `None` for NXDOMAIN.
pub fn dns_answer(cluster: &Cluster, name: &str) -> Option<Vec<Ipv4Addr>> {
    let name = name.trim_end_matches('.');
    let rest = name.strip_suffix(".svc.cluster.local")?;
    let (service, namespace) = rest.split_once('.')?;
    if namespace.contains('.') {
        return None;
    }
    let found = cluster
        .services
        .iter()
        .find(|svc| svc.name == service && svc.namespace == namespace)?;
    if let Some(ip) = found.cluster_ip {
        return Some(vec![ip]);
    }
    let addresses: Vec<Ipv4Addr> = cluster
        .endpoint_slices
        .iter()
        .filter(|slice| slice.namespace == namespace && slice.service_name == service)
        .flat_map(|slice| slice.endpoints.iter())
        .filter(|endpoint| endpoint.ready != Some(false))
        .flat_map(|endpoint| endpoint.addresses.iter().copied())
        .collect();
    if addresses.is_empty() { None } else { Some(addresses) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names() {
        assert_eq!(image_path("docker.io/traefik/whoami:v1.10"), "traefik/whoami");
        assert_eq!(image_path("nginx:1.27"), "nginx");
        assert_eq!(image_path("docker.io/library/nginx@sha256:abc"), "nginx");
        assert_eq!(image_path("localhost:5000/app:1"), "app");
    }

    #[test]
    fn go_flags() {
        let args = vec![
            "-text=hello world".to_string(),
            "--listen".to_string(),
            ":8080".to_string(),
        ];
        assert_eq!(flag_value(&args, "text").as_deref(), Some("hello world"));
        assert_eq!(flag_value(&args, "listen").and_then(|l| port_of(&l)), Some(8080));
        assert_eq!(NGINX_WELCOME.len(), 615);
    }

    #[test]
    fn whoami_echoes_the_request_as_go_writes_it() {
        let extra = vec![
            ("x-trace".to_string(), "1".to_string()),
            ("Accept-Language".to_string(), "ja".to_string()),
        ];
        let request = HttpRequest::curl("GET", "web:8080", "/", &extra);
        assert_eq!(
            go_request_write(&request),
            "GET / HTTP/1.1\r\nHost: web:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nAccept-Language: ja\r\nX-Trace: 1\r\n\r\n"
        );
    }
}
