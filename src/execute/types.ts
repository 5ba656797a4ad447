// What running the plan produces: per test, per file and for the whole run.

import type { ResolvedConfig } from '../config/types.js';
import type { TestWindow } from '../measure/types.js';
import type { Job, Lane } from '../plan/types.js';
import type { GpuInventory, HostInfo } from '../probe/types.js';

/** A test's outcome, as node:test reported it (or as the harness inferred when the process died). */
export type TestStatus = 'passed' | 'failed' | 'skipped' | 'todo';

/** Why a test failed, ready for JUnit's `<failure type message>` and its text. */
export interface TestFailure {
  /** Error class or node:test failure type (`AssertionError`, `testTimeoutFailure`, `crash`). */
  readonly type: string;
  readonly message: string;
  /** Stack with `path:line:col` frames, or null. */
  readonly stack: string | null;
}

/** One test or subtest (suites created by `describe` are not tests; their names prefix `fullName`). */
export interface TestResult {
  readonly name: string;
  /** Ancestors and the test, joined by ` > `. */
  readonly fullName: string;
  readonly nesting: number;
  readonly file: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly status: TestStatus;
  readonly durationMs: number;
  /** For skipped and todo tests: node:test's message, if any. */
  readonly skipReason: string | null;
  readonly failure: TestFailure | null;
  /** Measurements around the test; null for tests whose hooks never ran (skipped). */
  readonly window: TestWindow | null;
}

/** How the child process ended: one flat record, the message composed from it in one place. */
export interface ProcessOutcome {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  /** Stopped by the harness because the run was interrupted (Ctrl-C, SIGTERM). */
  readonly isCanceled: boolean;
  readonly durationMs: number;
}

/** A file's overall status. `crashed`: died by a signal or exited non-zero with results missing. */
export type FileStatus = 'passed' | 'failed' | 'skipped' | 'crashed' | 'timed-out' | 'interrupted';

/** One test file after the run (or not run: then `skipReason` says why). */
export interface FileResult {
  readonly job: Job;
  readonly status: FileStatus;
  /** For skipped files: the plan's sentence (gated: names the variable). */
  readonly skipReason: string | null;
  /** For crashed, timed-out and interrupted files: what happened, in one sentence. */
  readonly error: string | null;
  readonly outcome: ProcessOutcome | null;
  /** Epoch milliseconds; null when the file never started. */
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  readonly lane: Lane;
  /** GPU indices the job was given (`CUDA_VISIBLE_DEVICES`); empty for the cpu lane. */
  readonly gpuIndices: readonly number[];
  readonly tests: readonly TestResult[];
  readonly stdout: string;
  readonly stderr: string;
}

/** Test counts, as in every report. */
export interface Counts {
  readonly tests: number;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly todo: number;
  readonly files: number;
  readonly filesSkipped: number;
  readonly filesFailed: number;
}

/** The whole run: what every reporter receives, read-only. */
export interface RunResult {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly verdict: 'passed' | 'failed' | 'interrupted';
  readonly interrupted: boolean;
  readonly counts: Counts;
  readonly host: HostInfo;
  readonly gpu: GpuInventory;
  readonly files: readonly FileResult[];
  /** Problems met while measuring (a GPU read that failed, a GPU that vanished), each once, as full sentences. */
  readonly warnings: readonly string[];
  readonly config: Pick<ResolvedConfig, 'rootDir' | 'configFile' | 'reportDir' | 'concurrency' | 'gpuConcurrency' | 'timeoutMs'>;
  readonly toolVersion: string;
}
