// The segment-store append benchmark compiled to wasm, in Node: the same
// workload as the native criterion benchmark log_append/append_as_leader_warm
// (200 batches of 100 records with 100-byte values, appended as a leader into
// a log whose memory is reused). Prints the median MB/s and the spread.
// Run after a release build:  node benches/append-wasm.mjs
// Compare with:               cargo bench --bench log -- append_as_leader_warm

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = path.join(root, 'www', 'pkg');
const { default: init, AppendBench } = await import(path.join(pkg, 'kafkascope.js'));
await init({ module_or_path: fs.readFileSync(path.join(pkg, 'kafkascope_bg.wasm')) });

const bench = new AppendBench();
const bytes = bench.bytes();
for (let i = 0; i < 50; i += 1) bench.run(); // warm up
const samples = [];
for (let s = 0; s < 30; s += 1) {
  const runs = 20;
  const t0 = performance.now();
  for (let i = 0; i < runs; i += 1) bench.run();
  const ms = (performance.now() - t0) / runs;
  samples.push(bytes / 1e6 / (ms / 1000));
}
samples.sort((a, b) => a - b);
const q = (p) => samples[Math.round(p * (samples.length - 1))];
console.log(
  `wasm append_as_leader (warm): median ${q(0.5).toFixed(0)} MB/s ` +
    `(min ${samples[0].toFixed(0)}, p25 ${q(0.25).toFixed(0)}, p75 ${q(0.75).toFixed(0)}, max ${samples[samples.length - 1].toFixed(0)}) ` +
    `over ${samples.length} samples of 20 runs, ${(bytes / 1e6).toFixed(2)} MB per run`,
);
