// Shared setup for the end-to-end tests: the static server, Debian's
// Chromium driven by playwright-core, and a page that records every error.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { REPO_ROOT, startServer } from '../../scripts/serve.mjs';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Fails early with a clear message when the release build is missing. */
export function assertBuilt() {
  const js = path.join(REPO_ROOT, 'www', 'pkg', 'kafkascope.js');
  if (!fs.existsSync(js)) {
    throw new Error(
      'www/pkg/kafkascope.js is missing: build it first with ' +
        'wasm-pack build --release --target web --out-dir www/pkg --no-typescript',
    );
  }
}

/**
 * Starts the server and Chromium, opens the page at `query`, and records
 * console errors, page errors and failed requests in `problems`.
 */
export async function openPage(query = '?seed=7') {
  assertBuilt();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const server = await startServer({ root: REPO_ROOT, host: '127.0.0.1', port: 0 });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kafkascope-e2e-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
      timeout: 30_000,
    });
  } catch (err) {
    await server.close();
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) =>
    problems.push(`request failed: ${req.url()} (${req.failure()?.errorText ?? 'unknown'})`),
  );
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  page.setDefaultTimeout(15_000);
  await page.goto(`${server.url}${query}`, { waitUntil: 'load' });
  try {
    await page.waitForFunction(() => window.kafkascope && window.kafkascope.ready === true, null, {
      timeout: 15_000,
    });
  } catch (err) {
    await context.close().catch(() => {});
    await server.close();
    fs.rmSync(profile, { recursive: true, force: true });
    throw new Error(`the page never became ready: ${err.message}; ${problems.join('; ') || 'no console errors'}`);
  }

  const close = async () => {
    await context.close().catch(() => {});
    await server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { page, problems, server, close };
}

/** Parsed app.status() from the page. */
export function status(page) {
  return page.evaluate(() => JSON.parse(window.kafkascope.app.status()));
}

/** Polls fn() until it returns a truthy value or timeoutMs passes. */
export async function waitFor(what, fn, timeoutMs = 20_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Slider position for a speed on the page's 0.01x..1000x log slider. */
export function sliderPosition(speed) {
  return Math.round(((Math.log10(speed) + 2) / 5) * 1000);
}

/** Page coordinates of a node's box centre on the canvas. */
export async function nodePoint(page, node) {
  const center = await page.evaluate((n) => JSON.parse(window.kafkascope.app.node_center(n)), node);
  if (!center) throw new Error(`node_center(${node}) returned null`);
  const box = await page.locator('#cluster').boundingBox();
  return { x: box.x + center.x, y: box.y + center.y };
}
