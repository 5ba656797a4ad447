// Load/unload cycles in one long-lived PyTorch process, run 10 times with --repeat 10: one cycle forgets 96 MiB
// each time (a cache entry never dropped), the other frees everything. Only the first may be called a leak.
import { after, before, it } from 'node:test';
import { startTorchWorker } from './torch-worker.mjs';

let worker;
before(async () => { worker = await startTorchWorker(); });
after(() => worker.stop());

it('load/unload cycle that keeps 96 MiB each time', async () => {
  await worker.send('alloc model 2048');
  await worker.send('leak 96');
  await worker.send('free model');
  await worker.send('empty');
});

it('load/unload cycle that frees everything', async () => {
  await worker.send('alloc model 2048');
  await worker.send('free model');
  await worker.send('empty');
});
