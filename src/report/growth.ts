// Which tests grew memory the most: shared by the Markdown and JSON reports so both rank the same way.

import type { FileResult, RunResult, TestResult } from '../execute/types.js';
import { computeWindowDeltas } from '../measure/window-deltas.js';
import type { WindowDeltas } from '../measure/types.js';

/** A test with its file and the deltas of its window. */
export interface MeasuredTest {
  readonly file: FileResult;
  readonly test: TestResult;
  readonly deltas: WindowDeltas;
}

/** How many tests each "top" list holds. */
export const TOP_LIMIT = 5;

/** Every test of the run in report order, with its deltas computed once. */
export function measureTests(result: RunResult): MeasuredTest[] {
  return result.files.flatMap((file) => file.tests.map((test) => ({ file, test, deltas: computeWindowDeltas(test.window) })));
}

/** The tests with the largest `key` (a growth or a peak), largest first; ties keep run order. Zero, negative and unknown values are left out. */
export function topGrowth(tests: readonly MeasuredTest[], key: 'vramDeltaBytes' | 'rssDeltaBytes' | 'vramPeakBytes', limit = TOP_LIMIT): MeasuredTest[] {
  // Only growth is attributable to a test: a boundary sample cannot tell what it freed from what another process freed.
  return tests
    .filter((entry) => (entry.deltas[key] ?? 0) > 0)
    .sort((a, b) => (b.deltas[key] ?? 0) - (a.deltas[key] ?? 0))
    .slice(0, limit);
}
