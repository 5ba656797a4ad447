// On a GPU host: lists the GPUs both ways a run can (NVML, and `nvidia-smi -q -x` through node-nvidia-smi), checks
// that they agree, and prints the median time of each. Run after `npm ci && npm run build`:
//   node validation/listing/compare-listing.mjs [rounds]
// Exits 1 when the two listings differ or either finds no GPU.

import { findGpus } from '../../dist/probe/find-gpus.js';
import { readGpuInventory } from '../../dist/probe/gpu-inventory.js';

const rounds = Number(process.argv[2] ?? 9);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function timed(list) {
  const times = [];
  let last = null;
  for (let round = 0; round < rounds; round++) {
    const t0 = performance.now();
    last = await list();
    times.push(performance.now() - t0);
  }
  return { inventory: last, medianMs: median(times), times };
}

const smi = await timed(() => readGpuInventory());
const nvml = await timed(async () => {
  const found = await findGpus({ backend: 'auto' });
  if (found.nvml?.available) found.nvml.close();
  if (!found.nvml?.available) throw new Error(`NVML did not open: ${found.nvml?.reason ?? 'not tried'}`);
  return found.inventory;
});

// Warnings are left out: `-q -x` has fields NVML is never asked for.
const essentials = ({ available, driverVersion, cudaVersion, gpus }) => JSON.stringify({ available, driverVersion, cudaVersion, gpus });
const agree = essentials(smi.inventory) === essentials(nvml.inventory);
const fmt = (ms) => `${ms.toFixed(1)} ms`;
console.log(JSON.stringify({ nvidiaSmi: smi.inventory, nvml: nvml.inventory }, null, 2));
console.log(`nvidia-smi -q -x (node-nvidia-smi): median ${fmt(smi.medianMs)} of ${rounds} (${smi.times.map(fmt).join(', ')})`);
console.log(`NVML (open, list, close):           median ${fmt(nvml.medianMs)} of ${rounds} (${nvml.times.map(fmt).join(', ')})`);
console.log(`first NVML round includes loading koffi and libnvidia-ml once per process`);
console.log(agree && smi.inventory.available ? 'listings agree' : 'LISTINGS DIFFER');
process.exitCode = agree && smi.inventory.available ? 0 : 1;
