// After a GPU test, VRAM may still be moving: a caching allocator returning blocks, a CUDA context being torn down,
// a child process exiting. "After" waits (bounded) until two readings agree, but only when the test changed VRAM,
// so the thousands of tests that do not touch the GPU pay nothing.

import type { GpuMemory } from '../results/machine.js';
import { totalVramUsed } from '../results/window-deltas.js';

/** How long to wait and how close two readings must be to call VRAM settled. */
export interface SettleOptions {
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** Readings this close are equal: drivers move by a MiB or two on their own. */
  readonly toleranceBytes: number;
  /** Stops the wait (an interrupted run): the latest reading is returned, not settled. */
  readonly signal?: AbortSignal;
}

/** Two MiB: the jitter drivers show on an idle card. */
export const SETTLE_TOLERANCE_BYTES = 2 * 1024 * 1024;

/** The settled reading, how long it took, and whether VRAM settled before the timeout. */
export interface Settled {
  readonly gpus: readonly GpuMemory[] | null;
  readonly waitedMs: number;
  readonly settled: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starting from `first` (the reading at the test's end), reads again every `pollMs` until two readings agree,
 * for at most `timeoutMs`. With `beforeBytes` equal to `first`, VRAM did not change and no wait is made.
 */
export async function settleVram(
  read: () => Promise<readonly GpuMemory[] | null>,
  first: readonly GpuMemory[] | null,
  beforeBytes: number | null,
  options: SettleOptions,
  now: () => number = Date.now,
): Promise<Settled> {
  const firstBytes = totalVramUsed(first);
  const close = (a: number | null, b: number | null): boolean => a !== null && b !== null && Math.abs(a - b) <= options.toleranceBytes;
  if (options.timeoutMs <= 0 || firstBytes === null || close(firstBytes, beforeBytes)) {
    return { gpus: first, waitedMs: 0, settled: true };
  }
  const start = now();
  let previous = first;
  while (now() - start < options.timeoutMs && !options.signal?.aborted) {
    await sleep(Math.min(options.pollMs, Math.max(1, options.timeoutMs - (now() - start))));
    if (options.signal?.aborted) break;
    const next = await read();
    if (next === null) break;
    if (close(totalVramUsed(next), totalVramUsed(previous))) return { gpus: next, waitedMs: now() - start, settled: true };
    previous = next;
  }
  return { gpus: previous, waitedMs: now() - start, settled: false };
}
