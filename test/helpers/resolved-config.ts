// A ResolvedConfig for unit tests that need one without a config file.

import { DEFAULTS } from '../../src/config/defaults.js';
import type { ResolvedConfig } from '../../src/config/types.js';

/** Defaults like a config with unit/vlm/flux suites; override any field. */
export function resolvedConfig(overrides: Partial<ResolvedConfig> = {}): ResolvedConfig {
  return {
    rootDir: '/project',
    configFile: null,
    suites: [
      { name: 'unit', files: ['test/**/*.test.ts'], allowEmpty: false, tags: [], timeoutMs: null, repeat: null, leakThreshold: null, leakRepeatMax: null, requires: null, hooks: null, budgets: null, source: null, filesSource: null, retries: null, retryOn: null, compare: null },
      { name: 'vlm', files: ['suites/vlm/**/*.test.ts'], allowEmpty: false, tags: ['gpu'], timeoutMs: null, repeat: null, leakThreshold: null, leakRepeatMax: null, requires: null, hooks: null, budgets: null, source: null, filesSource: null, retries: null, retryOn: null, compare: null },
      { name: 'flux', files: ['suites/flux/**/*.test.ts'], allowEmpty: false, tags: ['gpu', 'flux'], timeoutMs: 900_000, repeat: null, leakThreshold: null, leakRepeatMax: null, requires: null, hooks: null, budgets: null, source: null, filesSource: null, retries: null, retryOn: null, compare: null },
    ],
    gates: { flux: 'ENABLE_FLUX_TESTS' },
    gpuTags: ['gpu', 'flux'],
    knownTags: ['exclusive', 'flux', 'gpu', 'slow'],
    exclude: ['**/node_modules/**'],
    reportDir: '/project/reports',
    reporters: ['console', 'markdown', 'junit', 'json'],
    concurrency: 2,
    gpuConcurrency: 1,
    timeoutMs: 600_000,
    enabledTags: [],
    onlyTags: [],
    skipTags: [],
    testNamePatterns: [],
    testTimeoutMs: null,
    bail: false,
    requireGpu: false,
    only: false,
    paths: [],
    shard: null,
    gpuBackend: 'auto',
    sampleIntervalMs: 50,
    repeat: 1,
    repeatFromCli: false,
    leakThreshold: { vramBytes: 100 * 1024 ** 2, ramBytes: 100 * 1024 ** 2, metrics: {} },
    leakRepeatMax: 40,
    leaks: 'fail',
    settleTimeoutMs: 1000,
    killOrphans: false,
    killGraceMs: 3000,
    admission: { vramHeadroom: { bytes: 1024 ** 3 }, ramReserve: { bytes: 4 * 1024 ** 3 } },
    guard: { enabled: true, ramPercent: 95, swapPercent: 50, vramPercent: 98, horizonMs: 10_000 },
    retryAlone: true,
    balancePercent: 10,
    gpus: null,
    durations: {},
    retries: 0,
    retryOn: ['timeout', 'crash', 'gpu'],
    failOnFlaky: false,
    compare: DEFAULTS.compare,
    failOnRegression: false,
    baseline: null,
    ...overrides,
  };
}
