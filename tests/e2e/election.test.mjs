// End to end: the real page in Chromium. Crash the controller with the
// canvas popup menu and watch a new controller win /controller with a
// higher epoch, in the status and in the event log.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, nodePoint, openPage, sliderPosition, status, waitFor } from './helpers.mjs';

const TARGET_BROKERS = 5;
const SPEED = 20;

/** Epochs of the "won /controller ... epoch N" lines in the event log. */
async function wonEpochs(page) {
  const lines = await page.locator('#event-log .log-line').allTextContents();
  return lines
    .filter((t) => /won \/controller/.test(t))
    .map((t) => Number((/epoch\D*(\d+)/.exec(t) ?? [])[1]))
    .filter((n) => Number.isFinite(n));
}

test('crashing the controller elects a new one with a higher epoch', { timeout: 60_000 }, async () => {
  const { page, problems, close } = await openPage('?seed=7');
  try {
    assert.match(page.url(), /[?&]seed=7\b/, 'the page keeps ?seed=7 in its URL');
    const first = await status(page);
    assert.equal(first.seed, 7, 'the App was created with the seed from the URL');

    // Speed up with the toolbar's slider.
    await page.locator('#speed').fill(String(sliderPosition(SPEED)));
    await waitFor('speed to apply', async () => (await status(page)).speed >= SPEED * 0.9, 5_000);
    assert.equal(await page.locator('#speed-label').textContent(), `${SPEED}x`);

    // Grow the cluster to five brokers with the "+ Broker" button.
    for (let i = 0; i < 2 * TARGET_BROKERS; i += 1) {
      if ((await status(page)).brokers.length >= TARGET_BROKERS) break;
      await page.getByRole('button', { name: '+ Broker' }).click();
    }
    assert.equal((await status(page)).brokers.length, TARGET_BROKERS, 'five brokers');

    const before = await waitFor(
      'a controller',
      async () => {
        const s = await status(page);
        return s.controller !== null && s.controller !== undefined ? s : null;
      },
      20_000,
    );
    const oldController = before.controller;
    const oldEpoch = before.controller_epoch;
    await page.screenshot({ path: path.join(ARTIFACTS, 'before-crash.png') });

    // Click the controller's box, then "Crash (kill -9)" in its popup.
    const at = await nodePoint(page, `broker-${oldController}`);
    await page.mouse.click(at.x, at.y);
    const crash = page.getByRole('menuitem', { name: 'Crash (kill -9)' });
    await crash.waitFor({ state: 'visible', timeout: 5_000 });
    assert.match((await crash.getAttribute('title')) ?? '', /zookeeper\.session\.timeout\.ms/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'crash-menu.png') });
    await crash.click();
    await page.locator('#popup').waitFor({ state: 'hidden', timeout: 5_000 });

    const crashed = (await status(page)).brokers.find((b) => b.id === oldController);
    assert.equal(crashed?.state, 'crashed', 'the old controller is crashed');

    const after = await waitFor(
      'a new controller with a higher epoch',
      async () => {
        const s = await status(page);
        return s.controller !== null && s.controller !== oldController && s.controller_epoch > oldEpoch ? s : null;
      },
      20_000,
    );
    await waitFor(
      `the event log to show a broker winning /controller with epoch ${after.controller_epoch}`,
      async () => (await wonEpochs(page)).includes(after.controller_epoch),
      5_000,
    );
    await page.waitForTimeout(300); // let a few frames paint the new state
    await page.screenshot({ path: path.join(ARTIFACTS, 'after-crash.png') });

    const frames = await page.evaluate(() => window.kafkascope.frameTimes.length);
    assert.ok(frames > 10, `the animation loop ran (${frames} frames timed)`);
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await close();
  }
});

test('a bad command shows an error banner and the page keeps running', { timeout: 60_000 }, async () => {
  const { page, problems, close } = await openPage('?seed=7');
  try {
    const banner = page.locator('#error-banner');
    assert.equal(await banner.isVisible(), false, 'no banner at start');

    const result = await page.evaluate(() => window.kafkascope.apply({ type: 'crash_broker', broker: 999 }));
    assert.equal(result, null, 'the command was rejected');
    await banner.waitFor({ state: 'visible', timeout: 5_000 });
    const text = (await page.locator('#error-text').textContent()) ?? '';
    assert.ok(text.trim().length > 0, 'the banner says what went wrong');
    assert.match(text, /999|broker/i, `the message names the broker: "${text}"`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'error-banner.png') });

    // Still alive: simulated time moves on and commands still work.
    const t0 = (await status(page)).now_ms;
    await waitFor('simulated time to advance', async () => (await status(page)).now_ms > t0, 5_000);
    const n = (await status(page)).brokers.length;
    await page.getByRole('button', { name: '+ Broker' }).click();
    assert.equal((await status(page)).brokers.length, n + 1, '+ Broker still works');

    await page.getByRole('button', { name: 'Dismiss' }).click();
    await banner.waitFor({ state: 'hidden', timeout: 5_000 });

    // A config the App rejects also lands in the banner and keeps the old cluster.
    const brokers = page.locator('#cfg-brokers');
    if ((await brokers.count()) > 0) {
      await page.locator('#config-title').click(); // open the Cluster config panel
      await brokers.fill('999');
      await page.getByRole('button', { name: 'Reset' }).click();
      await banner.waitFor({ state: 'visible', timeout: 5_000 });
      assert.equal((await status(page)).brokers.length, n + 1, 'the old cluster keeps running');
    }

    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await close();
  }
});
