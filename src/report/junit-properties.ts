// The <property> elements of junit.xml: what the run knows of the GPUs, each file's status and exit, each test's
// memory figures and metrics, leak calls, budgets and what a file left behind. junit-10.xsd allows <properties> only on
// a <testsuite>, so a test's figures are named `<full name> :: <figure>`.

import type { FileResidue, FileResult, LeakFinding, RunResult, TestResult } from '../results/run-result.js';
import { describeCoScheduled } from '../results/co-scheduled.js';
import { describeMemoryEvidence } from '../results/memory-evidence.js';
import { computeWindowDeltas } from '../results/window-deltas.js';
import type { BudgetCheck, WindowDeltas } from '../results/measurement.js';
import { leakCall } from './leak-calls.js';

/** One JUnit property: name and value. */
export type Property = readonly [name: string, value: string];

/** The memory figures written per test, as property-name suffixes, in bytes. */
export const MEMORY_PROPERTIES: readonly (readonly [string, keyof WindowDeltas])[] = [
  ['vram.before.bytes', 'vramBeforeBytes'],
  ['vram.after.bytes', 'vramAfterBytes'],
  ['vram.peak.bytes', 'vramPeakBytes'],
  ['vram.delta.bytes', 'vramDeltaBytes'],
  ['rss.before.bytes', 'rssBeforeBytes'],
  ['rss.after.bytes', 'rssAfterBytes'],
  ['rss.delta.bytes', 'rssDeltaBytes'],
  ['host.used.before.bytes', 'hostUsedBeforeBytes'],
  ['host.used.after.bytes', 'hostUsedAfterBytes'],
  ['host.used.peak.bytes', 'hostUsedPeakBytes'],
  ['host.used.delta.bytes', 'hostUsedDeltaBytes'],
  ['swap.delta.bytes', 'swapDeltaBytes'],
  ['memory.stall.some.ms', 'memoryStallSomeMs'],
  ['memory.stall.full.ms', 'memoryStallFullMs'],
];

/** Separates a test's full name from the figure in a per-test property name: `math > adds :: vram.delta.bytes`. */
export const TEST_PROPERTY_SEPARATOR = ' :: ';

/**
 * The figures written per leak finding, as `leak.<resource>.<suffix>` property names (`leak.metric.<name>.<suffix>`
 * for a metric, whose figures are in its own unit: no `.bytes`). Steps and the re-run only where there were some.
 */
export function leakFigures(finding: LeakFinding): Property[] {
  const { verdict, recheck } = finding;
  const bytes = finding.resource === 'metric' ? '' : '.bytes';
  const figure = (value: number): string => String(finding.resource === 'metric' ? value : Math.round(value));
  const figures: Property[] = [
    [`per_iteration${bytes}`, figure(verdict.perIteration)],
    [`total${bytes}`, figure(verdict.totalGrowth)],
    ['iterations', String(verdict.iterations)],
    ['r_squared', verdict.rSquared.toFixed(4)],
    [`threshold${bytes}`, figure(verdict.threshold)],
    ['verdict', leakCall(finding)],
    ['pattern', verdict.pattern],
    ['source', finding.source],
  ];
  if (verdict.steps !== null) {
    figures.push(['steps', String(verdict.steps.count)], [`step${bytes}`, figure(verdict.steps.height)]);
    if (verdict.steps.period !== null) figures.push(['period.iterations', String(verdict.steps.period)]);
  }
  if (recheck !== null) figures.push(['recheck.iterations', String(recheck.iterations)], ['recheck.why', recheck.why]);
  return [...figures, ['reason', verdict.reason]];
}

// What the run knows of the GPUs, repeated on each testsuite because junit-10.xsd allows no <properties> on the root.
export function runProperties(result: RunResult): Property[] {
  const { gpu } = result;
  const properties: Property[] = [['gpu-test.version', result.toolVersion], ['gpu-test.run.id', result.runId], ['gpu-test.verdict', result.verdict]];
  if (result.interruption) {
    const { signal, at, forced } = result.interruption;
    properties.push(['gpu-test.interrupted', `${signal} at ${new Date(at).toISOString()}${forced ? '; a second signal killed every test process at once' : ''}`]);
  }
  if (!gpu.available) return [...properties, ['host.gpus', 'none'], ['host.gpu.unavailable', gpu.reason ?? 'unknown']];
  properties.push(['host.gpus', gpu.gpus.map((info) => `${info.index}: ${info.name} (${info.uuid})`).join('; ')]);
  if (gpu.driverVersion !== null) properties.push(['host.gpu.driver', gpu.driverVersion]);
  if (gpu.cudaVersion !== null) properties.push(['host.cuda', gpu.cudaVersion]);
  return properties;
}

export function fileProperties(file: FileResult): Property[] {
  const { job, outcome } = file;
  const properties: Property[] = [
    ['suite', job.suite], ['tags', job.tags.join(',')], ['lane', file.lane], ['gpu.indices', file.gpuIndices.join(',')], ['status', file.status],
  ];
  if (outcome?.exitCode != null) properties.push(['exit.code', String(outcome.exitCode)]);
  if (outcome?.signal != null) properties.push(['exit.signal', outcome.signal]);
  if (file.error !== null) properties.push(['error', file.error]);
  if (file.skipReason !== null) properties.push(['skip.reason', file.skipReason]);
  if (job.skip?.enableWith) properties.push(['skip.enable.with', job.skip.enableWith]);
  // JUnit has no status between pass and fail: the tests are the alone run's, and this says what happened before.
  if (file.coScheduled) properties.push(['co.scheduled', describeCoScheduled(file.coScheduled)]);
  // Whether a failure memory could explain was re-run alone, and on which signs of memory pressure.
  if (file.memoryEvidence) properties.push(['memory.evidence', describeMemoryEvidence(file.memoryEvidence)]);
  // A retried file: how many attempts it took, and what each earlier one died of.
  if (file.attempts && file.attempts.length > 0) {
    properties.push(['attempts', String(file.attempts.length + 1)]);
    file.attempts.forEach((attempt, index) => properties.push([`attempt.${index + 1}`, `${attempt.status}${attempt.failureClass ? ` (${attempt.failureClass})` : ''}${attempt.error ? `: ${attempt.error}` : ''}`]));
  }
  return properties;
}

/** One test's figures: the name they are written under and each figure's own name (`vram.peak.bytes`) and value. */
export interface TestFigureProperties {
  readonly key: string;
  readonly figures: Property[];
}

// junit-10.xsd has no <properties> inside <testcase> (pytest warns the same of record_property under xunit2), so
// each test's figures live in its suite's <properties>, named `<key> :: <figure>` with the test's full name as key; a
// repeated full name gets ` [2]`, ` [3]` so every name stays unique. Unknown figures are left out rather than written
// as empty values. Kept per test, so the writer escapes a long nested name once, not once per figure.
export function testProperties(tests: readonly TestResult[]): TestFigureProperties[] {
  const all: TestFigureProperties[] = [];
  const seen = new Map<string, number>();
  for (const test of tests) {
    const occurrence = (seen.get(test.fullName) ?? 0) + 1;
    seen.set(test.fullName, occurrence);
    const figures: Property[] = [];
    if (test.window !== null) {
      const deltas = computeWindowDeltas(test.window);
      for (const [figure, field] of MEMORY_PROPERTIES) {
        const value = deltas[field];
        if (value !== null) figures.push([figure, String(value)]);
      }
    }
    if (test.status === 'flaky') figures.push(['flaky', 'true']);
    figures.push(...metricProperties(test));
    if (figures.length > 0) all.push({ key: occurrence === 1 ? test.fullName : `${test.fullName} [${occurrence}]`, figures });
  }
  return all;
}

// `metric.<name>` holds the number alone, so readers can parse it; the unit, when given, is a property of its own. A
// name the test recorded twice gets ` [2]` like a repeated test name.
function metricProperties(test: TestResult): Property[] {
  const properties: Property[] = [];
  const seen = new Map<string, number>();
  for (const metric of test.metrics) {
    const occurrence = (seen.get(metric.name) ?? 0) + 1;
    seen.set(metric.name, occurrence);
    const name = `metric.${metric.name}${occurrence === 1 ? '' : ` [${occurrence}]`}`;
    properties.push([name, String(metric.value)]);
    if (metric.unit !== null) properties.push([`${name}.unit`, metric.unit]);
  }
  return properties;
}

// A finding is about the test across its iterations, so it is named after the test without the iteration suffix; two
// tests of one name get ` [2]` as in testProperties.
export function leakProperties(leaks: readonly LeakFinding[]): Property[] {
  const seen = new Map<string, number>();
  return leaks.flatMap((finding) => {
    const subject = finding.resource === 'metric' ? `metric.${finding.metric?.name ?? ''}` : finding.resource;
    const id = `${finding.test}\u0000${subject}`;
    const occurrence = (seen.get(id) ?? 0) + 1;
    seen.set(id, occurrence);
    const key = occurrence === 1 ? finding.test : `${finding.test} [${occurrence}]`;
    return leakFigures(finding).map(([suffix, value]): Property => [`${key}${TEST_PROPERTY_SEPARATOR}leak.${subject}.${suffix}`, value]);
  });
}

// A breach's figures beside the failed test it added, named after what breached (the test; the file for a GPU health
// budget; the suite for a metric no test recorded): `ensemble > caption :: budget.peakVram.limit`. Numbers are in the
// bound's unit (`.unit`: bytes, %, °C, W or the metric's); `.measured` is absent for a metric never recorded.
export function budgetProperties(file: FileResult, checks: readonly BudgetCheck[]): Property[] {
  const properties: Property[] = [];
  for (const check of checks) {
    for (const breach of check.breaches) {
      if (breach.fileId !== file.job.id) continue;
      const cut = breach.testName.lastIndexOf(' [budget: ');
      const key = `${cut === -1 ? breach.testName : breach.testName.slice(0, cut)}${TEST_PROPERTY_SEPARATOR}budget.${check.name}`;
      properties.push([`${key}.limit`, String(breach.limit)]);
      if (breach.measured !== null) properties.push([`${key}.measured`, String(breach.measured)]);
      if (check.bound.unit !== null) properties.push([`${key}.unit`, check.bound.unit]);
    }
  }
  return properties;
}

export function residueProperties(residue: FileResidue | null): Property[] {
  if (residue === null) return [];
  const properties: Property[] = [];
  if (residue.vramBeforeBytes !== null) properties.push(['residue.vram.before.bytes', String(residue.vramBeforeBytes)]);
  if (residue.vramAfterBytes !== null) properties.push(['residue.vram.after.bytes', String(residue.vramAfterBytes)]);
  for (const orphan of residue.orphans) {
    const prefix = `orphan.${orphan.pid}`;
    properties.push([`${prefix}.command`, orphan.command]);
    if (orphan.gpuIndex !== null) properties.push([`${prefix}.gpu`, String(orphan.gpuIndex)]);
    if (orphan.vramBytes !== null) properties.push([`${prefix}.vram.bytes`, String(orphan.vramBytes)]);
    properties.push([`${prefix}.killed`, String(orphan.killed)]);
  }
  return properties;
}
