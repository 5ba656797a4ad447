// Leak calls for a file run under `--repeat`: one series per repeated test and resource (VRAM of the job's GPUs,
// RSS of the test's process tree), read after each iteration, fitted by leak-fit. Pure: the re-run that confirms a
// flagged leak is launch-job's business; this only says which tests need one and merges the two verdicts.

import type { LeakThreshold } from '../results/job.js';
import type { LeakFinding, LeakResource, TestResult } from '../results/run-result.js';
import { type LeakVerdict } from '../results/measurement.js';
import { confirmLeak, judgeLeak } from './leak-fit.js';
import { totalVramUsed } from '../results/window-deltas.js';
import { plainFullName } from '../results/repeat-names.js';

/** A series needs this many iterations after the warm-up one to be fitted. */
const MIN_FITTED = 3;

/** One repeated test's readings after each iteration, per resource (null where one reading is missing). */
export interface RepeatSeries {
  /** Full name without the iteration suffix. */
  readonly test: string;
  /** The plain name, as the preload matches it for a re-check run. */
  readonly name: string;
  readonly line: number | null;
  readonly series: Readonly<Record<LeakResource, readonly number[] | null>>;
}

const LABEL: Readonly<Record<LeakResource, string>> = { vram: 'VRAM', ram: 'RAM (process tree RSS)' };

/** The series of every repeated test in `tests`, in the order the tests first appear. */
export function collectRepeatSeries(tests: readonly TestResult[]): RepeatSeries[] {
  const byTest = new Map<string, { name: string; line: number | null; iterations: TestResult[] }>();
  for (const test of tests) {
    if (test.repeat === null) continue;
    const key = plainFullName(test);
    const entry = byTest.get(key) ?? { name: test.repeat.name, line: test.line, iterations: [] };
    entry.iterations.push(test);
    byTest.set(key, entry);
  }
  return [...byTest].map(([test, { name, line, iterations }]) => {
    const ordered = [...iterations].sort((a, b) => (a.repeat?.iteration ?? 0) - (b.repeat?.iteration ?? 0));
    const read = (pick: (t: TestResult) => number | null): number[] | null => {
      const values = ordered.map(pick);
      return values.every((v): v is number => v !== null) ? values : null;
    };
    return {
      test, name, line,
      series: {
        vram: read((t) => (t.window?.after ? totalVramUsed(t.window.after.gpus) : null)),
        ram: read((t) => t.window?.after?.processRssBytes ?? null),
      },
    };
  });
}

/**
 * The first iteration warms up (a CUDA context, allocator pools, lazy imports) and is left out of the fit
 * whenever enough iterations remain; null when the series is too short to fit at all.
 */
export function judgeSeries(values: readonly number[], resource: LeakResource, threshold: LeakThreshold): LeakVerdict | null {
  const fitted = values.length - 1 >= MIN_FITTED ? values.slice(1) : values;
  if (fitted.length < MIN_FITTED) return null;
  const thresholdBytes = resource === 'vram' ? threshold.vramBytes : threshold.ramBytes;
  return judgeLeak(fitted, { thresholdBytes, label: LABEL[resource] });
}

/** First-run calls: a finding per repeated test and measured resource, `rechecked` false. */
export function judgeRepeats(tests: readonly TestResult[], threshold: LeakThreshold): LeakFinding[] {
  const findings: LeakFinding[] = [];
  for (const repeated of collectRepeatSeries(tests)) {
    for (const resource of ['vram', 'ram'] as const) {
      const series = repeated.series[resource];
      const verdict = series ? judgeSeries(series, resource, threshold) : null;
      if (series && verdict) findings.push({ test: repeated.test, line: repeated.line, resource, verdict, rechecked: false, series });
    }
  }
  return findings;
}

/** Plain names of the tests a re-check run must repeat: those with a flagged finding. */
export function namesToRecheck(tests: readonly TestResult[], findings: readonly LeakFinding[]): string[] {
  const flagged = new Set(findings.filter((f) => f.verdict.leaking).map((f) => f.test));
  return [...new Set(collectRepeatSeries(tests).filter((s) => flagged.has(s.test)).map((s) => s.name))];
}

/**
 * Merges the re-check run's findings into the first run's: a flagged finding stays a leak only when the re-run
 * flags it too. A finding the re-run could not measure is left unconfirmed, so it is not called a leak.
 */
export function confirmFindings(first: readonly LeakFinding[], recheck: readonly LeakFinding[]): LeakFinding[] {
  return first.map((finding) => {
    if (!finding.verdict.leaking) return finding;
    const again = recheck.find((f) => f.test === finding.test && f.resource === finding.resource);
    if (!again) {
      const reason = `Not confirmed, so not a leak: flagged in the first run (${finding.verdict.reason}) but the re-run could not measure it`;
      return { ...finding, rechecked: true, verdict: { ...finding.verdict, leaking: false, reason } };
    }
    return { ...finding, rechecked: true, verdict: confirmLeak(finding.verdict, again.verdict) };
  });
}

/** The first run's findings when their confirming re-run was cut short (an interrupted run): none is called a leak. */
export function unconfirmedFindings(first: readonly LeakFinding[], why: string): LeakFinding[] {
  return first.map((finding) => {
    if (!finding.verdict.leaking) return finding;
    const reason = `Not confirmed, so not a leak: flagged in the first run (${finding.verdict.reason}) but ${why}`;
    return { ...finding, rechecked: true, verdict: { ...finding.verdict, leaking: false, reason } };
  });
}
