// Turns a test's before/after samples and peaks into the figures every report shows.

import type { GpuMemory } from './machine.js';
import type { MemorySample, TestWindow, WindowDeltas } from './measurement.js';

/** Sum of used VRAM over the sample's GPUs; null when no GPU was measured or any reading is unknown. */
export function totalVramUsed(gpus: readonly GpuMemory[] | null): number | null {
  if (!gpus || gpus.length === 0) return null;
  let sum = 0;
  for (const gpu of gpus) {
    if (gpu.usedBytes === null) return null;
    sum += gpu.usedBytes;
  }
  return sum;
}

function difference(after: number | null | undefined, before: number | null | undefined): number | null {
  return after == null || before == null ? null : after - before;
}

function stallMs(after: number | null | undefined, before: number | null | undefined): number | null {
  const us = difference(after, before);
  return us === null ? null : us / 1000;
}

/** Before, after, delta and peak of VRAM, process RSS, host RAM and swap for one test window. */
export function computeWindowDeltas(window: TestWindow | null): WindowDeltas {
  const before: MemorySample | undefined = window?.before;
  const after: MemorySample | null | undefined = window?.after;
  const vramBefore = before ? totalVramUsed(before.gpus) : null;
  const vramAfter = after ? totalVramUsed(after.gpus) : null;
  return {
    vramBeforeBytes: vramBefore,
    vramAfterBytes: vramAfter,
    vramDeltaBytes: difference(vramAfter, vramBefore),
    vramPeakBytes: window?.peak?.vramBytes ?? null,
    rssBeforeBytes: before?.processRssBytes ?? null,
    rssAfterBytes: after?.processRssBytes ?? null,
    rssDeltaBytes: difference(after?.processRssBytes, before?.processRssBytes),
    hostUsedBeforeBytes: before?.host?.usedBytes ?? null,
    hostUsedAfterBytes: after?.host?.usedBytes ?? null,
    hostUsedDeltaBytes: difference(after?.host?.usedBytes, before?.host?.usedBytes),
    hostUsedPeakBytes: window?.peak?.hostUsedBytes ?? null,
    swapDeltaBytes: difference(after?.host?.swapUsedBytes, before?.host?.swapUsedBytes),
    memoryStallSomeMs: stallMs(after?.memoryStallUs?.some, before?.memoryStallUs?.some),
    memoryStallFullMs: stallMs(after?.memoryStallUs?.full, before?.memoryStallUs?.full),
  };
}
