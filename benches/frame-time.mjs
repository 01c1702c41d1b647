// Browser frame-time benchmark: the real page in headless Chromium, timing
// each app.frame() call (step + layout + paint) as the page records them in
// window.kafkascope.frameTimes. Prints median, p95 and spread per workload.
// Run after a release build:  node benches/frame-time.mjs
// It measures; it never fails on a number.

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
