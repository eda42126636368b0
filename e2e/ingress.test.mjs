// End-to-end test of issue 5's demo: the lab opened fresh shows the post's whole world, and
// `curl …:32023/cinnamon` from the client is stepped through kube-proxy's NodePort DNAT to an
// Envoy pod, Envoy's routing decision, Envoy's own connection to the cinnamon pod, and back.
// E2E_URL: where dist/ is served; E2E_ARTIFACTS: screenshots go there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, current, stepUntil, ARTIFACTS } from './support.mjs';

const shared = useBrowser();

test('fresh open: send /cinnamon from the client, step to Envoy\'s decision and the cinnamon pod, get cinnamon-app', async () => {
  // A new context has an empty localStorage: this is the first visit.
  const { ctx, page, problems } = await openPage(shared.browser);
  await page.locator("g.pod[data-pod^='default/cinnamon']").first().waitFor();

  // The post's curl, typed as the post typed it (with the lab's node1 address).
  const node1 = (await page.locator("g.node[data-node='node1']").textContent()).match(/eth0 (\d+\.\d+\.\d+\.\d+)/)[1];
  await page.selectOption('#send-from', 'client');
  await page.selectOption('#send-kind', 'url');
  await page.fill('#send-url', `http://${node1}:32023/cinnamon`);
  assert.match(await page.locator('#send-url-preview').textContent(), /curl http:\/\/[\d.]+:32023\/cinnamon/);
  await page.click('#send');
  await current(page).waitFor();

  // kube-proxy on node1 DNATs the NodePort to an Envoy pod.
  const dnat = await stepUntil(page, (t) => /DNAT/.test(t) && /KUBE-SEP-\w+/.test(t), 'the NodePort DNAT to Envoy');
  assert.match(dnat, /node1/);
  // Envoy reads the request and routes /cinnamon to the cinnamon Service's endpoint.
  const decision = await stepUntil(page, (t) => t.includes('Envoy reads Host'), "Envoy's routing decision");
  assert.match(decision, /path \/cinnamon/);
  assert.match(decision, /route to [^,]*cinnamon/);
  assert.ok(await current(page).evaluate((el) => el.classList.contains('is-decisive')));
  await page.locator('#inspector-slot .inspector').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/ingress-envoy-decision.png`, fullPage: true });
  // Envoy's own connection reaches the cinnamon pod (its IP and targetPort, no ClusterIP).
  await stepUntil(page, (t) => /default\/cinnamon/.test(t) && /accepts on port/.test(t), 'the cinnamon pod');
  assert.equal(await page.locator("g.pod.is-current[data-pod^='default/cinnamon']").count(), 1);
  await page.screenshot({ path: `${ARTIFACTS}/ingress-cinnamon-pod.png`, fullPage: true });

  // The answer the client gets is the post's.
  await page.locator('#events .event').last().locator('button').click();
  await page.locator('#outcome').waitFor();
  assert.match(await page.locator('#answer').textContent(), /^HTTP\/1\.1 200[^]*\ncinnamon-app/);
  await page.screenshot({ path: `${ARTIFACTS}/ingress-answer.png`, fullPage: true });
  assert.deepEqual(problems, []);
  await ctx.close();
});
