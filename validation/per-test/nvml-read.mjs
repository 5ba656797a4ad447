// One GPU's memory read (GPU 0) through the NVML session of several builds of gpu-test, on this host's driver (or the
// library GPU_TEST_NVML_LIBRARY names), interleaved in blocks of 100 reads, 10,000 reads each. Run from a checkout:
//   node validation/per-test/nvml-read.mjs NAME=DIR [NAME=DIR ...]
// with each DIR as for compare-builds.mjs.

import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const BLOCKS = 100;
const BLOCK_READS = 100;
const builds = [];
for (const arg of process.argv.slice(2)) {
  const [name, dir] = arg.split('=');
  const { openNvml } = await import(pathToFileURL(join(resolve(dir ?? ''), 'dist/probe/nvml.js')).href);
  const session = openNvml({});
  if (!session.available) throw new Error(`${name}: NVML did not open: ${session.reason}`);
  builds.push({ name, session, ms: [] });
}
if (builds.length === 0) {
  console.error('usage: node validation/per-test/nvml-read.mjs NAME=DIR [NAME=DIR ...]');
  process.exit(2);
}
for (let block = 0; block < BLOCKS; block++) {
  for (const { session, ms } of builds) {
    for (let i = 0; i < BLOCK_READS; i++) {
      const start = performance.now();
      session.readMemory([0]);
      ms.push(performance.now() - start);
    }
  }
}
const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))];
for (const { name, session, ms } of builds) {
  console.log(`${name.padEnd(6)} median ${(quantile(ms, 0.5) * 1000).toFixed(2)} µs  p90 ${(quantile(ms, 0.9) * 1000).toFixed(2)} µs  reads ${ms.length}  used ${session.readMemory([0])[0].usedBytes}`);
  session.close();
}
