// The call on one leak finding, in the words every report uses: a leak, no leak, or flagged by one run and cleared by
// the re-run; and how its series grew (steadily, in a staircase, in a one-off step). `verdict.leaking` is the final
// call; `rechecked` says a re-run was made.

import type { LeakFinding } from '../results/run-result.js';
import { formatLeakValue } from '../results/leak-labels.js';

export { leakLabel } from '../results/leak-labels.js';

/** `leak`: the final call is a leak; `not-confirmed`: the first run flagged it, the re-run did not; `no-leak`: neither. */
export type LeakCall = 'leak' | 'no-leak' | 'not-confirmed';

export function leakCall(finding: LeakFinding): LeakCall {
  if (finding.verdict.leaking) return 'leak';
  // A re-run that settled steps the first run could not read cleared nothing the first run had flagged.
  return finding.rechecked && finding.recheck?.purpose !== 'settle' ? 'not-confirmed' : 'no-leak';
}

/** `leak (confirmed by a re-run)`, `no leak`, `not confirmed`. */
export function leakCallLabel(finding: LeakFinding): string {
  const call = leakCall(finding);
  if (call === 'leak') return finding.rechecked ? 'leak (confirmed by a re-run)' : 'leak';
  return call === 'not-confirmed' ? 'not confirmed' : 'no leak';
}

/** How the series grew, in a few words: `steady`, `staircase: 20.0 MiB every 10 iterations`, `one-off step`. */
export function leakPatternLabel(finding: LeakFinding): string {
  const { pattern, steps } = finding.verdict;
  const count = steps?.count ?? 0;
  switch (pattern) {
    case 'staircase':
      return `staircase: ${formatLeakValue(finding, steps?.height ?? 0)} every ${steps?.period ?? '?'} iterations`;
    case 'one-off':
      return count === 1 ? 'one-off step' : `${count} steps, then flat`;
    case 'undecided':
      return `${count === 1 ? '1 step' : `${count} steps`}: undecided`;
    case 'within':
      return 'within threshold';
    case 'loose':
      return 'loose fit';
    default:
      return pattern;
  }
}

/** Iterations run for the call: the first run's, plus the re-run's when there was one (`20 + 40 re-run`). */
export function leakIterationsLabel(finding: LeakFinding): string {
  return finding.recheck === null ? String(finding.series.length) : `${finding.series.length} + ${finding.recheck.iterations} re-run`;
}
