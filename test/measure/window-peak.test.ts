import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startContinuousSampler } from '../../src/measure/continuous-sampler.js';
import { computeWindowDeltas } from '../../src/results/window-deltas.js';
import { computeWindowPeak } from '../../src/measure/window-peak.js';
import type { GpuMemory } from '../../src/results/machine.js';
import type { GpuReader } from '../../src/probe/types.js';
import { sample } from '../helpers/sample-run-result.js';

const GiB = 1024 ** 3;

/** A sampler fed by hand: each `feed` stores one sample at `at` with GPU 0 (and GPU 1 at 1 GiB) and host RAM. */
async function sampled(points: readonly (readonly [at: number, vram: number, hostUsed: number])[]) {
  let current: readonly [number, number, number] = points[0] ?? [0, 0, 0];
  const reader: GpuReader = {
    backend: 'nvml',
    readMemory: () => Promise.resolve<GpuMemory[]>([
      { index: 0, uuid: 'GPU-0', usedBytes: current[1], totalBytes: 80 * GiB },
      { index: 1, uuid: 'GPU-1', usedBytes: GiB, totalBytes: 80 * GiB },
    ]),
  };
  const host = () => ({ totalBytes: 64 * GiB, usedBytes: current[2], availableBytes: 0, swapTotalBytes: 0, swapUsedBytes: 0 });
  const sampler = startContinuousSampler({ gpuReader: reader, gpuIndices: [0, 1], intervalMs: 60_000, now: () => current[0], readHost: host });
  for (const point of points) {
    current = point;
    await sampler.sampleNow();
  }
  sampler.stop();
  return sampler;
}

describe('computeWindowPeak', () => {
  it('finds a spike between equal boundary samples', async () => {
    const sampler = await sampled([[1000, 0, 8 * GiB], [1100, 2 * GiB, 9 * GiB], [1200, 0, 8 * GiB]]);
    const peak = computeWindowPeak(sampler, sample(1050, 0, 0, 8 * GiB), sample(1250, 0, 0, 8 * GiB), [0]);
    assert.deepEqual(peak, { vramBytes: 2 * GiB, hostUsedBytes: 9 * GiB, swapUsedBytes: 0 });
    const deltas = computeWindowDeltas({ before: sample(1050, 0, 0, 8 * GiB), after: sample(1250, 0, 0, 8 * GiB), peak });
    assert.equal(deltas.vramDeltaBytes, 0);
    assert.equal(deltas.vramPeakBytes, 2 * GiB);
    assert.equal(deltas.hostUsedPeakBytes, 9 * GiB);
  });

  it('ignores samples outside the test, and counts the boundary samples for a test shorter than one interval', async () => {
    const sampler = await sampled([[1000, 20 * GiB, 30 * GiB], [2000, 20 * GiB, 30 * GiB]]);
    const peak = computeWindowPeak(sampler, sample(1200, GiB, 0, 8 * GiB), sample(1210, 3 * GiB, 0, 7 * GiB, 4096), [0]);
    assert.deepEqual(peak, { vramBytes: 3 * GiB, hostUsedBytes: 8 * GiB, swapUsedBytes: 4096 });
  });

  it('has no VRAM peak for the cpu lane, and uses the boundary samples alone before sampling starts', () => {
    const peak = computeWindowPeak(null, sample(1, 5 * GiB, 0, 8 * GiB), sample(2, 6 * GiB, 0, 9 * GiB), null);
    assert.deepEqual(peak, { vramBytes: null, hostUsedBytes: 9 * GiB, swapUsedBytes: 0 });
    assert.equal(computeWindowPeak(null, sample(1, 5 * GiB, 0, 8 * GiB), sample(2, 6 * GiB, 0, 9 * GiB), [0]).vramBytes, 6 * GiB);
  });

  it('sums the peaks of every GPU the job was given, and has none for a GPU the sampler does not know', async () => {
    const sampler = await sampled([[1000, 2 * GiB, GiB]]);
    assert.equal(computeWindowPeak(sampler, sample(900, null, 0, 0), sample(1100, null, 0, 0), [0, 1]).vramBytes, 3 * GiB);
    assert.equal(computeWindowPeak(sampler, sample(900, null, 0, 0), sample(1100, null, 0, 0), [3]).vramBytes, null);
  });
});
