// Joins what a test process left behind (reporter records, boundary samples, how it ended) into test results.
// Pure: every crash, timeout and interrupt case is tested without a process.

import { capName } from '../../units/cap-text.js';
import type { MemorySample, TestWindow, WindowPeak } from '../../results/measurement.js';
import type { Job } from '../../results/job.js';
import type { MetricMessage, QueuedTest, ResultRecord } from '../child/protocol.js';
import { parseIterationName } from '../../results/repeat-names.js';
import { describeGuardStop, describeOutcome, outcomeFailureType } from './describe-outcome.js';
import type { FileStatus, ProcessOutcome, RepeatInfo, TestMetric, TestResult } from '../../results/run-result.js';
import { failedTest, FILE_LEVEL_TEST } from '../../results/failures.js';

/** One test's boundaries as the harness saw them; `end` null when the process died inside the test. */
export interface BoundaryWindow {
  readonly name: string;
  readonly before: MemorySample;
  readonly after: MemorySample | null;
  /** Taken when the test ends; null while it runs. */
  readonly peak: WindowPeak | null;
}

/** What collectResults returns for a file. */
export interface CollectedFile {
  readonly status: FileStatus;
  readonly error: string | null;
  readonly tests: readonly TestResult[];
  /** Metrics no test could be found for, as sentences. */
  readonly warnings: readonly string[];
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function repeatOf(record: ResultRecord, job: Job): RepeatInfo | null {
  if (job.repeat <= 1) return null;
  const parsed = parseIterationName(record.name, job.repeat);
  return parsed ? { name: parsed.name, iteration: parsed.iteration, count: job.repeat } : null;
}

function fromRecord(record: ResultRecord, job: Job, window: TestWindow | null): TestResult {
  return {
    name: record.name,
    fullName: record.fullName,
    nesting: record.nesting,
    file: record.file ?? job.file,
    line: record.line,
    column: record.column,
    status: record.status,
    durationMs: record.durationMs,
    skipReason: record.skipReason,
    failure: record.failure,
    window,
    repeat: repeatOf(record, job),
    metrics: [],
  };
}

/** Gives each finished test (in completion order) the earliest unused window of the same name that ended. */
function attachWindows(records: readonly ResultRecord[], windows: readonly BoundaryWindow[], job: Job): { tests: TestResult[]; unused: BoundaryWindow[] } {
  const unused = [...windows];
  const tests = records.map((record) => {
    if (record.status === 'skipped') return fromRecord(record, job, null);
    const index = unused.findIndex((w) => w.after !== null && w.name === record.name);
    if (index === -1) return fromRecord(record, job, null);
    const [window] = unused.splice(index, 1);
    return fromRecord(record, job, window ? { before: window.before, after: window.after, peak: window.peak } : null);
  });
  return { tests, unused };
}

/**
 * Gives each metric to the test of its name that was running when it was recorded (iterations of a repeated test
 * share no name, so the name alone usually decides); returns the metrics that match no test.
 */
function attachMetrics(tests: TestResult[], metrics: readonly MetricMessage[]): MetricMessage[] {
  const lost: MetricMessage[] = [];
  const byTest = new Map<TestResult, TestMetric[]>();
  for (const metric of metrics) {
    const named = tests.filter((test) => metric.test !== null && test.name === metric.test);
    const during = named.find((test) => test.window && test.window.before.at <= metric.at && metric.at <= (test.window.after?.at ?? Infinity));
    const owner = during ?? named[0];
    if (!owner) {
      lost.push(metric);
      continue;
    }
    byTest.set(owner, [...(byTest.get(owner) ?? []), { name: metric.name, value: metric.value, unit: metric.unit }]);
  }
  tests.forEach((test, i) => {
    const recorded = byTest.get(test);
    if (recorded) tests[i] = { ...test, metrics: recorded };
  });
  return lost;
}

/** Why a process that exited cleanly (code 0) before node:test had finished the file was cut short, for the test in flight or the file. */
function earlyExitMessage(code: number | null, test: string | null): string {
  const exited = `the test process exited (code ${code ?? 0}) before node:test had finished the file`;
  return test === null
    ? `${exited}: process.exit() outside a test (a hook, a timer, the top level) ends the file early, and the tests after that point did not run`
    : `${exited}, while "${test}" was running: process.exit() inside a test ends the whole file, and the tests after it did not run`;
}

/** How far node:test got in the file, as its reporter recorded it. */
export interface FileProgress {
  /** node:test reported the whole file (its reporter reached the end); false when the process ended first. */
  readonly finished?: boolean;
  /** Every test node:test queued; those with no result when the process ended early never ran. */
  readonly queued?: readonly QueuedTest[];
}

/**
 * The queued tests that neither finished nor were in flight, and hold no other queued test (suites and parents do).
 * A test the process died in is known by its name alone (a boundary carries no ancestors), so names count too.
 */
function neverRan(queued: readonly QueuedTest[], tests: readonly TestResult[]): QueuedTest[] {
  const accounted = new Map<string, number>();
  const add = (key: string): void => void accounted.set(key, (accounted.get(key) ?? 0) + 1);
  const take = (key: string): boolean => {
    const left = accounted.get(key) ?? 0;
    if (left > 0) accounted.set(key, left - 1);
    return left > 0;
  };
  for (const test of tests) {
    add(test.fullName);
    if (test.fullName !== test.name) add(test.name);
  }
  const parents = new Set<string>();
  for (const fullName of [...queued.map((test) => test.fullName), ...tests.map((test) => test.fullName)]) {
    const parts = fullName.split(' > ');
    for (let i = 1; i < parts.length; i += 1) parents.add(parts.slice(0, i).join(' > '));
  }
  return queued.filter((test) => !parents.has(test.fullName) && !take(test.fullName) && !take(test.name));
}

/** Test results and file status for one finished (or killed) test process that ended at `endedAt` (epoch ms). */
export function collectResults(
  job: Job, allRecords: readonly ResultRecord[], windows: readonly BoundaryWindow[], outcome: ProcessOutcome, stderr: string, endedAt: number,
  metrics: readonly MetricMessage[] = [], progress: FileProgress = {},
): CollectedFile {
  const finished = progress.finished ?? true;
  const records = allRecords.filter((record) => !record.isSuite);
  const { tests, unused } = attachWindows(records, windows, job);
  const lostMetrics = attachMetrics(tests, metrics);
  const warnings = lostMetrics.map((metric) => `metric \`${metric.name}\` was recorded outside any test${metric.test ? ` (in "${capName(metric.test)}", which reported no result)` : ''}; call metric() inside a test so a report can show it`);
  // A clean exit before node:test finished: a test (or a hook) called process.exit().
  const exitedEarly = !finished && describeOutcome(outcome, job.timeoutMs) === null;
  const ending = describeOutcome(outcome, job.timeoutMs) ?? (exitedEarly ? `exited (code ${outcome.exitCode ?? 0}) before node:test had finished the file` : null);
  const abnormal = outcome.isCanceled || outcome.timedOut || outcome.signal !== null || exitedEarly;
  // The memory guard's stop says what crossed and how it got there, in place of the process's ending.
  const guardMessage = outcome.stoppedByGuard && !outcome.isCanceled ? describeGuardStop(outcome.stoppedByGuard) : null;

  // Tests the process was inside when it died: they appear as failed, named, with what killed them. One whose end was
  // being measured (its VRAM settling) when it died never reported a result either.
  for (const window of unused) {
    if (!ending) continue;
    const during = window.after === null ? 'was running' : 'was ending (its result was never reported)';
    const message = guardMessage ?? (exitedEarly ? earlyExitMessage(outcome.exitCode, window.name) : `the test process ${ending} while "${window.name}" ${during}`);
    tests.push(failedTest({
      name: window.name, file: job.file, type: outcomeFailureType(outcome), message, durationMs: Math.max(0, endedAt - window.before.at),
      window: { before: window.before, after: window.after, peak: window.peak },
    }));
  }

  const anyFailed = tests.some((test) => test.status === 'failed');
  // A guard stop between tests must show even when an earlier test failed on its own.
  const guardUnshown = guardMessage !== null && !tests.some((test) => test.failure?.message === guardMessage);
  if ((ending && !anyFailed) || guardUnshown) {
    const tail = lastLines(stderr, 20);
    const said = exitedEarly ? earlyExitMessage(outcome.exitCode, null) : `the test process ${ending}${tests.length === 0 ? ' before any test finished' : ' outside any test'}`;
    const message = guardMessage ?? `${said}${tail ? `; its stderr ended with:\n${tail}` : ''}`;
    tests.push(failedTest({ name: FILE_LEVEL_TEST, file: job.file, type: outcomeFailureType(outcome), message, durationMs: outcome.durationMs }));
  }

  // Queued tests the process never reached: listed, so nothing that was declared vanishes from the reports.
  if (ending) {
    for (const test of neverRan(progress.queued ?? [], tests)) {
      tests.push({
        name: test.name, fullName: test.fullName, nesting: test.nesting, file: test.file ?? job.file, line: test.line, column: null,
        status: 'skipped', durationMs: 0, skipReason: `not run: the test process ${ending} before it`, failure: null, window: null, repeat: null, metrics: [],
      });
    }
  }

  let status: FileStatus = 'passed';
  if (outcome.isCanceled) status = 'interrupted';
  else if (guardMessage) status = 'failed'; // Stopped on purpose, and said why: a failed file, not a crash.
  else if (outcome.timedOut) status = 'timed-out';
  else if (abnormal || (ending && !anyFailed)) status = 'crashed';
  else if (anyFailed || ending) status = 'failed';
  const error = status === 'passed' || status === 'failed' ? null : `the test process ${ending ?? 'ended abnormally'}`;
  return { status, error, tests, warnings };
}
