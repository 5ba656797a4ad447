// What a run in CI adds to its result: the shard it took, the machines of a merged run, the comparison with a
// baseline, earlier attempts of retried files, and the trend over nights. Computed by `src/plan/` (the shard),
// `src/history/` (merge, compare, trend) and the run loop (attempts); every report reads them from here.

import type { FailureClass } from './failures.js';
import type { GpuInventory, HostInfo } from './machine.js';
import type { RunPressure } from './measurement.js';
import type { Counts, FileStatus } from './run-result.js';

/** How this run's files were picked from a suite split over several runners (`--shard`). */
export interface ShardPlan {
  /** 1-based. */
  readonly index: number;
  readonly total: number;
  readonly strategy: 'balanced' | 'round-robin';
  /** A hash of what the split was computed from (files, lanes, GPUs, expected durations): equal on every shard of a set. */
  readonly fingerprint: string;
  /** Files of the whole suite, over every shard. */
  readonly suiteFiles: number;
  /** Expected wall time of each shard, ms, in shard order, from `--durations`; empty without earlier durations. */
  readonly expectedMs: readonly number[];
  /** GPUs of each shard's runner (`shard.gpus`); null when not given. */
  readonly gpus: readonly number[] | null;
}

/** One machine (a shard, or a run on another host) of a merged run, as it ran. */
export interface MachineRun {
  readonly runId: string;
  readonly shard: ShardPlan | null;
  readonly host: HostInfo;
  readonly gpu: GpuInventory;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly verdict: 'passed' | 'failed' | 'interrupted';
  readonly counts: Counts;
  readonly pressure: RunPressure;
  readonly toolVersion: string;
}

/** An earlier attempt of a retried file (`--retries`): how it ended and which tests failed then. */
export interface FileAttempt {
  readonly status: FileStatus;
  /** What it failed of; null when it did not fail. */
  readonly failureClass: FailureClass | null;
  readonly error: string | null;
  readonly durationMs: number | null;
  /** Full names of the tests that failed in that attempt. */
  readonly failedTests: readonly string[];
}

/** A change is a regression (worse than the baseline beyond its threshold) or an improvement. */
export type ChangeKind = 'regression' | 'improvement';

/** One figure of one test (or suite) against the baseline, past its threshold. */
export interface FigureChange {
  readonly kind: ChangeKind;
  readonly suite: string;
  /** null for a suite-level figure. */
  readonly fileId: string | null;
  /** The test's full name (without an iteration suffix); null for a suite-level figure. */
  readonly test: string | null;
  readonly line: number | null;
  /** `duration`, `peakVram`, `peakRam`, `swap`, `leak.vram`, `leak.ram`, `metric.<name>`, `status`. */
  readonly figure: string;
  /** `ms`, `bytes`, `bytes/iteration`, a metric's unit, or null (a status, a metric without a unit). */
  readonly unit: string | null;
  /** The baseline's figure (the median over its runs), null when it had none (a new leak, a status). */
  readonly base: number | null;
  readonly current: number | null;
  /** (current − base) / base, percent; null when base is 0 or unknown. */
  readonly changePercent: number | null;
  /** One sentence for figures a number does not say: `passed → failed`, `a new leak`. */
  readonly note: string | null;
}

/** A test named by its file and full name. */
export interface TestRef {
  readonly fileId: string;
  readonly test: string;
}

/** This run against a baseline (`--baseline`, `gpu-test compare`): what moved past its threshold. */
export interface Comparison {
  /** The baseline's runs: their ids and when the first started and the last ended. */
  readonly baseline: { readonly runIds: readonly string[]; readonly from: number; readonly to: number };
  /** Regressions first, then improvements, the largest change first within each. */
  readonly changes: readonly FigureChange[];
  /** Tests in this run and not in the baseline, and the reverse. */
  readonly newTests: readonly TestRef[];
  readonly vanishedTests: readonly TestRef[];
  /** Tests found in both. */
  readonly compared: number;
  /** A regression fails the run (`--fail-on-regression`, `compare.failOnRegression`). */
  readonly failOnRegression: boolean;
}

/** One run of a trend, oldest first. */
export interface TrendRun {
  readonly runId: string;
  readonly startedAt: number;
  /** `2026-11-23`, or with the time when two runs fall on one day. */
  readonly label: string;
}

/** One figure of one suite over the runs, a value per run (null where it did not run or was not measured). */
export interface TrendSeries {
  readonly suite: string;
  /** `peakVram` (the suite's highest test peak), `duration` (its files' summed time), `leaks`, `metric.<name>`. */
  readonly figure: string;
  readonly unit: string | null;
  readonly values: readonly (number | null)[];
}

/** A test whose figure moved most from the first run to the last (each the median of up to three runs). */
export interface TrendMover {
  readonly fileId: string;
  readonly test: string;
  readonly figure: string;
  readonly unit: string | null;
  readonly first: number;
  readonly last: number;
  readonly changePercent: number;
}

/** The figures of N runs (nights), for `gpu-test trend`. */
export interface Trend {
  readonly runs: readonly TrendRun[];
  readonly series: readonly TrendSeries[];
  readonly movers: readonly TrendMover[];
}
