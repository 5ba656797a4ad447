// The simulated GPU must answer like the H100 the fixtures come from, or end-to-end tests prove nothing.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { allocate, allocated, free, freeAll, setHealth, visibleGpus } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { parseComputeAppsCsv, parseQueryGpuCsv } from '../../src/probe/nvidia-smi-csv.js';
import { FAKE_SMI, TWO_GPUS, mark, restoreFakeGpu, spawnAllocator, stopChild, useFakeGpu } from './fake-gpu-state.js';

const FULL_QUERY =
  'index,uuid,name,pci.bus_id,memory.total,memory.used,memory.free,memory.reserved,utilization.gpu,utilization.memory,' +
  'temperature.gpu,temperature.memory,power.draw,power.limit,clocks.sm,clocks.mem,pstate,compute_mode,persistence_mode,' +
  'driver_version,ecc.errors.uncorrected.volatile.total,clocks_throttle_reasons.active,fan.speed';
const fixtureLines = readFileSync(new URL('../../fixtures/nvidia-smi/h100-80gb/query-gpu.csv', import.meta.url), 'utf8').split('\n');

const smi = (...args: string[]): string => execFileSync(FAKE_SMI, args, { encoding: 'utf8' });
const smiFails = (...args: string[]): { status: number | null; stdout: string } => {
  try {
    smi(...args);
    return { status: 0, stdout: '' };
  } catch (error) {
    const failed = error as { status: number | null; stdout: string };
    return { status: failed.status, stdout: failed.stdout };
  }
};
// Fields that measure the card (power, clocks, bus) differ between captures; everything else must match.
const shape = (line: string): string => line.replace(/\d+\.\d+ ?W?/g, 'P').replace(/00000000:00:06\.0/, 'BUS');

afterEach(restoreFakeGpu);

describe('fake nvidia-smi', () => {
  it('prints the full query exactly as the H100 did, with and without header and units', () => {
    const dir = useFakeGpu();
    assert.ok(existsSync(join(dir, 'gpus.json')));
    const [header, withUnits] = smi(`--query-gpu=${FULL_QUERY}`, '--format=csv').trimEnd().split('\n');
    assert.equal(header, fixtureLines[0]);
    assert.equal(shape(withUnits ?? ''), shape(fixtureLines[1] ?? ''));
    assert.equal(shape(smi(`--query-gpu=${FULL_QUERY}`, '--format=csv,noheader,nounits').trimEnd()), shape(fixtureLines[2] ?? ''));
    assert.equal(smi('--query-gpu=memory.used', '--format=csv,noheader'), '0 MiB\n');
  });

  it('answers -i by index or uuid, and the error codes of the real tool', () => {
    useFakeGpu(TWO_GPUS);
    assert.equal(smi('--query-gpu=index', '--format=csv,noheader', '-i', '1'), '1\n');
    assert.equal(smi('--query-gpu=index', '--format=csv,noheader', `--id=${TWO_GPUS[1]?.uuid ?? ''}`), '1\n');
    assert.deepEqual(smiFails('--query-gpu=bogus', '--format=csv'), { status: 2, stdout: 'Field "bogus" is not a valid field to query.\n' });
    assert.equal(smiFails('--query-gpu=index', '--format=csv', '-i', '7').status, 6);
  });

  it('streams --loop-ms until killed', async () => {
    useFakeGpu();
    const child = spawn(FAKE_SMI, ['--query-gpu=timestamp,index,memory.used,utilization.gpu,power.draw', '--format=csv,noheader,nounits', '--loop-ms=50']);
    let output = '';
    // Three lines, however long a loaded machine takes to print them: it keeps streaming until it is killed.
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.split('\n').length > 3) resolve();
      });
    });
    assert.equal(child.exitCode, null, 'still streaming');
    await stopChild(child);
    const table = parseQueryGpuCsv(output, ['timestamp', 'index', 'memory.used', 'utilization.gpu', 'power.draw']);
    assert.ok(table.rows.length >= 3, `${table.rows.length} lines`);
    assert.match(table.rows[0]?.['timestamp'] ?? '', /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{3}$/);
  });

  it('lists compute apps like the H100, and frees them when the process dies', async () => {
    useFakeGpu(TWO_GPUS);
    const child = await spawnAllocator(12900, 0, { CUDA_VISIBLE_DEVICES: 'GPU-2222' });
    try {
      const line = smi('--query-compute-apps=pid,process_name,used_memory,gpu_uuid', '--format=csv,noheader');
      assert.equal(line, `${child.pid}, node, 12900 MiB, ${TWO_GPUS[1]?.uuid}\n`);
      assert.equal(parseComputeAppsCsv(line).apps[0]?.usedBytes, 12900 * 1024 * 1024);
      assert.equal(smi('--query-compute-apps=pid,used_memory', '--format=csv').split('\n')[0], 'pid, used_gpu_memory [MiB]');
      assert.match(smi('-q', '-x'), new RegExp(`<pid>${child.pid}</pid>[\\s\\S]*<used_memory>12900 MiB</used_memory>`));
      assert.match(smi(), new RegExp(`${child.pid}      C   node`));
    } finally {
      await stopChild(child);
    }
    assert.equal(smi('--query-compute-apps=pid', '--format=csv,noheader'), '');
    assert.equal(smi('--query-gpu=memory.used', '--format=csv,noheader,nounits'), '0\n0\n');
  });

  it('fails like a broken driver, hides vanished GPUs and prints [N/A] on request', () => {
    const dir = useFakeGpu(TWO_GPUS);
    mark(dir, 'na-memory');
    assert.equal(smi('--query-gpu=memory.used,memory.total', '--format=csv,noheader,nounits'), '[N/A], 81559\n[N/A], 81559\n');
    mark(dir, 'vanish-0');
    assert.equal(smi('-L'), `GPU 1: NVIDIA H100 80GB HBM3 (UUID: ${TWO_GPUS[1]?.uuid})\n`);
    mark(dir, 'fail.txt', 'NVIDIA-SMI has failed\n');
    assert.deepEqual(smiFails('-L'), { status: 9, stdout: 'NVIDIA-SMI has failed\n' });
  });
});

describe('fake-gpu API', () => {
  it('maps CUDA_VISIBLE_DEVICES by index and uuid prefix, stopping at the first bad entry', () => {
    const dir = useFakeGpu(TWO_GPUS);
    const visible = (setting: string | undefined): number[] => visibleGpus({ FAKE_GPU_STATE: dir, CUDA_VISIBLE_DEVICES: setting });
    assert.deepEqual(visible(undefined), [0, 1]);
    assert.deepEqual(visible('1,0'), [1, 0]);
    assert.deepEqual(visible('GPU-2222,GPU-d7bc'), [1, 0]);
    assert.deepEqual(visible('0,5,1'), [0]);
    assert.deepEqual(visible('GPU-'), []);
    assert.deepEqual(visible(''), []);
  });

  it('allocates, frees and refuses what does not fit, in this process', () => {
    const dir = useFakeGpu(TWO_GPUS);
    const before = process.env['CUDA_VISIBLE_DEVICES'];
    process.env['CUDA_VISIBLE_DEVICES'] = '1,0';
    try {
      allocate(1000);
      allocate(24, 1);
      allocate(1000);
      assert.deepEqual(allocated(), { '0': 24, '1': 2000 });
      assert.equal(smi('--query-gpu=memory.used', '--format=csv,noheader,nounits'), '24\n2000\n');
      free(500);
      assert.deepEqual(allocated(), { '0': 24, '1': 1500 });
      assert.throws(() => free(5000), /holds only 1500 MiB/);
      assert.throws(() => allocate(90_000), /CUDA out of memory\. Tried to allocate 90000 MiB\. GPU 0 has a total capacity of 81559 MiB of which 79579 MiB is free/);
      assert.throws(() => allocate(1, 2), /invalid device ordinal/);
      assert.throws(() => allocate(-1), /positive number of MiB/);
      free(undefined, 1);
      assert.deepEqual(allocated(), { '1': 1500 });
      freeAll();
      assert.deepEqual(allocated(), {});
      assert.ok(!existsSync(join(dir, `alloc-${process.pid}.json`)));
    } finally {
      if (before === undefined) delete process.env['CUDA_VISIBLE_DEVICES'];
      else process.env['CUDA_VISIBLE_DEVICES'] = before;
    }
  });

  it('reports the utilization, temperature and power that setHealth() sets, idle figures otherwise', () => {
    useFakeGpu(TWO_GPUS);
    const query = (): string => smi('--query-gpu=utilization.gpu,temperature.gpu,power.draw', '--format=csv,noheader,nounits');
    assert.equal(query(), '0, 37, 71.11\n0, 37, 71.11\n');
    setHealth({ utilizationPercent: 85, temperatureC: 91, powerWatts: 712.5 }, 1);
    setHealth({ temperatureC: 44 });
    assert.equal(query(), '0, 44, 71.11\n85, 91, 712.50\n');
    setHealth({ temperatureC: null }, 1);
    assert.equal(query(), '0, 44, 71.11\n85, 37, 712.50\n');
  });
});
