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
import { type SizeSpec } from '../units/size.js';
import type { Budgets, MetricBound, SuiteConfig } from '../config/types.js';
import { countResults } from '../results/counts.js';
import type { FileResult, ExecutedRun, TestResult } from '../results/run-result.js';
import { formatMetricValue } from '../units/format.js';
import type { BudgetBound, BudgetBreach, BudgetCheck, BudgetFigure, BudgetKind } from '../results/measurement.js';
import { failedTest, FAILURE } from '../results/failures.js';
import {
  budgetTestName, excess, gatherHealth, NO_HEALTH_NOTE, RESOURCE_LABEL, gatherLeak, gatherMetric, gatherPeakRam, gatherPeakVram, gatherSwap, ranFiles, sizeBound, withinBound,
  type Candidate, type Gathered, type HealthKind,
} from './budget-figures.js';

/** The budgets read from GPU health, which only NVML gives. */
const HEALTH_KINDS: ReadonlySet<BudgetKind> = new Set(['gpuUtilMin', 'tempMax', 'powerMax']);

/** Whether a suite declares any budget. */
export function hasBudgets(suite: SuiteConfig): boolean {
  const budgets = suite.budgets;
  if (budgets === null) return false;
  return Object.entries(budgets).some(([key, value]) => value !== undefined && (key !== 'metrics' || Object.keys(value as object).length > 0));
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
