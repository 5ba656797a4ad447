import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, it } from 'node:test';
import { readGpuInventory } from '../../src/probe/gpu-inventory.js';
import { listProcessTree } from '../../src/probe/process-tree.js';
import { FAKE_SMI, TWO_GPUS, mark, restoreFakeGpu, spawnAllocator, stopChild, useFakeGpu } from './fake-gpu-state.js';

const MiB = 1024 * 1024;
const UUID = 'GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d';
const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/nvidia-smi/h100-80gb/${name}`, import.meta.url), 'utf8');

afterEach(restoreFakeGpu);

describe('readGpuInventory', () => {
  it('reads q-busy.xml through node-nvidia-smi: one H100, driver 580.159.04, CUDA 13.0', async () => {
    const dir = useFakeGpu();
    mark(dir, 'q-x.xml', fixture('q-busy.xml'));
    assert.deepEqual(await readGpuInventory(), {
      available: true,
      reason: null,
      driverVersion: '580.159.04',
      cudaVersion: '13.0',
      gpus: [{ index: 0, uuid: UUID, name: 'NVIDIA H100 80GB HBM3', totalBytes: 81559 * MiB }],
      warnings: [],
    });
  });

  it('reads q-idle.xml the same way', async () => {
    const dir = useFakeGpu();
    mark(dir, 'q-x.xml', fixture('q-idle.xml'));
    const inventory = await readGpuInventory();
    assert.equal(inventory.available, true);
    assert.equal(inventory.gpus[0]?.totalBytes, 81559 * MiB);
  });

  it('lists several GPUs (an array in node-nvidia-smi) while a process holds memory', async () => {
    useFakeGpu(TWO_GPUS);
    const child = await spawnAllocator(700, 1);
    try {
      const inventory = await readGpuInventory();
      assert.deepEqual(inventory.gpus.map((gpu) => [gpu.index, gpu.uuid]), [[0, UUID], [1, TWO_GPUS[1]?.uuid]]);
      assert.deepEqual(inventory.warnings, []);
    } finally {
      await stopChild(child);
    }
  });

  it('warns on N/A memory', async () => {
    const dir = useFakeGpu();
    mark(dir, 'na-memory');
    const inventory = await readGpuInventory();
    assert.equal(inventory.available, true);
    assert.equal(inventory.gpus[0]?.totalBytes, 81559 * MiB);
    assert.deepEqual(inventory.warnings, [
      `GPU 0 (${UUID}) reports fb_memory_usage.used as N/A: VRAM for this GPU is not measured; on MIG or vGPU devices use the per-instance figures`,
    ]);
  });

  it('says nvidia-smi is not on PATH', async () => {
    useFakeGpu(undefined, { onPath: false });
    const saved = process.env['PATH'];
    process.env['PATH'] = '/nonexistent-bin';
    try {
      const inventory = await readGpuInventory();
      assert.equal(inventory.available, false);
      assert.match(inventory.reason ?? '', /^nvidia-smi was not found on PATH: /);
      assert.deepEqual(inventory.gpus, []);
    } finally {
      process.env['PATH'] = saved;
    }
  });

  it('runs the nvidia-smi at smiPath by putting its folder on PATH for the call', async () => {
    useFakeGpu(undefined, { onPath: false });
    const pathBefore = process.env['PATH'];
    const inventory = await readGpuInventory({ smiPath: FAKE_SMI });
    assert.equal(inventory.available, true);
    assert.equal(process.env['PATH'], pathBefore);
  });

  it('refuses an smiPath whose file is not called nvidia-smi', async () => {
    const inventory = await readGpuInventory({ smiPath: '/opt/tools/smi' });
    assert.match(inventory.reason ?? '', /smiPath must name a file called nvidia-smi .*`\/opt\/tools\/smi`/);
    assert.match((await readGpuInventory({ smiPath: '/nonexistent/nvidia-smi' })).reason ?? '', /not found at `\/nonexistent\/nvidia-smi`/);
  });

  it('quotes a failing nvidia-smi with the fix', async () => {
    const dir = useFakeGpu();
    mark(dir, 'fail.txt', "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n");
    const inventory = await readGpuInventory();
    assert.equal(inventory.available, false);
    assert.match(inventory.reason ?? '', /^`nvidia-smi -q -x` exited with code 9 and printed "NVIDIA-SMI has failed .*": the NVIDIA driver is not loaded/);
  });

  it('says when no GPU is found', async () => {
    const dir = useFakeGpu();
    mark(dir, 'vanish-0');
    assert.match((await readGpuInventory()).reason ?? '', /code 6 and printed "No devices were found": no NVIDIA GPU is visible/);
    mark(useFakeGpu(), 'q-x.xml', '<?xml version="1.0" ?>\n<nvidia_smi_log>\n<driver_version>580.159.04</driver_version>\n<attached_gpus>0</attached_gpus>\n</nvidia_smi_log>\n');
    const empty = await readGpuInventory();
    assert.equal(empty.available, false);
    assert.match(empty.reason ?? '', /lists no GPU/);
  });

  it('says when the output is not XML', async () => {
    const dir = useFakeGpu();
    mark(dir, 'q-x.xml', 'garbage, not xml');
    const inventory = await readGpuInventory();
    assert.equal(inventory.available, false);
    assert.match(inventory.reason ?? '', /nvidia-smi -q -x/);
  });

  it('times out a hung nvidia-smi and kills it', async () => {
    const dir = useFakeGpu();
    mark(dir, 'delay-ms', '20000');
    const inventory = await readGpuInventory({ timeoutMs: 500 });
    assert.match(inventory.reason ?? '', /did not answer within 0.5 s/);
    await sleep(200);
    const stuck = listProcessTree(process.pid).slice(1).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('-q');
      } catch {
        return false;
      }
    });
    assert.deepEqual(stuck, []);
  });
});
