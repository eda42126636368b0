//! Shared by the analysis benchmark, the app's stage timings and the app's incremental-analysis
//! tests: the same load as `load.rs` (`count` ClusterIP Services in namespace `load`, each with
//! one TCP port and `endpoints` ready endpoints on node1 and node2) written as manifest text,
//! byte for byte what `bigManifest(count, endpoints)` in e2e/load-text.mjs (used by e2e/measure.mjs) pastes into the page.

/// `count` Services, each followed by its EndpointSlice, as `---`-separated YAML documents.
pub fn manifest_text(count: u32, endpoints: u32) -> String {
    let mut documents = Vec::new();
    for index in 0..count {
        let [_, _, high, low] = index.to_be_bytes();
        documents.push(format!(
            "apiVersion: v1
kind: Service
metadata:
  name: svc-{index}
  namespace: load
spec:
  clusterIP: 10.100.{high}.{low}
  ports:
    - name: http
      protocol: TCP
      port: 80
      targetPort: 8080"
        ));
        let slices: Vec<String> = (0..endpoints)
            .map(|endpoint| {
                let node = if endpoint % 2 == 0 { 1 } else { 2 };
                format!(
                    "  - addresses: [\"10.{}.{high}.{low}\"]
    conditions:
      ready: true
      serving: true
      terminating: false
    nodeName: node{node}",
                    200 + endpoint
                )
            })
            .collect();
        documents.push(format!(
            "apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc-{index}-abcde
  namespace: load
  labels:
    kubernetes.io/service-name: svc-{index}
addressType: IPv4
ports:
  - name: http
    port: 8080
    protocol: TCP
endpoints:
{}",
            slices.join("\n")
        ));
    }
    let mut text = documents.join("\n---\n");
    text.push('\n');
    text
}
