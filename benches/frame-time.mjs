// Browser frame-time benchmark: the real page in headless Chromium, timing
// each app.frame() call (step + layout + paint) as the page records them in
// window.kafkascope.frameTimes. Prints median, p95 and spread per workload.
// Run after a release build:  node benches/frame-time.mjs [brokers|data|groups]
// (no argument: every workload). It measures; it never fails on a number.

import { openPage, status } from '../tests/e2e/helpers.mjs';

const WORKLOADS = [
  { name: '5 brokers at 0.25x (default speed)', brokers: 5, speed: 0.25 },
  { name: '5 brokers at 1000x', brokers: 5, speed: 1000 },
  { name: '32 brokers at 1x', brokers: 32, speed: 1 },
  { name: '32 brokers at 1000x', brokers: 32, speed: 1000 },
];
const SAMPLE_MS = 4_000;

function quantile(sorted, q) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

/** Prints the frame times recorded over SAMPLE_MS. */
async function sample(page, name) {
  await page.evaluate(() => {
    window.kafkascope.frameTimes.length = 0;
  });
  await page.waitForTimeout(SAMPLE_MS);
  const times = await page.evaluate(() => window.kafkascope.frameTimes.slice());
  const s = times.slice().sort((a, b) => a - b);
  const st = await status(page);
  console.log(
    `${name}: ${s.length} frames, p50 ${quantile(s, 0.5).toFixed(2)} ms, ` +
      `p95 ${quantile(s, 0.95).toFixed(2)} ms, min ${s[0].toFixed(2)} ms, max ${s[s.length - 1].toFixed(2)} ms ` +
      `(simulated ${(st.now_ms / 1000).toFixed(1)} s so far, ${st.in_flight} messages in flight)`,
  );
}

const ONLY = process.argv[2] ?? null;
const wanted = (name) => ONLY === null || ONLY === name;

if (wanted('brokers')) {
  const { page, problems, close } = await openPage('?seed=1');
  try {
    for (const w of WORKLOADS) {
      await page.evaluate(({ brokers, speed }) => {
        const app = window.kafkascope.app;
        const have = JSON.parse(app.status()).brokers.length;
        for (let i = have; i < brokers; i += 1) app.apply('{"type":"add_broker"}');
        app.apply(JSON.stringify({ type: 'set_speed', speed }));
        window.kafkascope.frameTimes.length = 0;
      }, w);
      await page.waitForTimeout(SAMPLE_MS);
      const times = await page.evaluate(() => window.kafkascope.frameTimes.slice());
      const s = times.slice().sort((a, b) => a - b);
      const st = await status(page);
      console.log(
        `${w.name}: ${s.length} frames, p50 ${quantile(s, 0.5).toFixed(2)} ms, ` +
          `p95 ${quantile(s, 0.95).toFixed(2)} ms, min ${s[0].toFixed(2)} ms, max ${s[s.length - 1].toFixed(2)} ms ` +
          `(simulated ${(st.now_ms / 1000).toFixed(1)} s so far, ${st.in_flight} messages in flight)`,
      );
    }
    if (problems.length) console.log(`page problems: ${problems.join('; ')}`);
  } finally {
    await close();
  }
}

// Data: 9 brokers, 3 topics x 32 partitions with RF 3 (288 replicas drawn),
// 6 producers (acks 0, 1 and all; with and without keys) at 100 records/s each.
const DATA_WORKLOADS = [
  { name: '9 brokers, 3 topics x 32 partitions, RF 3, 6 producers at 1x', speed: 1 },
  { name: '9 brokers, 3 topics x 32 partitions, RF 3, 6 producers at 10x', speed: 10 },
  { name: '9 brokers, 3 topics x 32 partitions, RF 3, 6 producers, paused (paint only)', speed: 1, paused: true },
];
if (wanted('data')) {
  const { page: p2, problems: problems2, close: close2 } = await openPage('?seed=1');
  try {
    await p2.evaluate(() => {
      const k = window.kafkascope;
      k.apply({ type: 'set_speed', speed: 50 });
      for (let i = 0; i < 6; i += 1) k.apply({ type: 'add_broker' });
    });
    await p2.waitForFunction(
      () => JSON.parse(window.kafkascope.app.status()).brokers.filter((b) => b.state === 'running').length === 9,
      null,
      { timeout: 30_000 },
    );
    await p2.evaluate(() => {
      const k = window.kafkascope;
      for (const name of ['orders', 'payments', 'clicks']) {
        k.apply({ type: 'create_topic', name, partitions: 32, replication_factor: 3 });
      }
    });
    await p2.waitForFunction(
      () => {
        const ps = JSON.parse(window.kafkascope.app.status()).partitions;
        return ps.length === 96 && ps.every((p) => p.leader >= 0);
      },
      null,
      { timeout: 30_000 },
    );
    await p2.evaluate(() => {
      const k = window.kafkascope;
      const topics = ['orders', 'payments', 'clicks'];
      const acks = ['0', '1', 'all'];
      for (let i = 0; i < 6; i += 1) {
        k.apply({
          type: 'add_producer',
          config: { topic: topics[i % 3], acks: acks[i % 3], rate: 100, key_space: i % 2 ? 50 : 0, 'linger.ms': 100, 'batch.size': 2048 },
        });
      }
    });
    for (const w of DATA_WORKLOADS) {
      await p2.evaluate(({ speed, paused }) => {
        const k = window.kafkascope;
        k.apply({ type: 'set_speed', speed });
        const st = JSON.parse(k.app.status());
        if (Boolean(paused) !== st.paused) k.apply({ type: paused ? 'pause' : 'resume' });
      }, w);
      await sample(p2, w.name);
    }
    if (problems2.length) console.log(`page problems: ${problems2.join('; ')}`);
  } finally {
    await close2();
  }
}

// Groups: 3 brokers, "orders" with 6 partitions x RF 3, a producer at 100
// records/s and a group of 3 consumers: __consumer_offsets (50 partitions x
// RF 3) exists, folded on the canvas (and drawn in full for one sample).
const GROUP_WORKLOADS = [
  { name: 'group of 3 consumers + __consumer_offsets (folded) at 0.25x', speed: 0.25 },
  { name: 'group of 3 consumers + __consumer_offsets (folded) at 10x', speed: 10 },
  { name: 'group of 3 consumers + __consumer_offsets (folded), paused (paint only)', speed: 1, paused: true },
  { name: 'group of 3 consumers + __consumer_offsets (every partition drawn) at 1x', speed: 1, expand: true },
];
if (wanted('groups')) {
  const { page: p3, problems: problems3, close: close3 } = await openPage('?seed=1');
  try {
    await p3.evaluate(() => window.kafkascope.apply({ type: 'set_speed', speed: 50 }));
    await p3.waitForFunction(() => JSON.parse(window.kafkascope.app.status()).controller !== null, null, { timeout: 30_000 });
    await p3.evaluate(() => window.kafkascope.apply({ type: 'create_topic', name: 'orders', partitions: 6, replication_factor: 3 }));
    await p3.waitForFunction(
      () => JSON.parse(window.kafkascope.app.status()).partitions.filter((p) => p.leader >= 0).length === 6,
      null,
      { timeout: 30_000 },
    );
    await p3.evaluate(() => {
      const k = window.kafkascope;
      k.apply({ type: 'add_producer', config: { topic: 'orders', acks: 'all', rate: 100 } });
      for (let i = 0; i < 3; i += 1) {
        k.apply({
          type: 'add_consumer',
          config: { 'group.id': 'g', topics: ['orders'], 'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 1000 },
        });
      }
    });
    await p3.waitForFunction(
      () => {
        const s = JSON.parse(window.kafkascope.app.status());
        return s.groups.some((g) => g.state === 'Stable' && g.members.length === 3);
      },
      null,
      { timeout: 60_000 },
    );
    for (const w of GROUP_WORKLOADS) {
      await p3.evaluate(({ speed, paused, expand }) => {
        const k = window.kafkascope;
        k.apply({ type: 'set_speed', speed });
        k.app.set_internal_expanded(Boolean(expand));
        const st = JSON.parse(k.app.status());
        if (Boolean(paused) !== st.paused) k.apply({ type: paused ? 'pause' : 'resume' });
      }, w);
      await sample(p3, w.name);
    }
    if (problems3.length) console.log(`page problems: ${problems3.join('; ')}`);
  } finally {
    await close3();
  }
}
