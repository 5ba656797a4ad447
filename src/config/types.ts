// The config's two shapes: what the user may write (all optional) and what the rest of the harness reads (all set).

import type { FailureClass } from '../results/failures.js';
import type { LeakMode, LeakThreshold } from '../results/job.js';
import type { SizeSpec } from '../units/size.js';
import type { CompareSettings, ShardSpec, ShardStrategy, UserCompare, UserShard } from './ci-types.js';

/** Names of the report writers `--reporter` can pick. */
export type ReporterName = 'console' | 'markdown' | 'junit' | 'json';
export const REPORTER_NAMES: readonly ReporterName[] = ['console', 'markdown', 'junit', 'json'];

/** Where a value came from, for error messages: `gpu-test.config.yaml:7:12`. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One suite as written in gpu-test.config.yaml. */
export interface UserSuite {
  name?: string;
  files?: string[];
  /** `true`: a suite whose `files` match nothing is a warning, not an error. */
  allowEmpty?: boolean;
  tags?: string[];
  timeout?: number;
  /** Runs each test of the suite's files this many times in one process, to find leaks. */
  repeat?: number;
  leakThreshold?: UserLeakThreshold;
  /** The most iterations a leak re-check repeats a test whose growth came in steps. */
  leakRepeatMax?: number;
  /** What one file of the suite needs to run: the scheduler admits it only where that fits. */
  requires?: Requirements;
  hooks?: SuiteHooks;
  budgets?: Budgets;
  /** Re-runs a failed file of the suite up to this many times (overrides the run's `retries`). */
  retries?: number;
  /** The failure classes the suite's files may be retried for (overrides the run's `retryOn`). */
  retryOn?: FailureClass[];
  /** Thresholds of the comparison with a baseline for the suite's tests, over the run's `compare:`. */
  compare?: Omit<UserCompare, 'failOnRegression'>;
}

/** `requires:` of a suite or a file header. `vram` is per GPU; `gpus` defaults to 1 in the gpu lane, 0 in the cpu lane. */
export interface Requirements {
  readonly vram?: SizeSpec;
  readonly ram?: SizeSpec;
  readonly gpus?: number;
}

/** One step of a coordination hook: a shell command, or an HTTP request that must answer with `status`. */
export type HookStep =
  | { readonly run: string; readonly timeoutMs: number }
  | { readonly http: { readonly url: string; readonly method: string; readonly status: number }; readonly timeoutMs: number };

/** A step retried until it succeeds or `waitMs` passes: a service coming up. */
export type HealthcheckStep = HookStep & { readonly waitMs: number; readonly intervalMs: number };

/** `hooks:` of a suite: `before` its first file starts, `after` its last file ends (always, even on failure or Ctrl-C). */
export interface SuiteHooks {
  readonly before?: readonly HookStep[];
  readonly healthcheck?: HealthcheckStep;
  readonly after?: readonly HookStep[];
}

/** A bound on a custom metric, as written: `">= 40"`, `"< 2000"`. */
export interface MetricBound {
  readonly op: '<' | '<=' | '>' | '>=' | '==';
  readonly value: number;
}

/** `budgets:` of a suite: each breach fails the test (or file) it belongs to. */
export interface Budgets {
  readonly peakVram?: SizeSpec;
  readonly peakRam?: SizeSpec;
  readonly swap?: SizeSpec;
  readonly leak?: SizeSpec;
  readonly gpuUtilMin?: number;
  readonly tempMax?: number;
  readonly powerMax?: number;
  readonly metrics?: Readonly<Record<string, MetricBound>>;
}

/** `admission:`: what is kept free when jobs are admitted by their declared needs. */
export interface Admission {
  /** VRAM left free on each card beyond the declared needs of what runs on it. */
  readonly vramHeadroom: SizeSpec;
  /** Host RAM left free beyond the declared needs of what runs. */
  readonly ramReserve: SizeSpec;
}

/** `guard:`: the memory guard's thresholds (shares of capacity) and its prediction horizon. */
export interface GuardSettings {
  readonly enabled: boolean;
  readonly ramPercent: number;
  readonly swapPercent: number;
  readonly vramPercent: number;
  /** Kill early when the growth rate predicts exhaustion within this many ms. */
  readonly horizonMs: number;
}

/** `leakThreshold:` as written, sizes already read into bytes. */
export interface UserLeakThreshold {
  vramBytes?: number;
  ramBytes?: number;
  /** Per metric name: growth over the run, in the metric's unit (a size is read into bytes). */
  metrics?: Record<string, number>;
}

export const LEAK_MODES: readonly LeakMode[] = ['fail', 'warn'];

/** gpu-test.config.yaml as the user writes it: every key optional. */
export interface UserConfig {
  suites?: UserSuite[];
  /** tag -> environment variable that must be `1` for suites with that tag to run. */
  gates?: Record<string, string>;
  /** Tags that put a file in the GPU lane. */
  gpuTags?: string[];
  /** Extra tags test files may declare in their header, beyond those used by suites, gates and gpuTags. */
  tags?: string[];
  /** Globs never treated as test files. */
  exclude?: string[];
  reportDir?: string;
  /** Report writers to run when `--reporter` is not given. */
  reporters?: ReporterName[];
  concurrency?: number;
  gpuConcurrency?: number;
  /** Per-file timeout in milliseconds. */
  timeout?: number;
  repeat?: number;
  leakThreshold?: UserLeakThreshold;
  leakRepeatMax?: number;
  leaks?: LeakMode;
  /** Longest wait, in ms, for VRAM to settle after a GPU test before its "after" reading; 0 reads at once. */
  settleTimeout?: number;
  /** Kill processes a test file left holding VRAM after it exited. */
  killOrphans?: boolean;
  /** Keep each test's raw boundary samples in results.json (`window`), not only the figures computed from them. */
  rawSamples?: boolean;
  /** How long, in ms, a stopped test file's processes get between SIGTERM and SIGKILL. */
  killGrace?: number;
  admission?: Partial<Admission>;
  guard?: Partial<Omit<GuardSettings, 'enabled'>> | false;
  /** Re-run alone a file that failed out of memory while it shared its GPU or host. */
  retryAlone?: boolean;
  /** Largest memory spread between the cards of a multi-GPU job still called balanced, percent. */
  balancePercent?: number;
  /** How `--shard` splits the files, the runners' GPUs, and where `--shard auto` reads the shard. */
  shard?: UserShard;
  /** Re-runs a failed file up to this many times; a test that then passes is `flaky`. */
  retries?: number;
  /** The failure classes a file may be retried for (default: timeout, crash, gpu). */
  retryOn?: FailureClass[];
  /** A flaky test fails the run. */
  failOnFlaky?: boolean;
  /** The comparison with a baseline (`--baseline`, `gpu-test compare`): thresholds, and whether a regression fails. */
  compare?: UserCompare;
}

/** How GPU memory is read: `auto` tries NVML, then the nvidia-smi stream, then none. */
export type GpuBackendName = 'auto' | 'nvml' | 'nvidia-smi' | 'none';
/** Every value `--gpu-backend` accepts, in the order --help lists them. */
export const GPU_BACKEND_NAMES: readonly GpuBackendName[] = ['auto', 'nvml', 'nvidia-smi', 'none'];

/** `--shard 2/3`: this run takes the second of three parts of the files (1-based, like node:test). */
export interface Shard {
  readonly index: number;
  readonly total: number;
}

/** Flags from the command line; each one overrides the config file. */
export interface CliOptions {
  config?: string;
  reportDir?: string;
  reporters?: ReporterName[];
  concurrency?: number;
  gpuConcurrency?: number;
  enable?: string[];
  tags?: string[];
  skipTags?: string[];
  testNamePatterns?: string[];
  /** `--test-timeout MS`: node:test's per-test timeout. */
  testTimeoutMs?: number;
  /** `--bail`: no file starts after the first failure. */
  bail?: boolean;
  timeout?: number;
  requireGpu?: boolean;
  only?: boolean;
  paths?: string[];
  /** `--shard 2/3`, or `auto`: read from the CI's environment (a Kubernetes Indexed Job, `shard.auto`). */
  shard?: Shard | 'auto';
  shardStrategy?: ShardStrategy;
  gpuBackend?: GpuBackendName;
  sampleIntervalMs?: number;
  repeat?: number;
  leaks?: LeakMode;
  settleTimeoutMs?: number;
  killOrphans?: boolean;
  killGraceMs?: number;
  rawSamples?: boolean;
  /** `--gpus 0,2`: the cards this run may use (indices or UUIDs, inside any outer CUDA_VISIBLE_DEVICES). */
  gpus?: string[];
  /** `--durations FILE|DIR` (repeatable): earlier results.json files whose durations balance shards and order waiting jobs. */
  durations?: string | readonly string[];
  guard?: boolean;
  retryAlone?: boolean;
  /** `--retries N`: re-run a failed file up to N times. */
  retries?: number;
  failOnFlaky?: boolean;
  /** `--baseline FILE|DIR`: earlier results to compare this run with. */
  baseline?: string;
  failOnRegression?: boolean;
}

/** A suite after resolution: every field set. */
export interface SuiteConfig {
  readonly name: string;
  readonly files: readonly string[];
  /** `allowEmpty:`: when its `files` match nothing, the run warns instead of stopping. */
  readonly allowEmpty: boolean;
  readonly tags: readonly string[];
  /** Per-file timeout for this suite's files; null means the run's default. */
  readonly timeoutMs: number | null;
  /** null: the run's `repeat`. */
  readonly repeat: number | null;
  /** Overrides of the run's threshold for this suite's files (`metrics` adds to the run's). */
  readonly leakThreshold: Partial<LeakThreshold> | null;
  /** null: the run's `leakRepeatMax`. */
  readonly leakRepeatMax: number | null;
  readonly requires: Requirements | null;
  readonly hooks: SuiteHooks | null;
  readonly budgets: Budgets | null;
  /** Where the suite was written; null for the default suite. */
  readonly source: SourceLocation | null;
  /** Where its `files` key was written, for the message when they match nothing. */
  readonly filesSource: SourceLocation | null;
  /** null: the run's `retries`. */
  readonly retries: number | null;
  /** null: the run's `retryOn`. */
  readonly retryOn: readonly FailureClass[] | null;
  /** The run's `compare:` with the suite's own over it; null: the run's. */
  readonly compare: CompareSettings | null;
}

/** Everything the planner, scheduler and reporters need, with every default filled in. */
export interface ResolvedConfig {
  /** Directory the config was found in (or the working directory): globs and paths are relative to it. */
  readonly rootDir: string;
  readonly configFile: string | null;
  readonly suites: readonly SuiteConfig[];
  readonly gates: Readonly<Record<string, string>>;
  readonly gpuTags: readonly string[];
  /** Every tag a file or flag may name: suites' tags, gates, gpuTags and `tags`. */
  readonly knownTags: readonly string[];
  readonly exclude: readonly string[];
  /** Absolute path. */
  readonly reportDir: string;
  readonly reporters: readonly ReporterName[];
  readonly concurrency: number;
  readonly gpuConcurrency: number;
  readonly timeoutMs: number;
  /** Tags enabled by `--enable`, as if their gate variable were `1`. */
  readonly enabledTags: readonly string[];
  /** `--tags`: only files with at least one of these run (empty: no filter). */
  readonly onlyTags: readonly string[];
  /** `--skip-tags`: files with any of these do not run. */
  readonly skipTags: readonly string[];
  readonly testNamePatterns: readonly string[];
  /** `--test-timeout`: node:test's per-test timeout in ms; null: node:test's default (none). */
  readonly testTimeoutMs: number | null;
  /** `--bail`: after the first failed file no other starts; the rest are reported as not run. */
  readonly bail: boolean;
  readonly requireGpu: boolean;
  /** `--only`: node:test's `only` is honoured in every file. */
  readonly only: boolean;
  /** Files or directories given on the command line (absolute); empty means every suite's files. */
  readonly paths: readonly string[];
  /** null: every file. */
  readonly shard: ShardSpec | null;
  /** `--gpu-backend`: a named one that cannot start is a usage error; `auto` falls back. */
  readonly gpuBackend: GpuBackendName;
  /** `--sample-interval`: how often VRAM, host RAM and swap are sampled for per-test peaks. */
  readonly sampleIntervalMs: number;
  /** `--repeat` or `repeat:`: how many times each test runs in its process (1: once, no leak fit). */
  readonly repeat: number;
  /** `--repeat` given on the command line: it overrides suites' own `repeat:`. */
  readonly repeatFromCli: boolean;
  readonly leakThreshold: LeakThreshold;
  /** `leakRepeatMax:`: the most iterations a leak re-check repeats a test whose growth came in steps too few to read. */
  readonly leakRepeatMax: number;
  readonly leaks: LeakMode;
  readonly settleTimeoutMs: number;
  readonly killOrphans: boolean;
  /** results.json keeps each test's raw boundary samples (`window`). */
  readonly rawSamples: boolean;
  /** Between SIGTERM and SIGKILL when a test file is stopped (timeout, interrupt), ms. */
  readonly killGraceMs: number;
  readonly admission: Admission;
  readonly guard: GuardSettings;
  readonly retryAlone: boolean;
  readonly balancePercent: number;
  /** `--gpus`: null means every card the host (and an outer CUDA_VISIBLE_DEVICES) allows. */
  readonly gpus: readonly string[] | null;
  /** Expected duration per job id (ms): the median over the runs `--durations` names; empty without it. */
  readonly durations: Readonly<Record<string, number>>;
  readonly retries: number;
  readonly retryOn: readonly FailureClass[];
  readonly failOnFlaky: boolean;
  readonly compare: CompareSettings;
  readonly failOnRegression: boolean;
  /** `--baseline`, absolute; null without it. */
  readonly baseline: string | null;
}
