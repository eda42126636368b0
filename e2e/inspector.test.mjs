// End-to-end test of the Inspector (issue 4) in the player: the post's NodePort example,
// client -> node1:31000; the Inspector at the DNAT, at the IPIP encapsulation, and stepping back.
// Needs the page with the player (branch `player`) and this Inspector merged.
// E2E_URL: where dist/ is served; E2E_ARTIFACTS: screenshots go there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, current, position, stepUntil, sendNodePort, ARTIFACTS } from './support.mjs';

const shared = useBrowser();
const open = (options) => openPage(shared.browser, options);
const inspector = (page) => page.locator('#inspector');

/** Whether the element `inner` is fully inside the visible box of its scrolling `outer`. */
async function visibleIn(outer, inner) {
  const [o, i] = [await outer.boundingBox(), await inner.boundingBox()];
  return i.y >= o.y && i.y + i.height <= o.y + o.height;
}

test('the inspector shows the DNAT, the IPIP headers and conntrack as it was at each step', async () => {
  const { ctx, page, problems } = await open({ viewport: { width: 1400, height: 1000 } });
  await sendNodePort(page);

  // The DNAT: dst changed (symbol and word, not colour alone), the KUBE-SEP line highlighted in view.
  await stepUntil(page, (t) => /DNAT \(nat KUBE-SEP-\w+ #\d+\)/.test(t) && t.includes('192.168.231.166:80'), 'the DNAT');
  await inspector(page).waitFor();
  const dst = inspector(page).locator("tr.hdr-row.changed[data-field='dst']");
  assert.match(await dst.textContent(), /172\.16\.120\.63.*✎.*changed.*192\.168\.231\.166/s);
  const rule = inspector(page).locator('.inspector-save .save-line.hl');
  assert.match(await rule.textContent(), /^-A KUBE-SEP-\w+ .*-j DNAT --to-destination 192\.168\.231\.166:80/);
  assert.ok(await visibleIn(inspector(page).locator('.inspector-save'), rule), 'the rule is scrolled into view');
  assert.match(await inspector(page).locator('.inspector-explain p').textContent(), /KUBE-SEP/);
  // node1 has not confirmed the entry yet.
  assert.match(await inspector(page).locator('.inspector-conntrack').textContent(), /0 flow entries have been shown/);
  await inspector(page).screenshot({ path: `${ARTIFACTS}/inspector-dnat.png` });

  // The IPIP encapsulation: the outer header node1 > node2 holds the inner packet.
  await stepUntil(page, (t) => t.includes('encapsulate:'), 'the IPIP encapsulation');
  const outer = inspector(page).locator('.hdr-outer');
  assert.match(await outer.locator(':scope > table').textContent(), /172\.16\.120\.63.*172\.16\.120\.64.*ipip \(4\)/s);
  assert.match(await outer.locator('.hdr-inner').textContent(), /192\.168\.231\.166/);
  assert.match(await inspector(page).locator('.inspector-conntrack').textContent(), /SYN_SENT src=172\.16\.120\.61 dst=172\.16\.120\.63/);
  await inspector(page).screenshot({ path: `${ARTIFACTS}/inspector-ipip.png` });

  // Stepping back shows conntrack as it was then.
  await page.locator('.player-hint').click();
  const entries = async () => (await inspector(page).locator('.inspector-conntrack .out-line').count());
  assert.equal(await entries(), 1);
  for (let i = 0; i < 200 && (await entries()) > 0; i += 1) await page.keyboard.press('ArrowLeft');
  assert.match(await inspector(page).locator('.inspector-conntrack').textContent(), /0 flow entries/);

  // Japanese.
  await page.selectOption('#lang', 'ja');
  assert.match(await inspector(page).locator('.inspector-explain h3').textContent(), /ここで起きること/);
  assert.deepEqual(problems, []);
  await ctx.close();
});
