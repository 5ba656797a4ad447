// Builds the ResolvedConfig: command-line flags over the config file over DEFAULTS, every check done before any test starts.

import { basename, dirname, resolve } from 'node:path';
import { GpuTestError } from '../errors.js';
import { closestName } from './config-problems.js';
import { DEFAULT_GPU_BACKEND, DEFAULT_SAMPLE_INTERVAL_MS, DEFAULTS, MAX_TIMEOUT_MS } from './defaults.js';
import { CONFIG_FILE_NAMES, findConfigFile, loadConfigFile } from './load-config.js';
import { type LeakMode } from '../results/job.js';
import { GPU_BACKEND_NAMES, LEAK_MODES, REPORTER_NAMES, type CliOptions, type GpuBackendName, type ReporterName, type ResolvedConfig, type SuiteConfig, type UserConfig } from './types.js';
import { validateConfig } from './validate-config.js';
import { resolvePaths } from './resolve-paths.js';
import { durationsOf, readResultsFiles } from './read-results-files.js';
import { checkRetries, resolveCompare, resolveShard } from './resolve-ci.js';

/** What resolveConfig reads: where it runs, the parsed flags and the environment. */
export interface ResolveConfigOptions {
  readonly cwd: string;
  readonly cli: CliOptions;
  /** Not read while resolving: gate variables are read by the planner, so `list` and `run` see the same values. */
  readonly env: NodeJS.ProcessEnv;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function listOf(value: string | readonly string[] | undefined): readonly string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : value;
}

// Flags come from parseCliArgs, which already checks them; the API can pass anything, so they are checked again here.
function flagNumber(flag: string, value: number | undefined, example: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value <= 0) {
    throw new GpuTestError('USAGE', `--${flag} must be a positive whole number, got \`${value}\`; for example --${flag} ${example}`);
  }
  if (flag === 'timeout' && value > MAX_TIMEOUT_MS) {
    throw new GpuTestError('USAGE', `--timeout must be at most ${MAX_TIMEOUT_MS} milliseconds (about 24 days), got \`${value}\`; for example --timeout ${example}`);
  }
  return value;
}

/** Tags every file header, suite and flag may name: suites' tags, gates, gpuTags and `tags`, sorted. */
function collectKnownTags(suites: readonly SuiteConfig[], gates: Readonly<Record<string, string>>, gpuTags: readonly string[], tags: readonly string[]): string[] {
  // `exclusive` is built in: a file with it runs alone on the whole host.
  return unique([...suites.flatMap((suite) => suite.tags), ...Object.keys(gates), ...gpuTags, ...tags, 'exclusive']).sort();
}

// Every unknown tag of every flag in one error, so one fix-and-rerun is enough.
function checkFlagTags(flags: Readonly<Record<string, readonly string[]>>, known: readonly string[], configName: string): void {
  const problems = Object.entries(flags).flatMap(([flag, tags]) =>
    tags
      .filter((tag) => !known.includes(tag))
      .map((tag) => {
        const suggestion = closestName(tag, known);
        const meant = suggestion ? ` (did you mean \`${suggestion}\`?)` : '';
        return `unknown tag \`${tag}\` in --${flag}; known tags: ${known.join(', ') || '(none)'}${meant}`;
      }),
  );
  if (problems.length > 0) {
    throw new GpuTestError('UNKNOWN_TAG', `${problems.join('\n')}. Declare custom tags under \`tags:\` in ${configName}`);
  }
}

function checkReporters(names: readonly ReporterName[] | undefined): ReporterName[] | undefined {
  if (names === undefined) return undefined;
  const choices = REPORTER_NAMES.join(', ');
  const bad = names.find((name) => !REPORTER_NAMES.includes(name));
  if (bad !== undefined) throw new GpuTestError('USAGE', `--reporter: unknown reporter \`${bad}\`; choose from ${choices} (comma-separated)`);
  if (names.length === 0) throw new GpuTestError('USAGE', `--reporter needs at least one reporter; choose from ${choices} (comma-separated)`);
  return unique(names) as ReporterName[];
}

function checkGpuBackend(name: GpuBackendName | undefined): GpuBackendName {
  if (name === undefined) return DEFAULT_GPU_BACKEND;
  if (!GPU_BACKEND_NAMES.includes(name)) {
    throw new GpuTestError('USAGE', `--gpu-backend: unknown backend \`${String(name)}\`; choose from ${GPU_BACKEND_NAMES.join(', ')}`);
  }
  return name;
}

function resolveGuard(flag: boolean | undefined, fromFile: UserConfig['guard']): ResolvedConfig['guard'] {
  const base = { ...DEFAULTS.guard, ...(fromFile === false ? { enabled: false } : fromFile) };
  return flag === undefined ? base : { ...base, enabled: flag };
}

function checkLeakMode(mode: LeakMode | undefined): LeakMode | undefined {
  if (mode === undefined || LEAK_MODES.includes(mode)) return mode;
  throw new GpuTestError('USAGE', `--leaks: unknown mode \`${String(mode)}\`; choose from ${LEAK_MODES.join(', ')}`);
}

function checkSettleTimeout(ms: number | undefined): number | undefined {
  if (ms === undefined || (Number.isInteger(ms) && ms >= 0 && ms <= MAX_TIMEOUT_MS)) return ms;
  throw new GpuTestError('USAGE', `--settle-timeout must be a whole number of milliseconds >= 0, got \`${ms}\`; for example --settle-timeout 1000 (0 turns the wait off)`);
}

// node:test reads `/pattern/flags` as a literal and anything else as a pattern; an invalid one would fail every file.
function checkNamePattern(pattern: string): void {
  const literal = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  try {
    if (literal) new RegExp(literal[1] ?? '', literal[2]);
    else new RegExp(pattern);
  } catch (error) {
    throw new GpuTestError('USAGE', `--test-name-pattern \`${pattern}\` is not a valid regular expression (${(error as Error).message}); escape special characters such as \`\\(\``, { cause: error });
  }
}

interface FileConfig {
  readonly configFile: string | null;
  readonly user: UserConfig;
  readonly suites: readonly SuiteConfig[];
}

// `--config` must exist; without it the nearest config file upward is used, and no file at all means DEFAULTS.
async function readFileConfig(cwd: string, cli: CliOptions): Promise<FileConfig> {
  const configFile = cli.config !== undefined ? resolve(cwd, cli.config) : await findConfigFile(cwd);
  if (configFile === null) return { configFile: null, user: {}, suites: DEFAULTS.suites };
  const { config: user, suiteSources, filesSources } = validateConfig(await loadConfigFile(cli.config ?? configFile, cwd));
  if (user.suites === undefined) return { configFile, user, suites: DEFAULTS.suites };
  // validateConfig guarantees every suite a name and at least one glob.
  const suites = user.suites.map((suite, index): SuiteConfig => ({
    name: suite.name ?? `suite-${index + 1}`,
    files: suite.files ?? [],
    allowEmpty: suite.allowEmpty ?? false,
    tags: unique(suite.tags ?? []),
    timeoutMs: suite.timeout ?? null,
    repeat: suite.repeat ?? null,
    leakThreshold: suite.leakThreshold ? { ...suite.leakThreshold } : null,
    leakRepeatMax: suite.leakRepeatMax ?? null,
    requires: suite.requires ?? null,
    hooks: suite.hooks ?? null,
    budgets: suite.budgets ?? null,
    source: suiteSources[index] ?? null,
    filesSource: filesSources[index] ?? null,
    retries: suite.retries ?? null,
    retryOn: suite.retryOn ?? null,
    compare: suite.compare ? resolveCompare(resolveCompare(DEFAULTS.compare, user.compare), suite.compare) : null,
  }));
  return { configFile, user, suites };
}

/**
 * The run's complete, checked configuration. Throws GpuTestError: `CONFIG_*` for the file, `USAGE` for a bad flag,
 * `UNKNOWN_TAG` for a tag no suite, gate or `tags:` declares, `FILE_NOT_FOUND` for a missing path.
 */
export async function resolveConfig(options: ResolveConfigOptions): Promise<ResolvedConfig> {
  const { cwd, cli } = options;
  const { configFile, user, suites: fileSuites } = await readFileConfig(cwd, cli);
  const rootDir = configFile === null ? resolve(cwd) : dirname(configFile);

  const cliTimeout = flagNumber('timeout', cli.timeout, DEFAULTS.timeoutMs);
  // --timeout overrides the config file, suites' own timeouts included; file headers still win, as the plan decides.
  const suites = cliTimeout === undefined ? fileSuites : fileSuites.map((suite) => ({ ...suite, timeoutMs: null }));
  const gates = user.gates ?? DEFAULTS.gates;
  const gpuTags = unique(user.gpuTags ?? DEFAULTS.gpuTags);
  const knownTags = collectKnownTags(suites, gates, gpuTags, user.tags ?? DEFAULTS.tags);

  const enabledTags = unique(cli.enable ?? []);
  const onlyTags = unique(cli.tags ?? []);
  const skipTags = unique(cli.skipTags ?? []);
  const configName = configFile === null ? CONFIG_FILE_NAMES[0] ?? '' : basename(configFile);
  checkFlagTags({ enable: enabledTags, tags: onlyTags, 'skip-tags': skipTags }, knownTags, configName);

  const testNamePatterns = [...(cli.testNamePatterns ?? [])];
  testNamePatterns.forEach(checkNamePattern);

  return {
    rootDir,
    configFile,
    suites,
    gates: { ...gates },
    gpuTags,
    knownTags,
    exclude: [...(user.exclude ?? DEFAULTS.exclude)],
    reportDir: cli.reportDir !== undefined ? resolve(cwd, cli.reportDir) : resolve(rootDir, user.reportDir ?? DEFAULTS.reportDir),
    reporters: checkReporters(cli.reporters) ?? unique(user.reporters ?? DEFAULTS.reporters) as ReporterName[],
    concurrency: flagNumber('concurrency', cli.concurrency, 4) ?? user.concurrency ?? DEFAULTS.concurrency,
    gpuConcurrency: flagNumber('gpu-concurrency', cli.gpuConcurrency, 2) ?? user.gpuConcurrency ?? DEFAULTS.gpuConcurrency,
    timeoutMs: cliTimeout ?? user.timeout ?? DEFAULTS.timeoutMs,
    enabledTags,
    onlyTags,
    skipTags,
    testNamePatterns,
    testTimeoutMs: cli.testTimeoutMs ?? null,
    bail: cli.bail ?? false,
    requireGpu: cli.requireGpu ?? false,
    only: cli.only ?? false,
    paths: await resolvePaths(cwd, cli.paths ?? [], user.exclude ?? DEFAULTS.exclude),
    shard: resolveShard(cli.shard, cli.shardStrategy, user.shard, options.env),
    gpuBackend: checkGpuBackend(cli.gpuBackend),
    sampleIntervalMs: flagNumber('sample-interval', cli.sampleIntervalMs, DEFAULT_SAMPLE_INTERVAL_MS) ?? DEFAULT_SAMPLE_INTERVAL_MS,
    repeat: flagNumber('repeat', cli.repeat, 10) ?? user.repeat ?? DEFAULTS.repeat,
    repeatFromCli: cli.repeat !== undefined,
    leakThreshold: { ...DEFAULTS.leakThreshold, ...user.leakThreshold, metrics: { ...user.leakThreshold?.metrics } },
    leakRepeatMax: user.leakRepeatMax ?? DEFAULTS.leakRepeatMax,
    leaks: checkLeakMode(cli.leaks) ?? user.leaks ?? DEFAULTS.leaks,
    settleTimeoutMs: checkSettleTimeout(cli.settleTimeoutMs) ?? user.settleTimeout ?? DEFAULTS.settleTimeoutMs,
    killOrphans: cli.killOrphans ?? user.killOrphans ?? DEFAULTS.killOrphans,
    rawSamples: cli.rawSamples ?? user.rawSamples ?? DEFAULTS.rawSamples,
    killGraceMs: cli.killGraceMs ?? user.killGrace ?? DEFAULTS.killGraceMs,
    admission: { ...DEFAULTS.admission, ...user.admission },
    guard: resolveGuard(cli.guard, user.guard),
    retryAlone: cli.retryAlone ?? user.retryAlone ?? DEFAULTS.retryAlone,
    balancePercent: user.balancePercent ?? DEFAULTS.balancePercent,
    gpus: cli.gpus && cli.gpus.length > 0 ? [...cli.gpus] : null,
    durations: durationsOf(await readResultsFiles(listOf(cli.durations), cwd, '--durations')),
    retries: checkRetries(cli.retries) ?? user.retries ?? DEFAULTS.retries,
    retryOn: user.retryOn ?? DEFAULTS.retryOn,
    failOnFlaky: cli.failOnFlaky ?? user.failOnFlaky ?? DEFAULTS.failOnFlaky,
    compare: resolveCompare(DEFAULTS.compare, user.compare),
    failOnRegression: cli.failOnRegression ?? user.compare?.failOnRegression ?? DEFAULTS.failOnRegression,
    baseline: cli.baseline === undefined ? null : resolve(cwd, cli.baseline),
  };
}
