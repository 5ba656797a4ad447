// Loads 4 GiB in a PyTorch worker, then blocks its event loop for good (as a synchronous native call would): only the
// watchdog can end it if gpu-test dies.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { startTorchWorker } from '../measurement/torch-worker.mjs';

it('holds 4 GiB in a process whose event loop never turns', async () => {
  const worker = await startTorchWorker();
  await worker.send('alloc weights 4096');
  writeFileSync(join(process.env.MARK_DIR, 'holding'), String(worker.pid));
  for (;;) {
    // Spins until killed.
  }
});
