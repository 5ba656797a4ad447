// The call on one leak finding, in the words every report uses: a leak, no leak, or flagged by one run and cleared by
// the re-run. `verdict.leaking` is the final call; `rechecked` says the first run flagged it.

import type { LeakFinding, LeakResource } from '../results/run-result.js';

/** `leak`: the final call is a leak; `not-confirmed`: the first run flagged it, the re-run did not; `no-leak`: neither. */
export type LeakCall = 'leak' | 'no-leak' | 'not-confirmed';

/** As the leak-check tests name them (`<test> [leak check: VRAM]`). */
export const RESOURCE_LABEL: Readonly<Record<LeakResource, string>> = { vram: 'VRAM', ram: 'RAM' };

export function leakCall(finding: LeakFinding): LeakCall {
  if (finding.verdict.leaking) return 'leak';
  return finding.rechecked ? 'not-confirmed' : 'no-leak';
}

/** `leak (confirmed by a re-run)`, `no leak`, `not confirmed`. */
export function leakCallLabel(finding: LeakFinding): string {
  const call = leakCall(finding);
  if (call === 'leak') return finding.rechecked ? 'leak (confirmed by a re-run)' : 'leak';
  return call === 'not-confirmed' ? 'not confirmed' : 'no leak';
}
