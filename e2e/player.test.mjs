// End-to-end test of the Send form and the player (issue 4): the post's NodePort example,
// client -> node1:31000, stepped to the DNAT, the IPIP encapsulation, the pod and back.
// E2E_URL: where dist/ is served; E2E_ARTIFACTS: screenshots go there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, current, position, stepUntil, sendNodePort, ARTIFACTS } from './support.mjs';

const shared = useBrowser();
const open = (options) => openPage(shared.browser, options);

test('send client -> NodePort 31000 on node1 and step through DNAT, IPIP, the pod and back', async () => {
  const { ctx, page, problems } = await open();
  await sendNodePort(page);
  assert.match(await page.locator('.player-request').textContent(), /client\$ curl http:\/\/.*:31000\//);
  // The first step happens on the client, and the client's box is highlighted.
  assert.match(await current(page).locator('.ev-host').textContent(), /^client$/);
  assert.equal(await page.locator("g.external.is-current[data-host='client']").count(), 1);
  assert.equal(await page.locator('#packet').count(), 1);

  // kube-proxy's KUBE-SEP rule DNATs to the pod on node2.
  const dnat = await stepUntil(page, (t) => /KUBE-SEP-\w+/.test(t) && /DNAT/.test(t) && t.includes('192.168.231.166:80'), 'the DNAT');
  assert.match(dnat, /node1/);
  assert.ok(await current(page).evaluate((el) => el.classList.contains('is-decisive')));
  assert.equal(await page.locator("g.node.is-current[data-node='node1']").count(), 1);
  // The inspector shows this step.
  await page.locator('#inspector-slot .inspector').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/player-dnat.png`, fullPage: true });

  // Calico's IPIP: tunl0 on node1 wraps it, outer header node1 > node2 (eth0 addresses).
  const node1 = (await page.locator("g.node[data-node='node1']").textContent()).match(/eth0 (\d+\.\d+\.\d+\.\d+)/)[1];
  const node2 = (await page.locator("g.node[data-node='node2']").textContent()).match(/eth0 (\d+\.\d+\.\d+\.\d+)/)[1];
  const encap = await stepUntil(page, (t) => t.includes('encapsulate:'), 'the IPIP encapsulation');
  assert.ok(encap.includes(`${node1} > ${node2} ipip`), encap);
  assert.match(await current(page).locator('.ev-at').textContent(), /dev tunl0/);
  await page.waitForTimeout(900);
  await page.screenshot({ path: `${ARTIFACTS}/player-ipip.png`, fullPage: true });

  // The pod accepts, then the answer goes back to the client.
  await stepUntil(page, (t) => t.includes('default/nginx') && /accepts on port 80/.test(t), 'the pod');
  assert.equal(await page.locator("g.pod.is-current[data-pod='default/nginx']").count(), 1);
  assert.equal(await page.locator('#outcome').count(), 0, 'the outcome waits for the end');
  await stepUntil(page, (t) => /^\s*\d+.*client/.test(t) && t.includes('rx'), 'the answer back on the client');

  // Keyboard: outside the inputs, arrows step, Home restarts, space plays and pauses.
  await page.locator('.player-hint').click();
  const here = await position(page);
  await page.keyboard.press('ArrowRight');
  assert.ok((await position(page)) > here);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await position(page), here);
  const row = await current(page).textContent();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await current(page).textContent(), row, 'stepping back shows the same row');
  await page.keyboard.press('Space');
  assert.match(await page.locator('#player-play').textContent(), /Pause/);
  await page.keyboard.press('Space');
  assert.match(await page.locator('#player-play').textContent(), /Play/);
  await page.keyboard.press('Home');
  assert.equal(await position(page), 1);
  // Typing in an input does not step.
  await page.locator('#send-path').focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await position(page), 1);

  // The last row: the outcome and the HTTP answer.
  await page.locator('#events .event').last().locator('button').click();
  await page.locator('#outcome').waitFor();
  assert.match(await page.locator('#outcome .outcome-text').textContent(), /^Answered by default\/nginx/);
  assert.match(await page.locator('#answer').textContent(), /^HTTP\/1\.1 200/);
  // The transcript has one line per shown step.
  const rows = await page.locator('#events .event').count();
  const lines = (await page.locator('#transcript').textContent()).trim().split('\n').length;
  assert.equal(lines, rows);
  // The announcer says which step is shown.
  assert.match(await page.locator('#tracer-announcer').textContent(), /^Step \d+ of \d+/);
  await page.screenshot({ path: `${ARTIFACTS}/player-outcome.png`, fullPage: true });

  // Play at 4× moves on by itself; near the end it stops at the last step.
  await page.selectOption('#player-speed', '4');
  await page.locator('#player-restart').click();
  await page.locator('#player-play').click();
  await page.waitForTimeout(1500);
  assert.ok((await position(page)) > 2, 'playing moves on');
  await page.locator('#player-play').click();
  assert.match(await page.locator('#player-play').textContent(), /Play/);
  await page.locator('#events .event').nth(rows - 4).locator('button').click();
  await page.locator('#player-play').click();
  await page.waitForFunction(() => document.querySelector('#player-play')?.textContent.includes('Play'), null, { timeout: 30000 });
  await page.locator('#outcome').waitFor();
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('a bad URL gives a message; Send 1,000 lists the shares; Japanese; 360 px', async () => {
  const { ctx, page, problems } = await open({ viewport: { width: 360, height: 800 }, reducedMotion: 'reduce' });
  await page.selectOption('#examples', 'nodeport');
  const baseline = await page.evaluate(() => Math.max(window.innerWidth, document.documentElement.scrollWidth));
  await page.selectOption('#send-kind', 'url');
  await page.fill('#send-url', 'http://172.16.120.63:0/');
  await page.click('#send');
  assert.match(await page.locator('#send-error').textContent(), /port 0/);
  await page.fill('#send-url', 'http://172.16.120.63:31000/');
  assert.equal(await page.locator('#send-error').count(), 0);
  await page.click('#send');
  await current(page).waitFor();
  // Reduced motion: the dot is already where the step is.
  const dot = page.locator('#packet circle.packet-dot');
  assert.equal(await dot.getAttribute('cx'), await page.locator('#packet').getAttribute('data-x'));
  await page.click('#send-many');
  await page.locator("#spread g.histogram-row[data-endpoint='default/nginx']").waitFor({ timeout: 120000 });
  // The player, the inspector and the histogram make the page no wider than it was.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= baseline, `the page grew from ${baseline}px to ${width}px wide`);
  await page.selectOption('#lang', 'ja');
  assert.match(await page.locator('#player-play').textContent(), /再生/);
  await page.screenshot({ path: `${ARTIFACTS}/player-360-ja.png`, fullPage: true });
  assert.deepEqual(problems, []);
  await ctx.close();
});
