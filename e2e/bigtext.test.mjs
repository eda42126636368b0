// The windowed editor (issue 4; app/src/window.rs, components/editor.rs): above 5,000 lines the
// textarea holds only the lines around the view. These tests type, scroll, jump, undo, select
// all, cut and reload with a 1.7 MB text and check that the whole text the editor hands the
// reducer is exactly the expected one (read back through Select All + copy, which writes the
// whole text, and through the text the page saved).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, ARTIFACTS } from './support.mjs';
import { bigManifest } from './load-text.mjs';

const shared = useBrowser();
const open = (context) => openPage(shared.browser, { context, tracer: false });
const LINE = 20; // LINE_HEIGHT in components/editor.rs


/** Lines of `text` with `edit(lines)` applied. */
const editLines = (text, edit) => { const lines = text.split('\n'); edit(lines); return lines.join('\n'); };

/** What a paste does to the app: new text in the textarea and an `input` event. */
async function paste(page, text) {
  await page.evaluate((text) => {
    const editor = document.querySelector('#manifest');
    editor.value = text;
    editor.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, text);
  await idle(page);
}

/** Waits until the text has been analysed and drawn. */
async function idle(page) {
  await page.waitForFunction(() => !document.querySelector('#diagnostics-summary .pending'), null, { timeout: 120000, polling: 100 });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** The window: its first line (0-based, from the textarea's place) and its lines. */
const windowOf = (page) => page.evaluate((LINE) => {
  const editor = document.querySelector('#manifest');
  return { first: Math.round(parseFloat(editor.style.top || '0') / LINE), lines: editor.value.split('\n') };
}, LINE);

/** Puts the caret at line `line` (0-based, of the whole text), column `column`, in the window. */
async function caretAt(page, line, column) {
  await page.evaluate(({ line, column, LINE }) => {
    const editor = document.querySelector('#manifest');
    const first = Math.round(parseFloat(editor.style.top || '0') / LINE);
    const lines = editor.value.split('\n');
    if (line < first || line >= first + lines.length) throw new Error(`line ${line} is not in the window ${first}+${lines.length}`);
    const offset = lines.slice(0, line - first).reduce((sum, l) => sum + l.length + 1, 0) + column;
    editor.focus();
    editor.setSelectionRange(offset, offset);
  }, { line, column, LINE });
}

/** The whole text, as Select All + copy gives it (the copy event's clipboardData). */
async function wholeText(page) {
  await page.locator('#manifest').focus();
  await page.keyboard.press('Control+A');
  const text = await page.evaluate(() => {
    const data = new DataTransfer();
    document.querySelector('#manifest').dispatchEvent(new ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true }));
    return data.getData('text/plain');
  });
  await page.keyboard.press('ArrowLeft');
  return text;
}

/** Asserts that two long texts are equal, showing only where they first differ. */
function sameText(actual, expected, what) {
  if (actual === expected) return;
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at += 1;
  const line = actual.slice(0, at).split('\n').length - 1;
  assert.fail(`${what}: differs at line ${line} (lengths ${actual.length} vs ${expected.length}): ` +
    `${JSON.stringify(actual.slice(Math.max(0, at - 60), at + 60))} vs ${JSON.stringify(expected.slice(Math.max(0, at - 60), at + 60))}`);
}

/** The number of the first line of `text` (0-based) that equals `line`, after `from`. */
const lineOf = (text, line, from = 0) => text.split('\n').indexOf(line, from);

test('a 1.7 MB text is windowed: typing, Enter and Backspace at the edges, a scroll, a jump and undo reach the whole text', async () => {
  const { ctx, page, problems } = await open();
  // A warning far down, for the jump: an unknown field in the last Service the lab reads (it
  // reads the first 1,000 objects and says so at the 1,001st).
  let expected = bigManifest(1000, 10);
  const far = lineOf(expected, '  name: svc-499');
  expected = editLines(expected, (lines) => lines.splice(far + 3, 0, '  selecter: {}'));
  assert.equal(expected.split('\n').length, 87_001);
  await paste(page, expected);
  await page.locator('.editor.bigtext').waitFor();
  assert.match(await page.locator('#bigtext-hint').textContent(), /Ctrl\+F/);
  let view = await windowOf(page);
  assert.equal(view.first, 0);
  assert.ok(view.lines.length < 1000, `the textarea holds ${view.lines.length} lines`);
  sameText(view.lines.join('\n'), expected.split('\n').slice(0, view.lines.length).join('\n'), 'window');
  sameText(await wholeText(page), expected, 'the pasted text');

  // Typing at the top.
  await caretAt(page, 3, '  name: svc-0'.length);
  await page.keyboard.type('x');
  expected = editLines(expected, (lines) => { lines[3] += 'x'; });
  await idle(page);
  assert.equal(await page.locator("svg#topology g.service[data-service='load/svc-0x']").count(), 1);

  // Scroll to the middle (the window follows), click a line there and type with Enter.
  const middle = 20_000;
  await page.evaluate(({ middle, LINE }) => { document.querySelector('.editor .scroller').scrollTop = middle * LINE; }, { middle, LINE });
  await page.waitForFunction((middle) => Number(document.querySelector('.gutter-line')?.dataset.line) > middle - 60, middle);
  view = await windowOf(page);
  assert.ok(view.first > middle - 400 && view.first < middle, `window at ${view.first}`);
  const row = page.locator(`.gutter-line[data-line="${middle + 6}"]`);
  const box = await row.boundingBox();
  const code = await page.locator('.editor .code').boundingBox();
  await page.mouse.click(code.x + code.width - 30, box.y + box.height / 2);
  await page.keyboard.press('End');
  await page.keyboard.type('y');
  await page.keyboard.press('Enter');
  await page.keyboard.type('# mid');
  expected = editLines(expected, (lines) => lines.splice(middle + 5, 1, lines[middle + 5] + 'y', '# mid'));
  // A paste of several lines into the window (the browser's insertText, as a paste arrives).
  await caretAt(page, middle + 12, 0);
  await page.evaluate(() => document.execCommand('insertText', false, '# pasted: 1\n# pasted: 2\n'));
  expected = editLines(expected, (lines) => lines.splice(middle + 12, 0, '# pasted: 1', '# pasted: 2'));
  await idle(page);
  sameText(await wholeText(page), expected, 'after typing at the top and in the middle');

  // Backspace at the window's first line joins it with the line above (outside the window);
  // Delete at the end of its last line joins the line below; Enter at its first line splits it.
  view = await windowOf(page);
  assert.ok(view.first > 0);
  await caretAt(page, view.first, 0);
  await page.keyboard.press('Backspace');
  expected = editLines(expected, (lines) => lines.splice(view.first - 1, 2, lines[view.first - 1] + lines[view.first]));
  view = await windowOf(page);
  const last = view.first + view.lines.length - 1;
  await caretAt(page, last, view.lines.at(-1).length);
  await page.keyboard.press('Delete');
  expected = editLines(expected, (lines) => lines.splice(last, 2, lines[last] + lines[last + 1]));
  // Enter at the end of the window's first line.
  view = await windowOf(page);
  await caretAt(page, view.first, view.lines[0].length);
  await page.keyboard.press('Enter');
  await page.keyboard.type('# split');
  expected = editLines(expected, (lines) => lines.splice(view.first + 1, 0, '# split'));
  await idle(page);
  sameText(await wholeText(page), expected, 'after Backspace, Delete and Enter at the window edges');

  // A click on the warning 23,000 lines further down: the editor shows that line, marked, and types there.
  const warning = page.locator('#problems li', { hasText: 'selecter' }).first();
  const line = Number(await warning.getAttribute('data-line'));
  assert.equal(line - 1, lineOf(expected, '  selecter: {}'));
  await warning.locator('button').click();
  await page.locator(`.gutter-line.mark-warning[data-line="${line}"]`).waitFor();
  assert.ok(await page.locator('.highlight .squiggle').count() > 0);
  view = await windowOf(page);
  assert.ok(view.first <= line - 1 && line - 1 < view.first + view.lines.length, 'the line is in the window');
  await page.keyboard.type('z');
  expected = editLines(expected, (lines) => { lines[line - 1] = lines[line - 1].replace('selecter', 'zselecter'); });
  await idle(page);
  await page.screenshot({ path: `${ARTIFACTS}/bigtext-jump.png` });
  sameText(await wholeText(page), expected, 'after typing at the jumped-to line');

  // The app's undo takes back the last analysed edit (the `z`), redo puts it back.
  const beforeZ = editLines(expected, (lines) => { lines[line - 1] = lines[line - 1].replace('zselecter', 'selecter'); });
  await page.locator('#manifest').focus();
  await page.keyboard.press('Control+Z');
  await idle(page);
  sameText(await wholeText(page), beforeZ, 'after undo');
  assert.ok(await page.locator('.editor.bigtext').count());
  await page.keyboard.press('Control+Shift+Z');
  await idle(page);
  sameText(await wholeText(page), expected, 'after redo');

  // Ctrl+End and Ctrl+Home go to the text's ends, not the window's.
  await page.locator('#manifest').focus();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('# end');
  await page.keyboard.press('Control+Home');
  await page.keyboard.type('# top\n');
  expected = `# top\n${expected}# end`;
  await idle(page);
  sameText(await wholeText(page), expected, 'after Ctrl+End and Ctrl+Home');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('Select All in a windowed text means the whole text: copy, cut, typing over it', async () => {
  const { ctx, page, problems } = await open();
  const big = bigManifest(1000, 10);
  await paste(page, big);
  await page.locator('.editor.bigtext').waitFor();
  // Typing over Select All replaces the whole text; the editor is small again.
  await page.locator('#manifest').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('k');
  await page.waitForFunction(() => !document.querySelector('.editor.bigtext'));
  assert.equal(await page.locator('#manifest').inputValue(), 'k');
  assert.equal(await page.locator('#bigtext-hint').isVisible(), false);
  await idle(page);
  // Undo brings the whole text back, windowed.
  await page.keyboard.press('Control+Z');
  await page.locator('.editor.bigtext').waitFor();
  await idle(page);
  sameText(await wholeText(page), big, 'whole text');
  // Cut: the clipboard gets the whole text and the editor is empty.
  await page.locator('#manifest').focus();
  await page.keyboard.press('Control+A');
  const cut = await page.evaluate(() => {
    const data = new DataTransfer();
    document.querySelector('#manifest').dispatchEvent(new ClipboardEvent('cut', { clipboardData: data, bubbles: true, cancelable: true }));
    return data.getData('text/plain');
  });
  sameText(cut, big, 'cut');
  await page.waitForFunction(() => !document.querySelector('.editor.bigtext'));
  assert.equal(await page.locator('#manifest').inputValue(), '');
  // After Select All, an arrow key ends it: typing then edits the window only.
  await page.keyboard.press('Control+Z');
  await page.locator('.editor.bigtext').waitFor();
  await idle(page);
  await page.locator('#manifest').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.type('#');
  await idle(page);
  sameText(await wholeText(page), `#${big}`, 'whole text');
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('a windowed text is saved whole and comes back whole after a reload, with the hint in Japanese', async () => {
  const { ctx, page, problems } = await open();
  // Under the 1 MB the page stores: 500 Services, 43,500 lines.
  let expected = bigManifest(500, 10);
  await paste(page, expected);
  await page.locator('.editor.bigtext').waitFor();
  const middle = 20_000;
  await page.evaluate(({ middle, LINE }) => { document.querySelector('.editor .scroller').scrollTop = middle * LINE; }, { middle, LINE });
  await page.waitForFunction((middle) => Number(document.querySelector('.gutter-line')?.dataset.line) > middle - 60, middle);
  await caretAt(page, middle + 3, 0);
  await page.keyboard.type('# here\n');
  expected = editLines(expected, (lines) => { lines[middle + 3] = `# here\n${lines[middle + 3]}`; });
  await idle(page);
  // Scrolled far from the caret (the window follows the view and the caret is kept aside), the
  // next key types at the caret and brings it back into view.
  await page.evaluate(() => { document.querySelector('.editor .scroller').scrollTop = 0; });
  await page.waitForFunction(() => document.querySelector('#manifest').style.top === '0px');
  await page.keyboard.type('!');
  expected = editLines(expected, (lines) => { lines[middle + 4] = `!${lines[middle + 4]}`; });
  await page.waitForFunction((middle) => Number(document.querySelector('.gutter-line')?.dataset.line) > middle - 60, middle);
  await idle(page);
  await page.waitForFunction((length) => localStorage.getItem('packetlab.manifests.v1')?.length === length, expected.length);
  sameText(await page.evaluate(() => localStorage.getItem('packetlab.manifests.v1')), expected, 'saved');
  await page.locator('#lang').selectOption('ja');
  await page.reload();
  await page.locator('.editor.bigtext').waitFor();
  await idle(page);
  assert.match(await page.locator('#bigtext-hint').textContent(), /検索/);
  sameText(await wholeText(page), expected, 'whole text');
  await page.screenshot({ path: `${ARTIFACTS}/bigtext-ja.png` });
  assert.deepEqual(problems, []);
  await ctx.close();
});
