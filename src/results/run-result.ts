// What a run produces, per test, per file and for the whole run: the result model every stage shares and every
// report reads. It imports no stage: the stages import it.

import type { Job, Lane, LeakMode } from './job.js';
import type { GpuInventory, HostInfo } from './machine.js';
import type { BudgetCheck, GpuBalance, LeakVerdict, RunPressure, RunTimeline, SuiteNeeds, TestWindow } from './measurement.js';
import type { Comparison, FileAttempt, MachineRun, ShardPlan } from './ci-result.js';
import type { MemoryEvidence } from './memory-evidence.js';

/**
 * A test's outcome, as node:test reported it (or as the harness inferred when the process died). `flaky`: it failed,
 * and passed when its file was retried (`--retries`); its `failure` is the first one.
 */
export type TestStatus = 'passed' | 'failed' | 'skipped' | 'todo' | 'flaky';

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
  /** Why it failed; for a flaky test, the first failure. */
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

/**
 * What a leak call is about: VRAM of the job's GPUs, the RSS of the test's process tree, or a figure the test recorded
 * with `metric()` each iteration (one named in `leakThreshold.metrics`).
 */
export type LeakResource = 'vram' | 'ram' | 'metric';

/**
 * Where a leak call's series was read: `processes`, the VRAM the file's own processes hold (NVML, so a neighbour on a
 * shared card cannot move it); `card`, the used VRAM of the job's cards; `process-tree`, the test's process-tree RSS;
 * `metric`, the test's own figure.
 */
export type LeakSource = 'processes' | 'card' | 'process-tree' | 'metric';

/** The leak call on one repeated test for one resource. */
export interface LeakFinding {
  /** The test's full name (ancestors ` > ` test), without the iteration suffix. */
  readonly test: string;
  readonly line: number | null;
  readonly resource: LeakResource;
  /** For `metric`: its name and unit as the test recorded them; null otherwise. */
  readonly metric: { readonly name: string; readonly unit: string | null } | null;
  readonly source: LeakSource;
  /** The final call: after the re-run when the first run flagged a leak or could not tell. */
  readonly verdict: LeakVerdict;
  /** A re-run was made to confirm a leak or to settle steps the first run could not read. */
  readonly rechecked: boolean;
  /** The re-run: how many times it repeated the test and why; null when there was none. */
  readonly recheck: LeakRecheck | null;
  /** Reading after each iteration of the first run (the warm-up iteration first): bytes, or the metric's unit. */
  readonly series: readonly number[];
}

/** The re-run of a flagged test: how many iterations, why that many, and what it read. */
export interface LeakRecheck {
  /** `confirm`: the first run called a leak; `settle`: its growth came in steps too few to read. */
  readonly purpose: 'confirm' | 'settle';
  readonly iterations: number;
  /** One sentence: `to confirm the leak`, or why it ran longer than the first run. */
  readonly why: string;
  /** Reading after each of its iterations; null when it could not be measured (or was cut short). */
  readonly series: readonly number[] | null;
}

/** One card's load from one file. */
export interface GpuLoad {
  readonly gpuIndex: number;
  /** Highest used VRAM on the card during the file, minus its use when the file started; null when not sampled. */
  readonly peakAboveStartBytes: number | null;
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
  /** Killed by the memory guard before RAM, swap or a card ran out; absent or null when it was not. */
  readonly stoppedByGuard?: GuardStop | null;
}

/** Why the memory guard stopped a test process: the figure that crossed and the recent curve, as text. */
export interface GuardStop {
  readonly resource: 'ram' | 'cgroup' | 'swap' | 'vram';
  /** The physical GPU, for `vram`; null otherwise. */
  readonly gpuIndex: number | null;
  /** One sentence: "GPU 0 VRAM at 98.5% of 4.00 GiB, over the 98% limit". */
  readonly figure: string;
  /** The resource's recent readings: "t-1.80s 2.00 GiB, …, t0 4.00 GiB". */
  readonly curve: string;
}

/**
 * A file's overall status. `crashed`: died by a signal or exited non-zero with results missing. `passed-alone`: it
 * ran out of memory beside other files and passed when re-run alone (`coScheduled` says beside whom). `flaky`: it
 * failed, and passed when retried (`attempts` says how the earlier attempts ended).
 */
export type FileStatus = 'passed' | 'failed' | 'skipped' | 'crashed' | 'timed-out' | 'interrupted' | 'passed-alone' | 'flaky';

/** A file that ran out of memory while it shared its GPU or the host, and what its alone re-run did. */
export interface CoScheduledFailure {
  /** The files that ran beside it (job ids). */
  readonly neighbours: readonly string[];
  /** The highest VRAM use of its card(s) while it ran, % of total; null off the gpu lane or unmeasured. */
  readonly vramPercent: number | null;
  /** What the first run died of, in a few words. */
  readonly reason: string;
  readonly passedAlone: boolean;
}

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
  /** Per card the file ran on: its peak VRAM during the file, above what the card held when the file started. */
  readonly gpuLoad: readonly GpuLoad[];
  /** Set when it ran out of memory beside other files and was re-run alone (`--retry-alone`). */
  readonly coScheduled?: CoScheduledFailure | null;
  /** For a file that failed in a way memory could explain: the signs of memory pressure, and whether it was re-run alone. */
  readonly memoryEvidence?: MemoryEvidence | null;
  /** The attempts before this one, oldest first, when the file was retried (`--retries`); absent or empty otherwise. */
  readonly attempts?: readonly FileAttempt[];
  /** In a merged run: which of `machines` ran it; absent otherwise. */
  readonly machine?: number;
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
  /** Tests that failed and passed when their file was retried; not in `passed` or `failed`. */
  readonly flaky: number;
  readonly files: number;
  readonly filesSkipped: number;
  readonly filesFailed: number;
}

/** When a coordination hook step ran: `before` a suite's first file, its `healthcheck` after those, `after` its last file. */
export type HookPhase = 'before' | 'healthcheck' | 'after';

/** One step of a suite's coordination hooks (`hooks:` in the config), as it ran. */
export interface HookRun {
  readonly suite: string;
  readonly phase: HookPhase;
  /** The step as written: the shell command, or the request (`POST http://localhost:8000/unload`). */
  readonly step: string;
  readonly ok: boolean;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly durationMs: number;
  /** How many times it was tried: 1, more for a healthcheck that waited. */
  readonly attempts: number;
  /** The end (at most 4 KiB) of what it printed, stdout and stderr together, or of the response body. */
  readonly output: string;
  /** Why it failed, as a sentence without the step (`exited with code 3`); null when it succeeded. */
  readonly error: string | null;
}

/** How a run was stopped early: the first signal, when it came, and whether a second one forced every process down. */
export interface RunInterruption {
  readonly signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP';
  /** Epoch milliseconds of the first signal. */
  readonly at: number;
  /** A second signal came: every test process was killed at once rather than given its grace period. */
  readonly forced: boolean;
}

/** The run as its files left it: what the executor returns, before budgets, declared needs and balance are judged. */
export interface ExecutedRun {
  /** Unique per run, in every report: a set of reports with one id was written by one run. */
  readonly runId: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly verdict: 'passed' | 'failed' | 'interrupted';
  readonly interrupted: boolean;
  /** Set when a signal stopped the run; null when it ran to its end. */
  readonly interruption: RunInterruption | null;
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
  /** Every coordination hook step that ran, in the order they started; empty when no suite has hooks. */
  readonly hooks: readonly HookRun[];
  readonly config: RunSettings;
  readonly toolVersion: string;
  /** CPU time of the harness process itself (user + system), from its start to the run's end; null for merged runs. */
  readonly harnessCpuMs: number | null;
}

/** The whole, finished run: what every reporter receives, read-only. */
export interface RunResult extends ExecutedRun {
  /** Each budget of each suite (`budgets:`) against what the run measured; empty when no suite has budgets. */
  readonly budgets: readonly BudgetCheck[];
  /** Each suite's declared needs against what its files measured. */
  readonly suiteNeeds: readonly SuiteNeeds[];
  /** How evenly each file that ran on several GPUs loaded them, against `balancePercent`. */
  readonly gpuBalance: { readonly limitPercent: number; readonly files: readonly GpuBalance[] };
  /** The shard this run took of a split suite; null when it ran every file. */
  readonly shard: ShardPlan | null;
  /** The machines of a merged run (`gpu-test merge`), in shard order; empty for a run on one machine. */
  readonly machines: readonly MachineRun[];
  /** This run against `--baseline`; null without one. */
  readonly comparison: Comparison | null;
}

/** The settings a run ran with, as the reports show them. */
export interface RunSettings {
  readonly rootDir: string;
  readonly configFile: string | null;
  readonly reportDir: string;
  readonly concurrency: number;
  readonly gpuConcurrency: number;
  readonly timeoutMs: number;
  readonly repeat: number;
  readonly leaks: LeakMode;
  /** `--raw-samples`: results.json keeps each test's boundary samples (`window`), not only the figures computed from them. */
  readonly rawSamples: boolean;
}
