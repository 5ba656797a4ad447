import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { afterEach, before, describe, it } from 'node:test';
import { isGpuTestError } from '../../src/errors.js';
import { createStreamingGpuReader } from '../../src/probe/gpu-stream-reader.js';
import { NVML_LIBRARY_ENV, createNvmlGpuReader, formatCudaVersion, openNvml, openNvmlAsync, type NvmlOptions, type NvmlSession } from '../../src/probe/nvml.js';
import { buildFakeNvml, fakeNvmlSkipReason } from './fake-nvml-build.js';
import { TWO_GPUS, mark, restoreFakeGpu, spawnAllocator, stopChild, useFakeGpu } from './fake-gpu-state.js';

const MiB = 1024 * 1024;
const TOTAL = 81559 * MiB;
const UUIDS = TWO_GPUS.map((gpu) => gpu.uuid);

const throwsReadError = (pattern: RegExp) => (error: unknown): boolean => {
  assert.ok(isGpuTestError(error), `expected a GpuTestError, got ${String(error)}`);
  assert.equal(error.code, 'GPU_READ');
  assert.match(error.message, pattern);
  return true;
};

const sessions: NvmlSession[] = [];
const savedLibraryEnv = process.env[NVML_LIBRARY_ENV];

afterEach(() => {
  for (const session of sessions.splice(0)) session.close();
  if (savedLibraryEnv === undefined) delete process.env[NVML_LIBRARY_ENV];
  else process.env[NVML_LIBRARY_ENV] = savedLibraryEnv;
  restoreFakeGpu();
});

describe('formatCudaVersion', () => {
  it('decodes NVML\'s major * 1000 + minor * 10 as nvidia-smi prints it', () => {
    assert.equal(formatCudaVersion(12040), '12.4');
    assert.equal(formatCudaVersion(13000), '13.0');
    assert.equal(formatCudaVersion(11080), '11.8');
  });
});

describe('openNvml without a usable library', () => {
  it('says the driver is missing when the library does not load', () => {
    const result = openNvml({ nvmlLibrary: '/nonexistent/libnvidia-ml.so.1' });
    assert.equal(result.available, false);
    assert.match(
      result.available ? '' : result.reason,
      /^\/nonexistent\/libnvidia-ml\.so\.1 \(named by the nvmlLibrary option\) could not be loaded \(.+\): the NVIDIA driver is not installed/,
    );
  });

  it(`names ${NVML_LIBRARY_ENV} when that chose the path`, () => {
    process.env[NVML_LIBRARY_ENV] = '/nonexistent/libnvidia-ml.so.1';
    const result = openNvml();
    assert.match(result.available ? '' : result.reason, /\(named by GPU_TEST_NVML_LIBRARY\) could not be loaded/);
  });

  it('says which symbol is missing from a library that is not NVML', { skip: process.platform !== 'linux' }, () => {
    const result = openNvml({ nvmlLibrary: 'libc.so.6' });
    assert.match(result.available ? '' : result.reason, /^libc\.so\.6 has no nvml\w+: it is not libnvidia-ml/);
  });
});

describe('openNvml against the stand-in libnvidia-ml', { skip: fakeNvmlSkipReason() }, () => {
  let library = '';
  before(() => {
    library = buildFakeNvml();
  });

  const open = (options: NvmlOptions = {}): { session: NvmlSession; warnings: string[] } => {
    const warnings: string[] = [];
    const result = openNvml({ nvmlLibrary: library, onWarning: (message) => warnings.push(message), ...options });
    assert.ok(result.available, `NVML should open: ${result.available ? '' : result.reason}`);
    sessions.push(result);
    return { session: result, warnings };
  };

  it('lists two GPUs with their memory', () => {
    useFakeGpu(TWO_GPUS);
    const { session, warnings } = open();
    assert.equal(session.driverVersion, '580.159.04');
    assert.equal(session.cudaVersion, '13.0', 'as the fake nvidia-smi prints it');
    assert.deepEqual(session.gpus, TWO_GPUS.map((gpu, index) => ({ index, uuid: gpu.uuid, name: gpu.name, totalBytes: TOTAL })));
    assert.deepEqual(session.readMemory(), [
      { index: 0, uuid: UUIDS[0], usedBytes: 0, totalBytes: TOTAL },
      { index: 1, uuid: UUIDS[1], usedBytes: 0, totalBytes: TOTAL },
    ]);
    assert.deepEqual(warnings, []);
  });

  it(`loads the library named by ${NVML_LIBRARY_ENV}`, () => {
    useFakeGpu();
    process.env[NVML_LIBRARY_ENV] = library;
    const result = openNvml();
    assert.ok(result.available);
    sessions.push(result);
    assert.equal(result.nvmlLibrary, library);
  });

  it("sees a child's allocation and its process, and both go when it dies", async () => {
    useFakeGpu(TWO_GPUS);
    const { session } = open();
    const first = await spawnAllocator(1500, 0, { CUDA_VISIBLE_DEVICES: '1' });
    const second = await spawnAllocator(256, 1);
    try {
      assert.deepEqual(session.readMemory().map((gpu) => gpu.usedBytes), [0, 1756 * MiB]);
      const processes = [...session.readProcesses(1)].sort((a, b) => b.usedBytes! - a.usedBytes!);
      assert.deepEqual(processes, [
        { pid: first.pid, usedBytes: 1500 * MiB },
        { pid: second.pid, usedBytes: 256 * MiB },
      ]);
      assert.deepEqual(session.readProcesses(0), []);
    } finally {
      await stopChild(first);
      await stopChild(second);
    }
    assert.deepEqual(session.readMemory().map((gpu) => gpu.usedBytes), [0, 0]);
    assert.deepEqual(session.readProcesses(1), []);
  });

  it('agrees with the nvidia-smi backend on the same state', async () => {
    useFakeGpu(TWO_GPUS);
    const child = await spawnAllocator(2048, 0);
    try {
      const reader = createNvmlGpuReader(open().session);
      assert.equal(reader.backend, 'nvml');
      const stream = createStreamingGpuReader({ gpuCount: 2, intervalMs: 50 });
      try {
        assert.deepEqual(await reader.readMemory(), await stream.readMemory());
      } finally {
        stream.close?.();
      }
    } finally {
      await stopChild(child);
    }
  });

  it('lists the processes of every GPU through the reader, each with its GPU index', async () => {
    useFakeGpu(TWO_GPUS);
    const reader = createNvmlGpuReader(open().session);
    const onFirst = await spawnAllocator(300, 0);
    const onSecond = await spawnAllocator(700, 0, { CUDA_VISIBLE_DEVICES: '1' });
    try {
      const processes = [...((await reader.readProcesses?.()) ?? [])].sort((a, b) => a.gpuIndex - b.gpuIndex);
      assert.deepEqual(processes, [
        { gpuIndex: 0, pid: onFirst.pid, usedBytes: 300 * MiB },
        { gpuIndex: 1, pid: onSecond.pid, usedBytes: 700 * MiB },
      ]);
    } finally {
      await stopChild(onFirst);
      await stopChild(onSecond);
    }
    assert.deepEqual(await reader.readProcesses?.(), []);
  });

  it('rejects the reader\'s process list with GPU_READ when a GPU is lost', async () => {
    const dir = useFakeGpu(TWO_GPUS);
    const reader = createNvmlGpuReader(open().session);
    mark(dir, 'lost-1');
    assert.ok(reader.readProcesses, 'the NVML reader can list processes');
    await assert.rejects(reader.readProcesses(), throwsReadError(/^GPU 1 .* is lost/));
  });

  it('reports used without the driver reserve through v2, and with it through v1 with a warning', async () => {
    useFakeGpu();
    const child = await spawnAllocator(1024);
    try {
      assert.equal(open().session.readMemory()[0]?.usedBytes, 1024 * MiB);
      const v1 = open({ nvmlLibrary: buildFakeNvml({ withoutMemoryV2: true }) });
      assert.equal(v1.session.readMemory()[0]?.usedBytes, (1024 + 480) * MiB);
      assert.equal(v1.warnings.length, 1);
      assert.match(v1.warnings[0] ?? '', /has no nvmlDeviceGetMemoryInfo_v2 .*: used VRAM includes the driver's reserve/);
    } finally {
      await stopChild(child);
    }
  });

  it('gives null per-process memory with one warning where the driver hides it', async () => {
    const dir = useFakeGpu();
    mark(dir, 'na-process-memory');
    const { session, warnings } = open();
    const child = await spawnAllocator(512);
    try {
      assert.deepEqual(session.readProcesses(0), [{ pid: child.pid, usedBytes: null }]);
      assert.deepEqual(session.readProcesses(0), [{ pid: child.pid, usedBytes: null }]);
      assert.equal(session.readMemory()[0]?.usedBytes, 512 * MiB);
    } finally {
      await stopChild(child);
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /^GPU 0 \(GPU-d7bc1e4b-[^)]+\) does not report per-process VRAM \(NVML_VALUE_NOT_AVAILABLE/);
  });

  it('gives null used memory with the same warning as nvidia-smi where the GPU does not report it', () => {
    const dir = useFakeGpu();
    mark(dir, 'na-memory');
    const { session, warnings } = open();
    assert.deepEqual(session.readMemory(), [{ index: 0, uuid: UUIDS[0], usedBytes: null, totalBytes: null }]);
    assert.deepEqual(warnings, [`GPU 0 (${UUIDS[0]}) reports memory.used as [Not Supported]: VRAM for this GPU is not ` +
      'measured; on MIG or vGPU devices use the per-instance figures']);
  });

  it('throws GPU_READ naming a GPU that is lost, and the reader rejects with it', async () => {
    const dir = useFakeGpu(TWO_GPUS);
    const { session } = open();
    mark(dir, 'lost-1');
    const lost = new RegExp(`^GPU 1 \\(${UUIDS[1]}\\) is lost \\(NVML_ERROR_GPU_IS_LOST from nvmlDeviceGetMemoryInfo_v2\\)`);
    assert.throws(() => session.readMemory(), throwsReadError(lost));
    await assert.rejects(createNvmlGpuReader(session).readMemory(), throwsReadError(lost));
    assert.throws(() => session.readProcesses(1), throwsReadError(/^GPU 1 .* is lost/));
    assert.throws(() => session.readHealth(1), throwsReadError(/^GPU 1 .* is lost/));
    assert.equal(session.readHealth(0).temperatureC, 37);
  });

  it('reads utilization, temperature and power', async () => {
    useFakeGpu();
    const { session } = open();
    const idle = { index: 0, uuid: UUIDS[0], utilizationPercent: 0, memoryUtilizationPercent: 0, temperatureC: 37 };
    assert.deepEqual(session.readHealth(0), { ...idle, powerWatts: 71.11 });
    const child = await spawnAllocator(100);
    try {
      assert.deepEqual(session.readHealth(0), { ...idle, powerWatts: 118.59 });
    } finally {
      await stopChild(child);
    }
    assert.throws(() => session.readHealth(2), throwsReadError(/NVML lists GPUs 0 to 0; there is no GPU 2/));
  });

  it('gives the reader readHealth: every GPU\'s utilization, temperature and power from the simulated state', async () => {
    const dir = useFakeGpu(TWO_GPUS);
    const { session, warnings } = open();
    const reader = createNvmlGpuReader(session);
    assert.deepEqual(await reader.readHealth?.(), [
      { index: 0, utilizationPercent: 0, temperatureC: 37, powerWatts: 71.11 },
      { index: 1, utilizationPercent: 0, temperatureC: 37, powerWatts: 71.11 },
    ]);
    mark(dir, 'health-1.json', JSON.stringify({ utilizationPercent: 85, temperatureC: 91, powerWatts: 712.5 }));
    mark(dir, 'health-0.json', JSON.stringify({ temperatureC: 44 }));
    assert.deepEqual(await reader.readHealth?.(), [
      { index: 0, utilizationPercent: 0, temperatureC: 44, powerWatts: 71.11 },
      { index: 1, utilizationPercent: 85, temperatureC: 91, powerWatts: 712.5 },
    ]);
    assert.deepEqual(warnings, []);
    mark(dir, 'lost-1');
    await assert.rejects(reader.readHealth?.() ?? Promise.resolve(), throwsReadError(/^GPU 1 .* is lost/));
  });

  it('reads a GPU without health sensors as nulls, warning once per figure', async () => {
    const dir = useFakeGpu();
    const { session, warnings } = open();
    mark(dir, 'na-health');
    const reader = createNvmlGpuReader(session);
    const none = [{ index: 0, utilizationPercent: null, temperatureC: null, powerWatts: null }];
    assert.deepEqual(await reader.readHealth?.(), none);
    assert.deepEqual(await reader.readHealth?.(), none);
    assert.deepEqual(warnings.map((warning) => warning.replace(/^GPU 0 \(GPU-[0-9a-f-]+\) /, '')), [
      'does not report utilization (nvmlDeviceGetUtilizationRates returned Not Supported (nvmlReturn_t 3)): that figure is left out of the report',
      'does not report power draw (nvmlDeviceGetPowerUsage returned Not Supported (nvmlReturn_t 3)): that figure is left out of the report',
      'does not report temperature (nvmlDeviceGetTemperature returned Not Supported (nvmlReturn_t 3)): that figure is left out of the report',
    ]);
  });

  it('refuses reads after close', () => {
    useFakeGpu();
    const { session } = open();
    session.close();
    assert.throws(() => session.readMemory(), throwsReadError(/closed/));
  });

  const initFailures: [string, string | RegExp][] = [
    ['18', 'the NVIDIA kernel module and libnvidia-ml have different versions: reboot after a driver update'],
    ['9', /^the NVIDIA kernel module is not loaded \(NVML_ERROR_DRIVER_NOT_LOADED\): load it with `sudo modprobe nvidia`/],
    ['4', /^this user may not open the NVIDIA device files \/dev\/nvidia\* \(NVML_ERROR_NO_PERMISSION\)/],
  ];
  for (const [code, expected] of initFailures) {
    it(`is unavailable, saying why, when nvmlInit_v2 returns ${code}`, () => {
      const dir = useFakeGpu();
      mark(dir, 'nvml-init-error', code);
      const result = openNvml({ nvmlLibrary: library });
      assert.equal(result.available, false);
      const reason = result.available ? '' : result.reason;
      if (typeof expected === 'string') assert.equal(reason, expected);
      else assert.match(reason, expected);
    });
  }

  it('opens with nvmlInit off the main thread as it does on it: the same GPUs and readings', async () => {
    useFakeGpu(TWO_GPUS);
    const result = await openNvmlAsync({ nvmlLibrary: library });
    assert.ok(result.available, result.available ? '' : result.reason);
    sessions.push(result);
    const { session } = open();
    assert.deepEqual(result.gpus, session.gpus);
    assert.deepEqual(result.readMemory(), session.readMemory());
  });

  it('says why when nvmlInit_v2 fails off the main thread, as openNvml does', async () => {
    const dir = useFakeGpu();
    mark(dir, 'nvml-init-error', '18');
    const result = await openNvmlAsync({ nvmlLibrary: library });
    assert.equal(result.available ? '' : result.reason, 'the NVIDIA kernel module and libnvidia-ml have different versions: reboot after a driver update');
  });

  it('measures the cost of one readMemory()', (t) => {
    useFakeGpu(TWO_GPUS);
    const { session } = open();
    const calls = 10_000;
    const times = new Float64Array(calls);
    for (let i = 0; i < calls; i++) {
      const start = performance.now();
      session.readMemory();
      times[i] = performance.now() - start;
    }
    times.sort();
    const median = ((times[calls / 2 - 1] ?? 0) + (times[calls / 2] ?? 0)) / 2;
    t.diagnostic(`readMemory() of 2 GPUs through the stand-in libnvidia-ml: median ${(median * 1000).toFixed(1)} µs ` +
      `over ${calls} calls (the stand-in reads its state folder on every call)`);
  });
});
