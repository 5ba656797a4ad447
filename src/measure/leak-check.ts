// Leak calls for a file run under `--repeat`: one series per repeated test and resource (VRAM of the file's own
// processes or of its cards, RSS of the test's process tree, each metric named in `leakThreshold.metrics`), read after
// each iteration, fitted by leak-fit. Pure: the re-run that confirms a flagged leak (or settles steps the first run
// could not read) is launch-job's business; this says which tests need one, how long, and merges the two verdicts.

import type { LeakThreshold } from '../results/job.js';
import type { LeakFinding, LeakResource, LeakSource, TestResult } from '../results/run-result.js';
import { type LeakVerdict } from '../results/measurement.js';
import { judgeLeak } from './leak-fit.js';
import { totalVramUsed } from '../results/window-deltas.js';
import { plainFullName } from '../results/repeat-names.js';
import { formatLeakValue, leakLabel } from '../results/leak-labels.js';

/** A series needs this many iterations after the warm-up one to be fitted. */
const MIN_FITTED = 3;

/** One resource's readings after each iteration of one repeated test. */
export interface LeakSeries {
  readonly resource: LeakResource;
  readonly source: LeakSource;
  readonly metric: { readonly name: string; readonly unit: string | null } | null;
  readonly values: readonly number[];
}

/** One repeated test's complete series (a resource with a reading missing in any iteration has none). */
export interface RepeatSeries {
  /** Full name without the iteration suffix. */
  readonly test: string;
  /** The plain name, as the preload matches it for a re-check run. */
  readonly name: string;
  readonly line: number | null;
  readonly series: readonly LeakSeries[];
}

function allRead(values: readonly (number | null | undefined)[]): values is readonly number[] {
  return values.every((v) => typeof v === 'number');
}

// The file's own processes where every iteration listed them (a neighbour on the card cannot move that figure), else
// the card's used VRAM.
function vramSeries(ordered: readonly TestResult[]): LeakSeries | null {
  const own = ordered.map((t) => t.window?.after?.processVramBytes);
  if (allRead(own)) return { resource: 'vram', source: 'processes', metric: null, values: own };
  const card = ordered.map((t) => (t.window?.after ? totalVramUsed(t.window.after.gpus) : null));
  return allRead(card) ? { resource: 'vram', source: 'card', metric: null, values: card } : null;
}

// A metric's last value in each iteration: the state the iteration left.
function metricSeries(ordered: readonly TestResult[], name: string): LeakSeries | null {
  const recorded = ordered.map((t) => t.metrics.filter((m) => m.name === name).at(-1));
  const first = recorded[0];
  if (first === undefined || recorded.some((m) => m === undefined)) return null;
  return { resource: 'metric', source: 'metric', metric: { name, unit: first.unit }, values: recorded.map((m) => m?.value ?? 0) };
}

/** The series of every repeated test in `tests`, in the order the tests first appear; metrics only those named. */
export function collectRepeatSeries(tests: readonly TestResult[], metricNames: readonly string[] = []): RepeatSeries[] {
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
    const rss = ordered.map((t) => t.window?.after?.processRssBytes);
    const series = [
      vramSeries(ordered),
      allRead(rss) ? { resource: 'ram', source: 'process-tree', metric: null, values: rss } as const : null,
      ...metricNames.map((metric) => metricSeries(ordered, metric)),
    ].filter((s): s is LeakSeries => s !== null);
    return { test, name, line, series };
  });
}

/** Readings fitted out of `count` iterations: the first warms up (a CUDA context, allocator pools, lazy imports). */
export function fittedCount(count: number): number {
  return count - 1 >= MIN_FITTED ? count - 1 : count;
}

/** How a series' figures are printed: bytes for memory, the metric's value and unit for a metric. */
export function seriesFormat(series: Pick<LeakSeries, 'resource' | 'metric'>): (value: number) => string {
  return (value) => formatLeakValue(series, value);
}

/** How a series is labelled, printed and held: its threshold, in its own unit. */
export function seriesTerms(series: Pick<LeakSeries, 'resource' | 'metric'>, threshold: LeakThreshold): { label: string; format: (v: number) => string; threshold: number } {
  const format = seriesFormat(series);
  if (series.resource === 'metric') return { label: leakLabel(series), format, threshold: threshold.metrics[series.metric?.name ?? ''] ?? 0 };
  return series.resource === 'vram'
    ? { label: leakLabel(series), format, threshold: threshold.vramBytes }
    : { label: 'RAM (process tree RSS)', format, threshold: threshold.ramBytes };
}

/**
 * The call on one series, the warm-up iteration left out whenever enough remain; null when the series is too short
 * to fit. `firstCount`: the first run's iterations, whose span the threshold covers (a longer re-check's differs).
 */
export function judgeSeries(series: Pick<LeakSeries, 'resource' | 'metric' | 'values'>, threshold: LeakThreshold, firstCount?: number): LeakVerdict | null {
  const { values } = series;
  const fitted = values.slice(values.length - fittedCount(values.length));
  if (fitted.length < MIN_FITTED) return null;
  const terms = seriesTerms(series, threshold);
  const horizon = firstCount === undefined ? undefined : Math.max(1, fittedCount(firstCount) - 1);
  return judgeLeak(fitted, { threshold: terms.threshold, label: terms.label, format: terms.format, horizon });
}

/** First-run calls (or a re-check's, with `firstCount`): a finding per repeated test and series, `rechecked` false. */
export function judgeRepeats(tests: readonly TestResult[], threshold: LeakThreshold, firstCount?: number): LeakFinding[] {
  const findings: LeakFinding[] = [];
  for (const repeated of collectRepeatSeries(tests, Object.keys(threshold.metrics))) {
    for (const series of repeated.series) {
      const verdict = judgeSeries(series, threshold, firstCount);
      if (!verdict) continue;
      const { resource, source, metric, values } = series;
      findings.push({ test: repeated.test, line: repeated.line, resource, metric, source, verdict, rechecked: false, recheck: null, series: values });
    }
  }
  return findings;
}

/** Identifies a finding's series across the first run and its re-check. */
export function findingKey(finding: Pick<LeakFinding, 'test' | 'resource' | 'metric'>): string {
  return `${finding.test}\u0000${finding.resource}\u0000${finding.metric?.name ?? ''}`;
}
