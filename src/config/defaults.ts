// The values every run starts from: what the config file and the flags override.

import { availableParallelism } from 'node:os';
import { REPORTER_NAMES, type GpuBackendName, type ResolvedConfig } from './types.js';

/** The shape of DEFAULTS: the config-file keys of ResolvedConfig, filled in, plus the file-only ones. */
export type ConfigDefaults = Pick<ResolvedConfig, 'suites' | 'gates' | 'gpuTags' | 'exclude' | 'reporters' | 'concurrency' | 'gpuConcurrency' | 'timeoutMs' | 'repeat' | 'leakThreshold' | 'leakRepeatMax' | 'leaks' | 'settleTimeoutMs' | 'killOrphans' | 'rawSamples' | 'killGraceMs' | 'admission' | 'guard' | 'retryAlone' | 'balancePercent' | 'retries' | 'retryOn' | 'failOnFlaky' | 'compare' | 'failOnRegression'> & {
  readonly tags: readonly string[];
  /** Relative to the config file's directory (or the working directory without one). */
  readonly reportDir: string;
};

/** The longest timeout Node.js timers honour; a longer one fires at once, so the config refuses it. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The largest config file read, in bytes: a real one is a few KiB, and YAML parsing takes many times the text's size. */
export const MAX_CONFIG_BYTES = 1024 ** 2;

/** The most copies YAML aliases may make of their anchors in a config file (yaml's own default). */
export const MAX_CONFIG_ALIASES = 100;

/** The test files a project without a config file runs (and what a directory given on the command line holds). */
export const DEFAULT_TEST_FILES = '**/*.test.{js,mjs,cjs,ts,mts,cts}';

/** The GPU backend without `--gpu-backend`: NVML where it loads, else the nvidia-smi stream, else none. */
export const DEFAULT_GPU_BACKEND: GpuBackendName = 'auto';

/** The sampling interval without `--sample-interval`: the nvidia-smi stream's own, so its latest reading is fresh. */
export const DEFAULT_SAMPLE_INTERVAL_MS = 50;

/** Defaults for a project without a config file, and for each key a config file leaves out. */
export const DEFAULTS: ConfigDefaults = Object.freeze({
  suites: Object.freeze([
    Object.freeze({
      name: 'default',
      files: Object.freeze([DEFAULT_TEST_FILES]),
      allowEmpty: false,
      tags: Object.freeze([]),
      timeoutMs: null,
      repeat: null,
      leakThreshold: null,
      leakRepeatMax: null,
      requires: null,
      hooks: null,
      budgets: null,
      source: null,
      filesSource: null,
      retries: null,
      retryOn: null,
      compare: null,
    }),
  ]),
  // Heavy lanes stay closed until their variable is `1`, so a bare `gpu-test run` never loads a model by surprise.
  gates: Object.freeze({ gpu: 'ENABLE_GPU_TESTS', flux: 'ENABLE_FLUX_TESTS' }),
  gpuTags: Object.freeze(['gpu', 'flux']),
  tags: Object.freeze([]),
  exclude: Object.freeze(['**/node_modules/**', '**/dist/**', '**/.git/**']),
  reportDir: 'reports',
  reporters: REPORTER_NAMES,
  concurrency: availableParallelism(),
  // One file per GPU at a time: two model loads on one card are the usual cause of out-of-memory failures.
  gpuConcurrency: 1,
  timeoutMs: 600_000,
  repeat: 1,
  // The growth over all iterations that counts as a leak: ten load/unload cycles may drift less than this.
  leakThreshold: Object.freeze({ vramBytes: 100 * 1024 ** 2, ramBytes: 100 * 1024 ** 2, metrics: Object.freeze({}) }),
  // A caching allocator's staircase of 20 MiB segments filled 2 MiB at a time steps every 10 iterations: 40 shows it
  // step three times, and bounds what a test whose growth came in steps costs.
  leakRepeatMax: 40,
  leaks: 'fail',
  // Long enough for a CUDA context or a caching allocator to hand memory back after a test; short for the rest.
  settleTimeoutMs: 1000,
  // Killing a process the harness did not start is the user's call.
  killOrphans: false,
  // A test's deltas and peaks are what readers use; its two raw samples would be ~1.5 KB of every test's line.
  rawSamples: false,
  // Time for a model server a test started to shut down cleanly on SIGTERM before SIGKILL.
  killGraceMs: 3000,
  // Room for the allocator's fragmentation and the CUDA context of each process beyond what suites declare.
  admission: Object.freeze({ vramHeadroom: Object.freeze({ bytes: 1024 ** 3 }), ramReserve: Object.freeze({ bytes: 4 * 1024 ** 3 }) }),
  // A desktop stays usable: stop a test before the host swaps hard or a card is full, or when the trend says it will
  // be within 10 s.
  guard: Object.freeze({ enabled: true, ramPercent: 95, swapPercent: 50, vramPercent: 98, horizonMs: 10_000 }),
  retryAlone: true,
  balancePercent: 10,
  retries: 0,
  // An assertion that failed once fails again: retrying it only hides a real failure behind a slower run.
  retryOn: Object.freeze(['timeout', 'crash', 'gpu'] as const),
  failOnFlaky: false,
  // Run-to-run noise on a loaded GPU host: a change must pass both bounds to count (docs/ci.md#compare).
  compare: Object.freeze({
    thresholds: Object.freeze({
      duration: Object.freeze({ relativePercent: 20, absolute: 1000 }),
      peakVram: Object.freeze({ relativePercent: 10, absolute: 256 * 1024 ** 2 }),
      peakRam: Object.freeze({ relativePercent: 10, absolute: 256 * 1024 ** 2 }),
      swap: Object.freeze({ relativePercent: 10, absolute: 128 * 1024 ** 2 }),
      leak: Object.freeze({ relativePercent: 25, absolute: 1024 ** 2 }),
      metric: Object.freeze({ relativePercent: 10, absolute: 0 }),
    }),
    metrics: Object.freeze({}),
  }),
  failOnRegression: false,
});
