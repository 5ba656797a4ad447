// The figures of each test and suite of a run that compare and trend follow: duration, peak VRAM, peak RSS, swap
// growth, leak slopes and every metric. A repeated test (`--repeat`) is one test: the median of its iterations'
// durations and metrics, the highest of their memory figures. Pure.

import { plainFullName } from '../results/repeat-names.js';
import type { RunResult, TestResult } from '../results/run-result.js';
import { computeWindowDeltas } from '../results/window-deltas.js';

/** One figure's value and unit. */
export interface Figure {
  readonly value: number;
  readonly unit: string | null;
}

/** A test's figures in one run. */
export interface TestFigures {
  readonly suite: string;
  readonly fileId: string;
  readonly test: string;
  readonly line: number | null;
  /** `passed` (a flaky test too), `failed`, or null for a test that did not run (skipped, todo). */
  readonly outcome: 'passed' | 'failed' | null;
  /** By figure name: `duration`, `peakVram`, `peakRam`, `swap`, `leak.vram`, `leak.ram`, `metric.<name>`. */
  readonly figures: ReadonlyMap<string, Figure>;
  /** Resources a confirmed leak was called on (`vram`, `ram`). */
  readonly leaking: ReadonlySet<string>;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function middle(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[half] as number) : ((sorted[half - 1] as number) + (sorted[half] as number)) / 2;
}

/** `fileId` and full name: a test's identity from run to run. */
export function testKey(fileId: string, test: string): string {
  return `${fileId}\u0000${test}`;
}

function present(values: readonly (number | null)[]): number[] {
  return values.filter((value): value is number => value !== null && Number.isFinite(value));
}

function figuresOf(iterations: readonly TestResult[]): Map<string, Figure> {
  const figures = new Map<string, Figure>();
  const put = (name: string, values: readonly number[], unit: string | null, pick: (v: readonly number[]) => number): void => {
    if (values.length > 0) figures.set(name, { value: pick(values), unit });
  };
  const ran = iterations.filter((test) => test.window !== null);
  const deltas = ran.map((test) => computeWindowDeltas(test.window));
  put('duration', iterations.map((test) => test.durationMs), 'ms', middle);
  put('peakVram', present(deltas.map((d) => d.vramPeakBytes)), 'bytes', (v) => Math.max(...v));
  put('peakRam', present(deltas.map((d) => (d.rssBeforeBytes === null && d.rssAfterBytes === null ? null : Math.max(d.rssBeforeBytes ?? 0, d.rssAfterBytes ?? 0)))), 'bytes', (v) => Math.max(...v));
  put('swap', present(deltas.map((d) => d.swapDeltaBytes)), 'bytes', (v) => Math.max(...v));
  const metrics = new Map<string, { values: number[]; unit: string | null }>();
  for (const metric of iterations.flatMap((test) => test.metrics)) {
    const seen = metrics.get(metric.name) ?? { values: [], unit: metric.unit };
    seen.values.push(metric.value);
    metrics.set(metric.name, seen);
  }
  for (const [name, { values, unit }] of metrics) put(`metric.${name}`, values, unit, middle);
  return figures;
}

/** Every test of `run` that has a name, by testKey; iterations of a repeated test folded into one. */
export function testFigures(run: RunResult): Map<string, TestFigures> {
  const all = new Map<string, TestFigures>();
  for (const file of run.files) {
    const byName = new Map<string, TestResult[]>();
    for (const test of file.tests) byName.set(plainFullName(test), [...(byName.get(plainFullName(test)) ?? []), test]);
    for (const [name, iterations] of byName) {
      const statuses = iterations.map((test) => test.status);
      const outcome = statuses.includes('failed') ? 'failed' : statuses.some((s) => s === 'passed' || s === 'flaky') ? 'passed' : null;
      const figures = outcome === null ? new Map<string, Figure>() : figuresOf(iterations);
      const leaks = file.leaks.filter((leak) => leak.test === name);
      for (const leak of leaks) {
        const key = leak.resource === 'metric' ? `leak.metric.${leak.metric?.name ?? ''}` : `leak.${leak.resource}`;
        figures.set(key, { value: leak.verdict.perIteration, unit: leak.resource === 'metric' ? `${leak.metric?.unit ?? ''}/iteration` : 'bytes/iteration' });
      }
      all.set(testKey(file.job.id, name), {
        suite: file.job.suite, fileId: file.job.id, test: name, line: iterations[0]?.line ?? null, outcome, figures,
        leaking: new Set(leaks.filter((leak) => leak.verdict.leaking).map((leak) => leak.resource)),
      });
    }
  }
  return all;
}

/** Each suite's figures: its files' summed duration, and the highest peak VRAM and RSS of its tests. */
export function suiteFigures(run: RunResult, tests: ReadonlyMap<string, TestFigures>): Map<string, Map<string, Figure>> {
  const suites = new Map<string, Map<string, Figure>>();
  const raise = (suite: string, name: string, value: number, unit: string, add: boolean): void => {
    const figures = suites.get(suite) ?? new Map<string, Figure>();
    const seen = figures.get(name)?.value;
    figures.set(name, { value: seen === undefined ? value : add ? seen + value : Math.max(seen, value), unit });
    suites.set(suite, figures);
  };
  for (const file of run.files) {
    if (file.startedAt !== null && file.endedAt !== null) raise(file.job.suite, 'duration', file.endedAt - file.startedAt, 'ms', true);
  }
  for (const test of tests.values()) {
    for (const name of ['peakVram', 'peakRam'] as const) {
      const figure = test.figures.get(name);
      if (figure) raise(test.suite, name, figure.value, 'bytes', false);
    }
  }
  return suites;
}
