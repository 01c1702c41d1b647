// Memory over a long run, in wasm under Node: the workload of
// workload::memory_world (the app's default cluster, a topic of 6
// partitions with replication factor 3, two producers of 100-byte records
// at 10000 records/s each with acks=all, a group of three consumers)
// runs for one hour of simulated time as fast as it goes. Every 5
// simulated minutes it prints the wasm heap (memory.buffer.byteLength,
// which only ever grows) and what the world holds (log bytes per broker,
// messages in flight, event-log lines, trace entries, records the ledger
// still checks), so a growing figure points at what grows.
// Run after a release build:  node benches/memory-wasm.mjs [minutes]

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = path.join(root, 'www', 'pkg');
const { default: init, MemoryBench } = await import(path.join(pkg, 'kafkascope.js'));
const wasm = await init({ module_or_path: fs.readFileSync(path.join(pkg, 'kafkascope_bg.wasm')) });

const MINUTES = Number(process.argv[2] ?? 60);
const REPORT_EVERY_MS = 5 * 60_000;
const STEP_MS = 10_000; // simulated ms per call
const MiB = 1 << 20;

const heap = () => wasm.memory.buffer.byteLength;
const t0 = performance.now();
const bench = new MemoryBench();
const row = (label) => {
  const h = JSON.parse(bench.holdings());
  const logs = h.log_bytes_per_broker.map((b) => (b / MiB).toFixed(1)).join('/');
  const wall = ((performance.now() - t0) / 1000).toFixed(0);
  console.log(
    `${label.padEnd(8)} heap ${(heap() / MiB).toFixed(1).padStart(6)} MiB | logs ${logs} MiB | in flight ${h.in_flight} | ` +
      `event log ${h.event_log_lines} | trace ${h.trace_entries} | ledger ${h.ledger_checked_records} | ` +
      `acked ${h.acked} | consumed ${h.consumed} | wall ${wall} s`,
  );
  return h;
};

row('start');
const end = MINUTES * 60_000;
let now = 0;
let next = REPORT_EVERY_MS;
while (now < end) {
  now = bench.run(Math.min(STEP_MS, end - now));
  if (now >= next) {
    row(`${Math.round(now / 60_000)} min`);
    next += REPORT_EVERY_MS;
  }
}
const last = row('end');
console.log(
  `heap after ${MINUTES} simulated minutes: ${(heap() / MiB).toFixed(1)} MiB (${heap()} bytes); ` +
    `${last.acked} records acknowledged, ${last.consumed} consumed`,
);
bench.free();
