// A 6 GiB spike that lasts 300 ms inside one test: both boundaries miss it, the 50 ms sampler must not.
import { after, before, it } from 'node:test';
import { startTorchWorker } from './torch-worker.mjs';

let worker;
before(async () => { worker = await startTorchWorker(); });
after(() => worker.stop());

it('spikes 6 GiB for 300 ms', async () => {
  await worker.send('hold 6144 300');
});
