// The run's verdict and exit code, decided here and nowhere else: every report and the CLI's exit code read them, so
// they cannot disagree (a failing `after` hook fails the run whether or not a suite has budgets).

import type { Counts, HookRun } from './run-result.js';

/** The run's verdict, as every report shows it. */
export type RunVerdict = 'passed' | 'failed' | 'interrupted';

/** What the verdict is decided from: the final counts (budget breaches and confirmed leaks are failed tests by then). */
export interface VerdictInput {
  readonly interrupted: boolean;
  readonly counts: Pick<Counts, 'failed' | 'filesFailed'>;
  readonly hooks: readonly Pick<HookRun, 'ok'>[];
}

/** Interrupted beats everything; then any failed test, failed file or failed hook step fails the run. */
export function decideVerdict(result: VerdictInput): RunVerdict {
  if (result.interrupted) return 'interrupted';
  const failed = result.counts.failed > 0 || result.counts.filesFailed > 0 || result.hooks.some((run) => !run.ok);
  return failed ? 'failed' : 'passed';
}

/** Exit codes, documented in --help and the README. */
export const EXIT = { passed: 0, failed: 1, usage: 2, internal: 3, sighup: 129, sigint: 130, sigterm: 143 } as const;

/** 128 + the signal's number, as shells report a process a signal ended. */
const SIGNAL_EXIT = { SIGHUP: EXIT.sighup, SIGINT: EXIT.sigint, SIGTERM: EXIT.sigterm } as const;

/** The exit code of a finished run: the signal that interrupted it, else its verdict. */
export function exitCodeOf(result: { readonly verdict: RunVerdict; readonly interruption: { readonly signal: keyof typeof SIGNAL_EXIT } | null }): number {
  if (result.interruption) return SIGNAL_EXIT[result.interruption.signal];
  return result.verdict === 'passed' ? EXIT.passed : EXIT.failed;
}
