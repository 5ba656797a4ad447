import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TWO_GPUS, mark, restoreFakeGpu, spawnAllocator, stopChild, useFakeGpu } from './fake-gpu-state.js';
import { createStreamingGpuReader } from '../../src/probe/gpu-stream-reader.js';
import type { GpuReader } from '../../src/probe/types.js';

const MiB = 1024 * 1024;
const readers: GpuReader[] = [];

function stream(gpuCount: number, intervalMs = 50, onWarning?: (w: string) => void): GpuReader {
  const reader = createStreamingGpuReader({ gpuCount, intervalMs, ...(onWarning ? { onWarning } : {}) });
  readers.push(reader);
  return reader;
}

afterEach(() => {
  for (const reader of readers.splice(0)) reader.close?.();
  restoreFakeGpu();
});

describe('createStreamingGpuReader', () => {
  it('gives every GPU of one complete reading', async () => {
    useFakeGpu(TWO_GPUS);
    const gpus = await stream(2).readMemory();
    assert.deepEqual(gpus.map((g) => [g.index, g.uuid, g.totalBytes]), [
      [0, TWO_GPUS[0]?.uuid, 81559 * MiB],
      [1, TWO_GPUS[1]?.uuid, 81559 * MiB],
    ]);
  });

  it('lists the processes on the GPUs with their index, through one --query-compute-apps', async () => {
    useFakeGpu(TWO_GPUS);
    const reader = stream(2);
    const holder = await spawnAllocator(128, 0, { CUDA_VISIBLE_DEVICES: '1' });
    try {
      assert.deepEqual(await reader.readProcesses?.(), [{ gpuIndex: 1, pid: holder.pid, usedBytes: 128 * MiB }]);
    } finally {
      await stopChild(holder);
    }
  });

  it('with takenAfter, waits for a reading taken after that moment: a freed allocation shows at once', async () => {
    useFakeGpu();
    const reader = stream(1, 100);
    const holder = await spawnAllocator(512);
    await sleep(250);
    assert.equal((await reader.readMemory())[0]?.usedBytes, 512 * MiB);
    await stopChild(holder);
    const freedAt = Date.now();
    const stale = await reader.readMemory();
    const fresh = await reader.readMemory({ takenAfter: freedAt });
    assert.equal(fresh[0]?.usedBytes, 0, 'the reading after the free shows it');
    assert.ok(stale[0]?.usedBytes === 512 * MiB || stale[0]?.usedBytes === 0);
  });

  it('answers many boundaries from one process: latest readings cost no spawn', async () => {
    const dir = useFakeGpu();
    process.env['FAKE_GPU_COUNT_CALLS'] = '1';
    try {
      const reader = stream(1);
      await reader.readMemory();
      for (let i = 0; i < 50; i++) await reader.readMemory();
      const { readFileSync } = await import('node:fs');
      const calls = readFileSync(`${dir}/calls.log`, 'utf8').trim().split('\n');
      assert.equal(calls.length, 1, calls.join('\n'));
    } finally {
      delete process.env['FAKE_GPU_COUNT_CALLS'];
    }
  });

  it('warns once and gives null for [N/A] memory', async () => {
    const dir = useFakeGpu();
    mark(dir, 'na-memory');
    const warnings: string[] = [];
    const reader = stream(1, 30, (w) => warnings.push(w));
    assert.equal((await reader.readMemory())[0]?.usedBytes, null);
    await reader.readMemory({ takenAfter: Date.now() });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /memory\.used as \[N\/A\]/);
  });

  it('names the GPU that vanished mid-run, and keeps saying so', async () => {
    const dir = useFakeGpu(TWO_GPUS);
    const reader = stream(2);
    await reader.readMemory();
    mark(dir, 'vanish-1');
    await assert.rejects(reader.readMemory({ takenAfter: Date.now() + 200 }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'GPU_READ');
      assert.match(error.message, /GPU 1 \(GPU-22222222/);
      return true;
    });
    await assert.rejects(reader.readMemory(), /GPU 1/);
  });

  it('quotes a broken driver when the stream cannot start', async () => {
    const dir = useFakeGpu();
    mark(dir, 'fail.txt', "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n");
    await assert.rejects(stream(1).readMemory(), /the VRAM stream stopped: .*couldn't communicate with the NVIDIA driver/);
  });

  it('says when nvidia-smi is missing', async () => {
    useFakeGpu(undefined, { onPath: false });
    process.env['PATH'] = '/nonexistent';
    await assert.rejects(stream(1).readMemory(), /could not be started/);
  });
});
