// The re-check of a repeated file's leak calls, pure: which tests a second process repeats, how many times and why,
// then the merge of its calls into the first run's. A flagged leak is repeated as often as the first run did, to
// confirm it; growth that came in steps too few to read is repeated longer (up to `leakRepeatMax`), until a staircase
// or a flat run after the step can be told apart.

import type { Job, LeakThreshold } from '../results/job.js';
import type { LeakFinding, TestResult } from '../results/run-result.js';
import { plural } from '../units/format.js';
import { confirmLeak } from './leak-fit.js';
import { collectRepeatSeries, findingKey, fittedCount, seriesFormat, seriesTerms } from './leak-check.js';
import { readSteps } from './leak-steps.js';

/** What a re-check process runs: which tests (plain names), how many times each, and why, per finding. */
export interface RecheckPlan {
  readonly names: readonly string[];
  readonly iterations: number;
  /** Why each finding is re-checked, by findingKey. */
  readonly why: ReadonlyMap<string, { readonly purpose: 'confirm' | 'settle'; readonly text: string }>;
}

// Iterations that settle an undecided series: enough to see three steps at its period, or to see it stay flat after
// its last step for as long as a leak of that step size could, the warm-up added; never beyond the cap.
function iterationsToSettle(finding: LeakFinding, threshold: LeakThreshold, repeat: number, cap: number): number {
  const fitted = finding.series.slice(finding.series.length - fittedCount(finding.series.length));
  const terms = seriesTerms(finding, threshold);
  const steps = readSteps(fitted, { threshold: terms.threshold, horizon: Math.max(1, fitted.length - 1) });
  const wanted = steps.readingsToDecide + (finding.series.length - fitted.length);
  return Math.max(repeat, Math.min(cap, wanted));
}

function settleWhy(finding: LeakFinding, iterations: number, cap: number): string {
  const steps = finding.verdict.steps;
  const format = seriesFormat(finding);
  const seen = steps === null ? 'its growth came in steps'
    : `its growth came in ${plural(steps.count, 'step')} of ${format(steps.height)}${steps.period === null ? '' : `, ${steps.period} iterations apart`}`;
  const until = iterations >= cap ? `the \`leakRepeatMax\` cap of ${cap}` : 'enough to see three steps or a flat run that rules a leak out';
  return `${seen}, too few to tell a staircase from a cache filled once: repeated ${iterations} times (${until})`;
}

/** The re-check the first run's findings call for; null when none is flagged or left undecided. */
export function planRecheck(tests: readonly TestResult[], findings: readonly LeakFinding[], job: Pick<Job, 'repeat' | 'leakRepeatMax' | 'leakThreshold'>): RecheckPlan | null {
  const cap = Math.max(job.repeat, job.leakRepeatMax);
  const wanted = findings.filter((f) => f.verdict.leaking || f.verdict.pattern === 'undecided');
  if (wanted.length === 0) return null;
  const needs = wanted.map((f) => (f.verdict.leaking ? job.repeat : iterationsToSettle(f, job.leakThreshold, job.repeat, cap)));
  const iterations = Math.max(...needs);
  const why = new Map(wanted.map((f) => [
    findingKey(f),
    f.verdict.leaking
      ? { purpose: 'confirm' as const, text: `to confirm the leak: repeated ${iterations} times` }
      : { purpose: 'settle' as const, text: settleWhy(f, iterations, cap) },
  ]));
  const tested = new Set(wanted.map((f) => f.test));
  const names = [...new Set(collectRepeatSeries(tests).filter((s) => tested.has(s.test)).map((s) => s.name))];
  return { names, iterations, why };
}

/**
 * Merges the re-check's findings into the first run's: a flagged finding stays a leak only when the re-run flags it
 * too, an undecided one takes the re-run's call. A finding the re-run could not measure is not called a leak.
 */
export function confirmFindings(first: readonly LeakFinding[], recheck: readonly LeakFinding[], plan: RecheckPlan): LeakFinding[] {
  return first.map((finding) => {
    const why = plan.why.get(findingKey(finding));
    if (why === undefined) return finding;
    const again = recheck.find((f) => findingKey(f) === findingKey(finding));
    const rechecked = { rechecked: true, recheck: { purpose: why.purpose, iterations: plan.iterations, why: why.text, series: again?.series ?? null } };
    if (!again) {
      const reason = `Not confirmed, so not a leak: flagged in the first run (${finding.verdict.reason}) but the re-run could not measure it`;
      return { ...finding, ...rechecked, verdict: { ...finding.verdict, leaking: false, reason } };
    }
    return { ...finding, ...rechecked, verdict: confirmLeak(finding.verdict, again.verdict, seriesFormat(finding)) };
  });
}

/** The first run's findings when their re-run was cut short (an interrupted run): none is called a leak. */
export function unconfirmedFindings(first: readonly LeakFinding[], plan: RecheckPlan, why: string): LeakFinding[] {
  return first.map((finding) => {
    const planned = plan.why.get(findingKey(finding));
    if (planned === undefined) return finding;
    const recheck = { purpose: planned.purpose, iterations: plan.iterations, why: planned.text, series: null };
    const reason = finding.verdict.leaking
      ? `Not confirmed, so not a leak: flagged in the first run (${finding.verdict.reason}) but ${why}`
      : `${finding.verdict.reason}; ${why}`;
    return { ...finding, rechecked: true, recheck, verdict: { ...finding.verdict, leaking: false, reason } };
  });
}
