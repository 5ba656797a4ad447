// What running the plan produces: per test, per file and for the whole run.

import type { ResolvedConfig } from '../config/types.js';
import type { LeakVerdict } from '../measure/leak-fit.js';
import type { RunPressure, RunTimeline, TestWindow } from '../measure/types.js';
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
  /** Under `--repeat`: which iteration of which test this is; null for a test run once. */
  readonly repeat: RepeatInfo | null;
  /** Figures the test recorded with `metric()`, in the order it recorded them. */
  readonly metrics: readonly TestMetric[];
}

/** One iteration of a repeated test. */
export interface RepeatInfo {
  /** The test's own name, without the iteration suffix node:test shows. */
  readonly name: string;
  /** 1-based. */
  readonly iteration: number;
  readonly count: number;
}

/** A custom figure a test recorded through the public API (`metric('tokens_per_s', 42.1, 'tok/s')`). */
export interface TestMetric {
  readonly name: string;
  readonly value: number;
  readonly unit: string | null;
}

/** Which memory a leak call is about: VRAM of the job's GPUs, or the RSS of the test's process tree. */
export type LeakResource = 'vram' | 'ram';

/** The leak call on one repeated test for one resource. */
export interface LeakFinding {
  /** The test's full name (ancestors ` > ` test), without the iteration suffix. */
  readonly test: string;
  readonly line: number | null;
  readonly resource: LeakResource;
  /** The final call: after the re-run when the first run flagged a leak. */
  readonly verdict: LeakVerdict;
  /** The first run flagged it and a re-run was made to confirm. */
  readonly rechecked: boolean;
  /** Reading after each iteration of the first run, bytes (the warm-up iteration first). */
  readonly series: readonly number[];
}

/** What a file left behind once its process had exited. */
export interface FileResidue {
  /** VRAM of the job's GPUs before the process started and after it exited (and VRAM settled); null off the gpu lane. */
  readonly vramBeforeBytes: number | null;
  readonly vramAfterBytes: number | null;
  /** Processes the file started that outlived it: they hold VRAM on its GPU, or escaped its process group. */
  readonly orphans: readonly OrphanProcess[];
}

/** A process a test left behind: still running after its test file's process exited. */
export interface OrphanProcess {
  readonly pid: number;
  /** Its command line, or `(unknown)` where /proc does not show it. */
  readonly command: string;
  /** The GPU it holds memory on; null for a process that holds no VRAM (it only outlived its test). */
  readonly gpuIndex: number | null;
  /** null where the driver hides per-process figures (most containers), or for a process on no GPU. */
  readonly vramBytes: number | null;
  /** Host memory it holds; null when it could not be read. */
  readonly rssBytes: number | null;
  /** `--kill-orphans` stopped it. */
  readonly killed: boolean;
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
  /** Leak calls for repeated tests (`--repeat` above 1); empty otherwise. */
  readonly leaks: readonly LeakFinding[];
  /** What the file left behind; null when it did not run. */
  readonly residue: FileResidue | null;
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
  /** Peaks over the whole run against capacity: the report's Pressure section. */
  readonly pressure: RunPressure;
  /** VRAM and RAM over the run, thinned for a chart; null when nothing was sampled. */
  readonly timeline: RunTimeline | null;
  /** Problems met while measuring (a GPU read that failed, a GPU that vanished), each once, as full sentences. */
  readonly warnings: readonly string[];
  readonly config: Pick<ResolvedConfig, 'rootDir' | 'configFile' | 'reportDir' | 'concurrency' | 'gpuConcurrency' | 'timeoutMs' | 'repeat' | 'leaks'>;
  readonly toolVersion: string;
}
