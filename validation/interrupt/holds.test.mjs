// Loads 4 GiB of weights in a PyTorch worker and holds them until the run is stopped.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { startTorchWorker } from '../measurement/torch-worker.mjs';

it('holds 4 GiB while the run is stopped', async () => {
  const worker = await startTorchWorker();
  await worker.send('alloc weights 4096');
  writeFileSync(join(process.env.MARK_DIR, 'holding'), String(worker.pid));
  await new Promise(() => setInterval(() => {}, 1000));
});
