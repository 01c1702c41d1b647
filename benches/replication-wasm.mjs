// The replication and consume throughput benchmarks compiled to wasm, in
// Node: the same workloads as the native criterion benchmarks
// replication/rf3_acks_all_100_byte_records (3 brokers, replication factor
// 3, acks=all, 100-byte records) and consume/group_of_3_... (the same plus
// a 3-member consumer group reading it; see src/workload.rs). Each sample
// builds a warmed-up world (not timed), then times 200 simulated ms; the
// first 3 samples only warm V8 up. Prints the median records per wall
// second (acknowledged, or polled by the group) and the spread.
// Run after a release build:  node benches/replication-wasm.mjs [consume]
// Compare with:               cargo bench --bench replication (or consume)

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = path.join(root, 'www', 'pkg');
const { default: init, ReplicationBench, ConsumeBench } = await import(
  path.join(pkg, 'kafkascope.js')
);
await init({ module_or_path: fs.readFileSync(path.join(pkg, 'kafkascope_bg.wasm')) });

const consume = process.argv[2] === 'consume';
const Bench = consume ? ConsumeBench : ReplicationBench;
const WINDOW_MS = 200;
const WARMUP = 3; // let V8 tier the wasm up (criterion warms up natively too)
const samples = [];
for (let s = 0; s < WARMUP + 10; s += 1) {
  const bench = new Bench();
  const t0 = performance.now();
  const records = bench.run(WINDOW_MS);
  const seconds = (performance.now() - t0) / 1000;
  bench.free();
  if (s >= WARMUP) samples.push(records / seconds);
}
samples.sort((a, b) => a - b);
const q = (p) => samples[Math.round(p * (samples.length - 1))];
const m = (x) => (x / 1e6).toFixed(2);
console.log(
  `wasm ${consume ? 'consume (group of 3)' : 'replication'} rf3 acks=all: median ${m(q(0.5))} M records/s ` +
    `(min ${m(samples[0])}, p25 ${m(q(0.25))}, p75 ${m(q(0.75))}, max ${m(samples[samples.length - 1])}) ` +
    `over ${samples.length} samples of ${WINDOW_MS} simulated ms`,
);
