// `gpu-test compare` and `run --baseline`: this run against earlier ones, per test and per suite. A figure changed when
// it moved past both bounds of its threshold (relative and absolute) and, with three or more baseline runs, out of
// the range those runs spread over; the baseline's figure is their median. Worse is a regression, better an
// improvement; a test that now fails or now leaks is a regression whatever its figures. Pure.

import type { Better, CompareSettings, MetricCompare, Threshold } from '../config/ci-types.js';
import type { ChangeKind, Comparison, FigureChange, TestRef } from '../results/ci-result.js';
import type { RunResult } from '../results/run-result.js';
import { middle, suiteFigures, testFigures, type Figure, type TestFigures } from './test-figures.js';

/** The thresholds that apply: each suite's own (its `compare:` over the run's), else the run's. */
export interface CompareOptions {
  readonly run: CompareSettings;
  readonly suites: ReadonlyMap<string, CompareSettings>;
  readonly failOnRegression: boolean;
}

// A rate (per second, a throughput, an accuracy) is better higher; a time, a size or a count of errors lower.
const HIGHER_UNIT = /(?:\/\s*s(?:ec(?:ond)?)?|per[\s_-]?s(?:ec(?:ond)?)?|%)$/i;
const HIGHER_NAME = /(?:per_?s(?:ec(?:ond)?)?|throughput|fps|qps|ops|accuracy|score|hit_?rate|recall|precision|bleu|tokens_per)/i;

/** Which way a metric is better: its `compare.metrics` entry, else a budget bound on it, else its name and unit. */
export function metricDirection(name: string, unit: string | null, settings: MetricCompare | undefined, run: RunResult): Better {
  if (settings?.better) return settings.better;
  const budget = run.budgets.find((check) => check.kind === 'metric' && check.metric === name);
  if (budget) return budget.bound.op.startsWith('>') ? 'higher' : 'lower';
  return HIGHER_UNIT.test(unit ?? '') || HIGHER_NAME.test(name) ? 'higher' : 'lower';
}

function thresholdOf(settings: CompareSettings, figure: string): Threshold & { readonly better?: Better | null } {
  if (figure.startsWith('metric.')) return settings.metrics[figure.slice('metric.'.length)] ?? settings.thresholds.metric;
  if (figure.startsWith('leak.')) return settings.thresholds.leak;
  return settings.thresholds[figure as 'duration' | 'peakVram' | 'peakRam' | 'swap'];
}

interface Subject {
  readonly suite: string;
  readonly fileId: string | null;
  readonly test: string | null;
  readonly line: number | null;
}

/** The change of one figure against its baseline values, or null when it stayed within its threshold and the noise. */
function judge(subject: Subject, figure: string, current: Figure, base: readonly number[], settings: CompareSettings, run: RunResult): FigureChange | null {
  if (base.length === 0) return null;
  const threshold = thresholdOf(settings, figure);
  const baseValue = middle(base);
  const delta = current.value - baseValue;
  const relative = baseValue === 0 ? null : (delta / Math.abs(baseValue)) * 100;
  if (Math.abs(delta) <= threshold.absolute || (relative !== null && Math.abs(relative) <= threshold.relativePercent) || delta === 0) return null;
  // With three runs or more, their spread is the noise: a figure still inside it has not moved.
  if (base.length >= 3 && current.value >= Math.min(...base) && current.value <= Math.max(...base)) return null;
  const better = figure.startsWith('metric.') ? metricDirection(figure.slice('metric.'.length), current.unit, settings.metrics[figure.slice('metric.'.length)], run) : 'lower';
  const kind: ChangeKind = (delta > 0) === (better === 'lower') ? 'regression' : 'improvement';
  return { kind, ...subject, figure, unit: current.unit, base: baseValue, current: current.value, changePercent: relative, note: null };
}

function statusChanges(subject: Subject, now: TestFigures, before: readonly TestFigures[]): FigureChange[] {
  const changes: FigureChange[] = [];
  const outcomes = before.map((test) => test.outcome).filter((o) => o !== null);
  const note = (kind: ChangeKind, figure: string, text: string): FigureChange => ({ kind, ...subject, figure, unit: null, base: null, current: null, changePercent: null, note: text });
  if (now.outcome === 'failed' && outcomes.length > 0 && outcomes.every((o) => o === 'passed')) changes.push(note('regression', 'status', 'passed → failed'));
  if (now.outcome === 'passed' && outcomes.length > 0 && outcomes.every((o) => o === 'failed')) changes.push(note('improvement', 'status', 'failed → passed'));
  for (const resource of ['vram', 'ram']) {
    const label = resource === 'vram' ? 'VRAM' : 'RAM';
    const leakedBefore = before.some((test) => test.leaking.has(resource));
    if (now.leaking.has(resource) && !leakedBefore) changes.push(note('regression', `leak.${resource}`, `a new ${label} leak`));
    if (!now.leaking.has(resource) && before.length > 0 && before.every((test) => test.leaking.has(resource)) && now.outcome !== null) changes.push(note('improvement', `leak.${resource}`, `the ${label} leak is gone`));
  }
  return changes;
}

const magnitude = (change: FigureChange): number => (change.changePercent === null ? Infinity : Math.abs(change.changePercent));

/** `current` against the `baselines` (at least one run), with the thresholds of `options`. */
export function compareRuns(baselines: readonly RunResult[], current: RunResult, options: CompareOptions): Comparison {
  const settingsOf = (suite: string): CompareSettings => options.suites.get(suite) ?? options.run;
  const before = baselines.map(testFigures);
  const now = testFigures(current);
  const changes: FigureChange[] = [];
  let compared = 0;
  for (const [key, test] of now) {
    const earlier = before.map((run) => run.get(key)).filter((t): t is TestFigures => t !== undefined);
    if (earlier.length === 0) continue;
    compared += 1;
    const subject = { suite: test.suite, fileId: test.fileId, test: test.test, line: test.line };
    changes.push(...statusChanges(subject, test, earlier));
    for (const [figure, value] of test.figures) {
      const base = earlier.map((t) => t.figures.get(figure)?.value).filter((v): v is number => v !== undefined);
      const change = judge(subject, figure, value, base, settingsOf(test.suite), current);
      if (change) changes.push(change);
    }
  }
  const suitesBefore = baselines.map((run, index) => suiteFigures(run, before[index] ?? new Map()));
  for (const [suite, figures] of suiteFigures(current, now)) {
    for (const [figure, value] of figures) {
      const base = suitesBefore.map((run) => run.get(suite)?.get(figure)?.value).filter((v): v is number => v !== undefined);
      const change = judge({ suite, fileId: null, test: null, line: null }, figure, value, base, settingsOf(suite), current);
      if (change) changes.push(change);
    }
  }
  const latest = before[before.length - 1] ?? new Map<string, TestFigures>();
  const ref = (test: TestFigures): TestRef => ({ fileId: test.fileId, test: test.test });
  const known = new Set(before.flatMap((run) => [...run.keys()]));
  return {
    baseline: { runIds: baselines.map((run) => run.runId), from: Math.min(...baselines.map((run) => run.startedAt)), to: Math.max(...baselines.map((run) => run.endedAt)) },
    changes: changes.sort((a, b) => (a.kind === b.kind ? magnitude(b) - magnitude(a) : a.kind === 'regression' ? -1 : 1)),
    newTests: [...now].filter(([key]) => !known.has(key)).map(([, test]) => ref(test)),
    vanishedTests: [...latest].filter(([key]) => !now.has(key)).map(([, test]) => ref(test)),
    compared, failOnRegression: options.failOnRegression,
  };
}

/** Each suite's comparison settings (its own `compare:` resolved over the run's), for CompareOptions. */
export function suiteSettings(suites: readonly { readonly name: string; readonly compare: CompareSettings | null }[]): Map<string, CompareSettings> {
  return new Map(suites.flatMap((suite) => (suite.compare ? [[suite.name, suite.compare] as const] : [])));
}
