// End to end: hostile input in the real page. Bad URL parameters (a seed
// that is not a number, a huge seed, a scenario path, a scenario that does
// not exist) give a message in the page and a running cluster from the
// default seed. A topic and a group named like an HTML tag that runs
// script are shown as text, never parsed: no element appears, no request
// for the image goes out, no dialog opens. A cluster config out of range
// is refused in words and the running cluster goes on. The canvas keeps
// drawing throughout. A screenshot goes to tests/e2e/artifacts/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, openPage, status, waitFor } from './helpers.mjs';

const PAYLOAD = '<img src=x onerror=alert(1)>';

function bannerText(page) {
  return page.evaluate(() => (document.getElementById('error-banner').hidden ? '' : document.getElementById('error-text').textContent));
}

/** The simulated clock moves and the canvas pixels change: the page is alive. */
async function assertDrawing(page, what) {
  const before = await page.evaluate(() => ({
    now: JSON.parse(window.kafkascope.app.status()).now_ms,
    frames: window.kafkascope.frameTimes.length,
    pixels: document.getElementById('cluster').toDataURL(),
  }));
  await waitFor(
    `${what}: the clock and the canvas move on`,
    async () => {
      const after = await page.evaluate(() => ({
        now: JSON.parse(window.kafkascope.app.status()).now_ms,
        frames: window.kafkascope.frameTimes.length,
        pixels: document.getElementById('cluster').toDataURL(),
      }));
      return after.now > before.now && after.frames > before.frames && after.pixels !== before.pixels;
    },
    10_000,
    200,
  );
}

test('bad URL parameters are told in the page, which starts from the default seed', { timeout: 90_000 }, async () => {
  const cases = [
    ['?seed=abc&scenario=../../etc', [/\?seed="abc" is not a whole number/, /no scenario "\.\.\/\.\.\/etc"/]],
    ['?seed=99999999999999999999999', [/\?seed="99999999999999999999999" is not a whole number from 0 to 9007199254740991: using seed 42/]],
    ['?scenario=no-such-scenario&seed=-5', [/seed="-5"/, /There is no scenario "no-such-scenario" \(the page knows [a-z0-9-]+/]],
  ];
  for (const [query, expected] of cases) {
    const { page, problems, close } = await openPage(query);
    try {
      const text = await bannerText(page);
      for (const re of expected) assert.match(text, re, `${query}: ${text}`);
      const s = await status(page);
      assert.equal(s.seed, 42, `${query}: the default seed`);
      assert.equal(await page.evaluate(() => window.kafkascope.scenario), null, `${query}: free play`);
      assert.equal(new URL(page.url()).searchParams.get('seed'), '42', `${query}: the URL names the seed used`);
      await assertDrawing(page, query);
      assert.deepEqual(problems, [], `${query}: no console errors, page errors or failed requests`);
    } finally {
      await close();
    }
  }
});

test('names that look like HTML are shown as text, and a bad config is refused in words', { timeout: 120_000 }, async () => {
  const { page, problems, close } = await openPage('?seed=7');
  const dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  try {
    await page.locator('#speed').fill('600'); // 10x
    await waitFor('a controller', async () => (await status(page)).controller != null, 20_000);
    const form = page.locator('#form-panel');

    // The topic form refuses the name itself, in words.
    await page.locator('#add-topic').click();
    await form.waitFor({ state: 'visible' });
    await page.locator('#topic-name').fill(PAYLOAD);
    await form.getByRole('button', { name: 'Create' }).click();
    const formError = form.locator('.form-error');
    await formError.waitFor({ state: 'visible' });
    assert.match(await formError.textContent(), /topic name/i);
    assert.equal(await form.locator('img').count(), 0, 'no element made from the name');
    await page.locator('#topic-name').fill('orders');
    await form.getByRole('button', { name: 'Create' }).click();
    await form.waitFor({ state: 'hidden' });

    // Past the form, the engine refuses it and the banner quotes it as text.
    const refused = await page.evaluate(
      (name) => window.kafkascope.apply({ type: 'create_topic', name, partitions: 1, replication_factor: 1 }),
      PAYLOAD,
    );
    assert.equal(refused, null, 'refused');
    const text = await bannerText(page);
    assert.ok(text.includes(PAYLOAD), `the message quotes the name as text: ${text}`);
    assert.match(text, /INVALID_TOPIC_EXCEPTION/);
    assert.equal(await page.locator('#error-banner img').count(), 0, 'no element made from the message');

    // A group id may hold < and >: the group is drawn and listed by its name, as text.
    await waitFor(
      'orders has leaders',
      async () => (await status(page)).partitions.filter((p) => p.topic === 'orders' && p.leader >= 0).length === 3,
      20_000,
    );
    await page.locator('#add-group').click();
    await form.waitFor({ state: 'visible' });
    await page.locator('#group-id').fill(PAYLOAD);
    await page.locator('#group-count').fill('1');
    await form.getByRole('button', { name: 'Add group' }).click();
    await form.waitFor({ state: 'hidden' });
    await waitFor(
      'the group is listed by its name',
      async () => ((await page.locator('#groups-panel').textContent()) ?? '').includes(PAYLOAD),
      30_000,
    );
    assert.equal(await page.locator('#groups-panel img, #event-log img').count(), 0, 'no element made from the group id');
    const drawn = await page.evaluate(() => JSON.parse(window.kafkascope.app.groups_drawn()));
    assert.ok(JSON.stringify(drawn).includes(PAYLOAD.replaceAll('"', '\\"')), 'the canvas draws the name');

    // A cluster config out of range: refused in words, the running cluster goes on.
    await page.locator('#config-title').click();
    await page.locator('#config-form [data-key="brokers"]').fill('40');
    await page.getByRole('button', { name: 'Reset' }).click();
    assert.match(await bannerText(page), /brokers: at most 32, got 40/);
    assert.ok((await status(page)).groups.some((g) => g.group === PAYLOAD), 'the old cluster still runs');
    await assertDrawing(page, 'after the refused config');

    // Commands that are not commands at all.
    for (const bad of [null, 42, 'x'.repeat(70_000), { type: 'set_speed', speed: -1 }]) {
      assert.equal(await page.evaluate((c) => window.kafkascope.apply(c), bad), null, `refused: ${String(bad).slice(0, 40)}`);
      assert.ok((await bannerText(page)).length > 0, 'a message is shown');
    }
    await assertDrawing(page, 'after refused commands');

    await page.screenshot({ path: path.join(ARTIFACTS, 'hostile.png') });
    assert.deepEqual(dialogs, [], 'no script from a name ran');
    assert.equal(await page.locator('img').count(), 0, 'no <img> anywhere in the page');
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests (no request for "x")');
  } finally {
    await close();
  }
});
