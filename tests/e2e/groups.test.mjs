// End to end: consumer groups in the real page. Create a topic, a producer
// and a group of 3 consumers through the forms, wait for the group to be
// Stable, check that the canvas draws the group box, a line from a member
// to every partition's leader replica and the lag (test hook
// app.groups_drawn()), that __consumer_offsets is folded to one strip per
// broker, and that the side panel charts the lag; then crash a consumer
// from its canvas menu, pause in the middle of the rebalance, and see the
// group come back Stable at the next generation without it. A second test
// runs the "two groups on one topic" preset: a queue and a subscriber.
// Screenshots go to tests/e2e/artifacts/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, nodePoint, openPage, sliderPosition, status, waitFor } from './helpers.mjs';

const SPEED = 10;

function drawn(page) {
  return page.evaluate(() => JSON.parse(window.kafkascope.app.groups_drawn()));
}

function group(s, name) {
  return (s.groups ?? []).find((g) => g.group === name);
}

async function setSpeed(page, speed) {
  await page.locator('#speed').fill(String(sliderPosition(speed)));
  await waitFor(`speed ${speed}`, async () => Math.abs((await status(page)).speed - speed) < speed * 0.1, 5_000);
}

/** Creates "orders" (4 partitions, RF 3) and an acks=all producer with the forms. */
async function topicAndProducer(page) {
  const form = page.locator('#form-panel');
  await page.locator('#add-topic').click();
  await form.waitFor({ state: 'visible' });
  await page.locator('#topic-name').fill('orders');
  await page.locator('#topic-partitions').fill('4');
  await page.locator('#topic-rf').fill('3');
  await form.getByRole('button', { name: 'Create' }).click();
  await form.waitFor({ state: 'hidden' });
  await waitFor(
    'every partition of orders with a leader',
    async () => (await status(page)).partitions.filter((p) => p.topic === 'orders' && p.leader >= 0).length === 4,
    20_000,
  );
  await page.locator('#add-producer').click();
  await form.waitFor({ state: 'visible' });
  await form.getByRole('button', { name: 'Add' }).click();
  await form.waitFor({ state: 'hidden' });
}

test('a group of 3 consumers is drawn with its partitions and lag, and rebalances after a crash', { timeout: 150_000 }, async () => {
  const { page, problems, close } = await openPage('?seed=7');
  try {
    await setSpeed(page, SPEED);
    await waitFor('a controller', async () => (await status(page)).controller != null, 20_000);
    await topicAndProducer(page);

    // The "+ Group" form explains itself with Kafka's names.
    const form = page.locator('#form-panel');
    await page.locator('#add-group').click();
    await form.waitFor({ state: 'visible' });
    assert.match((await page.locator('#group-assignor').getAttribute('title')) ?? '', /partition\.assignment\.strategy/);
    assert.match((await page.locator('#group-reset').getAttribute('title')) ?? '', /auto\.offset\.reset \(Kafka default latest\)/);
    assert.match((await page.locator('#group-auto-commit').getAttribute('title')) ?? '', /enable\.auto\.commit/);
    await page.locator('#group-id').fill('g');
    await page.locator('#group-count').fill('3');
    await page.locator('#group-interval').fill('1000');
    await form.getByRole('button', { name: 'Add group' }).click();
    await form.waitFor({ state: 'hidden' });

    const stable = await waitFor(
      'group g Stable with 3 members and committed offsets on every partition',
      async () => {
        const g = group(await status(page), 'g');
        return g && g.state === 'Stable' && g.members.length === 3 && Object.keys(g.committed).length === 4 ? g : null;
      },
      60_000,
      200,
    );
    const d = await drawn(page);
    const box = d.groups.find((x) => x.group === 'g');
    assert.ok(box, 'the group box is drawn');
    assert.ok(box.texts.includes('Stable'), `state in the box: ${box.texts}`);
    assert.ok(box.texts.some((t) => /^lag \d+$/.test(t)), `group lag in the box: ${box.texts}`);
    assert.ok(box.texts.some((t) => /^orders-\d @\d+ lag \d+$/.test(t)), `partition lag in the box: ${box.texts}`);
    assert.ok(box.texts.includes('★'), 'the leader is starred');
    const s = await status(page);
    assert.equal(d.lines.length, 4, `one line per partition: ${JSON.stringify(d.lines)}`);
    for (const l of d.lines) {
      const p = s.partitions.find((x) => x.topic === l.topic && x.partition === l.partition);
      assert.equal(l.broker, p.leader, `the line of ${l.topic}-${l.partition} ends on its leader`);
    }
    assert.equal(d.strips, 3, '__consumer_offsets folded to one strip per broker');
    assert.equal(stable.coordinator_partition >= 0, true);
    // The side panel: state, lag chart samples, consumed counters.
    const row = page.locator('#group-list .group-row').first();
    assert.equal((await row.locator('.group-state').textContent())?.trim(), 'Stable');
    await waitFor('lag samples for the chart', async () => page.evaluate(() => window.kafkascope.lagHistory.get('g').length > 3), 10_000);
    assert.equal(await row.locator('canvas.lag-chart').count(), 1);
    assert.match(await page.locator('#duplicates').textContent(), /^duplicates: \d+$/);
    await setSpeed(page, 0.25);
    await page.waitForTimeout(1_500);
    await page.screenshot({ path: path.join(ARTIFACTS, 'groups-stable.png') });

    // Crash consumer-2 from its canvas menu.
    await setSpeed(page, SPEED);
    const at = await nodePoint(page, 'consumer-2');
    await page.mouse.click(at.x, at.y);
    const crash = page.getByRole('menuitem', { name: 'Crash (kill -9)' });
    await crash.waitFor({ state: 'visible', timeout: 5_000 });
    assert.ok(await page.getByRole('menuitem', { name: 'beginning' }).first().isVisible(), 'seek targets per partition');
    await page.screenshot({ path: path.join(ARTIFACTS, 'groups-consumer-menu.png') });
    await crash.click();
    await waitFor('consumer-2 crashed', async () => (await status(page)).consumers.find((c) => c.id === 2)?.state === 'crashed', 5_000);

    // The rebalance starts once session.timeout.ms passes (1x to wait for
    // it): pause in the middle of it.
    await setSpeed(page, 1);
    const mid = await waitFor(
      'the rebalance',
      async () => {
        const g = group(await status(page), 'g');
        return g && g.state !== 'Stable' ? g : null;
      },
      60_000,
      50,
    );
    await page.locator('#play').click();
    await waitFor('paused', async () => (await status(page)).paused, 5_000);
    const frozen = await status(page);
    await page.waitForTimeout(1_000);
    const still = await status(page);
    assert.equal(still.now_ms, frozen.now_ms, 'time stands still while paused');
    assert.equal(group(still, 'g').state, group(frozen, 'g').state, 'the rebalance waits while paused');
    assert.notEqual(group(still, 'g').state, 'Stable', `paused mid-rebalance (was ${mid.state})`);
    const paused = await drawn(page);
    const texts = paused.groups.find((x) => x.group === 'g').texts;
    assert.ok(texts.includes(group(still, 'g').state), `the box shows the state: ${texts}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'groups-rebalance-paused.png') });

    // At the default speed (0.25x) the phases last long enough to watch:
    // polled every 100 ms, CompletingRebalance (the leader's assignment on
    // its way) is seen before the group is Stable again.
    await setSpeed(page, 0.25);
    await page.locator('#play').click();
    const seen = new Set([group(still, 'g').state]);
    const after = await waitFor(
      'group g Stable again at the next generation with 2 members owning all 4 partitions',
      async () => {
        const g = group(await status(page), 'g');
        if (g) seen.add(g.state);
        if (g?.state === 'CompletingRebalance' && !seen.has('shot')) {
          seen.add('shot');
          await page.screenshot({ path: path.join(ARTIFACTS, 'groups-completing-rebalance.png') });
        }
        const owned = g?.members.flatMap((m) => m.assignment) ?? [];
        return g && g.state === 'Stable' && g.generation_id > stable.generation_id && g.members.length === 2 && owned.length === 4 ? g : null;
      },
      60_000,
      100,
    );
    assert.ok(seen.has('CompletingRebalance'), `phases seen at 0.25x: ${[...seen]}`);
    assert.ok(!after.members.some((m) => m.client_id === 'consumer-2'));
    // Each member draws its lines once its SyncGroup answer arrives.
    const again = await waitFor('lines to all 4 partitions again', async () => {
      const x = await drawn(page);
      return x.lines.length === 4 ? x : null;
    });
    assert.ok(again.lines.every((l) => l.consumer !== 2), 'no line from the crashed consumer');
    assert.ok(again.groups[0].texts.includes('crashed'), 'the crashed member is marked');
    await page.screenshot({ path: path.join(ARTIFACTS, 'groups-after-rebalance.png') });
    await waitFor(
      'group lines in the event log',
      async () => (await page.locator('#event-log .log-line.kind-group').count()) > 0,
      5_000,
    );
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await close();
  }
});

test('two groups on one topic: a queue shares the partitions, a subscriber gets them all', { timeout: 120_000 }, async () => {
  const { page, problems, close } = await openPage('?seed=3');
  try {
    await setSpeed(page, SPEED);
    await waitFor('a controller', async () => (await status(page)).controller != null, 20_000);
    await topicAndProducer(page);
    await page.getByRole('button', { name: 'Two groups on one topic' }).click();
    await waitFor(
      'both groups Stable',
      async () => {
        const s = await status(page);
        const q = group(s, 'queue');
        const p = group(s, 'pubsub');
        return q?.state === 'Stable' && p?.state === 'Stable' && q.members.length === 3 && p.members.length === 1;
      },
      60_000,
      200,
    );
    const s = await status(page);
    const owned = (g) => group(s, g).members.flatMap((m) => m.assignment).sort();
    assert.deepEqual(owned('queue'), ['orders-0', 'orders-1', 'orders-2', 'orders-3']);
    assert.deepEqual(owned('pubsub'), ['orders-0', 'orders-1', 'orders-2', 'orders-3']);
    const d = await drawn(page);
    assert.equal(d.groups.length, 2);
    assert.equal(d.lines.length, 8, 'every partition has a line from each group');

    // The folded __consumer_offsets opens from its strip.
    const broker = group(s, 'queue').coordinator;
    const c = await page.evaluate((b) => JSON.parse(window.kafkascope.app.strip_center(b)), broker);
    const canvas = await page.locator('#cluster').boundingBox();
    await page.mouse.click(canvas.x + c.x, canvas.y + c.y);
    const all = page.getByRole('menuitem', { name: /Draw all __consumer_offsets partitions/ });
    await all.waitFor({ state: 'visible', timeout: 5_000 });
    assert.ok(await page.getByRole('menuitem', { name: /Open __consumer_offsets-\d+ \(group queue\)/ }).isVisible());
    await all.click();
    assert.equal(await page.evaluate(() => window.kafkascope.app.internal_expanded()), true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'groups-offsets-expanded.png') });
    await page.evaluate(() => window.kafkascope.app.set_internal_expanded(false));
    await setSpeed(page, 0.25);
    await page.waitForTimeout(1_500);
    await page.screenshot({ path: path.join(ARTIFACTS, 'groups-queue-vs-pubsub.png') });
    assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  } finally {
    await close();
  }
});
