//! Contour's own objects, as the post applies them (`kubectl apply -f contour/examples/contour/`
//! after changing the `envoy` Service to NodePort), the post's demo application, and when the
//! lab adds Contour to a cluster.
//!
//! Used by `cluster::build` (its `add_contour`): when [`wanted`] says so, the builder reads
//! [`manifests`] (the `envoy` Service as the post's NodePort) next to the user's objects, as
//! the lab's own (no position in the user's text, an info diagnostic saying so), so
//! Contour's pods, Services and EndpointSlices are built like any others. Shapes from Contour's `examples/contour` (`00-common.yaml`, `02-service-contour.yaml`,
//! `02-service-envoy.yaml`, `03-contour.yaml`, `03-envoy.yaml`), reduced to the fields the lab
//! reads: the RBAC, CRDs, certgen Job, ConfigMap, probes and volumes are left out.
//!
//! When the lab enables Contour: when the manifests hold at least one Ingress that Contour
//! would serve (class `contour`, or no class; see [`super::class`]) and no object of the
//! `projectcontour` namespace (a user who pastes Contour's own manifests keeps them).

use crate::cluster::{Cluster, LoadBalancerIngress, ServiceType};
use crate::manifest::{Manifests, Resource};

/// The namespace of Contour's objects.
pub const NAMESPACE: &str = "projectcontour";

/// The `envoy` Service's NodePorts in the post (`80:32023/TCP,443:30370/TCP`).
pub const POST_HTTP_NODE_PORT: u16 = 32023;
pub const POST_HTTPS_NODE_PORT: u16 = 30370;

/// How the `envoy` Service exposes Envoy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvoyExposure {
    /// `type: NodePort` with the post's NodePorts 32023 and 30370.
    NodePort,
    /// Upstream's `type: LoadBalancer` with `externalTrafficPolicy: Local`.
    LoadBalancer,
}

/// Namespace, `contour` Deployment (2 replicas, xDS on 8001), `contour` ClusterIP Service 8001.
const CONTOUR: &str = r#"apiVersion: v1
kind: Namespace
metadata:
  name: projectcontour
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: contour
  namespace: projectcontour
  labels:
    app: contour
spec:
  replicas: 2
  selector:
    matchLabels:
      app: contour
  template:
    metadata:
      labels:
        app: contour
    spec:
      containers:
        - name: contour
          image: ghcr.io/projectcontour/contour:v1.20.1
          command: ["contour"]
          args: ["serve", "--incluster", "--xds-address=0.0.0.0", "--xds-port=8001"]
          ports:
            - name: xds
              containerPort: 8001
              protocol: TCP
            - name: metrics
              containerPort: 8000
              protocol: TCP
---
apiVersion: v1
kind: Service
metadata:
  name: contour
  namespace: projectcontour
spec:
  type: ClusterIP
  selector:
    app: contour
  ports:
    - name: xds
      port: 8001
      targetPort: 8001
      protocol: TCP
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: envoy
  namespace: projectcontour
  labels:
    app: envoy
spec:
  selector:
    matchLabels:
      app: envoy
  template:
    metadata:
      labels:
        app: envoy
    spec:
      containers:
        - name: envoy
          image: docker.io/envoyproxy/envoy:distroless-v1.35.8
          command: ["envoy"]
          args: ["-c", "/config/envoy.json", "--service-cluster $(CONTOUR_NAMESPACE)", "--service-node $(ENVOY_POD_NAME)"]
          ports:
            - name: http
              containerPort: 8080
              hostPort: 80
              protocol: TCP
            - name: https
              containerPort: 8443
              hostPort: 443
              protocol: TCP
            - name: metrics
              containerPort: 8002
              hostPort: 8002
              protocol: TCP
"#;

/// The `envoy` Service as the post changed it: NodePort 80:32023, 443:30370.
const ENVOY_NODE_PORT: &str = r#"---
apiVersion: v1
kind: Service
metadata:
  name: envoy
  namespace: projectcontour
spec:
  type: NodePort
  selector:
    app: envoy
  ports:
    - name: http
      port: 80
      targetPort: 8080
      nodePort: 32023
      protocol: TCP
    - name: https
      port: 443
      targetPort: 8443
      nodePort: 30370
      protocol: TCP
"#;

/// The `envoy` Service as upstream ships it: LoadBalancer, `externalTrafficPolicy: Local`.
const ENVOY_LOAD_BALANCER: &str = r#"---
apiVersion: v1
kind: Service
metadata:
  name: envoy
  namespace: projectcontour
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector:
    app: envoy
  ports:
    - name: http
      port: 80
      targetPort: 8080
      protocol: TCP
    - name: https
      port: 443
      targetPort: 8443
      protocol: TCP
"#;

/// Contour's objects with the `envoy` Service exposed as asked.
pub fn manifests(exposure: EnvoyExposure) -> String {
    let envoy = match exposure {
        EnvoyExposure::NodePort => ENVOY_NODE_PORT,
        EnvoyExposure::LoadBalancer => ENVOY_LOAD_BALANCER,
    };
    format!("{CONTOUR}{envoy}")
}

/// The post's demo application (`github.com/vkbaba/demo-ingress`, whose manifests are not
/// public in the lab's sources and are reconstructed here from the post and its README):
/// two `hashicorp/http-echo` Deployments answering `cinnamon-app` and `butterscotch-app` on
/// 5678, their Services, and the post's legacy Ingress, verbatim.
pub const DEMO: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: cinnamon-deployment
spec:
  replicas: 1
  selector:
    matchLabels:
      app: cinnamon
  template:
    metadata:
      labels:
        app: cinnamon
    spec:
      containers:
        - name: cinnamon
          image: hashicorp/http-echo
          args: ["-text=cinnamon-app"]
          ports:
            - containerPort: 5678
---
apiVersion: v1
kind: Service
metadata:
  name: cinnamon-service
spec:
  selector:
    app: cinnamon
  ports:
    - port: 5678
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: butterscotch-deployment
spec:
  replicas: 1
  selector:
    matchLabels:
      app: butterscotch
  template:
    metadata:
      labels:
        app: butterscotch
    spec:
      containers:
        - name: butterscotch
          image: hashicorp/http-echo
          args: ["-text=butterscotch-app"]
          ports:
            - containerPort: 5678
---
apiVersion: v1
kind: Service
metadata:
  name: butterscotch-service
spec:
  selector:
    app: butterscotch
  ports:
    - port: 5678
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: sample-ingress
  annotations:
    ingress.kubernetes.io/rewrite-target: /
spec:
  rules:
  - http:
      paths:
        - path: /butterscotch
          backend:
            serviceName: butterscotch-service
            servicePort: 5678
        - path: /cinnamon
          backend:
            serviceName: cinnamon-service
            servicePort: 5678
"#;

/// Whether the lab should add Contour to these manifests (see the module docs).
pub fn wanted(manifests: &Manifests) -> bool {
    let mut has_served_ingress = false;
    for object in &manifests.objects {
        let metadata = object.resource.metadata();
        let in_contour_namespace = metadata.namespace.as_deref() == Some(NAMESPACE)
            || matches!(&object.resource, Resource::Namespace(_)) && metadata.name == NAMESPACE;
        if in_contour_namespace {
            return false;
        }
        if let Resource::Ingress(ingress) = &object.resource {
            let annotation = ["projectcontour.io/ingress.class", "kubernetes.io/ingress.class"]
                .iter()
                .find_map(|key| metadata.annotations.get(*key).filter(|class| !class.is_empty()));
            let class = annotation.or(ingress.ingress_class_name.as_ref().filter(|class| !class.is_empty()));
            has_served_ingress |= class.is_none_or(|class| class == super::class::CONTOUR_CLASS);
        }
    }
    has_served_ingress
}

/// The address Contour writes into the `status.loadBalancer` of every Ingress it serves
/// (`kubectl get ingress` ADDRESS): the `envoy` Service's load-balancer status, copied as
/// Contour's `--envoy-service-name`/`--envoy-service-namespace` watch does. Empty while the
/// Service is a NodePort or its EXTERNAL-IP is `<pending>`.
pub fn ingress_status(cluster: &Cluster) -> Vec<LoadBalancerIngress> {
    cluster
        .services
        .iter()
        .find(|service| service.namespace == NAMESPACE && service.name == "envoy")
        .filter(|service| service.service_type == ServiceType::LoadBalancer)
        .map(|service| service.load_balancer_ingress.clone())
        .unwrap_or_default()
}
