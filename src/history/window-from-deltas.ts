// A test's window rebuilt from the figures results.json keeps of it (`deltas`), for files written without raw samples
// (schema 4's default). Two boundary samples and a peak that hold exactly those figures, so every reader of a RunResult
// (the reports of a merged run, compare, trend, budgets' figures) computes the same deltas and peaks the run wrote.
// What deltas do not carry stays unknown: the samples' times (placed at the file's start and one duration later), the
// split of VRAM over several cards (all of it on the job's first card), the peak of swap, per-process VRAM. Pure.

import type { GpuMemory, HostMemory } from '../results/machine.js';
import type { MemorySample, TestWindow } from '../results/measurement.js';
import type { DeltasJson } from './results-json.js';

/** What a rebuilt window takes from its file and run besides the test's figures. */
export interface WindowContext {
  /** When the test's "before" is placed: the file's start, else the run's. */
  readonly at: number;
  readonly durationMs: number;
  /** The card the VRAM figures are put on: the job's first GPU, or null for a test with no VRAM figure. */
  readonly gpu: { readonly index: number; readonly uuid: string } | null;
  /** The host's RAM and swap totals, for the samples' host memory. */
  readonly hostTotalBytes: number;
  readonly swapTotalBytes: number;
}

const known = (value: number | null | undefined): value is number => value !== null && value !== undefined;

function gpus(vramBytes: number | null | undefined, context: WindowContext): GpuMemory[] | null {
  if (!known(vramBytes)) return null;
  const gpu = context.gpu ?? { index: 0, uuid: '' };
  return [{ index: gpu.index, uuid: gpu.uuid, usedBytes: vramBytes, totalBytes: null }];
}

// Swap in use is not kept, only its growth: before is put at 0 and after at the growth, which is the figure read back.
function host(usedBytes: number | null | undefined, swapUsedBytes: number, context: WindowContext): HostMemory | null {
  if (!known(usedBytes)) return null;
  return {
    totalBytes: context.hostTotalBytes, usedBytes, availableBytes: Math.max(0, context.hostTotalBytes - usedBytes),
    swapTotalBytes: context.swapTotalBytes, swapUsedBytes,
  };
}

// PSI totals since boot are not kept, only the stall during the test: before at 0, after at the stall (µs).
function stalls(d: DeltasJson, side: 'before' | 'after'): MemorySample['memoryStallUs'] {
  if (!known(d.memoryStallSomeMs)) return null;
  const us = (ms: number): number => (side === 'before' ? 0 : Math.round(ms * 1000));
  return { some: us(d.memoryStallSomeMs), full: known(d.memoryStallFullMs) ? us(d.memoryStallFullMs) : null };
}

/** The window whose computed deltas are `d`. */
export function windowFromDeltas(d: DeltasJson, context: WindowContext): TestWindow {
  const before: MemorySample = {
    at: context.at, host: host(d.hostUsedBeforeBytes, 0, context), processRssBytes: d.rssBeforeBytes ?? null,
    gpus: gpus(d.vramBeforeBytes, context), memoryStallUs: stalls(d, 'before'), errors: [],
  };
  const after: MemorySample = {
    at: context.at + context.durationMs, host: host(d.hostUsedAfterBytes, d.swapDeltaBytes ?? 0, context), processRssBytes: d.rssAfterBytes ?? null,
    gpus: gpus(d.vramAfterBytes, context), memoryStallUs: stalls(d, 'after'), errors: [],
  };
  const peaked = known(d.vramPeakBytes) || known(d.hostUsedPeakBytes);
  return {
    before, after,
    peak: peaked ? { vramBytes: d.vramPeakBytes ?? null, hostUsedBytes: d.hostUsedPeakBytes ?? null, swapUsedBytes: null } : null,
  };
}
