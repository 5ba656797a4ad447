import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { isGpuTestError } from '../../src/errors.js';
import type { NvmlSession, NvmlUnavailable } from '../../src/probe/nvml.js';
import { openGpuReader } from '../../src/probe/open-gpu-reader.js';
import type { GpuInventory } from '../../src/results/machine.js';
import type { GpuReader } from '../../src/probe/types.js';
import { FAKE_SMI, restoreFakeGpu, useFakeGpu } from './fake-gpu-state.js';

const GPU: GpuInventory = {
  available: true, reason: null, driverVersion: '550.54.15', cudaVersion: '12.4',
  gpus: [{ index: 0, uuid: 'GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d', name: 'NVIDIA H100 80GB HBM3', totalBytes: 81559 * 1024 * 1024 }], warnings: [],
};
const NO_GPU: GpuInventory = { available: false, reason: 'nvidia-smi was not found on PATH', driverVersion: null, cudaVersion: null, gpus: [], warnings: [] };
const NO_NVML: NvmlUnavailable = { available: false, reason: 'libnvidia-ml.so.1 could not be loaded: the NVIDIA driver is not installed' };

// Only what the reader uses: openGpuReader never looks inside the session.
function nvmlSession(onClose: () => void = () => undefined): NvmlSession {
  const session: Pick<NvmlSession, 'available' | 'gpus' | 'readMemory' | 'close'> = {
    available: true, gpus: GPU.gpus, readMemory: () => [{ index: 0, uuid: 'GPU-0', usedBytes: 1, totalBytes: 2 }], close: onClose,
  };
  return session as NvmlSession;
}

const opened: GpuReader[] = [];
afterEach(() => {
  for (const reader of opened.splice(0)) reader.close?.();
  restoreFakeGpu();
});

function open(...args: Parameters<typeof openGpuReader>): GpuReader {
  const reader = openGpuReader(...args);
  opened.push(reader);
  return reader;
}

const usage = (pattern: RegExp) => (error: unknown): boolean => {
  assert.ok(isGpuTestError(error), String(error));
  assert.equal(error.code, 'USAGE');
  assert.match(error.message, pattern);
  return true;
};

describe('openGpuReader', () => {
  it('auto: takes NVML where it opens', () => {
    assert.equal(open({ backend: 'auto', gpu: GPU, intervalMs: 50, openNvml: () => nvmlSession() }).backend, 'nvml');
  });

  it('auto: falls back to the nvidia-smi stream, then to none', async () => {
    useFakeGpu();
    const stream = open({ backend: 'auto', gpu: GPU, intervalMs: 50, openNvml: () => NO_NVML, smiPath: FAKE_SMI });
    assert.equal(stream.backend, 'nvidia-smi-stream');
    assert.equal((await stream.readMemory()).length, 1);
    let asked = false;
    const none = open({ backend: 'auto', gpu: NO_GPU, intervalMs: 50, openNvml: () => { asked = true; return NO_NVML; } });
    assert.equal(none.backend, 'none');
    assert.equal(asked, false, 'NVML was opened though no GPU job can run');
  });

  it('nvml: a named NVML that cannot open is a usage error with its reason', () => {
    assert.throws(() => open({ backend: 'nvml', gpu: GPU, intervalMs: 50, openNvml: () => NO_NVML }),
      usage(/^--gpu-backend nvml: NVML cannot be used: libnvidia-ml\.so\.1 could not be loaded: the NVIDIA driver is not installed; or pass --gpu-backend auto/));
  });

  it('nvidia-smi: skips NVML, and without a GPU is a usage error with the inventory\'s reason', () => {
    useFakeGpu();
    let asked = false;
    const reader = open({ backend: 'nvidia-smi', gpu: GPU, intervalMs: 50, smiPath: FAKE_SMI, openNvml: () => { asked = true; return nvmlSession(); } });
    assert.equal(reader.backend, 'nvidia-smi-stream');
    assert.equal(asked, false);
    assert.throws(() => open({ backend: 'nvidia-smi', gpu: NO_GPU, intervalMs: 50 }), usage(/^--gpu-backend nvidia-smi: nvidia-smi cannot read the GPUs: nvidia-smi was not found on PATH/));
  });

  it('reads through a session already opened to list the GPUs, and closes one it does not need', () => {
    let opens = 0;
    const openNvml = (): NvmlSession => { opens += 1; return nvmlSession(); };
    assert.equal(open({ backend: 'auto', gpu: GPU, intervalMs: 50, nvml: nvmlSession(), openNvml }).backend, 'nvml');
    assert.equal(opens, 0, 'NVML was opened a second time');
    // The session fell back to the stream: NVML said why once, and is not asked again.
    useFakeGpu();
    assert.equal(open({ backend: 'auto', gpu: GPU, intervalMs: 50, nvml: NO_NVML, openNvml, smiPath: FAKE_SMI }).backend, 'nvidia-smi-stream');
    assert.equal(opens, 0);
    // No usable GPU (an empty CUDA_VISIBLE_DEVICES) or no reading wanted: the session is shut down.
    let closed = 0;
    assert.equal(open({ backend: 'auto', gpu: NO_GPU, intervalMs: 50, nvml: nvmlSession(() => (closed += 1)) }).backend, 'none');
    assert.equal(open({ backend: 'none', gpu: GPU, intervalMs: 50, nvml: nvmlSession(() => (closed += 1)) }).backend, 'none');
    assert.equal(closed, 2);
  });

  it('none: reads nothing', () => {
    assert.equal(open({ backend: 'none', gpu: GPU, intervalMs: 50, openNvml: () => nvmlSession() }).backend, 'none');
  });
});
