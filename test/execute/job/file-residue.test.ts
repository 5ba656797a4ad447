// What a file leaves behind, with real processes: a detached child seen in the test's tree and still running is an
// orphan (named with its command line and RSS, killed under killOrphans), a reused pid (other start time) or an
// exited process is not; a process new on an exclusive GPU is the file's even if never seen in its tree. And
// readOccupancy on a scripted GPU reader: filtering by the job's GPUs, warnings instead of throws.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { findResidue, readOccupancy, type GpuOccupancy, type ResidueInput } from '../../../src/execute/job/file-residue.js';
import { isRunning, readCommandLine, readStartTime } from '../../../src/probe/process-tree.js';
import type { GpuMemory } from '../../../src/results/machine.js';
import type { GpuProcess, GpuReader } from '../../../src/probe/types.js';

const MiB = 1024 * 1024;
const linux = process.platform === 'linux';
const started: ChildProcess[] = [];

after(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A detached node process that idles until killed, once its command line shows it. */
async function startIdler(): Promise<{ child: ChildProcess; pid: number; startTime: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000) /* gpu-test residue idler */'], { detached: true, stdio: 'ignore' });
  started.push(child);
  const pid = child.pid ?? -1;
  for (let i = 0; i < 100 && !(readCommandLine(pid) ?? '').includes('residue idler'); i += 1) await sleep(10);
  const startTime = readStartTime(pid);
  assert.ok(startTime !== null, 'the idler has a start time');
  return { child, pid, startTime };
}

const NONE: GpuOccupancy = { gpus: null, processes: null };

function occupancy(usedMiB: number, processes: GpuProcess[] = []): GpuOccupancy {
  return { gpus: [{ index: 0, uuid: 'GPU-0', usedBytes: usedMiB * MiB, totalBytes: 80 * 1024 * MiB }], processes };
}

function input(overrides: Partial<ResidueInput>): ResidueInput {
  return { before: NONE, after: NONE, seenPids: new Map(), gpusExclusive: false, killOrphans: false, ...overrides };
}

describe('findResidue', { skip: linux ? false : 'reads /proc' }, () => {
  it('names a process of the test\'s tree that is still running, and leaves it running', async () => {
    const { pid, startTime } = await startIdler();
    const residue = await findResidue(input({ seenPids: new Map([[pid, startTime]]) }));
    assert.equal(residue.orphans.length, 1);
    const [orphan] = residue.orphans;
    assert.equal(orphan?.pid, pid);
    assert.match(orphan?.command ?? '', /setInterval.*residue idler/);
    assert.equal(orphan?.gpuIndex, null);
    assert.equal(orphan?.vramBytes, null);
    assert.ok((orphan?.rssBytes ?? 0) > 0, 'its RSS is read');
    assert.equal(orphan?.killed, false);
    assert.ok(isRunning(pid));
  });

  it('kills it under killOrphans', { timeout: 5000 }, async () => {
    const { child, pid, startTime } = await startIdler();
    const exited = once(child, 'exit');
    const residue = await findResidue(input({ seenPids: new Map([[pid, startTime]]), killOrphans: true }));
    assert.deepEqual(residue.orphans.map((o) => [o.pid, o.killed]), [[pid, true]]);
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');
  });

  it('does not name a pid seen with another start time (reused by another process), nor one that has exited', async () => {
    const { pid, startTime } = await startIdler();
    assert.deepEqual((await findResidue(input({ seenPids: new Map([[pid, startTime - 1]]) }))).orphans, []);
    const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    const gonePid = gone.pid ?? -1;
    const goneStart = readStartTime(gonePid);
    await once(gone, 'exit');
    assert.deepEqual((await findResidue(input({ seenPids: new Map([[gonePid, goneStart]]) }))).orphans, []);
    assert.ok(isRunning(pid), 'nothing was killed');
  });

  it('takes a process new on an exclusive GPU as the file\'s, with its VRAM, even if never seen in its tree', async () => {
    const { pid } = await startIdler();
    const onGpu = { gpuIndex: 0, pid, usedBytes: 512 * MiB };
    const residue = await findResidue(input({ before: occupancy(0), after: occupancy(512, [onGpu]), gpusExclusive: true }));
    assert.deepEqual(residue.orphans.map((o) => [o.pid, o.gpuIndex, o.vramBytes]), [[pid, 0, 512 * MiB]]);
    assert.equal(residue.vramBeforeBytes, 0);
    assert.equal(residue.vramAfterBytes, 512 * MiB);
  });

  it('leaves a GPU process alone that is not provably the file\'s: shared GPU, or there before the file', async () => {
    const { pid } = await startIdler();
    const onGpu = { gpuIndex: 0, pid, usedBytes: 512 * MiB };
    const shared = await findResidue(input({ before: occupancy(0), after: occupancy(512, [onGpu]), gpusExclusive: false, killOrphans: true }));
    assert.deepEqual(shared.orphans, []);
    const earlier = await findResidue(input({ before: occupancy(512, [onGpu]), after: occupancy(512, [onGpu]), gpusExclusive: true, killOrphans: true }));
    assert.deepEqual(earlier.orphans, []);
    assert.ok(isRunning(pid));
  });

  it('names a process once when it is both in the tree and on the GPU, with its GPU', async () => {
    const { pid, startTime } = await startIdler();
    const residue = await findResidue(input({ after: occupancy(100, [{ gpuIndex: 0, pid, usedBytes: 100 * MiB }]), seenPids: new Map([[pid, startTime]]) }));
    assert.deepEqual(residue.orphans.map((o) => [o.pid, o.gpuIndex]), [[pid, 0]]);
  });

  it('reports no VRAM figures off the gpu lane', async () => {
    assert.deepEqual(await findResidue(input({})), { vramBeforeBytes: null, vramAfterBytes: null, orphans: [] });
  });
});

describe('readOccupancy', () => {
  const gpus: GpuMemory[] = [0, 1].map((index) => ({ index, uuid: `GPU-${index}`, usedBytes: (index + 1) * MiB, totalBytes: 80 * MiB }));
  const processes: GpuProcess[] = [{ gpuIndex: 0, pid: 10, usedBytes: MiB }, { gpuIndex: 1, pid: 11, usedBytes: 2 * MiB }];
  const reader = (overrides: Partial<GpuReader> = {}): GpuReader & { asked: unknown[] } => {
    const asked: unknown[] = [];
    return { backend: 'nvml', readMemory: (options) => (asked.push(options), Promise.resolve(gpus)), readProcesses: () => Promise.resolve(processes), asked, ...overrides };
  };

  it('keeps the job\'s GPUs only, and asks for a reading taken after the given moment', async () => {
    const gpuReader = reader();
    const warnings: string[] = [];
    const read = await readOccupancy(gpuReader, [1], (m) => warnings.push(m), 1234);
    assert.deepEqual(read, { gpus: [gpus[1]], processes: [processes[1]] });
    assert.deepEqual(gpuReader.asked, [{ takenAfter: 1234 }]);
    await readOccupancy(gpuReader, [1], () => {});
    assert.deepEqual(gpuReader.asked, [{ takenAfter: 1234 }, undefined], 'no takenAfter: any fresh reading');
    assert.deepEqual(warnings, []);
  });

  it('reads nothing off the gpu lane or without a GPU backend, and no processes from a reader that cannot list them', async () => {
    assert.deepEqual(await readOccupancy(reader(), [], () => {}), NONE);
    assert.deepEqual(await readOccupancy(reader({ backend: 'none' }), [0], () => {}), NONE);
    const { readProcesses: _omit, ...withoutProcesses } = reader();
    assert.deepEqual(await readOccupancy(withoutProcesses, [0], () => {}), { gpus: [gpus[0]], processes: null });
  });

  it('turns failed reads into warnings and nulls', async () => {
    const warnings: string[] = [];
    const failing = reader({ readMemory: () => Promise.reject(new Error('GPU is lost')), readProcesses: () => Promise.reject(new Error('nvidia-smi exited 9')) });
    assert.deepEqual(await readOccupancy(failing, [0], (m) => warnings.push(m)), NONE);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? '', /^VRAM before\/after the file: .*GPU is lost/);
    assert.match(warnings[1] ?? '', /^processes on the GPU: .*nvidia-smi exited 9/);
  });
});
