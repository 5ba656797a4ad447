// Suite budgets (`budgets:` in gpu-test.config.yaml) against what the run measured. Every breach becomes a failed test of
// its own, `<test> [budget: peakVram]` with failure type `BudgetExceeded`, so JUnit, report.md, results.json and the
// exit code all see it. Pure: it reads the executed run and returns it with its budgets judged.
//
// What each budget is held against:
//   peakVram    per test: the VRAM peak of its window (summed over the job's GPUs); a percent is of those GPUs' total
//   peakRam     per test: RSS of the test's process tree, the larger of its before and after readings (RSS is not
//               sampled in between, so a spike freed inside the test is missed); a percent is of host RAM
//   swap        per test: how much host swap use grew, from before to the highest of its peak and after; a percent is
//               of the host's swap
//   leak        per repeated test and resource: the fitted growth over its iterations (`--repeat`); a percent is of the
//               job's VRAM (VRAM) or host RAM (RAM)
//   gpuUtilMin  per file: the time-weighted mean utilization of each of its GPUs while it ran (NVML only)
//   tempMax     per file: the highest temperature of its GPUs while it ran (NVML only)
//   powerMax    per file: the highest power draw of any one of its GPUs while it ran (NVML only)
//   metrics     per test: every value it recorded with metric(); a metric no test of the suite recorded is one
//               suite-level failure

import { decideVerdict } from '../results/verdict.js';
import { sizeInBytes, type SizeSpec } from '../units/size.js';
import type { Budgets, MetricBound, SuiteConfig } from '../config/types.js';
import { countResults } from '../results/counts.js';
import type { FileResult, LeakFinding, ExecutedRun, TestResult } from '../results/run-result.js';
import { formatBudgetValue, formatBytes, formatDuration, formatMetricValue } from '../units/format.js';
import type { BudgetBound, BudgetBreach, BudgetCheck, BudgetFigure, BudgetKind } from '../results/measurement.js';
import { computeWindowDeltas } from '../results/window-deltas.js';
import { hasHealth, windowHealth } from '../results/window-health.js';
import { failedTest, FAILURE } from '../results/failures.js';
import { plainFullName } from '../results/repeat-names.js';

/** The budgets read from GPU health, which only NVML gives. */
const HEALTH_KINDS: ReadonlySet<BudgetKind> = new Set(['gpuUtilMin', 'tempMax', 'powerMax']);
const NO_HEALTH_NOTE = 'GPU utilization, temperature and power are sampled through NVML only, and this run read the GPUs without it';

/** The name of the failed test a breach adds: `<subject> [budget: peakVram]`, `<suite> [budget: metric tokens_per_s]`. */
export function budgetTestName(subject: string, label: string): string {
  return `${subject} [budget: ${label}]`;
}

/** Whether a suite declares any budget. */
export function hasBudgets(suite: SuiteConfig): boolean {
  const budgets = suite.budgets;
  if (budgets === null) return false;
  return Object.entries(budgets).some(([key, value]) => value !== undefined && (key !== 'metrics' || Object.keys(value as object).length > 0));
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
function excess(measured: number, op: MetricBound['op'], limit: number): number {
  if (op === '<' || op === '<=') return measured - limit;
  if (op === '>' || op === '>=') return limit - measured;
  return Math.abs(measured - limit);
}

function sizeBound(spec: SizeSpec): BudgetBound {
  return 'bytes' in spec
    ? { op: '<=', value: spec.bytes, percent: null, unit: 'bytes' }
    : { op: '<=', value: null, percent: spec.percent, unit: 'bytes' };
}

function limitText(spec: SizeSpec, limit: number, capacity: number | null, of: string): string {
  return 'percent' in spec && capacity !== null
    ? `${formatBytes(limit)} (${formatMetricValue(spec.percent)}% of ${of} ${formatBytes(capacity)})`
    : formatBytes(limit);
}

/** A figure about to be checked, with the sentence its breach would carry. */
interface Candidate {
  readonly file: FileResult;
  readonly test: string | null;
  readonly line: number | null;
  readonly measured: number;
  readonly limit: number;
  readonly message: (suite: string) => string;
}

/** What one budget produced before the verdict: its figures and why some could not be measured. */
interface Gathered {
  readonly candidates: readonly Candidate[];
  readonly notes: readonly string[];
}

/** The files of a suite that ran (a skipped file measured nothing). */
function ranFiles(result: ExecutedRun, suite: string): FileResult[] {
  return result.files.filter((file) => file.job.suite === suite && file.status !== 'skipped' && file.startedAt !== null);
}

function gpuTotal(result: ExecutedRun, file: FileResult, test: TestResult | null): number | null {
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
function perTest(
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

function gatherPeakVram(result: ExecutedRun, files: readonly FileResult[], spec: SizeSpec): Gathered {
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

function gatherPeakRam(result: ExecutedRun, files: readonly FileResult[], spec: SizeSpec): Gathered {
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

function gatherSwap(result: ExecutedRun, files: readonly FileResult[], spec: SizeSpec): Gathered {
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

const RESOURCE_LABEL = { vram: 'VRAM', ram: 'RAM' } as const;

function gatherLeak(result: ExecutedRun, files: readonly FileResult[], spec: SizeSpec, resource: LeakFinding['resource']): Gathered {
  const candidates: Candidate[] = [];
  for (const file of files) {
    for (const finding of file.leaks) {
      if (finding.resource !== resource) continue;
      const capacity = resource === 'vram' ? gpuTotal(result, file, null) : result.host.memory?.totalBytes ?? null;
      const limit = sizeInBytes(spec, capacity);
      if (limit === null) continue;
      const measured = Math.round(finding.verdict.totalGrowthBytes);
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

type HealthKind = 'gpuUtilMin' | 'tempMax' | 'powerMax';

function gatherHealth(result: ExecutedRun, files: readonly FileResult[], kind: HealthKind, limit: number): Gathered {
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

function gatherMetric(files: readonly FileResult[], name: string, bound: MetricBound): Gathered & { readonly unit: string | null } {
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

interface BudgetSpec {
  readonly name: string;
  readonly label: string;
  readonly kind: BudgetKind;
  readonly metric: string | null;
  readonly bound: BudgetBound;
  readonly gathered: Gathered;
}

function figureOf(candidate: Candidate): BudgetFigure {
  return { fileId: candidate.file.job.id, test: candidate.test, line: candidate.line, measured: candidate.measured, limit: candidate.limit };
}

function verdict(suite: string, spec: BudgetSpec): BudgetCheck {
  const { candidates, notes } = spec.gathered;
  const op = spec.bound.op;
  let worst: Candidate | null = null;
  for (const candidate of candidates) {
    if (worst === null || excess(candidate.measured, op, candidate.limit) > excess(worst.measured, op, worst.limit)) worst = candidate;
  }
  const breaches: BudgetBreach[] = candidates.filter((candidate) => !withinBound(candidate.measured, op, candidate.limit)).map((candidate) => ({
    ...figureOf(candidate),
    testName: budgetTestName(candidate.test ?? candidate.file.job.id, spec.label),
    message: candidate.message(suite),
  }));
  return {
    suite, name: spec.name, kind: spec.kind, metric: spec.metric, bound: spec.bound,
    status: breaches.length > 0 ? 'breached' : candidates.length > 0 ? 'ok' : 'not-measured',
    checked: candidates.length, worst: worst === null ? null : figureOf(worst), breaches,
    note: notes.length > 0 ? notes.join('; ') : null,
  };
}

// A bound on a metric that no test of the suite recorded: one failure for the suite, on its first file that ran.
function neverRecorded(result: ExecutedRun, suite: string, files: readonly FileResult[], name: string, bound: MetricBound): BudgetCheck {
  const first = files[0];
  const base: BudgetCheck = {
    suite, name: `metric.${name}`, kind: 'metric', metric: name, bound: { op: bound.op, value: bound.value, percent: null, unit: null },
    status: 'not-measured', checked: 0, worst: null, breaches: [], note: null,
  };
  if (first === undefined) return { ...base, note: 'no file of the suite ran' };
  if (result.interrupted) return { ...base, note: 'the run was interrupted before any test of the suite recorded it' };
  const breach: BudgetBreach = {
    fileId: first.job.id, test: null, line: null, measured: null, limit: bound.value,
    testName: budgetTestName(suite, `metric ${name}`),
    message: `no test of suite ${suite} recorded the metric ${name}, which its budget bounds (${bound.op} ${formatMetricValue(bound.value)}): ` +
      `record it with metric('${name}', value) in a test of the suite, or remove the bound`,
  };
  return { ...base, status: 'breached', breaches: [breach], note: 'no test of the suite recorded it' };
}

function checkSuite(result: ExecutedRun, suite: SuiteConfig, budgets: Budgets): BudgetCheck[] {
  const files = ranFiles(result, suite.name);
  const specs: BudgetSpec[] = [];
  const size = (name: 'peakVram' | 'peakRam' | 'swap', spec: SizeSpec | undefined, gather: (spec: SizeSpec) => Gathered): void => {
    if (spec !== undefined) specs.push({ name, label: name, kind: name, metric: null, bound: sizeBound(spec), gathered: gather(spec) });
  };
  size('peakVram', budgets.peakVram, (spec) => gatherPeakVram(result, files, spec));
  size('peakRam', budgets.peakRam, (spec) => gatherPeakRam(result, files, spec));
  size('swap', budgets.swap, (spec) => gatherSwap(result, files, spec));
  if (budgets.leak !== undefined) {
    for (const resource of ['vram', 'ram'] as const) {
      specs.push({
        name: `leak.${resource}`, label: `leak ${RESOURCE_LABEL[resource]}`, kind: 'leak', metric: null,
        bound: sizeBound(budgets.leak), gathered: gatherLeak(result, files, budgets.leak, resource),
      });
    }
  }
  const health: [HealthKind, number | undefined, string][] = [['gpuUtilMin', budgets.gpuUtilMin, '%'], ['tempMax', budgets.tempMax, '°C'], ['powerMax', budgets.powerMax, 'W']];
  for (const [kind, limit, unit] of health) {
    if (limit === undefined) continue;
    specs.push({
      name: kind, label: kind, kind, metric: null, bound: { op: kind === 'gpuUtilMin' ? '>=' : '<=', value: limit, percent: null, unit },
      gathered: gatherHealth(result, files, kind, limit),
    });
  }
  const checks = specs.map((spec) => verdict(suite.name, spec));
  for (const [name, bound] of Object.entries(budgets.metrics ?? {})) {
    const gathered = gatherMetric(files, name, bound);
    if (gathered.candidates.length === 0) {
      checks.push(neverRecorded(result, suite.name, files, name, bound));
      continue;
    }
    checks.push(verdict(suite.name, {
      name: `metric.${name}`, label: `metric ${name}`, kind: 'metric', metric: name,
      bound: { op: bound.op, value: bound.value, percent: null, unit: gathered.unit }, gathered,
    }));
  }
  return checks;
}

/** Every budget of every suite against what the run measured, suites in config order; empty when none has budgets. */
export function checkBudgets(result: ExecutedRun, suites: readonly SuiteConfig[]): BudgetCheck[] {
  return suites.filter(hasBudgets).flatMap((suite) => checkSuite(result, suite, suite.budgets as Budgets));
}

/** The failed test a breach adds to its file. */
export function breachTest(file: FileResult, breach: BudgetBreach): TestResult {
  return failedTest({ name: breach.testName, file: file.job.file, line: breach.line, type: FAILURE.budget, message: breach.message });
}

// Said once a run, not per test: a suite asked for GPU health and the reader could not give it.
function healthWarning(checks: readonly BudgetCheck[], result: ExecutedRun): string | null {
  const unchecked = checks.filter((check) => HEALTH_KINDS.has(check.kind) && check.status === 'not-measured' && check.note?.includes(NO_HEALTH_NOTE));
  if (unchecked.length === 0) return null;
  const which = unchecked.map((check) => `${check.name} of suite ${check.suite}`).join(', ');
  const backend = result.gpu.available ? 'libnvidia-ml did not load, or `--gpu-backend nvidia-smi` was given' : 'no usable GPU';
  return `GPU health budgets were not checked (${which}): utilization, temperature and power are sampled through NVML only, ` +
    `and this run read the GPUs without it (${backend})`;
}

/**
 * The run with every budget breach as a failed test (`<test> [budget: <name>]`, failure type `BudgetExceeded`) in its
 * file, that file failed, counts and verdict recomputed, `budgets` set and a warning where GPU health was not available.
 * A run whose suites declare no budgets comes back with none.
 */
export function applyBudgets<Run extends ExecutedRun>(result: Run, suites: readonly SuiteConfig[]): Run & { readonly budgets: readonly BudgetCheck[] } {
  if (!suites.some(hasBudgets)) return { ...result, budgets: [] };
  const checks = checkBudgets(result, suites);
  const added = new Map<string, BudgetBreach[]>();
  for (const breach of checks.flatMap((check) => check.breaches)) {
    if (breach.fileId === null) continue;
    added.set(breach.fileId, [...(added.get(breach.fileId) ?? []), breach]);
  }
  const files = result.files.map((file): FileResult => {
    const breaches = added.get(file.job.id);
    if (breaches === undefined) return file;
    // A file whose tests all passed (alone, after a retry, too) fails on a breach; one that failed or crashed stays so.
    const passed = file.status === 'passed' || file.status === 'passed-alone';
    return { ...file, status: passed ? 'failed' : file.status, tests: [...file.tests, ...breaches.map((breach) => breachTest(file, breach))] };
  });
  const counts = countResults(files);
  const verdict = decideVerdict({ interrupted: result.interrupted, counts, hooks: result.hooks });
  const warning = healthWarning(checks, result);
  return { ...result, files, counts, verdict, warnings: warning === null ? result.warnings : [...result.warnings, warning], budgets: checks };
}
