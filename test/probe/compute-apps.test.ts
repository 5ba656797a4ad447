// queryComputeApps through the simulated nvidia-smi: live processes mapped to GPU indices by uuid (not by position),
// processes on GPUs the caller did not list dropped, `[N/A]` per-process memory as null, a failing nvidia-smi as a
// GPU_READ error naming the command and its output; and the real H100 output parsed as it was captured.

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isGpuTestError } from '../../src/errors.js';
import { queryComputeApps } from '../../src/probe/compute-apps.js';
import type { GpuMemory } from '../../src/results/machine.js';
import { FAKE_SMI, mark, restoreFakeGpu, spawnAllocator, stopChild, TWO_GPUS, useFakeGpu } from './fake-gpu-state.js';

const MiB = 1024 * 1024;
const UUIDS = TWO_GPUS.map((gpu) => gpu.uuid) as [string, string];

function gpu(index: number, uuid: string): GpuMemory {
  return { index, uuid, usedBytes: 0, totalBytes: 81559 * MiB };
}

const byPid = (a: { pid?: number }, b: { pid?: number }): number => (a.pid ?? 0) - (b.pid ?? 0);

afterEach(restoreFakeGpu);

describe('queryComputeApps with the simulated nvidia-smi', () => {
  it('lists each live process with its GPU index, found by uuid', async () => {
    useFakeGpu(TWO_GPUS);
    const onFirst = await spawnAllocator(1500, 0);
    const onSecond = await spawnAllocator(256, 0, { CUDA_VISIBLE_DEVICES: '1' });
    try {
      const apps = await queryComputeApps(FAKE_SMI, [gpu(0, UUIDS[0]), gpu(1, UUIDS[1])]);
      assert.deepEqual([...apps].sort(byPid), [
        { gpuIndex: 0, pid: onFirst.pid, usedBytes: 1500 * MiB },
        { gpuIndex: 1, pid: onSecond.pid, usedBytes: 256 * MiB },
      ].sort(byPid));
      // The index comes from the caller's uuid -> index, and GPUs it did not list are left out.
      assert.deepEqual(await queryComputeApps(FAKE_SMI, [gpu(7, UUIDS[1])]), [{ gpuIndex: 7, pid: onSecond.pid, usedBytes: 256 * MiB }]);
    } finally {
      await stopChild(onFirst);
      await stopChild(onSecond);
    }
    assert.deepEqual(await queryComputeApps(FAKE_SMI, [gpu(0, UUIDS[0]), gpu(1, UUIDS[1])]), [], 'a dead process holds nothing');
  });

  it('gives null per-process memory where the driver prints [N/A]', async () => {
    const dir = useFakeGpu();
    mark(dir, 'na-memory');
    const child = await spawnAllocator(64);
    try {
      assert.deepEqual(await queryComputeApps(FAKE_SMI, [gpu(0, UUIDS[0])]), [{ gpuIndex: 0, pid: child.pid, usedBytes: null }]);
    } finally {
      await stopChild(child);
    }
  });

  it('rejects with GPU_READ naming the command, its exit code and its output when nvidia-smi fails', async () => {
    const dir = useFakeGpu();
    mark(dir, 'fail.txt', 'Failed to initialize NVML: Driver/library version mismatch\n');
    await assert.rejects(queryComputeApps(FAKE_SMI, [gpu(0, UUIDS[0])]), (error: unknown) => {
      assert.ok(isGpuTestError(error), String(error));
      assert.equal(error.code, 'GPU_READ');
      assert.match(error.message, /^listing the processes on the GPUs failed: `.*nvidia-smi --query-compute-apps=pid,process_name,used_memory,gpu_uuid --format=csv,noheader,nounits` exited with code 9/);
      assert.match(error.message, /Driver\/library version mismatch/);
      return true;
    });
  });

  it('rejects with GPU_READ when nvidia-smi cannot be run at all', async () => {
    await assert.rejects(queryComputeApps('/nonexistent/nvidia-smi', []), (error: unknown) => {
      assert.ok(isGpuTestError(error), String(error));
      assert.match(error.message, /^listing the processes on the GPUs failed: `\/nonexistent\/nvidia-smi .*` failed/);
      return true;
    });
  });
});

describe('queryComputeApps on the captured H100 output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-compute-apps-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const capture = fileURLToPath(new URL('../../fixtures/nvidia-smi/h100-80gb/query-compute-apps-busy.csv', import.meta.url));

  it('reads every row of the real output, MiB units included', async () => {
    const smi = join(dir, 'nvidia-smi');
    writeFileSync(smi, `#!/bin/sh\ncat '${capture}'\n`);
    chmodSync(smi, 0o755);
    const apps = await queryComputeApps(smi, [gpu(3, 'GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d')]);
    assert.deepEqual(apps.map((app) => [app.gpuIndex, app.pid, app.usedBytes]), [12900, 2660, 4708, 6756, 8804].map((mib) => [3, 653, mib * MiB]));
    assert.deepEqual(await queryComputeApps(smi, [gpu(0, 'GPU-00000000-0000-0000-0000-000000000000')]), []);
  });
});
