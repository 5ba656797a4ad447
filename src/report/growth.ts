// Which tests grew memory the most, and which came nearest a limit: shared by the reports so all rank the same way.

import type { FileResult, RunResult, TestResult } from '../results/run-result.js';
import { computeWindowDeltas } from '../results/window-deltas.js';
import type { WindowDeltas } from '../results/measurement.js';
import { plainFullName } from '../results/repeat-names.js';

/** A test with its file and the deltas of its window. */
export interface MeasuredTest {
  readonly file: FileResult;
  readonly test: TestResult;
  readonly deltas: WindowDeltas;
}

/** How many tests each "top" list holds. */
export const TOP_LIMIT = 5;

// A run's reports are written together (report.md, results.json, the console summary, the job summary), each asking for
// the same measured tests: computed once per run. Results are not changed once built, so the run is a safe key.
const measuredRuns = new WeakMap<RunResult, readonly MeasuredTest[]>();

/** Every test of the run in report order, with its deltas computed once per run. */
export function measureTests(result: RunResult): readonly MeasuredTest[] {
  let measured = measuredRuns.get(result);
  if (measured === undefined) {
    const all: MeasuredTest[] = [];
    for (const file of result.files) for (const test of file.tests) all.push({ file, test, deltas: computeWindowDeltas(test.window) });
    measured = all;
    measuredRuns.set(result, measured);
  }
  return measured;
}

/**
 * The `limit` items of largest `valueOf`, largest first, ties in the order given: one pass keeping the few best, so a
 * run of 20,000 tests is not sorted to show five.
 */
function largest<T>(items: readonly T[], valueOf: (item: T) => number, limit: number): T[] {
  const kept: T[] = [];
  if (limit <= 0) return kept;
  for (const item of items) {
    const value = valueOf(item);
    if (kept.length === limit && !(value > valueOf(kept[limit - 1] as T))) continue;
    let at = kept.length;
    while (at > 0 && value > valueOf(kept[at - 1] as T)) at--;
    kept.splice(at, 0, item);
    if (kept.length > limit) kept.pop();
  }
  return kept;
}

// Iterations of one repeated test count once, at their highest, so ten iterations of one model load do not fill a
// list; the test keeps the place of its first iteration, so ties still keep run order.
function highestIteration<T>(items: readonly T[], entryOf: (item: T) => MeasuredTest, valueOf: (item: T) => number): T[] {
  const kept: T[] = [];
  const placeOf = new Map<string, number>();
  for (const item of items) {
    const { file, test } = entryOf(item);
    if (test.repeat === null) {
      kept.push(item);
      continue;
    }
    const id = `${file.job.id}\u0000${plainFullName(test)}`;
    const place = placeOf.get(id);
    if (place === undefined) {
      placeOf.set(id, kept.length);
      kept.push(item);
    } else if (valueOf(item) > valueOf(kept[place] as T)) {
      kept[place] = item;
    }
  }
  return kept;
}

/**
 * The tests with the largest `key` (a growth or a peak), largest first; ties keep run order. Zero, negative and unknown
 * values are left out; a repeated test appears once, at its largest iteration.
 */
export function topGrowth(tests: readonly MeasuredTest[], key: 'vramDeltaBytes' | 'rssDeltaBytes' | 'vramPeakBytes', limit = TOP_LIMIT): MeasuredTest[] {
  // Only growth is attributable to a test: a boundary sample cannot tell what it freed from what another process freed.
  const grew = tests.filter((entry) => (entry.deltas[key] ?? 0) > 0);
  return largest(highestIteration(grew, (entry) => entry, (entry) => entry.deltas[key] ?? 0), (entry) => entry.deltas[key] ?? 0, limit);
}

/** A test's peak against what it could have used. */
export interface ShareOfCapacity {
  readonly entry: MeasuredTest;
  readonly peakBytes: number;
  readonly capacityBytes: number;
  /** peakBytes / capacityBytes. */
  readonly share: number;
}

// A test that did not run (skipped, todo) has a window as short as its report, and the memory in it is whatever its
// neighbours held; one whose VRAM never rose above where it started allocated nothing. Neither came near a limit.
function ranksByPeak(entry: MeasuredTest, key: 'vramPeakBytes' | 'hostUsedPeakBytes'): boolean {
  if (entry.test.status === 'skipped' || entry.test.status === 'todo') return false;
  if (key !== 'vramPeakBytes') return true;
  const { vramPeakBytes: peak, vramBeforeBytes: before } = entry.deltas;
  return peak !== null && before !== null && peak > before;
}

/**
 * The tests whose `key` peak came nearest their capacity (`capacityOf`: the job's GPUs' memory, the host's RAM), nearest
 * first; ties keep run order. A repeated test appears once, at its highest iteration; tests with an unknown peak or
 * capacity, skipped and todo tests, and (for VRAM) tests whose VRAM did not rise above its start are left out.
 */
export function topShareOfCapacity(
  tests: readonly MeasuredTest[], key: 'vramPeakBytes' | 'hostUsedPeakBytes', capacityOf: (entry: MeasuredTest) => number | null, limit = TOP_LIMIT,
): ShareOfCapacity[] {
  const shares: ShareOfCapacity[] = [];
  for (const entry of tests) {
    if (!ranksByPeak(entry, key)) continue;
    const peakBytes = entry.deltas[key];
    const capacityBytes = capacityOf(entry);
    if (peakBytes === null || capacityBytes === null || !(capacityBytes > 0)) continue;
    shares.push({ entry, peakBytes, capacityBytes, share: peakBytes / capacityBytes });
  }
  return largest(highestIteration(shares, (share) => share.entry, (share) => share.share), (share) => share.share, limit);
}
