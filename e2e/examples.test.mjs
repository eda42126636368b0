// End-to-end tests of the Examples menu, the pending LoadBalancer note and the Japanese
// diagnostics, on the release build in Debian's Chromium (playwright-core).
// E2E_URL: where dist/ is served; E2E_ARTIFACTS: screenshots go there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, ARTIFACTS } from './support.mjs';

const shared = useBrowser();
/** A fresh page (or one more page in `context`) that records console and page errors. */
const open = (context, { viewport } = {}) => openPage(shared.browser, { context, viewport });

/** Runs a command in the terminal (on the client) and waits for a new prompt line. */
async function run(page, command) {
  const before = await page.locator('#terminal-output').textContent();
  await page.locator('#terminal-input').fill(command);
  await page.locator('#terminal-input').press('Enter');
  await page.waitForFunction((n) => document.querySelector('#terminal-output').textContent.length > n, before.length);
  return (await page.locator('#terminal-output').textContent()).slice(before.length);
}

/** Every menu entry, in menu order: [id, what must be drawn or said once it is loaded]. */
const EXAMPLES = [
  ['post', "g.service[data-service='projectcontour/envoy']"],
  ['clusterip', "g.service[data-service='default/sample-service']"],
  ['nodeport', "g.pod[data-pod='default/nginx']"],
  ['loadbalancer', "#lb-notes li[data-service='default/sample-lb']"],
  ['metallb-l2', "g.service[data-service='default/web-local']"],
  ['cloud-lb', "g.service[data-service='default/sample-lb']"],
  ['ingress-hosts', "g.service[data-service='default/fallback']"],
  ['ingress-metallb', "g.service[data-service='projectcontour/envoy']"],
  ['etp-local', "g.service[data-service='default/whoami']"],
  ['session-affinity', "g.service[data-service='default/whoami']"],
];

test("a fresh open shows the post's whole demo with no errors", async () => {
  const { ctx, page, problems } = await open();
  const text = await page.locator('#manifest').inputValue();
  assert.match(text, /name: sample-ingress/);
  assert.match(text, /path: \/cinnamon/);
  assert.equal(await page.locator('#example-about').getAttribute('data-example'), 'post');
  assert.equal(await page.locator('svg#topology g.node').count(), 3);
  // Contour's envoy, the two http-echo pods and the web pod on node2 are drawn.
  for (const prefix of ['projectcontour/envoy-', 'default/cinnamon-deployment-', 'default/butterscotch-deployment-']) {
    assert.ok(await page.locator(`g.pod[data-pod^='${prefix}']`).count() >= 1, `${prefix} drawn`);
  }
  const web = page.locator("g.node[data-node='node2'] g.pod[data-pod^='default/web-']");
  assert.match(await web.textContent(), /192\.168\.231\.166/);
  assert.match(await page.locator("g.service[data-service='projectcontour/envoy']").textContent(), /80:32023\/TCP/);
  // No errors in the manifests and nothing pending.
  assert.equal(await page.locator('#problems li.diag-error').count(), 0);
  assert.doesNotMatch(await page.locator('#diagnostics-summary').textContent(), /[1-9]\d* errors?/);
  assert.equal(await page.locator('#lb-notes').count(), 0);
  assert.equal(await page.locator('#stale-note').count(), 0);
  // What the description suggests works: the Ingress path answers through envoy's NodePort.
  assert.match(await run(page, 'curl http://172.16.120.63:32023/cinnamon'), /cinnamon-app/);
  await page.waitForTimeout(200);
  assert.deepEqual(problems, []);
  await page.screenshot({ path: `${ARTIFACTS}/examples-default.png`, fullPage: true });
  await ctx.close();
});

test('every menu entry loads without errors and describes itself', async () => {
  const { ctx, page, problems } = await open();
  const ids = await page.locator('#examples option').evaluateAll((options) => options.map((o) => o.value).filter(Boolean));
  assert.deepEqual(ids, EXAMPLES.map(([id]) => id));
  // Start from another example, so that loading the default is a change too.
  await page.locator('#examples').selectOption('nodeport');
  await page.locator("#example-about[data-example='nodeport']").waitFor();
  for (const [id, shows] of EXAMPLES) {
    await page.locator('#examples').selectOption(id);
    await page.locator(`#example-about[data-example='${id}']`).waitFor();
    await page.locator(shows).first().waitFor();
    assert.equal(await page.locator('#problems li.diag-error').count(), 0, `${id}: errors listed`);
    assert.equal(await page.locator('#stale-note').count(), 0, `${id}: stale diagram`);
    assert.ok((await page.locator('#example-about').textContent()).length > 40, `${id}: a description`);
    assert.equal(await page.locator('#examples').inputValue(), '', 'the menu shows its title again');
    await page.screenshot({ path: `${ARTIFACTS}/example-${id}.png`, fullPage: true });
  }
  // Editing the text leaves the example: its description goes.
  await page.locator('#manifest').press('Control+End');
  await page.keyboard.type('\n# mine\n');
  await page.waitForFunction(() => !document.querySelector('#example-about'));
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('a pending LoadBalancer is explained under the diagram, in both languages', async () => {
  const { ctx, page, problems } = await open();
  await page.locator('#examples').selectOption('loadbalancer');
  const note = page.locator("#lb-notes li[data-service='default/sample-lb']");
  await note.waitFor();
  const en = await note.textContent();
  assert.match(en, /<pending>/);
  assert.match(en, /MetalLB IPAddressPool/);
  assert.match(en, /8080:31000\/TCP/);
  assert.match(en, /curl http:\/\/172\.16\.120\.63:31000\//);
  // The suggested curl works: the NodePort answers although EXTERNAL-IP is pending.
  assert.match(await run(page, 'curl -v http://172.16.120.63:31000/'), /< HTTP\/1\.1 200 OK/);
  await page.locator('#lang').selectOption('ja');
  await page.waitForFunction(() => document.querySelector('#lb-notes li').textContent.includes('ロードバランサー'));
  assert.match(await note.textContent(), /8080:31000\/TCP/);
  await page.locator('#lb-notes').screenshot({ path: `${ARTIFACTS}/lb-note-ja.png` });
  // MetalLB gives an address: no note.
  await page.locator('#examples').selectOption('metallb-l2');
  await page.locator("#example-about[data-example='metallb-l2']").waitFor();
  assert.equal(await page.locator('#lb-notes').count(), 0);
  assert.match(await page.locator("g.service[data-service='default/web-cluster']").textContent(), /172\.16\.120\.200/);
  assert.deepEqual(problems, []);
  await ctx.close();
});

test("the engine's diagnostics read in Japanese, names kept as written", async () => {
  const ctx = await shared.browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const { page, problems } = await open(ctx);
  const editor = page.locator('#manifest');
  const broken = (await editor.inputValue()).replace('  selector:\n    app: web\n---', '  selecter:\n    app: web\n---');
  assert.notEqual(broken, await editor.inputValue());
  await editor.fill(broken);
  const warning = page.locator('#problems li', { hasText: 'selecter' }).first();
  await warning.waitFor();
  const text = await warning.locator('.message').textContent();
  assert.match(text, /`selecter`/);
  assert.match(text, /フィールド/);
  // The gutter's hover title says the same (a click on the problem scrolls its line into view).
  const line = await warning.getAttribute('data-line');
  await warning.locator('button').click();
  assert.match(await page.locator(`.gutter-line[data-line="${line}"]`).getAttribute('title'), /`selecter`.*フィールド|フィールド.*`selecter`/s);
  await page.screenshot({ path: `${ARTIFACTS}/diagnostics-ja.png`, fullPage: true });
  assert.deepEqual(problems, []);
  await ctx.close();
});
