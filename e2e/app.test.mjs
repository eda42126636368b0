// End-to-end tests of the release build in Debian's Chromium, driven by playwright-core.
// E2E_URL: where dist/ is served (.ci/run starts a server); E2E_ARTIFACTS: screenshots go there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, loadTracer, sendNodePort, ORIGIN, ARTIFACTS } from './support.mjs';

const shared = useBrowser();
/** A fresh page (or one more page in `context`) that records errors and requests. */
const open = (context, { viewport } = {}) => openPage(shared.browser, { context, viewport });

test('loads with the default scenario, no console errors, nothing outside the origin', async () => {
  const started = Date.now();
  const { ctx, page, problems, requests } = await open();
  const interactive = Date.now() - started;
  assert.equal(await page.locator('svg#topology g.node').count(), 3);
  // The post's whole demo: the web Deployment's nginx pod on node2 at the post's address.
  const nginx = page.locator("g.node[data-node='node2'] g.pod[data-pod^='default/web-']");
  assert.match(await nginx.textContent(), /192\.168\.231\.166/);
  assert.match(await page.locator('#manifest').inputValue(), /nodePort: 31000/);
  // No errors; the post's extensions/v1beta1 Ingress gets its two warnings (removed API, ignored annotation).
  assert.equal(await page.locator('#problems li.diag-error').count(), 0);
  await page.waitForTimeout(300);
  assert.deepEqual(problems, []);
  const outside = requests.filter((url) => !url.startsWith(ORIGIN + '/'));
  assert.deepEqual(outside, [], 'requests outside the origin');
  console.log(`# load to interactive (diagram drawn): ${interactive} ms`);
  await page.screenshot({ path: `${ARTIFACTS}/default.png`, fullPage: true });
  await ctx.close();
});

test('the tracer module is not part of the first load; reaching for it loads it once', async () => {
  const { ctx, page, problems, requests } = await openPage(shared.browser, { tracer: false });
  await page.waitForTimeout(500);
  const tracerFiles = () => requests.filter((url) => /\/tracer(_bg\.wasm|\.js|\.css)$/.test(url));
  assert.deepEqual(tracerFiles(), [], 'nothing of the tracer is fetched with the page');
  // Before it loads, its panels say what they will hold.
  assert.match(await page.locator('.send-panel .tracer-wait').textContent(), /load when you first use them/);
  assert.equal(await page.locator('#send-from').count(), 0);
  // The pointer over the Send panel imports it; its form, player and terminal appear in place.
  await loadTracer(page);
  await page.waitForSelector('#terminal-input');
  assert.equal(await page.locator('.tracer-wait').count(), 0);
  assert.deepEqual(tracerFiles().map((url) => new URL(url).pathname.split('/').pop()).sort(), ['tracer.css', 'tracer.js', 'tracer_bg.wasm']);
  // It works on the page's picture and draws its packet on the page's diagram.
  await sendNodePort(page);
  await page.locator('svg#topology #packet').waitFor();
  // A new picture reaches it: the run of the old one is gone, the form offers the new Services.
  await page.selectOption('#examples', 'clusterip');
  await page.waitForFunction(() => !document.querySelector('#events .event'));
  await page.selectOption('#send-kind', 'clusterip');
  await page.waitForFunction(() => [...document.querySelectorAll('#send-choice option')].some((o) => o.value.startsWith('default/sample-service')));
  assert.equal(await page.locator('svg#topology #packet').count(), 0);
  assert.equal(tracerFiles().length, 3, 'loaded once');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('the Load button loads the tracer from the keyboard too', async () => {
  const { ctx, page, problems } = await openPage(shared.browser, { tracer: false });
  await page.locator('#tracer-load').focus();
  await page.waitForSelector('#send-from');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('an example that cannot be fetched leaves the text alone and says so', async () => {
  const { ctx, page } = await openPage(shared.browser, { tracer: false });
  const before = await page.locator('#manifest').inputValue();
  await page.route('**/static/examples/clusterip.yaml', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.selectOption('#examples', 'clusterip');
  await page.locator('.editor-panel p.stale', { hasText: 'could not be loaded; your text is unchanged' }).waitFor();
  assert.equal(await page.locator('#manifest').inputValue(), before);
  // The others still come (fetched from the page's origin, not compiled into the page).
  await page.selectOption('#examples', 'nodeport');
  await page.locator("g.pod[data-pod='default/nginx']").waitFor();
  assert.match(await page.locator('#manifest').inputValue(), /nodePort: 31000/);
  await ctx.close();
});

test('a broken manifest shows a diagnostic at its line and keeps the diagram; reload keeps the text', async () => {
  const { ctx, page, problems } = await open();
  const editor = page.locator('#manifest');
  const text = await editor.inputValue();
  const broken = text.replace('name: sample-service', 'name: 12');
  const line = broken.split('\n').findIndex((l) => l.trim() === 'name: 12') + 1;
  assert.ok(line > 0);
  await editor.fill(broken);
  const error = page.locator('#problems li.diag-error').first();
  await error.waitFor();
  assert.equal(await error.getAttribute('data-line'), String(line));
  await page.locator('#stale-note').waitFor();
  // The last good cluster is still drawn.
  assert.equal(await page.locator("g.service[data-service='default/sample-service']").count(), 1);
  assert.equal(await page.locator('svg#topology g.node').count(), 3);
  // Clicking the problem puts the caret on its line.
  await error.locator('button').click();
  const caretLine = await editor.evaluate((el) => el.value.slice(0, el.selectionStart).split('\n').length);
  assert.equal(caretLine, line);
  // The line is in view now (only the lines near the scroll position are drawn), marked in the gutter.
  assert.equal(await page.locator(`.gutter-line[data-line="${line}"]`).getAttribute('class'), 'gutter-line mark-error');
  await page.screenshot({ path: `${ARTIFACTS}/broken.png`, fullPage: true });

  await page.reload();
  await page.waitForSelector('svg#topology g.node');
  assert.equal(await page.locator('#manifest').inputValue(), broken);
  await page.locator('#problems li.diag-error').first().waitFor();
  // Undo goes back to the text before the break, and the picture is fresh again.
  await page.locator('#examples').selectOption('clusterip');
  await page.waitForFunction(() => !document.querySelector('#stale-note'));
  assert.match(await page.locator('#manifest').inputValue(), /type: ClusterIP/);
  await page.locator('#undo').click();
  assert.equal(await page.locator('#manifest').inputValue(), broken);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('edit to re-rendered diagram, timed in the page', async () => {
  const { ctx, page } = await open();
  await page.locator('#examples').selectOption('nodeport');
  await page.locator("g.pod[data-pod='default/nginx']").waitFor();
  // Time from the input event to the diagram showing the new pod address (includes the debounce).
  const ms = await page.evaluate(async () => {
    const editor = document.querySelector('#manifest');
    const next = editor.value.replaceAll('192.168.231.166', '192.168.231.170');
    const start = performance.now();
    editor.value = next;
    editor.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((resolve, reject) => {
      const check = () => {
        const pod = document.querySelector("g.pod[data-pod='default/nginx']");
        if (pod && pod.textContent.includes('192.168.231.170')) resolve();
        else if (performance.now() - start > 5000) reject(new Error('the diagram did not change'));
        else requestAnimationFrame(check);
      };
      check();
    });
    return performance.now() - start;
  });
  console.log(`# edit -> diagram (150 ms debounce included): ${ms.toFixed(1)} ms`);
  assert.ok(ms > 0);
  await ctx.close();
});

test('Japanese browsers get Japanese; narrow windows get one column', async () => {
  const ctx = await shared.browser.newContext({ locale: 'ja-JP', viewport: { width: 360, height: 800 } });
  const { page, problems } = await open(ctx);
  assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
  assert.equal(await page.locator('#manifests-title').textContent(), 'マニフェスト');
  const box = await page.locator('svg#topology').boundingBox();
  assert.ok(box.width <= 360, `diagram ${box.width}px wide`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `page scrolls sideways: ${overflow}px`);
  // Switch to English and back: the choice is kept.
  await page.locator('#lang').selectOption('en');
  assert.equal(await page.locator('#manifests-title').textContent(), 'Manifests');
  await page.screenshot({ path: `${ARTIFACTS}/narrow.png`, fullPage: true });
  await page.reload();
  await page.waitForSelector('svg#topology g.node');
  assert.equal(await page.locator('#manifests-title').textContent(), 'Manifests');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('a hostile stored value cannot break the page', async () => {
  const ctx = await shared.browser.newContext();
  await ctx.addInitScript(() => {
    if (!sessionStorage.getItem('seeded')) {
      sessionStorage.setItem('seeded', '1');
      localStorage.setItem('packetlab.manifests.v1', 'kind: Pod\u0000' + 'x'.repeat(2 * 1024 * 1024));
      localStorage.setItem('packetlab.lang', '<img src=x onerror=alert(1)>');
    }
  });
  const { page, problems } = await open(ctx);
  assert.match(await page.locator('#manifest').inputValue(), /nodePort: 31000/);
  assert.match(await page.locator('#announcer').textContent(), /could not be used|使えなかった/);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('the terminal runs the engine shell on the chosen host', async () => {
  const { ctx, page, problems } = await open();
  assert.equal(await page.locator('#terminal-host').inputValue(), 'client');
  await page.locator('#terminal-input').fill('kubectl get svc sample-service');
  await page.locator('#terminal-input').press('Enter');
  const output = page.locator('#terminal-output');
  await page.waitForFunction(() => document.querySelector('#terminal-output').textContent.includes('31000'));
  assert.match(await output.textContent(), /client\$ kubectl get svc sample-service\nNAME\s+TYPE/);
  await page.locator('#terminal-host').selectOption('node1');
  await page.locator('#terminal-input').fill('iptables-save -t nat | grep 31000');
  await page.locator('#terminal-run').click();
  await page.waitForFunction(() => document.querySelector('#terminal-output').textContent.includes('node1$'));
  assert.match(await output.textContent(), /-A KUBE-NODEPORTS .*--dport 31000/);
  await page.screenshot({ path: `${ARTIFACTS}/terminal.png`, fullPage: true });
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('the Examples menu loads the LoadBalancer without a provider', async () => {
  const { ctx, page, problems } = await open();
  await page.locator('#examples').selectOption('loadbalancer');
  const lb = page.locator("g.service[data-service='default/sample-lb']");
  await lb.waitFor();
  assert.match(await lb.textContent(), /<pending>/);
  assert.match(await lb.textContent(), /8080:31000\/TCP/);
  assert.equal(await page.locator('#examples').inputValue(), '', 'the menu shows its title again');
  assert.deepEqual(problems, []);
  await ctx.close();
});
