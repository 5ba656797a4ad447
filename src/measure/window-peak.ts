// A test's peaks: the continuous timeline between its boundaries, with the boundary samples themselves counted, so
// a test shorter than one sampling interval still has a peak (the larger of before and after).

import { gpuSeries, sampledPeak, type ContinuousSampler, type SampleSeries } from './continuous-sampler.js';
import type { MemorySample, WindowPeak } from '../results/measurement.js';

function maxOf(values: readonly (number | null | undefined)[]): number | null {
  let best: number | null = null;
  for (const value of values) {
    if (value != null && Number.isFinite(value) && (best === null || value > best)) best = value;
  }
  return best;
}

function gpuUsed(sample: MemorySample, index: number): number | null {
  return sample.gpus?.find((gpu) => gpu.index === index)?.usedBytes ?? null;
}

/**
 * Peaks of one test between `before` and `after`. `gpuIndices` null: a cpu-lane test, whose VRAM peak is null.
 * With several GPUs the VRAM peak is the sum of each GPU's peak: an upper bound when they peak at different times.
 * `sampled` null (sampling had not started yet) leaves only the boundary samples.
 */
export function computeWindowPeak(
  sampled: Pick<ContinuousSampler, 'timeline' | 'series'> | null,
  before: MemorySample,
  after: MemorySample,
  gpuIndices: readonly number[] | null,
): WindowPeak {
  const over = (name: SampleSeries): number | null => sampledPeak(sampled, name, before.at, after.at);
  let vramBytes: number | null = null;
  if (gpuIndices !== null && gpuIndices.length > 0) {
    const perGpu = gpuIndices.map((index) => maxOf([over(gpuSeries(index)), gpuUsed(before, index), gpuUsed(after, index)]));
    vramBytes = perGpu.some((value) => value === null) ? null : perGpu.reduce<number>((sum, value) => sum + (value ?? 0), 0);
  }
  return {
    vramBytes,
    hostUsedBytes: maxOf([over('hostUsed'), before.host?.usedBytes, after.host?.usedBytes]),
    swapUsedBytes: maxOf([over('swapUsed'), before.host?.swapUsedBytes, after.host?.swapUsedBytes]),
  };
}
