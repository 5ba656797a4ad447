import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { isGpuTestError } from '../../src/errors.js';
import { createGpuReader } from '../../src/probe/gpu-reader.js';
import { FAKE_SMI, TWO_GPUS, mark, restoreFakeGpu, spawnAllocator, stopChild, useFakeGpu } from './fake-gpu-state.js';

const MiB = 1024 * 1024;
const UUID = 'GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d';

const rejectsWith = (pattern: RegExp) => (error: unknown): boolean => {
  assert.ok(isGpuTestError(error), `expected a GpuTestError, got ${String(error)}`);
  assert.equal(error.code, 'GPU_READ');
  assert.match(error.message, pattern);
  return true;
};

afterEach(restoreFakeGpu);

describe('createGpuReader', () => {
  it('none resolves no GPU', async () => {
    const reader = createGpuReader({ backend: 'none' });
    assert.equal(reader.backend, 'none');
    assert.deepEqual(await reader.readMemory(), []);
  });

  it('auto picks nvidia-smi when it is on PATH, none when it is not', () => {
    useFakeGpu();
    assert.equal(createGpuReader({ backend: 'auto' }).backend, 'nvidia-smi');
    assert.equal(createGpuReader({ backend: 'auto', smiPath: '/nonexistent/nvidia-smi' }).backend, 'none');
  });

  it('reads every GPU through the fake nvidia-smi', async () => {
    useFakeGpu(TWO_GPUS);
    const gpus = await createGpuReader({ backend: 'nvidia-smi' }).readMemory();
    assert.deepEqual(gpus, [
      { index: 0, uuid: UUID, usedBytes: 0, totalBytes: 81559 * MiB },
      { index: 1, uuid: TWO_GPUS[1]?.uuid, usedBytes: 0, totalBytes: 81559 * MiB },
    ]);
  });

  it('passes -i for the chosen GPUs', async () => {
    useFakeGpu(TWO_GPUS);
    const gpus = await createGpuReader({ backend: 'nvidia-smi', gpuIndices: [1] }).readMemory();
    assert.deepEqual(gpus.map((gpu) => gpu.index), [1]);
  });

  it('sees a child process allocate and sees the memory return when it dies', async () => {
    useFakeGpu(TWO_GPUS);
    const reader = createGpuReader({ backend: 'nvidia-smi' });
    const child = await spawnAllocator(1500, 0, { CUDA_VISIBLE_DEVICES: '1' });
    try {
      const busy = await reader.readMemory();
      assert.deepEqual(busy.map((gpu) => gpu.usedBytes), [0, 1500 * MiB]);
    } finally {
      await stopChild(child);
    }
    const idle = await reader.readMemory();
    assert.deepEqual(idle.map((gpu) => gpu.usedBytes), [0, 0]);
  });

  it('coalesces concurrent reads into one spawn', async () => {
    const dir = useFakeGpu();
    process.env['FAKE_GPU_COUNT_CALLS'] = '1';
    try {
      mark(dir, 'delay-ms', '150');
      const reader = createGpuReader({ backend: 'nvidia-smi' });
      const [first, second] = await Promise.all([reader.readMemory(), reader.readMemory()]);
      assert.equal(first, second);
      const calls = (): number => readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n').length;
      assert.equal(calls(), 1);
      await reader.readMemory();
      assert.equal(calls(), 2);
    } finally {
      delete process.env['FAKE_GPU_COUNT_CALLS'];
    }
  });

  it('gives null and warns once when memory.used is [N/A]', async () => {
    const dir = useFakeGpu();
    mark(dir, 'na-memory');
    const warnings: string[] = [];
    const reader = createGpuReader({ backend: 'nvidia-smi', onWarning: (message) => warnings.push(message) });
    const [gpu] = await reader.readMemory();
    await reader.readMemory();
    assert.equal(gpu?.usedBytes, null);
    assert.equal(gpu?.totalBytes, 81559 * MiB);
    assert.deepEqual(warnings, [
      `GPU 0 (${UUID}) reports memory.used as [N/A]: VRAM for this GPU is not measured; on MIG or vGPU devices use the per-instance figures`,
    ]);
  });

  it('explains a driver that is not loaded, quoting nvidia-smi', async () => {
    const dir = useFakeGpu();
    mark(dir, 'fail.txt', "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. " +
      'Make sure that the latest NVIDIA driver is installed and running.\n\n');
    await assert.rejects(
      createGpuReader({ backend: 'nvidia-smi' }).readMemory(),
      rejectsWith(/exited with code 9 and printed "NVIDIA-SMI has failed .*running\.": the NVIDIA driver is not loaded, or it was updated without a reboot/),
    );
  });

  it('quotes unknown failures as they are', async () => {
    const dir = useFakeGpu();
    mark(dir, 'fail.txt', 'Something odd happened\n');
    await assert.rejects(createGpuReader({ backend: 'nvidia-smi' }).readMemory(), rejectsWith(/code 9 and printed "Something odd happened"$/));
  });

  it('names the GPU that vanished mid-run', async () => {
    const dir = useFakeGpu(TWO_GPUS);
    const reader = createGpuReader({ backend: 'nvidia-smi' });
    assert.equal((await reader.readMemory()).length, 2);
    mark(dir, 'vanish-1');
    await assert.rejects(
      reader.readMemory(),
      rejectsWith(/^GPU 1 \(GPU-22222222-[\w-]+\) is no longer listed by nvidia-smi \(2 GPU\(s\) at the first read, 1 now\): .*fell off the bus/),
    );
  });

  it('names the GPU when the only one asked for is gone ("No devices were found")', async () => {
    const dir = useFakeGpu(TWO_GPUS);
    const reader = createGpuReader({ backend: 'nvidia-smi', gpuIndices: [1] });
    await reader.readMemory();
    mark(dir, 'vanish-1');
    await assert.rejects(reader.readMemory(), rejectsWith(/no longer reaches GPU 1 \(GPU-22222222-[\w-]+\): it printed "No devices were found"/));
  });

  it('reports a GPU that is lost', async () => {
    const dir = useFakeGpu(TWO_GPUS);
    const reader = createGpuReader({ backend: 'nvidia-smi' });
    await reader.readMemory();
    mark(dir, 'lost-0');
    await assert.rejects(reader.readMemory(), rejectsWith(/no longer reaches GPU 0 \(GPU-d7bc[\w-]+\), GPU 1 .*GPU is lost.*reboot the host/));
  });

  it('reports a GPU asked for with -i that is not listed', async () => {
    useFakeGpu(TWO_GPUS);
    await assert.rejects(createGpuReader({ backend: 'nvidia-smi', gpuIndices: [0, 5] }).readMemory(), rejectsWith(/^GPU 5 is no longer listed/));
  });

  it('times out a hung nvidia-smi', async () => {
    const dir = useFakeGpu();
    mark(dir, 'delay-ms', '5000');
    const started = Date.now();
    await assert.rejects(createGpuReader({ backend: 'nvidia-smi', timeoutMs: 300 }).readMemory(), rejectsWith(/did not answer within 0.3 s: the driver may be hung/));
    assert.ok(Date.now() - started < 3000);
  });

  it('says when nvidia-smi is not there', async () => {
    useFakeGpu();
    await assert.rejects(
      createGpuReader({ backend: 'nvidia-smi', smiPath: '/nonexistent/nvidia-smi' }).readMemory(),
      rejectsWith(/^nvidia-smi was not found \(`\/nonexistent\/nvidia-smi`\): install the NVIDIA driver utilities/),
    );
  });

  it('runs the nvidia-smi at smiPath', async () => {
    useFakeGpu(undefined, { onPath: false });
    const gpus = await createGpuReader({ backend: 'nvidia-smi', smiPath: FAKE_SMI }).readMemory();
    assert.equal(gpus[0]?.uuid, UUID);
  });
});
