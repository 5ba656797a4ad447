// The run's verdict and exit code, decided here and nowhere else: every report and the CLI's exit code read them, so
// they cannot disagree (a failing `after` hook fails the run whether or not a suite has budgets).

import type { Comparison } from './ci-result.js';
import type { Counts, HookRun } from './run-result.js';

/** The run's verdict, as every report shows it. */
export type RunVerdict = 'passed' | 'failed' | 'interrupted';

/** What the verdict is decided from: the final counts (budget breaches and confirmed leaks are failed tests by then). */
export interface VerdictInput {
  readonly interrupted: boolean;
  readonly counts: Pick<Counts, 'failed' | 'filesFailed'> & { readonly flaky?: number };
  readonly hooks: readonly Pick<HookRun, 'ok'>[];
  /** A flaky test (failed, then passed on a retry) fails the run (`failOnFlaky`); absent: it does not. */
  readonly failOnFlaky?: boolean;
  /** The comparison with a baseline; absent or null without one. */
  readonly comparison?: Pick<Comparison, 'changes' | 'failOnRegression'> | null;
  /** A merged run's machines: one that failed (by its own settings: a flaky test, a regression) fails the merge. */
  readonly machines?: readonly { readonly verdict: RunVerdict }[];
}

/** The regressions of a comparison that fail the run: every one under `failOnRegression`, none otherwise. */
export function failingRegressions(comparison: Pick<Comparison, 'changes' | 'failOnRegression'> | null | undefined): number {
  if (!comparison?.failOnRegression) return 0;
  return comparison.changes.filter((change) => change.kind === 'regression').length;
}

/**
 * Interrupted beats everything; then any failed test, failed file or failed hook step fails the run, and so does a
 * flaky test under `failOnFlaky` and a regression against the baseline under `failOnRegression`. A flaky test alone
 * does not: it passed on its retry, and every report names it.
 */
export function decideVerdict(result: VerdictInput): RunVerdict {
  if (result.interrupted) return 'interrupted';
  const failed = result.counts.failed > 0 || result.counts.filesFailed > 0 || result.hooks.some((run) => !run.ok)
    || (result.failOnFlaky === true && (result.counts.flaky ?? 0) > 0) || failingRegressions(result.comparison) > 0
    || (result.machines ?? []).some((machine) => machine.verdict === 'failed');
  return failed ? 'failed' : 'passed';
}

/** Exit codes, documented in --help and the README. */
export const EXIT = { passed: 0, failed: 1, usage: 2, internal: 3, sighup: 129, sigint: 130, sigterm: 143 } as const;

/** 128 + the signal's number, as shells report a process a signal ended. */
const SIGNAL_EXIT = { SIGHUP: EXIT.sighup, SIGINT: EXIT.sigint, SIGTERM: EXIT.sigterm } as const;

/** The exit code of `gpu-test compare`: 1 when a regression fails it (`--fail-on-regression`), else 0. */
export function exitCodeOfComparison(comparison: Pick<Comparison, 'changes' | 'failOnRegression'>): number {
  return failingRegressions(comparison) > 0 ? EXIT.failed : EXIT.passed;
}

/** The exit code of a finished run: the signal that interrupted it, else its verdict. */
export function exitCodeOf(result: { readonly verdict: RunVerdict; readonly interruption: { readonly signal: keyof typeof SIGNAL_EXIT } | null }): number {
  if (result.interruption) return SIGNAL_EXIT[result.interruption.signal];
  return result.verdict === 'passed' ? EXIT.passed : EXIT.failed;
}
