// End to end: a scenario file replayed in the page. ?scenario=NAME loads it,
// its timed commands fence the old controller (STALE_CONTROLLER_EPOCH at
// controller epoch 2), Reset replays it, and Free play drops it from the URL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../scripts/serve.mjs';
import { ARTIFACTS, openPage, sliderPosition, status, waitFor } from './helpers.mjs';

const NAME = 'stale-controller-fenced';
const SPEED = 1000;
const FILE = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'scenarios', `${NAME}.json`), 'utf8'));

async function logHas(page, re) {
  const lines = await page.locator('#event-log .log-line').allTextContents();
  return lines.some((t) => re.test(t));
}

test('a scenario from the URL replays to the stale controller being fenced', { timeout: 60_000 }, async () => {
  const { page, problems, close } = await openPage(`?scenario=${NAME}`);
  try {
    assert.match(page.url(), new RegExp(`[?&]scenario=${NAME}\\b`), 'the URL keeps ?scenario');
    assert.equal(await page.locator('#scenario').inputValue(), NAME, 'the picker shows the scenario');
    const first = await status(page);
    assert.equal(first.seed, FILE.seed, "the App runs with the scenario's seed");
    const info = JSON.parse(await page.evaluate(() => window.kafkascope.app.scenario()));
    assert.equal(info?.name, FILE.name, 'app.scenario() names the scenario');

    // The info box over the canvas names and describes it.
    const box = page.locator('#scenario-info');
    await box.waitFor({ state: 'visible', timeout: 5_000 });
    assert.equal((await page.locator('#scenario-name').textContent())?.trim(), FILE.name);
    assert.match((await page.locator('#scenario-description').textContent()) ?? '', /STALE_CONTROLLER_EPOCH/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'scenario-start.png') });

    // 1000x with the toolbar's slider.
    await page.locator('#speed').fill(String(sliderPosition(SPEED)));
    await waitFor('speed to apply', async () => (await status(page)).speed >= SPEED * 0.9, 5_000);

    const fenced = await waitFor(
      'STALE_CONTROLLER_EPOCH in the event log at controller epoch 2',
      async () => {
        const s = await status(page);
        return s.controller_epoch === 2 && (await logHas(page, /STALE_CONTROLLER_EPOCH/)) ? s : null;
      },
      25_000,
      200,
    );
    assert.equal(fenced.controller_epoch, 2);
    await page.screenshot({ path: path.join(ARTIFACTS, 'scenario-fenced.png') });

    // Reset runs the same scenario again from its start, at the same speed
    // (slowed to 1x first, so that "from its start" can be seen).
    await page.locator('#speed').fill(String(sliderPosition(1)));
    await waitFor('speed 1x', async () => (await status(page)).speed === 1, 5_000);
    await page.getByRole('button', { name: 'Reset' }).click();
    const again = await status(page);
    assert.equal(again.seed, FILE.seed, 'Reset keeps the scenario');
    assert.ok(again.now_ms < 5_000, `Reset starts the run over (t = ${again.now_ms} ms)`);
    assert.equal(again.speed, 1, 'Reset keeps the speed');
    assert.equal(again.controller_epoch <= 1, true, 'a fresh run, before the failover');
    assert.match(page.url(), new RegExp(`[?&]scenario=${NAME}\\b`));

    // Back to free play: ?scenario leaves the URL and the box goes away.
    await page.locator('#scenario').selectOption('');
    await waitFor('?scenario to leave the URL', async () => !/[?&]scenario=/.test(page.url()), 5_000);
    assert.match(page.url(), /[?&]seed=\d+/, 'free play keeps ?seed');
    assert.equal(await box.isVisible(), false, 'no scenario box in free play');
    assert.equal(await page.evaluate(() => window.kafkascope.app.scenario()), 'null');
    assert.equal(await page.locator('#seed').isEnabled(), true, 'the seed is editable again');

    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await close();
  }
});
