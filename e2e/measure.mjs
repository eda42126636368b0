// Measures the app in headless Chromium (not a test; numbers for BENCHMARKS.md):
// load to interactive, and edit -> re-rendered diagram for the default scenario and for
// 1,000 Services x 10 endpoints (selector-less Services with pasted EndpointSlices).
// Usage: serve dist/ (see .ci/run), then E2E_URL=http://127.0.0.1:8091/ node e2e/measure.mjs
import { chromium } from 'playwright-core';

const URL_ = process.env.E2E_URL || 'http://127.0.0.1:8091/';

function bigManifest(services, endpoints) {
  const docs = [];
  for (let s = 0; s < services; s++) {
    docs.push(`apiVersion: v1
kind: Service
metadata:
  name: svc-${s}
spec:
  ports:
    - name: http
      port: 80
      targetPort: 8080`);
    const eps = [];
    for (let e = 0; e < endpoints; e++) {
      const n = s * endpoints + e;
      eps.push(`  - addresses: ["10.${200 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}"]\n    conditions:\n      ready: true`);
    }
    docs.push(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: svc-${s}-abc
  labels:
    kubernetes.io/service-name: svc-${s}
addressType: IPv4
ports:
  - name: http
    port: 8080
endpoints:
${eps.join('\n')}`);
  }
  return docs.join('\n---\n') + '\n';
}

/** Time from an input event to the predicate holding (checked every animation frame). */
async function timeEdit(page, text, marker) {
  return page.evaluate(async ([text, marker]) => {
    const editor = document.querySelector('#manifest');
    const start = performance.now();
    editor.value = text;
    editor.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((resolve, reject) => {
      const check = () => {
        if (document.querySelector('svg#topology')?.textContent.includes(marker)) resolve();
        else if (performance.now() - start > 60000) reject(new Error('timeout'));
        else requestAnimationFrame(check);
      };
      check();
    });
    return performance.now() - start;
  }, [text, marker]);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const t0 = Date.now();
await page.goto(URL_);
await page.waitForSelector('svg#topology g.node');
console.log(`load to interactive: ${Date.now() - t0} ms`);
const base = await page.locator('#manifest').inputValue();
for (const ip of ['170', '171', '172']) {
  const ms = await timeEdit(page, base.replaceAll('192.168.231.166', `192.168.231.${ip}`), `192.168.231.${ip}`);
  console.log(`default scenario: edit -> diagram ${ms.toFixed(1)} ms (debounce 150 ms included)`);
}
const big = bigManifest(1000, 10);
console.log(`1,000 Services x 10 endpoints: ${big.length} bytes, ${big.split('\n').length} lines`);
const ms = await timeEdit(page, big, 'svc-0');
console.log(`big scenario: paste -> diagram ${ms.toFixed(1)} ms (debounce 150 ms included)`);
const ms2 = await timeEdit(page, big.replace('name: svc-0\n', 'name: svc-00\n'), 'svc-00');
console.log(`big scenario: edit -> diagram ${ms2.toFixed(1)} ms (debounce 150 ms included)`);
await browser.close();
