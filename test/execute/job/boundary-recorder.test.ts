// The harness side of a GPU file's boundaries: a boundary that brings the test process's own VRAM reading is recorded
// with it (the harness reads no card), an end that waits has VRAM settle before it is answered, and an end that does
// not wait is never held up by a settle.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoundaryMessage, VramReading } from '../../../src/execute/child/protocol.js';
import { recordBoundaries } from '../../../src/execute/job/boundary-recorder.js';
import type { JobGpus } from '../../../src/execute/job/job-gpus.js';
import type { JobLife } from '../../../src/execute/job/job-life.js';
import type { GpuMemory } from '../../../src/results/machine.js';

const MiB = 1024 * 1024;
const CARD = { index: 0, uuid: 'GPU-7f3a', name: 'NVIDIA H100 80GB HBM3', totalBytes: 80 * 1024 * MiB };

/** A GPU file on card 0 whose VRAM (as the harness reads it) is `vram.used`; settle() lands on `vram.settlesAt`. */
function gpuFile() {
  const vram = { used: 0, settlesAt: 0, harnessReads: 0 };
  const settled: { firstBytes: number | null; beforeBytes: number | null }[] = [];
  const reading = (used: number): GpuMemory[] => [{ index: 0, uuid: CARD.uuid, usedBytes: used, totalBytes: CARD.totalBytes }];
  const gpus: JobGpus = {
    reader: () => ({ backend: 'nvml', readMemory: async () => { vram.harnessReads += 1; return reading(vram.used); } }),
    lane: () => [0],
    readLane: async () => reading(vram.used),
    settle: async (first, beforeBytes) => {
      settled.push({ firstBytes: first?.[0]?.usedBytes ?? null, beforeBytes });
      vram.used = vram.settlesAt;
      return reading(vram.used);
    },
  };
  const life = {
    job: { lane: 'gpu', needs: { vram: null }, repeat: 1 },
    context: {
      config: { sampleIntervalMs: 50 }, observer: {},
      gpuState: () => ({ gpu: { available: true, gpus: [CARD] }, gpuReader: null, sampler: null }),
    },
    warn: () => {},
  } as unknown as JobLife;
  const recorder = recordBoundaries(life, gpus, false);
  let seq = 0;
  const send = (phase: 'begin' | 'end', name: string, beginSeq: number | null, wait: boolean, own?: number): Promise<void> => {
    seq += 1;
    const ownReading: VramReading[] | undefined = own === undefined ? undefined : [{ index: 0, usedBytes: own }];
    const message: BoundaryMessage = { gpuTest: 'boundary', phase, seq, beginSeq, name, at: Date.now(), wait, ...(ownReading ? { vram: ownReading } : {}) };
    return recorder.onBoundary(message, process.pid);
  };
  const windowOf = (name: string) => recorder.windows().find((w) => w.name === name);
  return { vram, settled, send, windowOf };
}

describe('recordBoundaries on a GPU file', () => {
  it('records the VRAM the test process read, with the card\'s uuid and size from the run, and reads no card itself', async () => {
    const file = gpuFile();
    await file.send('begin', 'reads a tokenizer', null, false, 512 * MiB);
    await file.send('end', 'reads a tokenizer', 1, false, 512 * MiB);
    const window = file.windowOf('reads a tokenizer');
    assert.deepEqual(window?.before.gpus, [{ index: 0, uuid: CARD.uuid, usedBytes: 512 * MiB, totalBytes: CARD.totalBytes }]);
    assert.equal(window?.after?.gpus?.[0]?.usedBytes, 512 * MiB);
    assert.equal(file.vram.harnessReads, 0);
    assert.deepEqual(file.settled, []);
  });

  it('lets VRAM settle at an end that waits, and makes the settled reading the test\'s "after"', async () => {
    const file = gpuFile();
    await file.send('begin', 'loads', null, false, 0);
    file.vram.settlesAt = 2048 * MiB; // The worker was still copying weights when the test's last line ran.
    await file.send('end', 'loads', 1, true, 1536 * MiB);
    assert.deepEqual(file.settled, [{ firstBytes: 1536 * MiB, beforeBytes: 0 }]);
    assert.equal(file.windowOf('loads')?.after?.gpus?.[0]?.usedBytes, 2048 * MiB);
  });

  it('where the harness reads VRAM, records its own reading at each boundary', async () => {
    const file = gpuFile();
    await file.send('begin', 'generates', null, true);
    file.vram.used = 64 * MiB;
    file.vram.settlesAt = 64 * MiB;
    await file.send('end', 'generates', 1, true);
    const window = file.windowOf('generates');
    assert.deepEqual([window?.before.gpus?.[0]?.usedBytes, window?.after?.gpus?.[0]?.usedBytes], [0, 64 * MiB]);
    assert.equal(file.vram.harnessReads, 2);
  });
});
