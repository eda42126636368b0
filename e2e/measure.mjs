// Measures the app in headless Chromium (not a test: numbers for BENCHMARKS.md, no budget is
// asserted). It builds nothing; serve a release dist/ first:
//
//   python3 -m http.server 8097 --bind 127.0.0.1 -d dist &
//   E2E_URL=http://127.0.0.1:8097/ node e2e/measure.mjs [--edits 24] [--loads 5]
//
// What it reports, each as median and p95:
// - load to interactive: navigation start -> the diagram's first node and the editor are in
//   the DOM (seen by a MutationObserver installed before the page's scripts), fresh profile;
// - keystroke -> next frame: a real key press (CDP Input.dispatchKeyEvent) in the editor, from
//   the keydown event's timestamp to the next requestAnimationFrame callback, and to the task
//   right after that frame (the frame's style, layout and paint are done by then);
// - edit -> re-rendered diagram: from the moment the 150 ms debounce timer fires (the page's
//   setTimeout is wrapped to see it) to the end of the first frame whose SVG shows the edit;
//   and the same from the keydown, debounce included.
// Scenarios: the text the page loads by default; static/examples/post-default.yaml pasted;
// 1,000 Services x 10 endpoints (the load of engine/benches/common/load.rs, as YAML) pasted.
// Each edit types one character into, or deletes it from, the first Service's name, so every
// edit changes the diagram (the service box's data-service key); before each key press the
// page is idle (the previous analysis has been drawn). Last, the same key presses in a bare
// <textarea> holding the 1,000-Service text: what the browser itself costs per keystroke.
import { chromium } from 'playwright-core';
import { bigManifest } from './load-text.mjs';

const URL_ = process.env.E2E_URL || 'http://127.0.0.1:8097/';
const arg = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const EDITS = arg('--edits', 24);
const LOADS = arg('--loads', 5);
const DEBOUNCE_MS = 150; // app/src/components/app.rs


const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1], n: sorted.length };
};
const show = (label, values) => {
  const s = stats(values);
  console.log(`${label.padEnd(52)} median ${s.median.toFixed(1).padStart(7)} ms   p95 ${s.p95.toFixed(1).padStart(7)} ms   max ${s.max.toFixed(1).padStart(7)} ms   (n=${s.n})`);
};

// Installed before the page's own scripts: the time the page became interactive, and the
// times the debounce timer fired.
const INIT = `(() => {
  window.__fired = [];
  const setTimeout_ = window.setTimeout;
  window.setTimeout = function (callback, delay, ...rest) {
    if (delay === ${DEBOUNCE_MS} && typeof callback === 'function') {
      const inner = callback;
      callback = function (...args) { window.__fired.push(performance.now()); return inner.apply(this, args); };
    }
    return setTimeout_.call(this, callback, delay, ...rest);
  };
  const seen = () => {
    if (window.__interactive === undefined && document.querySelector('svg#topology g.node') && document.querySelector('#manifest')) {
      window.__interactive = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, { childList: true, subtree: true });
})();`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const version = browser.version();

async function freshPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(INIT);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  await page.goto(URL_);
  await page.waitForFunction(() => window.__interactive !== undefined, null, { timeout: 60000 });
  return { context, page, problems };
}

/** Waits until the page has analysed the text and drawn it, and is idle. */
async function settle(page) {
  await page.waitForFunction(() => !document.querySelector('#diagnostics-summary .pending'), null, { timeout: 120000, polling: 'raf' });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 50)))));
}

/** Replaces the editor's text as a paste would, and returns paste -> diagram drawn. */
async function paste(page, text) {
  const ms = await page.evaluate(async (text) => {
    const editor = document.querySelector('#manifest');
    const start = performance.now();
    // What the app sees of a paste: new text in the textarea, then an `input` event.
    // (execCommand('insertText') would go through the browser's undo stack too, which for
    // 1.7 MB takes longer than the app does.)
    editor.value = text;
    editor.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
    await new Promise((resolve, reject) => {
      const check = () => {
        // A text over 5,000 lines is windowed: the textarea holds the lines around the view.
        const shown = editor.value === text || (editor.closest('.bigtext') && text.startsWith(editor.value));
        if (!document.querySelector('#diagnostics-summary .pending') && shown) setTimeout(resolve, 0);
        else if (performance.now() - start > 120000) reject(new Error('paste timed out'));
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
    return performance.now() - start;
  }, text);
  await settle(page);
  return ms;
}

/** Where to type: the end of the first Service's name line, and that Service's key. */
async function target(page) {
  return page.evaluate(() => {
    const text = document.querySelector('#manifest').value;
    const docs = text.split(/^---[^\n]*$/m);
    let offset = 0;
    for (const doc of docs) {
      if (/^kind: Service\s*$/m.test(doc)) {
        const name = /^ {2}name: *([^\s#]+) *$/m.exec(doc);
        if (name) {
          const namespace = /^ {2}namespace: *([^\s#]+)/m.exec(doc)?.[1] ?? 'default';
          const lineEnd = offset + name.index + name[0].length;
          return { caret: lineEnd, key: `${namespace}/${name[1]}` };
        }
      }
      offset += doc.length + 3; // "---"
    }
    return null;
  });
}

/** Types `EDITS` edits (append 'q', then delete it, alternately) and measures each. */
async function edits(page, label) {
  const spot = await target(page);
  if (!spot) throw new Error(`${label}: no Service to edit`);
  const selector = (key) => `svg#topology g.service[data-service="${key}"]`;
  if (!(await page.locator(selector(spot.key)).count())) throw new Error(`${label}: ${spot.key} is not drawn`);
  await page.evaluate((caret) => {
    const editor = document.querySelector('#manifest');
    editor.focus();
    editor.setSelectionRange(caret, caret);
  }, spot.caret);
  const frame = [], painted = [], render = [], total = [];
  for (let i = 0; i < EDITS; i++) {
    const typing = i % 2 === 0;
    const expect = typing ? `${spot.key}q` : spot.key;
    // Arm the probes, press the key, then collect.
    await page.evaluate((expect) => {
      const probe = { fired: window.__fired.length };
      window.__probe = probe;
      window.addEventListener('keydown', (event) => {
        probe.key = event.timeStamp;
        requestAnimationFrame(() => {
          probe.frame = performance.now();
          setTimeout(() => { probe.painted = performance.now(); }, 0);
        });
      }, { capture: true, once: true });
      probe.drawn = new Promise((resolve, reject) => {
        const check = () => {
          if (document.querySelector(`svg#topology g.service[data-service="${expect}"]`)) {
            const at = performance.now();
            setTimeout(() => resolve(performance.now()), 0);
            probe.seen = at;
          } else if (performance.now() - (probe.key ?? performance.now()) > 120000) reject(new Error('edit timed out'));
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      });
    }, expect);
    await page.keyboard.press(typing ? 'q' : 'Backspace');
    const sample = await page.evaluate(async () => {
      const probe = window.__probe;
      const drawn = await probe.drawn;
      const fired = window.__fired.slice(probe.fired).pop();
      return { key: probe.key, frame: probe.frame, painted: probe.painted, drawn, fired };
    });
    frame.push(sample.frame - sample.key);
    painted.push(sample.painted - sample.key);
    if (sample.fired !== undefined) render.push(sample.drawn - sample.fired);
    total.push(sample.drawn - sample.key);
    await settle(page);
  }
  console.log(`\n${label}`);
  show('  keystroke -> next frame (rAF)', frame);
  show('  keystroke -> frame done (task after rAF)', painted);
  show('  edit -> diagram drawn, debounce excluded', render);
  show(`  edit -> diagram drawn, debounce ${DEBOUNCE_MS} ms included`, total);
}

console.log(`Chromium ${version}, ${URL_}, ${EDITS} edits per scenario, ${LOADS} loads`);

// Load to interactive, each in a fresh profile (no stored text).
const loads = [];
for (let i = 0; i < LOADS; i++) {
  const { context, page } = await freshPage();
  loads.push(await page.evaluate(() => window.__interactive));
  await context.close();
}
show('load to interactive (navigation -> diagram + editor)', loads);

const { context, page, problems } = await freshPage();
await settle(page);
const initial = await page.locator('#manifest').inputValue();
console.log(`\ndefault text: ${initial.length} bytes, ${initial.split('\n').length} lines`);
await edits(page, 'default text (as the page loads it)');

const post = await (await fetch(new URL('static/examples/post-default.yaml', URL_))).text();
console.log(`\npost-default.yaml: ${post.length} bytes; paste -> diagram ${(await paste(page, post)).toFixed(1)} ms`);
await edits(page, 'static/examples/post-default.yaml pasted');

const big = bigManifest(1000, 10);
console.log(`\n1,000 Services x 10 endpoints: ${big.length} bytes, ${big.split('\n').length} lines; paste -> diagram ${(await paste(page, big)).toFixed(1)} ms`);
await edits(page, '1,000 Services x 10 endpoints pasted');

// The browser's own floor: a bare <textarea> (no app, no overlay) holding the same 1,000-Service
// text, the same key presses, the same probe.
const bare = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await bare.setContent('<textarea id="bare" wrap="off" spellcheck="false" style="width:600px;height:560px;font:13px monospace;line-height:20px"></textarea>');
await bare.evaluate((text) => {
  window.__t = [];
  window.addEventListener('keydown', (event) => {
    const key = event.timeStamp;
    requestAnimationFrame(() => { const frame = performance.now(); setTimeout(() => window.__t.push([frame - key, performance.now() - key]), 0); });
  }, { capture: true });
  const editor = document.querySelector('#bare');
  editor.value = text;
  editor.focus();
  editor.setSelectionRange(60, 60);
}, big);
await bare.waitForTimeout(500);
for (let i = 0; i < EDITS; i++) {
  await bare.keyboard.press(i % 2 === 0 ? 'q' : 'Backspace');
  await bare.waitForFunction((i) => window.__t.length > i, i, { polling: 50, timeout: 120000 });
  await bare.waitForTimeout(50);
}
const floor = await bare.evaluate(() => window.__t);
console.log('\nbare <textarea> with the same 1,000-Service text (no app): the browser\'s floor');
show('  keystroke -> next frame (rAF)', floor.map((t) => t[0]));
show('  keystroke -> frame done (task after rAF)', floor.map((t) => t[1]));
await bare.close();

if (problems.length) console.log(`\npage errors: ${problems.join('\n')}`);
await context.close();
await browser.close();
