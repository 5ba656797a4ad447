// `gpu-test trend`: N runs (a nightly job's nights) as series per suite, for charts (peak VRAM, duration, leaks and the
// metrics asked for), and the tests whose figures moved most from the first nights to the last. Pure.

import type { CompareSettings } from '../config/ci-types.js';
import type { Trend, TrendMover, TrendRun, TrendSeries } from '../results/ci-result.js';
import type { RunResult } from '../results/run-result.js';
import { middle, suiteFigures, testFigures, type TestFigures } from './test-figures.js';

/** What a trend follows beyond the built-in figures. */
export interface TrendOptions {
  /** Metric names to chart per suite; empty: every metric some test recorded. */
  readonly metrics: readonly string[];
  /** How many moved tests to list. */
  readonly movers: number;
  /** Thresholds: a move within one is noise and not listed. */
  readonly compare: CompareSettings;
}

/** The most metrics charted when none are named: a suite with dozens would bury the other charts. */
const MAX_METRICS = 6;
/** First and last figures are each the median of up to this many runs, so one noisy night does not rank a test. */
const ENDS = 3;

// The day, or the day and minute when two runs share a day; runs that share a minute too are numbered.
function labels(runs: readonly RunResult[]): TrendRun[] {
  const day = (at: number): string => new Date(at).toISOString().slice(0, 10);
  const minute = (at: number): string => new Date(at).toISOString().slice(0, 16).replace('T', ' ');
  const seen = new Map<string, number>();
  return runs.map((run) => {
    const sameDay = runs.filter((other) => day(other.startedAt) === day(run.startedAt)).length > 1;
    const base = sameDay ? minute(run.startedAt) : day(run.startedAt);
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    const shared = runs.filter((other) => (sameDay ? minute(other.startedAt) : day(other.startedAt)) === base).length > 1;
    return { runId: run.runId, startedAt: run.startedAt, label: shared ? `${base} #${count}` : base };
  });
}

function metricNames(tests: readonly Map<string, TestFigures>[], asked: readonly string[]): string[] {
  if (asked.length > 0) return [...asked];
  const seen = new Set<string>();
  for (const run of tests) for (const test of run.values()) for (const name of test.figures.keys()) if (name.startsWith('metric.')) seen.add(name.slice('metric.'.length));
  return [...seen].sort().slice(0, MAX_METRICS);
}

function seriesOf(runs: readonly RunResult[], tests: readonly Map<string, TestFigures>[], metrics: readonly string[]): TrendSeries[] {
  const suites = [...new Set(runs.flatMap((run) => run.files.map((file) => file.job.suite)))].sort();
  const bySuite = runs.map((run, index) => suiteFigures(run, tests[index] ?? new Map()));
  const series: TrendSeries[] = [];
  for (const suite of suites) {
    for (const figure of ['peakVram', 'duration'] as const) {
      const values = bySuite.map((run) => run.get(suite)?.get(figure)?.value ?? null);
      if (values.some((value) => value !== null)) series.push({ suite, figure, unit: figure === 'duration' ? 'ms' : 'bytes', values });
    }
    const leaks = runs.map((run) => run.files.filter((file) => file.job.suite === suite).reduce((sum, file) => sum + file.leaks.filter((leak) => leak.verdict.leaking).length, 0));
    if (runs.some((run) => run.files.some((file) => file.job.suite === suite && file.leaks.length > 0))) series.push({ suite, figure: 'leaks', unit: null, values: leaks });
    for (const metric of metrics) {
      let unit: string | null = null;
      const values = tests.map((run) => {
        const recorded = [...run.values()].filter((test) => test.suite === suite).map((test) => test.figures.get(`metric.${metric}`)).filter((f) => f !== undefined);
        unit ??= recorded[0]?.unit ?? null;
        return recorded.length === 0 ? null : middle(recorded.map((f) => f.value));
      });
      if (values.some((value) => value !== null)) series.push({ suite, figure: `metric.${metric}`, unit, values });
    }
  }
  return series;
}

function moversOf(tests: readonly Map<string, TestFigures>[], options: TrendOptions): TrendMover[] {
  const movers: TrendMover[] = [];
  const keys = new Set(tests.flatMap((run) => [...run.keys()]));
  for (const key of keys) {
    const present = tests.map((run) => run.get(key)).filter((test): test is TestFigures => test !== undefined);
    const last = present[present.length - 1];
    if (present.length < 2 || !last) continue;
    const figures = new Set(present.flatMap((test) => [...test.figures.keys()].filter((name) => !name.startsWith('leak.') && name !== 'swap')));
    for (const figure of figures) {
      const values = present.map((test) => test.figures.get(figure)?.value).filter((v): v is number => v !== undefined);
      if (values.length < 2) continue;
      const ends = Math.min(ENDS, Math.floor(values.length / 2));
      const first = middle(values.slice(0, ends));
      const end = middle(values.slice(-ends));
      const threshold = figure.startsWith('metric.') ? options.compare.metrics[figure.slice(7)] ?? options.compare.thresholds.metric : options.compare.thresholds[figure as 'duration' | 'peakVram' | 'peakRam'];
      const change = first === 0 ? null : ((end - first) / Math.abs(first)) * 100;
      if (change === null || Math.abs(end - first) <= threshold.absolute || Math.abs(change) <= threshold.relativePercent) continue;
      movers.push({ fileId: last.fileId, test: last.test, figure, unit: present[0]?.figures.get(figure)?.unit ?? null, first, last: end, changePercent: change });
    }
  }
  return movers.sort((a, b) => Math.abs(b.changePercent) - Math.abs(a.changePercent) || a.fileId.localeCompare(b.fileId)).slice(0, options.movers);
}

/** The trend over `runs` (any order: they are sorted by start). */
export function buildTrend(given: readonly RunResult[], options: TrendOptions): Trend {
  const runs = [...given].sort((a, b) => a.startedAt - b.startedAt);
  const tests = runs.map(testFigures);
  return { runs: labels(runs), series: seriesOf(runs, tests, metricNames(tests, options.metrics)), movers: moversOf(tests, options) };
}
