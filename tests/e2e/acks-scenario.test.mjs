// End to end: the shipped acks=1 scenario replayed in the page at high
// speed. Its story is shown, and once it has run to its end the
// acked-but-lost counter is above zero and its dialog lists the records
// broker 1 acknowledged that broker 2, elected from the ISR, never had.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../scripts/serve.mjs';
import { ARTIFACTS, openPage, sliderPosition, status, waitFor } from './helpers.mjs';

const NAME = 'acks1-leader-crash';
const SPEED = 100;
const FILE = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'scenarios', `${NAME}.json`), 'utf8'));

test('the acks=1 scenario ends with acknowledged records lost, listed in the dialog', { timeout: 90_000 }, async () => {
  const { page, problems, close } = await openPage(`?scenario=${NAME}`);
  try {
    assert.equal(await page.locator('#scenario').inputValue(), NAME, 'the picker shows the scenario');
    await page.locator('#scenario-info').waitFor({ state: 'visible', timeout: 5_000 });
    assert.equal((await page.locator('#scenario-name').textContent())?.trim(), FILE.name);
    assert.match((await page.locator('#scenario-description').textContent()) ?? '', /acks=1/);
    assert.equal((await status(page)).acked_lost, 0, 'nothing lost at the start');

    await page.locator('#speed').fill(String(sliderPosition(SPEED)));
    await waitFor('speed to apply', async () => (await status(page)).speed >= SPEED * 0.9, 5_000);
    const end = await waitFor(
      `the scenario's end (${FILE.until_ms} ms)`,
      async () => {
        const s = await status(page);
        return s.now_ms >= FILE.until_ms ? s : null;
      },
      60_000,
      200,
    );
    assert.ok(end.acked_lost > 0, `acked but lost > 0 at the end (got ${end.acked_lost})`);
    await waitFor(
      'the counter to show the loss',
      async () => /^acked but lost: [1-9]\d*$/.test((await page.locator('#acked-lost').textContent()) ?? ''),
      5_000,
    );

    // The event log follows the newest lines.
    const log = await page.locator('#event-log').evaluate((c) => ({
      gap: c.scrollHeight - c.scrollTop - c.clientHeight,
      lines: c.childElementCount,
    }));
    assert.ok(log.lines > 0, 'the event log has lines');
    assert.ok(log.gap < 30, `the event log is scrolled to its newest line (${log.gap} px short)`);

    await page.locator('#acked-lost').click();
    const dialog = page.locator('#lost-dialog');
    await dialog.waitFor({ state: 'visible', timeout: 5_000 });
    const rows = await dialog.locator('tbody tr').count();
    assert.ok(rows > 0, 'the dialog lists the lost records');
    const first = await dialog.locator('tbody tr').first().locator('td').allTextContents();
    assert.equal(first[0], 'orders-0', 'a lost record of orders-0');
    assert.equal(first[4], 'broker 1', 'acknowledged by broker 1, the old leader');
    await page.screenshot({ path: path.join(ARTIFACTS, 'acks1-lost.png') });

    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await close();
  }
});
