// The config of gpu-test in CI: how the files are split into shards, which failures are retried, and the thresholds
// a comparison with a baseline holds each figure to. Both shapes: as written (all optional) and resolved (all set).

import type { FailureClass } from '../results/failures.js';

/** How `--shard I/N` splits the files: by expected duration (default), or every N-th file of the sorted list. */
export type ShardStrategy = 'balanced' | 'round-robin';
/** Every value `--shard-strategy` and `shard.strategy` accept. */
export const SHARD_STRATEGIES: readonly ShardStrategy[] = ['balanced', 'round-robin'];

/** Where `--shard auto` finds the shard in a CI's own variables (a matrix variable, GitLab's CI_NODE_INDEX, …). */
export interface ShardVariables {
  /** The variable holding this shard's index. */
  readonly index: string;
  /** The variable holding the number of shards. */
  readonly total: string;
  /** What the first shard's index is: 1 (GitLab, a 1-based matrix) or 0 (CircleCI, Buildkite). */
  readonly base: 0 | 1;
}

/** `shard:` in gpu-test.config.yaml. */
export interface UserShard {
  strategy?: ShardStrategy;
  /** The GPUs of each shard's runner, in shard order: a file that needs N GPUs goes only to a shard with N or more. */
  gpus?: number[];
  auto?: ShardVariables;
}

/** The shard this run takes, and how the whole set is split; null in ResolvedConfig when the run is not sharded. */
export interface ShardSpec {
  /** 1-based. */
  readonly index: number;
  readonly total: number;
  readonly strategy: ShardStrategy;
  /** GPUs of each shard's runner (length `total`); null: every shard can run every file. */
  readonly gpus: readonly number[] | null;
}

/** What a figure may move before a comparison calls it a change: both bounds must be passed. */
export interface Threshold {
  /** Share of the baseline figure, percent. */
  readonly relativePercent: number;
  /** In the figure's unit: ms for durations, bytes for memory, the metric's own unit. */
  readonly absolute: number;
}

/** Which way a metric is better. */
export type Better = 'higher' | 'lower';

/** A metric's threshold, and which way is better (null: from a budget on it, else its name and unit). */
export interface MetricCompare extends Threshold {
  readonly better: Better | null;
}

/** The figures a comparison checks, each with its threshold. */
export interface CompareThresholds {
  readonly duration: Threshold;
  readonly peakVram: Threshold;
  readonly peakRam: Threshold;
  readonly swap: Threshold;
  /** A leak fit's growth per iteration. */
  readonly leak: Threshold;
  /** Every `metric()` without an entry of its own in `metrics`. */
  readonly metric: Threshold;
}

/** `compare:` of a suite, or the run's defaults: thresholds, and per-metric settings. */
export interface CompareSettings {
  readonly thresholds: CompareThresholds;
  readonly metrics: Readonly<Record<string, MetricCompare>>;
}

/** `compare:` as written: any threshold may be left out (or only one of its bounds). */
export interface UserCompare {
  failOnRegression?: boolean;
  thresholds?: { [K in keyof CompareThresholds]?: Partial<Threshold> };
  metrics?: Record<string, Partial<MetricCompare>>;
}

/** Retries of failed files: how many, and which failure classes may be retried. */
export interface RetrySettings {
  readonly retries: number;
  readonly retryOn: readonly FailureClass[];
}
