// End to end: topics, replication and producers in the real page. Create a
// topic and a producer through the forms, watch the high watermark advance,
// open a replica's folder, crash a leader, and read the acked-but-lost
// counter; then the crowded case (9 brokers, 3 topics x 32 partitions,
// RF 3, 6 producers) must still draw every replica. Screenshots go to
// tests/e2e/artifacts/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ARTIFACTS, nodePoint, openPage, sliderPosition, status, waitFor } from './helpers.mjs';

const SPEED = 10;

/** Page coordinates of a replica's cell on the canvas. */
async function replicaPoint(page, broker, topic, partition) {
  const c = await page.evaluate(
    ([b, t, p]) => JSON.parse(window.kafkascope.app.replica_center(b, t, p)),
    [broker, topic, partition],
  );
  if (!c) throw new Error(`replica_center(${broker}, ${topic}, ${partition}) returned null`);
  const box = await page.locator('#cluster').boundingBox();
  return { x: box.x + c.x, y: box.y + c.y };
}

function partitionsOf(s, topic) {
  return (s.partitions ?? []).filter((p) => p.topic === topic);
}

test('a topic and an acks=1 producer made through the page replicate, and survive a leader crash', { timeout: 120_000 }, async () => {
  const { page, problems, close } = await openPage('?seed=7');
  try {
    await page.locator('#speed').fill(String(sliderPosition(SPEED)));
    await waitFor('speed to apply', async () => (await status(page)).speed >= SPEED * 0.9, 5_000);
    await waitFor('a controller', async () => (await status(page)).controller != null, 20_000);

    // Create the topic with the "+ Topic" form.
    await page.locator('#add-topic').click();
    const form = page.locator('#form-panel');
    await form.waitFor({ state: 'visible' });
    assert.match((await page.locator('#topic-assignment').getAttribute('title')) ?? '', /\(i \+ j\) mod n/);
    assert.equal(await page.locator('#topic-assignment').inputValue(), 'notes', "the notes' scheme is the default");
    assert.match((await page.locator('#topic-min-isr').getAttribute('title')) ?? '', /min\.insync\.replicas/);
    await page.locator('#topic-name').fill('orders');
    await page.locator('#topic-partitions').fill('3');
    await page.locator('#topic-rf').fill('3');
    await form.getByRole('button', { name: 'Create' }).click();
    await form.waitFor({ state: 'hidden' });
    const created = await waitFor(
      'three partitions with a leader and a full ISR',
      async () => {
        const ps = partitionsOf(await status(page), 'orders');
        return ps.length === 3 && ps.every((p) => p.leader >= 0 && p.isr.length === 3) ? ps : null;
      },
      20_000,
    );
    // The notes' scheme: partition i's replica j on broker (i + j) mod n (brokers 1..3 sorted).
    assert.deepEqual(
      created.map((p) => p.replicas),
      [
        [1, 2, 3],
        [2, 3, 1],
        [3, 1, 2],
      ],
    );

    // Add an acks=1 producer with the "+ Producer" form.
    await page.locator('#add-producer').click();
    await form.waitFor({ state: 'visible' });
    await page.locator('#producer-acks').selectOption('1');
    await page.locator('#producer-rate').fill('40');
    await page.locator('#producer-keys').fill('10');
    await form.getByRole('button', { name: 'Add' }).click();
    await form.waitFor({ state: 'hidden' });
    const s1 = await status(page);
    assert.equal(s1.producers.length, 1);
    assert.equal(s1.producers[0].acks, '1');
    assert.equal(s1.producers[0].topic, 'orders');

    // The high watermark advances on every partition.
    await waitFor(
      'the high watermark to pass 5 on every partition',
      async () => partitionsOf(await status(page), 'orders').every((p) => p.high_watermark > 5),
      30_000,
    );
    await waitFor(
      'replication lines in the event log',
      async () => (await page.locator('#event-log .log-line.kind-replication').count()) > 0,
      5_000,
    );
    await waitFor(
      'client lines in the event log',
      async () => (await page.locator('#event-log .log-line.kind-client').count()) > 0,
      5_000,
    );
    assert.match(await page.locator('#acked-lost').textContent(), /^acked but lost: \d+$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'replication-running.png') });

    // Click a replica: its popup opens its folder in the storage inspector.
    const leader0 = partitionsOf(await status(page), 'orders')[0].leader;
    const at = await replicaPoint(page, leader0, 'orders', 0);
    await page.mouse.click(at.x, at.y);
    const open = page.getByRole('menuitem', { name: /Open its folder/ });
    await open.waitFor({ state: 'visible', timeout: 5_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'replication-replica-menu.png') });
    await open.click();
    const lab = page.locator('#lab');
    await lab.waitFor({ state: 'visible' });
    assert.equal(await lab.locator('.lab-title').textContent(), `orders-0 on broker ${leader0}`);
    await waitFor(
      'the replica folder to list its first segment',
      async () => (await lab.textContent()).includes('00000000000000000000.log'),
      5_000,
    );
    await lab.locator('#lab-find-offset').fill('2');
    await lab.getByRole('button', { name: 'Find' }).click();
    await waitFor('the lookup to find offset 2', async () => /offset 2/.test(await page.locator('#lab-caption').textContent()), 10_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'replication-replica-folder.png') });
    await lab.getByRole('button', { name: 'Close the storage lab' }).click();
    await lab.waitFor({ state: 'hidden' });

    // Crash the leader of orders-0 with the broker's popup menu.
    const before = await status(page);
    const hwBefore = partitionsOf(before, 'orders').map((p) => p.high_watermark);
    const box = await nodePoint(page, `broker-${leader0}`);
    // The top of the box is its header (the replicas fill the rest).
    const top = await page.evaluate((n) => {
      const app = window.kafkascope.app;
      const c = JSON.parse(app.node_center(n));
      let y = c.y;
      const inside = (yy) => ['node', 'replica'].includes(JSON.parse(app.hit(c.x, yy)).kind);
      while (y > 0 && inside(y - 2)) y -= 2;
      return y;
    }, `broker-${leader0}`);
    const canvasBox = await page.locator('#cluster').boundingBox();
    await page.mouse.click(box.x, canvasBox.y + top + 10);
    const crash = page.getByRole('menuitem', { name: 'Crash (kill -9)' });
    await crash.waitFor({ state: 'visible', timeout: 5_000 });
    await crash.click();
    assert.equal((await status(page)).brokers.find((b) => b.id === leader0)?.state, 'crashed');

    const after = await waitFor(
      'a new leader for orders-0',
      async () => {
        const ps = partitionsOf(await status(page), 'orders');
        return ps[0].leader >= 0 && ps[0].leader !== leader0 ? ps : null;
      },
      40_000,
    );
    assert.ok(after[0].leader_epoch > 0, 'the leader epoch went up');
    await waitFor(
      'the high watermark to move on under the new leaders',
      async () => {
        const ps = partitionsOf(await status(page), 'orders');
        return ps.every((p, i) => p.high_watermark > hwBefore[i]);
      },
      30_000,
    );
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ARTIFACTS, 'replication-after-crash.png') });

    // The counter is always there; clicking it lists the lost records.
    const counter = page.locator('#acked-lost');
    assert.ok(await counter.isVisible());
    const lost = (await status(page)).acked_lost;
    await counter.click();
    const dialog = page.locator('#lost-dialog');
    await dialog.waitFor({ state: 'visible' });
    if (lost > 0) {
      assert.ok((await dialog.locator('tbody tr').count()) > 0, 'the lost records are listed');
    } else {
      assert.match(await dialog.textContent(), /None so far/);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'replication-lost.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });

    assert.deepEqual(problems, [], `no console errors: ${problems.join('; ')}`);
  } finally {
    await close();
  }
});

test('nine brokers, three topics of 32 partitions and six producers stay readable', { timeout: 120_000 }, async () => {
  const { page, problems, close } = await openPage('?seed=7');
  try {
    await page.evaluate(() => {
      const k = window.kafkascope;
      k.apply({ type: 'set_speed', speed: 50 });
      for (let i = 0; i < 6; i += 1) k.apply({ type: 'add_broker' });
    });
    await waitFor(
      'nine running brokers',
      async () => (await status(page)).brokers.filter((b) => b.state === 'running').length === 9,
      30_000,
    );
    await page.evaluate(() => {
      const k = window.kafkascope;
      for (const name of ['orders', 'payments', 'clicks']) {
        k.apply({ type: 'create_topic', name, partitions: 32, replication_factor: 3 });
      }
    });
    await waitFor(
      'every partition led',
      async () => {
        const ps = (await status(page)).partitions;
        return ps.length === 96 && ps.every((p) => p.leader >= 0);
      },
      30_000,
    );
    await page.evaluate(() => {
      const k = window.kafkascope;
      const topics = ['orders', 'payments', 'clicks'];
      const acks = ['0', '1', 'all'];
      for (let i = 0; i < 6; i += 1) {
        k.apply({
          type: 'add_producer',
          config: { topic: topics[i % 3], acks: acks[i % 3], rate: 100, key_space: i % 2 ? 50 : 0, 'linger.ms': 100, 'batch.size': 2048 },
        });
      }
      k.apply({ type: 'set_speed', speed: 1 });
    });
    await waitFor('every producer acknowledged', async () => (await status(page)).producers.every((p) => p.acked > 0), 30_000);
    const cells = await page.evaluate(() => {
      const app = window.kafkascope.app;
      const s = JSON.parse(app.status());
      let found = 0;
      for (const p of s.partitions) for (const b of p.replicas) if (app.replica_center(b, p.topic, p.partition) !== 'null') found += 1;
      return found;
    });
    assert.equal(cells, 96 * 3, 'every replica is drawn');
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(ARTIFACTS, 'replication-crowded.png') });
    assert.deepEqual(problems, [], `no console errors: ${problems.join('; ')}`);
  } finally {
    await close();
  }
});
