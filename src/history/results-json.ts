// The shape of results.json as `src/report/json.ts` writes it (docs/results-schema.md), for the modules that read it
// back. Keys added after version 2 are optional: a file written before them lacks them. Version 4 leaves out what a
// test has nothing to say in (see TestJson).

import type { AloneDecision, MemorySignSource } from '../results/memory-evidence.js';

/** A number or null, as most figures are. */
type N = number | null;

/** A sample at a test boundary (`window.before`, `window.after`). */
export interface SampleJson {
  readonly atMs: number;
  readonly host: HostMemoryJson | null;
  readonly processRssBytes: N;
  readonly gpus: readonly { readonly index: number; readonly uuid: string; readonly usedBytes: N; readonly totalBytes: N }[] | null;
  readonly errors: readonly string[];
  readonly memoryStallUs?: { readonly some: number; readonly full: N } | null;
}

/** Host memory, as samples and `host.memory` write it. */
export interface HostMemoryJson {
  readonly totalBytes: number;
  readonly usedBytes: number;
  readonly availableBytes: number;
  readonly swapTotalBytes: number;
  readonly swapUsedBytes: number;
}

/** A test's boundary samples and peak (`files[].tests[].window`). */
export interface WindowJson {
  readonly before: SampleJson;
  readonly after: SampleJson | null;
  readonly peak?: { readonly vramBytes: N; readonly hostUsedBytes: N; readonly swapUsedBytes: N } | null;
}

/** A test's figures (`files[].tests[].deltas`); since version 4 an unknown figure is left out rather than null. */
export interface DeltasJson {
  readonly vramBeforeBytes?: N; readonly vramAfterBytes?: N; readonly vramDeltaBytes?: N; readonly vramPeakBytes?: N;
  readonly rssBeforeBytes?: N; readonly rssAfterBytes?: N; readonly rssDeltaBytes?: N;
  readonly hostUsedBeforeBytes?: N; readonly hostUsedAfterBytes?: N; readonly hostUsedDeltaBytes?: N; readonly hostUsedPeakBytes?: N;
  readonly swapDeltaBytes?: N; readonly memoryStallSomeMs?: N; readonly memoryStallFullMs?: N;
}

/**
 * One test (`files[].tests[]`). Up to version 3 every key is there; version 4 leaves out `file` when it is the file's,
 * `skipReason`, `failure` and `repeat` when null, `metrics` when empty, `window` unless the run kept raw samples, and
 * `deltas` when the test was not measured.
 */
export interface TestJson {
  readonly name: string;
  readonly fullName: string;
  readonly nesting: number;
  readonly file?: string;
  readonly line: N;
  readonly column: N;
  readonly status: 'passed' | 'failed' | 'skipped' | 'todo' | 'flaky';
  readonly durationMs: number;
  readonly skipReason?: string | null;
  readonly failure?: { readonly type: string; readonly message: string; readonly stack: string | null } | null;
  readonly window?: WindowJson | null;
  readonly deltas?: DeltasJson;
  readonly repeat?: { readonly name: string; readonly iteration: number; readonly count: number } | null;
  readonly metrics?: readonly { readonly name: string; readonly value: number; readonly unit: string | null }[];
}

/** The steps of a leak call's series (absent in files written before the staircase rule). */
export interface LeakStepsJson {
  readonly count: number; readonly stepBytes?: number; readonly step?: number; readonly periodIterations: N; readonly flatAfterIterations: number;
}

/** The re-run of a leak call (absent in files written before it was recorded). */
export interface LeakRecheckJson {
  readonly purpose: 'confirm' | 'settle'; readonly iterations: number; readonly why: string;
  readonly seriesBytes?: readonly number[] | null; readonly series?: readonly number[] | null;
}

/** One VRAM or RAM leak call (`files[].leaks[]`). */
export interface LeakJson {
  readonly test: string;
  readonly line: N;
  readonly resource: 'vram' | 'ram';
  readonly rechecked: boolean;
  readonly verdict: {
    readonly leaking: boolean; readonly iterations: number; readonly perIterationBytes: number; readonly totalGrowthBytes: number;
    readonly rSquared: number; readonly thresholdBytes: number; readonly reason: string;
    readonly pattern?: string; readonly steps?: LeakStepsJson | null;
  };
  readonly seriesBytes: readonly number[];
  readonly source?: string;
  readonly recheck?: LeakRecheckJson | null;
}

/** One leak call on a metric (`files[].metricLeaks[]`). */
export interface MetricLeakJson {
  readonly test: string;
  readonly line: N;
  readonly metric: string;
  readonly unit: string | null;
  readonly rechecked: boolean;
  readonly verdict: {
    readonly leaking: boolean; readonly iterations: number; readonly perIteration: number; readonly totalGrowth: number;
    readonly rSquared: number; readonly threshold: number; readonly reason: string; readonly pattern: string; readonly steps: LeakStepsJson | null;
  };
  readonly series: readonly number[];
  readonly recheck: LeakRecheckJson | null;
}

/** A declared size: bytes or a share, the other null. */
export interface SizeJson {
  readonly bytes: N;
  readonly percent: N;
}

/** One file (`files[]`). */
export interface FileJson {
  readonly id: string;
  readonly file: string;
  readonly suite: string;
  readonly tags: readonly string[];
  readonly lane: 'cpu' | 'gpu';
  readonly timeoutMs: number;
  readonly status: string;
  readonly skip: { readonly code: 'gated' | 'no-gpu' | 'deselected' | 'unfit'; readonly message: string; readonly enableWith: string | null } | null;
  readonly skipReason: string | null;
  readonly error: string | null;
  readonly outcome: { readonly exitCode: N; readonly signal: string | null; readonly timedOut: boolean; readonly isCanceled: boolean; readonly durationMs: number } | null;
  readonly startedAtMs: N;
  readonly endedAtMs: N;
  readonly durationMs: N;
  readonly gpuIndices: readonly number[];
  readonly stdout: { readonly text: string };
  readonly stderr: { readonly text: string };
  readonly tests: readonly TestJson[];
  readonly leaks?: readonly LeakJson[];
  readonly metricLeaks?: readonly MetricLeakJson[];
  readonly residue?: {
    readonly vramBeforeBytes: N; readonly vramAfterBytes: N;
    readonly orphans: readonly { readonly pid: number; readonly command: string; readonly gpuIndex: N; readonly vramBytes: N; readonly rssBytes: N; readonly killed: boolean }[];
  } | null;
  readonly gpuLoad?: readonly { readonly gpuIndex: number; readonly peakAboveStartBytes: N }[];
  readonly coScheduled?: { readonly neighbours: readonly string[]; readonly vramPercent: N; readonly reason: string; readonly passedAlone: boolean } | null;
  readonly needs?: { readonly vram: SizeJson | null; readonly ram: SizeJson | null; readonly gpus: number; readonly exclusive: boolean };
  readonly repeat?: number;
  readonly leakThreshold?: { readonly vramBytes: number; readonly ramBytes: number; readonly metrics?: Readonly<Record<string, number>> };
  readonly leakRepeatMax?: number;
  readonly attempts?: readonly { readonly status: string; readonly failureClass: string | null; readonly error: string | null; readonly durationMs: N; readonly failedTests: readonly string[] }[];
  readonly machine?: N;
  readonly memoryEvidence?: { readonly signs: readonly { readonly source: MemorySignSource; readonly resource: 'ram' | 'vram'; readonly detail: string }[]; readonly alone: AloneDecision } | null;
}

/** The run's pressure (`pressure`, `machines[].pressure`). */
export interface PressureJson {
  readonly gpus: readonly { readonly index: number; readonly name: string; readonly totalBytes: N; readonly peakUsedBytes: N }[];
  readonly host: { readonly totalBytes: N; readonly peakUsedBytes: N; readonly swapTotalBytes: N; readonly peakSwapUsedBytes: N };
  readonly psi: { readonly someStallMs: number; readonly fullStallMs: N; readonly peakSomeAvg10Percent: number; readonly peakFullAvg10Percent: N } | null;
  readonly cgroup: {
    readonly version?: 1 | 2; readonly path: string; readonly maxBytes: N; readonly limitPath?: string | null;
    readonly peakWorkingSetBytes?: N; readonly oomKillsDuringRun: N;
  } | null;
}

/** The host (`host`, `machines[].host`). */
export interface HostJson {
  readonly hostname: string;
  readonly platform: string;
  readonly cpus: number;
  readonly nodeVersion: string;
  readonly memory: HostMemoryJson | null;
}

/** The GPU inventory (`gpu`, `machines[].gpu`). */
export interface GpuJson {
  readonly available: boolean;
  readonly reason: string | null;
  readonly driverVersion: string | null;
  readonly cudaVersion: string | null;
  readonly gpus: readonly { readonly index: number; readonly uuid: string; readonly name: string; readonly totalBytes: N }[];
  readonly warnings: readonly string[];
}

/** The totals (`counts`); `flaky` since version 3. */
export interface CountsJson {
  readonly tests: number; readonly passed: number; readonly failed: number; readonly skipped: number; readonly todo: number;
  readonly files: number; readonly filesSkipped: number; readonly filesFailed: number; readonly flaky?: number;
}

/** The shard a run took (`shard`). */
export interface ShardJson {
  readonly index: number; readonly total: number; readonly strategy: 'balanced' | 'round-robin'; readonly fingerprint: string;
  readonly suiteFiles: number; readonly expectedMs: readonly number[]; readonly gpus: readonly number[] | null;
}

/** One run of a merged run (`machines[]`). */
export interface MachineJson {
  readonly runId: string; readonly shard: ShardJson | null; readonly verdict: 'passed' | 'failed' | 'interrupted'; readonly toolVersion: string;
  readonly startedAtMs: number; readonly endedAtMs: number; readonly counts: CountsJson; readonly host: HostJson; readonly gpu: GpuJson;
  readonly pressure: PressureJson;
}

/** The whole document. */
export interface ResultsJson {
  readonly schemaVersion: number;
  readonly generatedBy: string;
  readonly runId: string;
  readonly verdict: 'passed' | 'failed' | 'interrupted';
  readonly interrupted: boolean;
  readonly interruption: { readonly signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP'; readonly atMs: number; readonly forced: boolean } | null;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  /** Since schema 4 (absent before). */
  readonly harnessCpuMs?: number | null;
  readonly counts: CountsJson;
  readonly config: {
    readonly rootDir: string; readonly configFile: string | null; readonly reportDir: string; readonly concurrency: number;
    readonly gpuConcurrency: number; readonly timeoutMs: number; readonly repeat?: number; readonly leaks?: 'fail' | 'warn';
    readonly rawSamples?: boolean;
  };
  readonly host: HostJson;
  readonly gpu: GpuJson;
  readonly warnings: readonly string[];
  readonly files: readonly FileJson[];
  readonly pressure: PressureJson;
  readonly timeline: {
    readonly intervalMs: number; readonly series: readonly string[];
    readonly points: readonly { readonly atMs: number; readonly bytes: Readonly<Record<string, N>> }[];
    readonly health?: { readonly series: readonly string[]; readonly points: readonly { readonly atMs: number; readonly values: Readonly<Record<string, N>> }[] } | null;
  } | null;
  readonly budgets?: readonly unknown[];
  readonly hooks?: readonly {
    readonly suite: string; readonly phase: 'before' | 'healthcheck' | 'after'; readonly step: string; readonly ok: boolean; readonly startedAtMs: number;
    readonly durationMs: number; readonly attempts: number; readonly error: string | null; readonly output: string;
  }[];
  readonly suiteNeeds?: readonly unknown[];
  readonly gpuBalance?: { readonly limitPercent: number; readonly files: readonly unknown[] };
  readonly shard?: ShardJson | null;
  readonly machines?: readonly MachineJson[];
}
