// The 1,000-Service load as YAML text, shared by e2e/measure.mjs and e2e/bigtext.test.mjs (not a
// test file itself). engine/benches/common/load_text.rs writes the same text, byte for byte.

/** The load of engine/benches/common/load.rs: Services svc-N in namespace `load`, ClusterIP
 * 10.100.x.y, one TCP port 80 -> 8080, and an EndpointSlice with `endpoints` ready addresses
 * 10.(200+e).x.y on node1 and node2. */
export function bigManifest(services, endpoints) {
  const docs = [];
  for (let s = 0; s < services; s++) {
    const [high, low] = [(s >> 8) & 255, s & 255];
    docs.push(`apiVersion: v1
kind: Service
metadata:
  name: svc-${s}
  namespace: load
spec:
  clusterIP: 10.100.${high}.${low}
  ports:
    - name: http
      protocol: TCP
      port: 80
      targetPort: 8080`);
    const eps = [];
    for (let e = 0; e < endpoints; e++) {
      eps.push(`  - addresses: ["10.${200 + e}.${high}.${low}"]
    conditions:
      ready: true
      serving: true
      terminating: false
    nodeName: node${e % 2 === 0 ? 1 : 2}`);
    }
    docs.push(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc-${s}-abcde
  namespace: load
  labels:
    kubernetes.io/service-name: svc-${s}
addressType: IPv4
ports:
  - name: http
    port: 8080
    protocol: TCP
endpoints:
${eps.join('\n')}`);
  }
  return docs.join('\n---\n') + '\n';
}
