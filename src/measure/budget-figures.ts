// Each kind of budget's figures: for every test (or file) of a suite, what it measured against the limit the budget
// sets, worst first. Pure over the executed run; budgets.ts turns the figures into checks and failed tests.

import { sizeInBytes, type SizeSpec } from '../units/size.js';
import type { MetricBound } from '../config/types.js';
import type { FileResult, LeakFinding, ExecutedRun, TestResult } from '../results/run-result.js';
import { formatBudgetValue, formatBytes, formatDuration, formatMetricValue } from '../units/format.js';
import type { BudgetBound } from '../results/measurement.js';
import { computeWindowDeltas } from '../results/window-deltas.js';
import { hasHealth, windowHealth } from '../results/window-health.js';
import { plainFullName } from '../results/repeat-names.js';

/** Said of a health budget a run read without NVML: nothing could be measured. */
export const NO_HEALTH_NOTE = 'GPU utilization, temperature and power are sampled through NVML only, and this run read the GPUs without it';

/** The name of the failed test a breach adds: `<subject> [budget: peakVram]`, `<suite> [budget: metric tokens_per_s]`. */
export function budgetTestName(subject: string, label: string): string {
  return `${subject} [budget: ${label}]`;
}

/** Whether `measured` is within a bound of `op limit`. */
export function withinBound(measured: number, op: MetricBound['op'], limit: number): boolean {
  switch (op) {
    case '<': return measured < limit;
    case '<=': return measured <= limit;
    case '>': return measured > limit;
    case '>=': return measured >= limit;
    case '==': return measured === limit;
  }
}

// How far past its limit a figure is, in its unit: the largest is the worst (negative while within budget).
export function excess(measured: number, op: MetricBound['op'], limit: number): number {
  if (op === '<' || op === '<=') return measured - limit;
  if (op === '>' || op === '>=') return limit - measured;
  return Math.abs(measured - limit);
}

export function sizeBound(spec: SizeSpec): BudgetBound {
  return 'bytes' in spec
    ? { op: '<=', value: spec.bytes, percent: null, unit: 'bytes' }
    : { op: '<=', value: null, percent: spec.percent, unit: 'bytes' };
}

export function limitText(spec: SizeSpec, limit: number, capacity: number | null, of: string): string {
  return 'percent' in spec && capacity !== null
    ? `${formatBytes(limit)} (${formatMetricValue(spec.percent)}% of ${of} ${formatBytes(capacity)})`
    : formatBytes(limit);
}

/** A figure about to be checked, with the sentence its breach would carry. */
export interface Candidate {
  readonly file: FileResult;
  readonly test: string | null;
  readonly line: number | null;
  readonly measured: number;
  readonly limit: number;
  readonly message: (suite: string) => string;
}

/** What one budget produced before the verdict: its figures and why some could not be measured. */
export interface Gathered {
  readonly candidates: readonly Candidate[];
  readonly notes: readonly string[];
}

/** The files of a suite that ran (a skipped file measured nothing). */
export function ranFiles(result: ExecutedRun, suite: string): FileResult[] {
  return result.files.filter((file) => file.job.suite === suite && file.status !== 'skipped' && file.startedAt !== null);
}

export function gpuTotal(result: ExecutedRun, file: FileResult, test: TestResult | null): number | null {
  if (file.gpuIndices.length === 0) return null;
  let total = 0;
  for (const index of file.gpuIndices) {
    const bytes = result.gpu.gpus.find((gpu) => gpu.index === index)?.totalBytes
      ?? test?.window?.before.gpus?.find((gpu) => gpu.index === index)?.totalBytes ?? null;
    if (bytes === null) return null;
    total += bytes;
  }
  return total;
}

/**
 * One candidate per test (the worst iteration of a repeated test), from `read` over every test with a window.
 * `read` returns null where the test has no such figure.
 */
export function perTest(
  files: readonly FileResult[], op: MetricBound['op'],
  read: (test: TestResult, file: FileResult) => { measured: number; limit: number; describe: (suite: string) => string } | null,
): Candidate[] {
  const worst = new Map<string, { candidate: Candidate; test: TestResult }>();
  for (const file of files) {
    for (const test of file.tests) {
      if (test.window === null) continue;
      const figure = read(test, file);
      if (figure === null) continue;
      const key = `${file.job.id}\u0000${plainFullName(test)}`;
      const seen = worst.get(key);
      if (seen && excess(seen.candidate.measured, op, seen.candidate.limit) >= excess(figure.measured, op, figure.limit)) continue;
      worst.set(key, {
        test,
        candidate: { file, test: plainFullName(test), line: test.line, measured: figure.measured, limit: figure.limit, message: figure.describe },
      });
    }
  }
  return [...worst.values()].map(({ candidate, test }) => (test.repeat === null ? candidate : {
    ...candidate,
    message: (suite: string) => `${candidate.message(suite)} (iteration ${test.repeat?.iteration} of ${test.repeat?.count}, the worst)`,
  }));
}

export function gatherPeakVram(result: ExecutedRun, files: readonly FileResult[], spec: SizeSpec): Gathered {
  let unknownCapacity = false;
  const candidates = perTest(files, '<=', (test, file) => {
    const measured = computeWindowDeltas(test.window).vramPeakBytes;
    if (measured === null) return null;
    const capacity = gpuTotal(result, file, test);
    const limit = sizeInBytes(spec, capacity);
    if (limit === null) {
      unknownCapacity = true;
      return null;
    }
    return {
      measured, limit,
      describe: (suite) => `VRAM peaked at ${formatBytes(measured)}, over the ${limitText(spec, limit, capacity, 'the job\'s')} budget of suite ${suite}`,
    };
  });
  const notes = unknownCapacity ? ['some GPUs did not report their total memory, so a percent budget could not be resolved for their tests'] : [];
  return { candidates, notes: candidates.length === 0 ? [...notes, 'no test of the suite had VRAM measured (it ran in the cpu lane, or without a GPU)'] : notes };
}

export function gatherPeakRam(result: ExecutedRun, files: readonly FileResult[], spec: SizeSpec): Gathered {
  const candidates = perTest(files, '<=', (test) => {
    const { rssBeforeBytes, rssAfterBytes } = computeWindowDeltas(test.window);
    if (rssBeforeBytes === null && rssAfterBytes === null) return null;
    const measured = Math.max(rssBeforeBytes ?? 0, rssAfterBytes ?? 0);
    const capacity = test.window?.before.host?.totalBytes ?? result.host.memory?.totalBytes ?? null;
    const limit = sizeInBytes(spec, capacity);
    if (limit === null) return null;
    return {
      measured, limit,
      describe: (suite) => `the test's process tree held ${formatBytes(measured)} RSS (the larger of its before and after ` +
        `readings), over the ${limitText(spec, limit, capacity, 'host RAM')} budget of suite ${suite}`,
    };
  });
  return { candidates, notes: candidates.length === 0 ? ['no test of the suite had its process-tree RSS read'] : [] };
}

export function gatherSwap(result: ExecutedRun, files: readonly FileResult[], spec: SizeSpec): Gathered {
  const candidates = perTest(files, '<=', (test) => {
    const before = test.window?.before.host?.swapUsedBytes ?? null;
    const highest = Math.max(test.window?.peak?.swapUsedBytes ?? -Infinity, test.window?.after?.host?.swapUsedBytes ?? -Infinity);
    if (before === null || !Number.isFinite(highest)) return null;
    const measured = Math.max(0, highest - before);
    const capacity = test.window?.before.host?.swapTotalBytes ?? result.host.memory?.swapTotalBytes ?? null;
    const limit = sizeInBytes(spec, capacity);
    if (limit === null) return null;
    return {
      measured, limit,
      describe: (suite) => `host swap use grew by ${formatBytes(measured)} during the test, over the ` +
        `${limitText(spec, limit, capacity, 'swap')} budget of suite ${suite}`,
    };
  });
  return { candidates, notes: candidates.length === 0 ? ['no test of the suite had host swap read before and after'] : [] };
}

export const RESOURCE_LABEL = { vram: 'VRAM', ram: 'RAM' } as const;

export function gatherLeak(result: ExecutedRun, files: readonly FileResult[], spec: SizeSpec, resource: 'vram' | 'ram'): Gathered {
  const candidates: Candidate[] = [];
  for (const file of files) {
    for (const finding of file.leaks) {
      if (finding.resource !== resource) continue;
      const capacity = resource === 'vram' ? gpuTotal(result, file, null) : result.host.memory?.totalBytes ?? null;
      const limit = sizeInBytes(spec, capacity);
      if (limit === null) continue;
      const measured = Math.round(finding.verdict.totalGrowth);
      candidates.push({
        file, test: finding.test, line: finding.line, measured, limit,
        message: (suite) => `${RESOURCE_LABEL[resource]} grew by ${formatBytes(measured)} over ${finding.verdict.iterations} ` +
          `iterations (the fitted line, R² ${finding.verdict.rSquared.toFixed(2)}), over the ` +
          `${limitText(spec, limit, capacity, resource === 'vram' ? 'the job\'s VRAM' : 'host RAM')} leak budget of suite ${suite}`,
      });
    }
  }
  return { candidates, notes: candidates.length === 0 ? ['no test of the suite was repeated (`--repeat` 3 or more fits the growth per iteration)'] : [] };
}

export type HealthKind = 'gpuUtilMin' | 'tempMax' | 'powerMax';

export function gatherHealth(result: ExecutedRun, files: readonly FileResult[], kind: HealthKind, limit: number): Gathered {
  const candidates: Candidate[] = [];
  let noHealth = false;
  let gpuFiles = 0;
  for (const file of files) {
    if (file.gpuIndices.length === 0 || file.startedAt === null || file.endedAt === null) continue;
    gpuFiles += 1;
    if (!file.gpuIndices.every((index) => hasHealth(result.timeline, index)) || result.timeline === null) {
      noHealth = true;
      continue;
    }
    const timeline = result.timeline;
    const { startedAt, endedAt } = file;
    const op = kind === 'gpuUtilMin' ? '>=' : '<=';
    let worst: { gpu: number; measured: number } | null = null;
    for (const index of file.gpuIndices) {
      const health = windowHealth(timeline, index, startedAt, endedAt);
      const measured = kind === 'gpuUtilMin' ? health.meanUtilizationPercent : kind === 'tempMax' ? health.maxTemperatureC : health.maxPowerWatts;
      if (measured === null) continue;
      if (worst === null || excess(measured, op, limit) > excess(worst.measured, op, limit)) worst = { gpu: index, measured };
    }
    if (worst === null) continue;
    const { gpu, measured } = worst;
    const during = `while the file ran (${formatDuration(endedAt - startedAt)})`;
    candidates.push({
      file, test: null, line: null, measured, limit,
      message: (suite) => kind === 'gpuUtilMin'
        ? `GPU ${gpu} averaged ${formatBudgetValue(measured, '%')} utilization ${during}, under the ${formatBudgetValue(limit, '%')} minimum of suite ${suite}`
        : kind === 'tempMax'
          ? `GPU ${gpu} reached ${formatBudgetValue(measured, '°C')} ${during}, over the ${formatBudgetValue(limit, '°C')} budget of suite ${suite}`
          : `GPU ${gpu} drew up to ${formatBudgetValue(measured, 'W')} ${during}, over the ${formatBudgetValue(limit, 'W')} budget of suite ${suite}`,
    });
  }
  const notes: string[] = [];
  if (noHealth) notes.push(NO_HEALTH_NOTE);
  else if (gpuFiles === 0) notes.push('no file of the suite ran on a GPU');
  else if (candidates.length === 0) notes.push('no health sample fell inside the windows of the suite\'s GPU files');
  return { candidates, notes };
}

export function gatherMetric(files: readonly FileResult[], name: string, bound: MetricBound): Gathered & { readonly unit: string | null } {
  let unit: string | null = null;
  const candidates = perTest(files, bound.op, (test) => {
    let worst: number | null = null;
    for (const metric of test.metrics) {
      if (metric.name !== name) continue;
      unit ??= metric.unit;
      if (worst === null || excess(metric.value, bound.op, bound.value) > excess(worst, bound.op, bound.value)) worst = metric.value;
    }
    if (worst === null) return null;
    const measured = worst;
    return {
      measured, limit: bound.value,
      describe: (suite) => `${name} was ${formatBudgetValue(measured, unit)}; the budget of suite ${suite} requires ${bound.op} ${formatMetricValue(bound.value)}`,
    };
  });
  return { candidates, notes: [], unit };
}

