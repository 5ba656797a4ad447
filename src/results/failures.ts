// Why a test failed when gpu-test, not the test, decided it: the one list of failure types the harness gives, how a
// JUnit reader should see each, and the one way to build such a failed test. node:test's own types (`AssertionError`,
// `testTimeoutFailure`) pass through unchanged.

import type { Job } from './job.js';
import type { FileResult, TestResult } from './run-result.js';

/** The failure types gpu-test gives tests, by meaning. */
export const FAILURE = {
  /** The test process died in the test (a signal, an abort, a non-zero exit, an early exit). */
  crash: 'crash',
  /** The file ran past its timeout and its process tree was killed. */
  timeout: 'timeout',
  /** The run was interrupted (Ctrl-C, SIGTERM, SIGHUP) while the test ran. */
  interrupted: 'interrupted',
  /** The memory guard stopped the test before RAM, swap or a card ran out. */
  memoryGuard: 'MemoryGuard',
  /** A GPU file that could not run: no usable GPU (or needs the host cannot meet) under --require-gpu. */
  noGpu: 'no-gpu',
  /** A file not started because its suite's `before` hook or healthcheck failed. */
  hookNotStarted: 'hook',
  /** A failed hook step itself, as its own testcase. */
  hookStep: 'HookFailure',
  /** A confirmed leak: `<test> [leak check: VRAM]`. */
  memoryLeak: 'MemoryLeak',
  /** A figure over a suite's budget: `<test> [budget: peakVram]`. */
  budget: 'BudgetExceeded',
} as const;

/** A failure type gpu-test gives. */
export type FailureType = (typeof FAILURE)[keyof typeof FAILURE];

/** Failures that are the run's trouble rather than an assertion: JUnit `<error>`, every other one `<failure>`. */
export const ERROR_FAILURES: ReadonlySet<string> = new Set<FailureType>([FAILURE.crash, FAILURE.timeout, FAILURE.interrupted, FAILURE.noGpu, FAILURE.hookNotStarted]);

/** Failures the end of the test's process caused: the process's stderr says more than the message. */
export const CUT_SHORT_FAILURES: ReadonlySet<string> = new Set<FailureType>([FAILURE.crash, FAILURE.timeout, FAILURE.interrupted]);

/**
 * What a failed file died of, for `--retries`: a test's own check (`assertion`), the file's timeout, a crash (a signal,
 * an early exit), running out of memory (`oom`), or the GPU itself (an Xid, a lost device, a CUDA error other than
 * out-of-memory). Which ones may be retried is `retryOn`.
 */
export type FailureClass = 'assertion' | 'timeout' | 'crash' | 'oom' | 'gpu';
/** Every failure class, in the order --help and the docs list them. */
export const FAILURE_CLASSES: readonly FailureClass[] = ['assertion', 'timeout', 'crash', 'oom', 'gpu'];

/** The name of the test that stands for a file failing outside any test. */
export const FILE_LEVEL_TEST = '(file-level error)';

/** What failedTest needs; the rest of the TestResult takes the values a test the harness made up has. */
export interface FailedTestSpec {
  readonly name: string;
  readonly file: string;
  readonly type: FailureType;
  readonly message: string;
  readonly fullName?: string;
  readonly nesting?: number;
  readonly line?: number | null;
  readonly durationMs?: number;
  readonly window?: TestResult['window'];
}

/** A failed test the harness reports on a test's or a file's behalf (a crash, a leak, a budget, a hook). */
export function failedTest(spec: FailedTestSpec): TestResult {
  return {
    name: spec.name, fullName: spec.fullName ?? spec.name, nesting: spec.nesting ?? 0, file: spec.file, line: spec.line ?? null, column: null,
    status: 'failed', durationMs: spec.durationMs ?? 0, skipReason: null,
    failure: { type: spec.type, message: spec.message, stack: null }, window: spec.window ?? null, repeat: null, metrics: [],
  };
}

/** A file that never ran: skipped with the reason, or failed (a `(file-level error)` test of `type` saying why). */
export function fileNotRun(job: Job, why: { readonly skipped: string } | { readonly failed: string; readonly type: FailureType }): FileResult {
  const failed = 'failed' in why;
  return {
    job, status: failed ? 'failed' : 'skipped', skipReason: failed ? null : why.skipped, error: failed ? why.failed : null, outcome: null,
    startedAt: null, endedAt: null, lane: job.lane, gpuIndices: [], stdout: '', stderr: '',
    tests: failed ? [failedTest({ name: FILE_LEVEL_TEST, file: job.file, type: why.type, message: why.failed })] : [],
    leaks: [], residue: null, gpuLoad: [],
  };
}
