// Holds 4 GiB for a second, then frees it: VRAM before and after equal, the peak 4 GiB above them.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { metric, snapshot } from 'gpu-test';
import { startTorchWorker } from './torch-worker.mjs';

let worker;
before(async () => { worker = await startTorchWorker(); });
after(() => worker.stop());

it('loads 4 GiB of weights, holds them a second, frees them', async () => {
  const started = performance.now();
  await worker.send('alloc weights 4096');
  metric('load_ms', performance.now() - started, 'ms');
  const loaded = await snapshot();
  metric('vram_loaded_mib', (loaded?.vramUsedBytes ?? 0) / 1024 ** 2, 'MiB');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await worker.send('free weights');
  await worker.send('empty');
  assert.ok(loaded?.vramUsedBytes, 'snapshot() reads VRAM under the harness');
});
