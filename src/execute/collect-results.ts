// Joins what a test process left behind (reporter records, boundary samples, how it ended) into test results.
// Pure: every crash, timeout and interrupt case is tested without a process.

import { capName } from '../cap-text.js';
import type { MemorySample, TestWindow, WindowPeak } from '../measure/types.js';
import type { Job } from '../plan/types.js';
import type { MetricMessage, ResultRecord } from './child/protocol.js';
import { parseIterationName } from './child/repeat-tests.js';
import { describeGuardStop, describeOutcome, outcomeFailureType } from './describe-outcome.js';
import type { FileStatus, ProcessOutcome, RepeatInfo, TestMetric, TestResult } from './types.js';

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

/** The name of the synthetic test that stands for a file failing outside any test. */
export const FILE_LEVEL_TEST = '(file-level error)';

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

/** Test results and file status for one finished (or killed) test process that ended at `endedAt` (epoch ms). */
export function collectResults(
  job: Job, allRecords: readonly ResultRecord[], windows: readonly BoundaryWindow[], outcome: ProcessOutcome, stderr: string, endedAt: number,
  metrics: readonly MetricMessage[] = [],
): CollectedFile {
  const records = allRecords.filter((record) => !record.isSuite);
  const { tests, unused } = attachWindows(records, windows, job);
  const lostMetrics = attachMetrics(tests, metrics);
  const warnings = lostMetrics.map((metric) => `metric \`${metric.name}\` was recorded outside any test${metric.test ? ` (in "${capName(metric.test)}", which reported no result)` : ''}; call metric() inside a test so a report can show it`);
  const ending = describeOutcome(outcome, job.timeoutMs);
  const abnormal = outcome.isCanceled || outcome.timedOut || outcome.signal !== null;
  // The memory guard's stop says what crossed and how it got there, in place of the process's ending.
  const guardMessage = outcome.stoppedByGuard && !outcome.isCanceled ? describeGuardStop(outcome.stoppedByGuard) : null;

  // Tests the process was inside when it died: they appear as failed, named, with what killed them.
  for (const window of unused) {
    if (window.after !== null || !ending) continue;
    const message = guardMessage ?? `the test process ${ending} while "${window.name}" was running`;
    tests.push({
      name: window.name, fullName: window.name, nesting: 0, file: job.file, line: null, column: null,
      status: 'failed', durationMs: Math.max(0, endedAt - window.before.at),
      skipReason: null, failure: { type: outcomeFailureType(outcome), message, stack: null },
      window: { before: window.before, after: null, peak: null }, repeat: null, metrics: [],
    });
  }

  const anyFailed = tests.some((test) => test.status === 'failed');
  // A guard stop between tests must show even when an earlier test failed on its own.
  const guardUnshown = guardMessage !== null && !tests.some((test) => test.failure?.message === guardMessage);
  if ((ending && !anyFailed) || guardUnshown) {
    const tail = lastLines(stderr, 20);
    const message = guardMessage ?? `the test process ${ending}${tests.length === 0 ? ' before any test finished' : ' outside any test'}${tail ? `; its stderr ended with:\n${tail}` : ''}`;
    tests.push({
      name: FILE_LEVEL_TEST, fullName: FILE_LEVEL_TEST, nesting: 0, file: job.file, line: null, column: null,
      status: 'failed', durationMs: outcome.durationMs, skipReason: null,
      failure: { type: outcomeFailureType(outcome), message, stack: null }, window: null, repeat: null, metrics: [],
    });
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
