// The one place where a process outcome becomes a sentence, so every report says the same thing.

import type { GuardStop, ProcessOutcome } from '../../results/run-result.js';
import { FAILURE, type FailureType } from '../../results/failures.js';

/** How the test process ended, as a sentence fragment ("was killed by SIGSEGV"); null for a clean exit 0. */
export function describeOutcome(outcome: ProcessOutcome, timeoutMs: number): string | null {
  if (outcome.isCanceled) return 'was stopped because the run was interrupted';
  if (outcome.stoppedByGuard) return `was stopped by the memory guard (${outcome.stoppedByGuard.figure})`;
  if (outcome.timedOut) return `timed out after ${timeoutMs} ms (the per-file timeout) and its process tree was killed`;
  if (outcome.signal === 'SIGKILL') return 'was killed by SIGKILL (often the kernel\'s out-of-memory killer; check `dmesg`)';
  if (outcome.signal) return `was killed by ${outcome.signal}`;
  if (outcome.exitCode !== null && outcome.exitCode !== 0) return `exited with code ${outcome.exitCode}`;
  return null;
}

/** The failure type reported for tests cut short by the outcome (JUnit `type`). */
export function outcomeFailureType(outcome: ProcessOutcome): FailureType {
  if (outcome.isCanceled) return FAILURE.interrupted;
  if (outcome.stoppedByGuard) return FAILURE.memoryGuard;
  if (outcome.timedOut) return FAILURE.timeout;
  return FAILURE.crash;
}

/** The failure message of a test (or the file) the memory guard stopped: the figure that crossed and the curve. */
export function describeGuardStop(stop: GuardStop): string {
  return `stopped by the memory guard: ${stop.figure}; recent curve: ${stop.curve}`;
}
