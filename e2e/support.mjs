// What the end-to-end tests share: Debian's Chromium, a fresh page that records console errors,
// page errors and requests, and the player's stepping. Not a test file itself (node --test runs
// only *.test.mjs here).
// E2E_URL: where dist/ is served (.ci/run starts a server); E2E_ARTIFACTS: screenshots go there.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const URL_ = process.env.E2E_URL || 'http://127.0.0.1:8091/';
export const ORIGIN = new URL(URL_).origin;
export const ARTIFACTS = process.env.E2E_ARTIFACTS || 'target/e2e';
mkdirSync(ARTIFACTS, { recursive: true });

/** Launches headless Chromium before the calling file's tests and closes it after them. */
export function useBrowser() {
  const shared = { browser: null };
  before(async () => {
    shared.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
  });
  after(async () => { await shared.browser?.close(); });
  return shared;
}

/**
 * A fresh page (in `context`, or in a new context with an empty localStorage) that records
 * console errors, page errors and every request's URL, once the diagram is drawn.
 */
export async function openPage(browser, { context, viewport = { width: 1280, height: 900 }, reducedMotion = 'no-preference', tracer = true } = {}) {
  const ctx = context ?? await browser.newContext({ viewport, reducedMotion });
  const page = await ctx.newPage();
  const problems = [];
  const requests = [];
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(URL_);
  await page.waitForSelector('svg#topology g.node');
  if (tracer) await loadTracer(page);
  return { ctx, page, problems, requests };
}

/**
 * Reaches for the tracer as a reader does (the pointer over the Send panel), which makes the
 * page import the second wasm module; resolves once its Send form is drawn.
 */
export async function loadTracer(page) {
  await page.hover('#send-title');
  await page.waitForSelector('#send-from');
}

/** The event list's current row. */
export const current = (page) => page.locator('#events .event.is-current');

/** The player's step number. */
export const position = async (page) => Number((await page.locator('#player-position').textContent()).match(/\d+/)[0]);

/** Steps forward until the current row's text satisfies `ok`; returns that text. */
export async function stepUntil(page, ok, what, max = 800) {
  for (let i = 0; i < max; i += 1) {
    const text = await current(page).textContent();
    if (ok(text)) return text;
    if (await page.locator('#player-forward').isDisabled()) break;
    await page.click('#player-forward');
  }
  throw new Error(`never reached: ${what}`);
}

/** Loads the NodePort example (the default scenario is the post's whole demo) and sends client -> node1:31000. */
export async function sendNodePort(page) {
  await page.selectOption('#examples', 'nodeport');
  await page.locator("g.pod[data-pod='default/nginx']").waitFor();
  await page.selectOption('#send-from', 'client');
  await page.selectOption('#send-kind', 'nodeport');
  await page.selectOption('#send-choice', 'default/sample-service:31000');
  await page.selectOption('#send-node', 'node1');
  const preview = await page.locator('#send-url-preview').textContent();
  assert.match(preview, /^client\$ curl http:\/\/\d+\.\d+\.\d+\.\d+:31000\/$/);
  await page.click('#send');
  await current(page).waitFor();
}
