// A retried file's result (`--retries`): the last attempt's, with every test that failed in an earlier attempt and
// passed in the last marked `flaky` (its first failure kept), the earlier attempts summed up, and their stderr kept
// ahead of the last one's. A file that failed and then passed is `flaky`, never a silent pass. Pure.

import type { FileAttempt } from '../../results/ci-result.js';
import type { FileResult, TestResult } from '../../results/run-result.js';
import { failureClassOf } from './failure-class.js';

/** How an attempt ended, for the attempts list. */
export function summarizeAttempt(file: FileResult): FileAttempt {
  return {
    status: file.status, failureClass: failureClassOf(file), error: file.error,
    durationMs: file.startedAt !== null && file.endedAt !== null ? file.endedAt - file.startedAt : null,
    failedTests: file.tests.filter((test) => test.status === 'failed').map((test) => test.fullName),
  };
}

// A test's identity across attempts: its full name and which occurrence of that name it is in the file.
function keyed(tests: readonly TestResult[]): Map<string, TestResult> {
  const seen = new Map<string, number>();
  const byKey = new Map<string, TestResult>();
  for (const test of tests) {
    const occurrence = (seen.get(test.fullName) ?? 0) + 1;
    seen.set(test.fullName, occurrence);
    byKey.set(`${test.fullName}\u0000${occurrence}`, test);
  }
  return byKey;
}

/** The result to report for a file retried after `earlier` failed attempts (oldest first) and ended with `last`. */
export function mergeRetries(earlier: readonly FileResult[], last: FileResult): FileResult {
  if (earlier.length === 0) return last;
  const firstFailure = new Map<string, TestResult['failure']>();
  for (const attempt of earlier) {
    for (const [key, test] of keyed(attempt.tests)) if (test.status === 'failed' && !firstFailure.has(key)) firstFailure.set(key, test.failure);
  }
  const lastKeys = [...keyed(last.tests).keys()];
  const tests = last.tests.map((test, index): TestResult => {
    const failure = firstFailure.get(lastKeys[index] ?? '');
    return test.status === 'passed' && failure !== undefined ? { ...test, status: 'flaky', failure } : test;
  });
  const passed = last.status === 'passed' || last.status === 'passed-alone';
  const stderr = [...earlier.map((attempt, index) => `${index === 0 ? '' : `--- retry ${index} ---\n`}${attempt.stderr}`), `--- retry ${earlier.length} ---\n${last.stderr}`]
    .map((text) => (text.endsWith('\n') || text === '' ? text : `${text}\n`)).join('');
  return { ...last, status: passed ? 'flaky' : last.status, tests, attempts: earlier.map(summarizeAttempt), stderr };
}
