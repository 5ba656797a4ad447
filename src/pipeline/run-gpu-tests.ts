// The whole pipeline as a library call: config -> plan -> schedule and run -> finished result (budgets, declared needs,
// GPU balance, the verdict). The CLI adds only arguments, signals, reporters and the exit code; a program can run
// gpu-test with `runGpuTests()` and read the same RunResult the reports are written from.

import { randomUUID } from 'node:crypto';
import { DEFAULT_GPU_BACKEND } from '../config/defaults.js';
import { resolveConfig } from '../config/resolve-config.js';
import type { CliOptions, ResolvedConfig } from '../config/types.js';
import { createInterruptSwitch, whenAborted, type RunInterrupt } from '../execute/interrupt.js';
import { runPlan } from '../execute/run/run-plan.js';
import { applyBudgets } from '../measure/budgets.js';
import { compareSuiteNeeds, gpuBalance } from '../measure/suite-needs.js';
import { discoverFiles } from '../plan/discover-files.js';
import { decideSkips, describeJobs } from '../plan/plan-jobs.js';
import { shardJobs } from '../plan/plan-shard.js';
import { compareRuns, suiteSettings } from '../history/compare-runs.js';
import { readRuns } from '../history/read-runs.js';
import type { ShardPlan } from '../results/ci-result.js';
import { decideVerdict } from '../results/verdict.js';
import { findGpus } from '../probe/find-gpus.js';
import { NO_GPU_READER } from '../probe/gpu-presence.js';
import { readHostInfo } from '../probe/host-info.js';
import type { GpuReader } from '../probe/types.js';
import type { Job } from '../results/job.js';
import type { GpuInventory } from '../results/machine.js';
import type { RunObserver } from '../results/observer.js';
import type { ExecutedRun, RunResult } from '../results/run-result.js';
import { skipUnfit } from '../schedule/skip-unfit.js';
import { selectUsableGpus } from '../schedule/usable-gpus.js';
import { hostCapacity, usedBeforeRun } from './host-capacity.js';
import { readToolVersion } from './tool-version.js';

/** What a run is asked for, as the command line would ask it. Every field is optional. */
export interface RunGpuTestsOptions {
  /** Where the config file is searched from, upward, and where relative paths start. Default: the working directory. */
  readonly cwd?: string;
  /** What gpu-test's flags set: `{ paths: ['suites/vlm'], enable: ['flux'], reporters: ['json'] }`, say. */
  readonly options?: CliOptions;
  /**
   * The environment the gates are read from and the test processes inherit. Default: this process's. The GPUs are
   * listed through this process's own PATH and libraries, as `nvidia-smi` and NVML are found on the host.
   */
  readonly env?: NodeJS.ProcessEnv;
  /** Stops the run: its `stop` signal ends it gracefully (files stopped, results kept), `now` kills at once. */
  readonly interrupt?: RunInterrupt;
}

/** A run whose config and files are known, ready to start (its GPUs are listed once it has started its first files). */
export interface PlannedRun {
  readonly config: ResolvedConfig;
  /** Every test file found (of this shard, under `--shard`), with its tags, lane and needs, before the GPUs decide what is skipped. */
  readonly jobs: readonly Job[];
  /** The shard this run takes; null when it runs every file. */
  readonly shard: ShardPlan | null;
  /** What the plan found worth saying (a suite that matched no file under `allowEmpty`). */
  readonly warnings: readonly string[];
  /** Runs it: `observer` hears files start and end (the console reporter is one). */
  run(observer?: RunObserver): Promise<RunResult>;
}

const NO_GPUS: GpuInventory = { available: false, reason: null, driverVersion: null, cudaVersion: null, gpus: [], warnings: [] };

/**
 * Reads the config and finds the test files; throws GpuTestError for every problem the user
 * can fix (a bad config, an unreadable test file), before anything runs.
 */
export async function planGpuTests(request: RunGpuTestsOptions = {}): Promise<PlannedRun> {
  const env = request.env ?? process.env;
  const cwd = request.cwd ?? process.cwd();
  const cli = request.options ?? {};
  const interrupt = request.interrupt ?? createInterruptSwitch();
  const readerWarnings = new Set<string>();
  const onWarning = (warning: string): void => void readerWarnings.add(warning);
  // The GPUs are listed through NVML or else nvidia-smi (128 ms on an H100 host, seconds on some 8-GPU hosts), and the
  // VRAM reader starts once they are known; meanwhile the cpu lane runs. The listing begins once the run has started
  // its first test processes: opening NVML blocks this thread (30-40 ms on a GPU host, koffi and nvmlInit), and those
  // processes' own start (and a first GPU file's own NVML) goes on beside it instead of after it.
  const backend = cli.gpuBackend ?? DEFAULT_GPU_BACKEND;
  let beginListing: () => void = () => {};
  const listingBegins = new Promise<void>((resolve) => {
    beginListing = resolve;
  });
  let listingBegun = false;
  const beginGpuListing = (): void => {
    listingBegun = true;
    beginListing();
  };
  const found = listingBegins.then(() => findGpus({ backend, onWarning, signal: interrupt.stop }));
  const config = await resolveConfig({ cwd, cli, env });
  const { files, warnings } = await discoverFiles(config);
  const { jobs, shard } = shardJobs(config, describeJobs(config, files), env);
  // Read before anything runs: a baseline that cannot be read is an error the user fixes, not a failure at the end.
  const baselines = config.baseline === null ? [] : (await readRuns([config.baseline], cwd, '--baseline')).map((read) => read.run);
  const inventory = found.then(({ inventory: gpu }) => selectUsableGpus(gpu, env['CUDA_VISIBLE_DEVICES'], config.gpus));
  const gpuReader = Promise.all([found, inventory]).then(async ([{ nvml }, gpu]) => (await import('../probe/open-gpu-reader.js')).openGpuReader({
    backend, gpu, nvml, intervalMs: config.sampleIntervalMs, onWarning,
  }));
  // Never awaited if the run is not started: its failure must not surface later as an unhandled rejection.
  gpuReader.catch(() => {});
  return {
    config, jobs, warnings, shard,
    async run(observer = {}) {
      try {
        // A backend the user named must start before any test does, or the run would end half-way with a usage error;
        // so must a --gpus that names no card. Unless the run is interrupted meanwhile: then nothing starts.
        if (config.gpuBackend !== 'auto' || config.gpus !== null) {
          beginGpuListing();
          await Promise.race([gpuReader, whenAborted(interrupt.stop)]);
        }
        const ran = await runJobs({ config, jobs, env, interrupt, observer, inventory, gpuReader, beginGpuListing });
        return finishResult({ ...ran, warnings: [...warnings, ...ran.warnings, ...readerWarnings] }, config, shard, baselines);
      } finally {
        // A run stopped before it started anything never listed the GPUs: there is no reader to close.
        if (listingBegun) (await gpuReader.catch(() => NO_GPU_READER)).close?.();
      }
    },
  };
}

/** Plans and runs every test file, and returns the finished result every report is written from. */
export async function runGpuTests(request: RunGpuTestsOptions = {}): Promise<RunResult> {
  return (await planGpuTests(request)).run();
}

interface JobsToRun {
  readonly config: ResolvedConfig;
  readonly jobs: readonly Job[];
  readonly env: NodeJS.ProcessEnv;
  readonly interrupt: RunInterrupt;
  readonly observer: RunObserver;
  readonly inventory: Promise<GpuInventory>;
  readonly gpuReader: Promise<GpuReader>;
  /** Starts listing the GPUs (once the first test processes are started); idempotent. */
  readonly beginGpuListing: () => void;
}

/** The run itself: cpu-lane files start at once, GPU files once the GPUs are known. */
function runJobs({ config, jobs, env, interrupt, observer, inventory, gpuReader, beginGpuListing }: JobsToRun): Promise<ExecutedRun> {
  // cpu-lane decisions never depend on the GPUs, so those jobs can start before the inventory is in.
  const assumingGpus = decideSkips(config, jobs, env, { available: true, reason: null });
  const runnableWithGpu = assumingGpus.jobs.filter((job) => job.skip === null);
  const planned = Promise.all([inventory, gpuReader]).then(async ([gpu, reader]) => {
    const capacity = hostCapacity(config, gpu, await usedBeforeRun(reader));
    return { gpu, gpuReader: reader, capacity, plan: skipUnfit(decideSkips(config, jobs, env, gpu), capacity, config.requireGpu) };
  });
  return runPlan({
    planned, beginGpuListing, earlyJobs: runnableWithGpu.filter((job) => job.lane === 'cpu'), earlyCapacity: hostCapacity(config, NO_GPUS, new Map()),
    gpuCandidates: runnableWithGpu.filter((job) => job.lane === 'gpu'), planUnlisted: () => assumingGpus,
    config, host: readHostInfo(), observer, interrupt, runId: randomUUID(), env, toolVersion: readToolVersion(),
  });
}

/**
 * Budget breaches as failed tests, each suite's declared needs against measured, GPU balance, the comparison with the
 * baseline; then the verdict over all of it (flaky tests and regressions by the config's rules).
 */
function finishResult(ran: ExecutedRun, config: ResolvedConfig, shard: ShardPlan | null, baselines: readonly RunResult[]): RunResult {
  const budgeted = applyBudgets(ran, config.suites);
  const finished: RunResult = {
    ...budgeted,
    suiteNeeds: compareSuiteNeeds(budgeted, config.suites),
    gpuBalance: { limitPercent: config.balancePercent, files: gpuBalance(budgeted, config.balancePercent) },
    shard, machines: [], comparison: null,
  };
  const options = { run: config.compare, suites: suiteSettings(config.suites), failOnRegression: config.failOnRegression };
  const comparison = baselines.length === 0 ? null : compareRuns(baselines, finished, options);
  return { ...finished, comparison, verdict: decideVerdict({ ...finished, comparison, failOnFlaky: config.failOnFlaky }) };
}
