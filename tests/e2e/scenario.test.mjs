// End to end: a scenario file replayed in the page. ?scenario=NAME loads it,
// its timed commands fence the old controller (STALE_CONTROLLER_EPOCH at
// controller epoch 2), Reset replays it, and Free play drops it from the URL.
// The known losses are filed under their own heading in the picker; the
// rebalance storm and the acks=0 loss are replayed to their end.

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
    // The checker runs every frame: a fenced stale controller breaks no rule.
    assert.equal(fenced.violation, null);
    assert.equal((await page.locator('#invariants').textContent())?.trim(), 'invariants hold');
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

/** Runs the page at `speed` until the scenario's end; returns the last status. */
async function runToEnd(page, file, speed) {
  await page.locator('#speed').fill(String(sliderPosition(speed)));
  await waitFor('speed to apply', async () => (await status(page)).speed >= speed * 0.9, 5_000);
  return waitFor(
    `the scenario's end (${file.until_ms} ms)`,
    async () => {
      const s = await status(page);
      return s.now_ms >= file.until_ms ? s : null;
    },
    80_000,
    200,
  );
}

function shipped(name) {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'scenarios', `${name}.json`), 'utf8'));
}

test('the picker files the known losses under their own heading', { timeout: 30_000 }, async () => {
  const { page, problems, close } = await openPage('?seed=7');
  try {
    const heading = page.locator('#scenario optgroup[label="Known losses, on purpose"]');
    const keys = await heading.locator('option').evaluateAll((os) => os.map((o) => o.value));
    for (const k of ['acks0-leader-crash', 'acks1-leader-crash', 'unclean-election', 'kip101-truncation',
      'producer-crash-buffered', 'group-crash-before-commit', 'rebalance-storm']) {
      assert.ok(keys.includes(k), `${k} is under "Known losses, on purpose" (got ${keys})`);
    }
    assert.ok(!keys.includes('controller-failover'), 'other scenarios are not');
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await close();
  }
});

test('the rebalance storm: the generation climbs in the page and records are read twice', { timeout: 120_000 }, async () => {
  const name = 'rebalance-storm';
  const file = shipped(name);
  const { page, problems, close } = await openPage(`?scenario=${name}`);
  try {
    assert.equal(await page.locator('#scenario').inputValue(), name);
    await page.locator('#scenario-info').waitFor({ state: 'visible', timeout: 5_000 });
    assert.equal((await page.locator('.scenario-tag').textContent())?.trim(), 'Known losses, on purpose');
    assert.equal((await page.locator('#scenario-name').textContent())?.trim(), file.name);
    assert.match((await page.locator('#scenario-description').textContent()) ?? '', /session\.timeout\.ms/);

    const generationShown = async () => {
      const text = (await page.locator('#groups-panel').textContent()) ?? '';
      const m = text.match(/generation (\d+)/);
      return m ? Number(m[1]) : -1;
    };
    await page.locator('#speed').fill(String(sliderPosition(10)));
    const calm = await waitFor('group g at generation 1', async () => ((await generationShown()) === 1 ? 1 : null), 30_000, 50);
    assert.equal(calm, 1);
    const end = await runToEnd(page, file, 50);
    const g = end.groups.find((x) => x.group === 'g');
    assert.ok(g.generation_id >= 10, `the generation climbs (${g.generation_id})`);
    const shown = await waitFor('the panel to show the last generation', async () => {
      const n = await generationShown();
      return n >= 10 ? n : null;
    }, 5_000);
    assert.ok(shown >= 10, `the groups panel shows it climbed (generation ${shown})`);
    await waitFor(
      'the duplicates pill',
      async () => /^duplicates: [1-9]\d*$/.test((await page.locator('#duplicates').textContent()) ?? ''),
      5_000,
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'rebalance-storm.png') });
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await close();
  }
});

test('acks=0: the records on the dead leader are lost without an offset', { timeout: 120_000 }, async () => {
  const name = 'acks0-leader-crash';
  const file = shipped(name);
  const { page, problems, close } = await openPage(`?scenario=${name}`);
  try {
    await page.locator('#scenario-info').waitFor({ state: 'visible', timeout: 5_000 });
    assert.match((await page.locator('#scenario-description').textContent()) ?? '', /acks=0/);
    const end = await runToEnd(page, file, 100);
    assert.ok(end.acked_lost > 0, `acked but lost > 0 (got ${end.acked_lost})`);
    await page.locator('#acked-lost').click();
    const dialog = page.locator('#lost-dialog');
    await dialog.waitFor({ state: 'visible', timeout: 5_000 });
    const first = await dialog.locator('tbody tr').first().locator('td').allTextContents();
    assert.equal(first[1], '-1 (acks=0)', 'acks=0 records have no offset');
    assert.equal(first[4], 'broker 1');
    await page.screenshot({ path: path.join(ARTIFACTS, 'acks0-lost.png') });
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await close();
  }
});
