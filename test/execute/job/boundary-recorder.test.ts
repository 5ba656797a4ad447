// The harness side of a GPU file's boundaries: a test's end never waits for VRAM, and when VRAM moved during the test,
// the next point where the process waits (the next begin, or the flush before it exits) lets VRAM settle first and
// makes that settled reading the test's "after".

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoundaryMessage } from '../../../src/execute/child/protocol.js';
import { recordBoundaries } from '../../../src/execute/job/boundary-recorder.js';
import type { JobGpus } from '../../../src/execute/job/job-gpus.js';
import type { JobLife } from '../../../src/execute/job/job-life.js';
import type { GpuMemory } from '../../../src/results/machine.js';

const MiB = 1024 * 1024;

/** A GPU file on card 0 whose VRAM is `vram.used`; settle() is recorded and lands on `vram.settlesAt`. */
function gpuFile() {
  const vram = { used: 0, settlesAt: 0 };
  const settled: { firstBytes: number | null; beforeBytes: number | null }[] = [];
  const reading = (used: number): GpuMemory[] => [{ index: 0, uuid: 'GPU-0', usedBytes: used, totalBytes: 80 * 1024 * MiB }];
  const gpus: JobGpus = {
    reader: () => ({ backend: 'nvml', readMemory: async () => reading(vram.used) }),
    lane: () => [0],
    readLane: async () => reading(vram.used),
    settle: async (first, beforeBytes) => {
      settled.push({ firstBytes: first?.[0]?.usedBytes ?? null, beforeBytes });
      vram.used = vram.settlesAt;
      return reading(vram.used);
    },
  };
  const warnings: string[] = [];
  const life = {
    job: { lane: 'gpu', needs: { vram: null } },
    context: { config: { sampleIntervalMs: 50 }, observer: {}, gpuState: () => ({ gpu: null, gpuReader: null, sampler: null }) },
    warn: (message: string) => warnings.push(message),
  } as unknown as JobLife;
  const recorder = recordBoundaries(life, gpus, false);
  let seq = 0;
  const begin = (name: string): Promise<void> => {
    seq += 1;
    const message: BoundaryMessage = { gpuTest: 'boundary', phase: 'begin', seq, beginSeq: null, name, at: Date.now(), wait: true };
    return recorder.onBoundary(message, process.pid);
  };
  const end = (name: string, beginSeq: number): Promise<void> => {
    seq += 1;
    const message: BoundaryMessage = { gpuTest: 'boundary', phase: 'end', seq, beginSeq, name, at: Date.now(), wait: false };
    return recorder.onBoundary(message, process.pid);
  };
  const vramOf = (name: string) => {
    const window = recorder.windows().find((w) => w.name === name);
    return { before: window?.before.gpus?.[0]?.usedBytes, after: window?.after?.gpus?.[0]?.usedBytes };
  };
  return { vram, settled, recorder, begin, end, vramOf, warnings };
}

describe('recordBoundaries on a GPU file', () => {
  it('settles VRAM a test left moving at the next begin, before that test\'s "before", and gives the test the settled "after"', async () => {
    const file = gpuFile();
    await file.begin('loads');
    file.vram.used = 512 * MiB; // Still held when the test ends: a worker frees it a moment later.
    file.vram.settlesAt = 0;
    await file.end('loads', 1);
    assert.deepEqual(file.settled, [], 'an end does not wait');
    await file.begin('generates');
    assert.deepEqual(file.settled, [{ firstBytes: 512 * MiB, beforeBytes: 0 }]);
    assert.deepEqual(file.vramOf('loads'), { before: 0, after: 0 });
    assert.deepEqual(file.vramOf('generates'), { before: 0, after: undefined });
    assert.deepEqual(file.warnings, []);
  });

  it('does not wait at all after a test whose VRAM did not move', async () => {
    const file = gpuFile();
    await file.begin('reads a tokenizer');
    await file.end('reads a tokenizer', 1);
    await file.begin('parses');
    await file.end('parses', 3);
    await file.recorder.drained();
    assert.deepEqual(file.settled, []);
  });

  it('settles after the last test at the flush, before the process may exit', async () => {
    const file = gpuFile();
    await file.begin('loads');
    file.vram.used = 256 * MiB;
    file.vram.settlesAt = 64 * MiB;
    await file.end('loads', 1);
    await file.recorder.drained();
    assert.equal(file.settled.length, 1);
    assert.deepEqual(file.vramOf('loads'), { before: 0, after: 64 * MiB });
  });

  it('settles a subtest and its parent once, with the same reading, when both ended before the next begin', async () => {
    const file = gpuFile();
    await file.begin('model');
    await file.begin('loads');
    file.vram.used = 512 * MiB;
    file.vram.settlesAt = 0;
    await file.end('loads', 2);
    await file.end('model', 1);
    await file.begin('next');
    assert.equal(file.settled.length, 1);
    assert.deepEqual([file.vramOf('loads').after, file.vramOf('model').after], [0, 0]);
  });
});
