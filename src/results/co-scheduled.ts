// The sentence every report shows for a file that ran out of memory beside others and was re-run alone.

import type { CoScheduledFailure } from './run-result.js';

/** The sentence every report shows for a file that passed alone. */
export function describeCoScheduled(failure: CoScheduledFailure): string {
  const neighbours = failure.neighbours.length === 0 ? 'other files' : failure.neighbours.join(', ');
  const share = failure.vramPercent === null ? '' : ` at ${failure.vramPercent.toFixed(0)}% VRAM`;
  return failure.passedAlone
    ? `fails when co-scheduled with ${neighbours}${share} (${failure.reason}); passes alone`
    : `failed beside ${neighbours}${share} (${failure.reason}) and again alone`;
}
