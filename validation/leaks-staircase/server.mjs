// A model server for one test file: a long-lived PyTorch process (../measurement/torch_worker.py) started before the
// file's tests and stopped after them, and a request that records the allocator's own count with metric(), as a model
// server that exposes torch.cuda.memory_allocated() would.
import { after, before } from 'node:test';
import { metric } from 'gpu-test';
import { startTorchWorker } from '../measurement/torch-worker.mjs';

/** The file's worker, started in a `before` hook and stopped in an `after` hook; `serve` runs one request. */
export function useServer() {
  let worker;
  before(async () => { worker = await startTorchWorker(); });
  after(() => worker.stop());
  return {
    /** Sends each command, then records `torch_allocated_bytes` (torch.cuda.memory_allocated()) for the leak fit. */
    async serve(...commands) {
      for (const command of commands) await worker.send(command);
      const { allocated } = await worker.stats();
      metric('torch_allocated_bytes', allocated, 'B');
    },
  };
}
