// The command line: parses flags, runs the pipeline (config -> plan -> run -> reports) and owns the exit code.
// The only module that calls process.exit.

import { Chalk, supportsColor, type ChalkInstance } from 'chalk';
import { readFileSync } from 'node:fs';
import { formatPlan } from './cli/format-plan.js';
import { parseCliArgs, USAGE, type ParsedArgs } from './cli/parse-args.js';
import { DEFAULT_GPU_BACKEND } from './config/defaults.js';
import { resolveConfig } from './config/resolve-config.js';
import { isGpuTestError } from './errors.js';
import { runPlan } from './execute/run-plan.js';
import { applyBudgets } from './measure/budgets.js';
import { compareSuiteNeeds, gpuBalance } from './measure/suite-needs.js';
import type { RunResult } from './execute/types.js';
import { discoverFiles } from './plan/discover-files.js';
import { decideSkips, describeJobs } from './plan/plan-jobs.js';
import { NO_GPU_READER } from './probe/gpu-presence.js';
import { findGpus } from './probe/find-gpus.js';
import { readHostInfo } from './probe/host-info.js';
import { readHostMemory } from './probe/meminfo.js';
import { previewPlacements } from './schedule/preview.js';
import { buildCapacity, type HostCapacity } from './schedule/capacity.js';
import { selectUsableGpus } from './schedule/usable-gpus.js';
import type { ResolvedConfig } from './config/types.js';
import type { GpuInventory, GpuReader } from './probe/types.js';
import { createConsoleReporter } from './report/console.js';
import type { RunObserver } from './report/types.js';
import { writeReports } from './report/write-reports.js';

/** Exit codes, documented in --help and the README. */
export const EXIT = { passed: 0, failed: 1, usage: 2, internal: 3, sigint: 130, sigterm: 143 } as const;

/** gpu-test's version, from its package.json. */
export function readToolVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function chalkFor(color: boolean | null): ChalkInstance {
  if (color === null) return new Chalk({ level: supportsColor ? supportsColor.level : 0 });
  return new Chalk({ level: color ? 1 : 0 });
}

/** Config, the jobs of the run and the plan's warnings, before any GPU is known; every plan error is thrown here. */
async function describeRun(args: ParsedArgs) {
  const config = await resolveConfig({ cwd: process.cwd(), cli: args.options, env: process.env });
  const { files, warnings } = await discoverFiles(config);
  return { config, jobs: describeJobs(config, files), warnings };
}

const NO_GPUS: GpuInventory = { available: false, reason: null, driverVersion: null, cudaVersion: null, gpus: [], warnings: [] };

/** Each card's used VRAM before any test, for the VRAM budgets of declared jobs; empty when it cannot be read. */
async function usedBeforeRun(reader: GpuReader): Promise<Map<number, number | null>> {
  try {
    return new Map((await reader.readMemory()).map((gpu) => [gpu.index, gpu.usedBytes]));
  } catch {
    return new Map();
  }
}

function runCapacity(config: ResolvedConfig, gpu: GpuInventory, usedBefore: ReadonlyMap<number, number | null>): HostCapacity {
  let host = null;
  try {
    host = readHostMemory();
  } catch {
    // Off Linux or unreadable: RAM needs are then not enforced.
  }
  return buildCapacity({
    cpuSlots: config.concurrency, gpuConcurrency: config.gpuConcurrency, admission: config.admission,
    gpus: gpu.available ? gpu.gpus : [], usedBefore, host,
  });
}

async function run(args: ParsedArgs): Promise<number> {
  const chalk = chalkFor(args.color);
  const readerWarnings = new Set<string>();
  const onWarning = (warning: string): void => void readerWarnings.add(warning);
  // The GPUs are listed through NVML (12 ms on an H100 host) or else nvidia-smi (128 ms there, seconds on some 8-GPU
  // hosts), and the VRAM reader starts once they are known: meanwhile the config is read and the cpu lane runs.
  const backend = args.options.gpuBackend ?? DEFAULT_GPU_BACKEND;
  const found = findGpus({ backend, onWarning });
  const described = await describeRun(args);
  const { config } = described;
  const inventory = found.then(({ inventory: gpu }) => selectUsableGpus(gpu, process.env['CUDA_VISIBLE_DEVICES'], config.gpus));
  const gpuReader = Promise.all([found, inventory]).then(async ([{ nvml }, gpu]) => (await import('./probe/open-gpu-reader.js')).openGpuReader({
    backend, gpu, nvml, intervalMs: config.sampleIntervalMs, onWarning,
  }));
  try {
    // A backend the user named must start before any test does, or the run would end half-way with a usage error;
    // so must a --gpus that names no card.
    if (config.gpuBackend !== 'auto' || config.gpus !== null) await gpuReader;
    return await runWithReader(described, chalk, inventory, gpuReader, readerWarnings);
  } finally {
    (await gpuReader.catch(() => NO_GPU_READER)).close?.();
  }
}

async function runWithReader(described: Awaited<ReturnType<typeof describeRun>>, chalk: ChalkInstance, inventory: Promise<GpuInventory>, gpuReaderPromise: Promise<GpuReader>, readerWarnings: ReadonlySet<string>): Promise<number> {
  const { config, jobs, warnings: planWarnings } = described;
  // cpu-lane decisions never depend on the GPUs, so those jobs can start before the inventory is in.
  const runnableWithGpu = decideSkips(config, jobs, process.env, { available: true, reason: null }).jobs.filter((job) => job.skip === null);
  const earlyJobs = runnableWithGpu.filter((job) => job.lane === 'cpu');
  const gpuCandidates = runnableWithGpu.filter((job) => job.lane === 'gpu');
  const planned = Promise.all([inventory, gpuReaderPromise]).then(async ([gpu, gpuReader]) => {
    const capacity = runCapacity(config, gpu, await usedBeforeRun(gpuReader));
    return { gpu, gpuReader, capacity, plan: decideSkips(config, jobs, process.env, gpu, capacity) };
  });
  const observer: RunObserver = config.reporters.includes('console')
    ? createConsoleReporter({ stream: process.stderr, color: chalk.level > 0 })
    : {};

  const controller = new AbortController();
  let stoppedBy: 'SIGINT' | 'SIGTERM' | null = null;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    if (stoppedBy) {
      // A second Ctrl-C means "now": children were already told to stop; leave without reports.
      process.exit(signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
    }
    stoppedBy = signal;
    observer.onInterrupt?.(signal);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const ran: RunResult = await runPlan({
    planned, earlyJobs, earlyCapacity: runCapacity(config, { ...NO_GPUS, available: false }, new Map()), gpuCandidates, config, host: readHostInfo(), observer, signal: controller.signal,
    env: process.env, toolVersion: readToolVersion(),
  });
  // Budget breaches become failed tests before any report is written, so every report and the exit code agree.
  const budgeted: RunResult = applyBudgets({ ...ran, warnings: [...planWarnings, ...ran.warnings, ...readerWarnings] }, config.suites);
  const result: RunResult = {
    ...budgeted,
    suiteNeeds: compareSuiteNeeds(budgeted, config.suites),
    gpuBalance: { limitPercent: config.balancePercent, files: gpuBalance(budgeted, config.balancePercent) },
  };
  const { written, failures } = await writeReports(result, config.reportDir, config.reporters);
  observer.onRunEnd?.(result, written);
  for (const failure of failures) process.stderr.write(`${chalk.red('gpu-test:')} ${failure}\n`);
  if (stoppedBy) return stoppedBy === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
  if (failures.length > 0) return EXIT.usage;
  return result.verdict === 'passed' ? EXIT.passed : EXIT.failed;
}

async function list(args: ParsedArgs): Promise<number> {
  const chalk = chalkFor(args.color);
  const found = findGpus({ backend: args.options.gpuBackend ?? DEFAULT_GPU_BACKEND });
  const { config, jobs, warnings } = await describeRun(args);
  const { inventory, nvml } = await found;
  if (nvml?.available) nvml.close(); // `list` reads no VRAM.
  const gpu = selectUsableGpus(inventory, process.env['CUDA_VISIBLE_DEVICES'], config.gpus);
  // No VRAM reader is opened for `list`: cards count as empty, so shared-card previews assume an idle host.
  const capacity = runCapacity(config, gpu, new Map());
  const decided = decideSkips(config, jobs, process.env, gpu, capacity);
  const plan = { ...decided, notes: [...warnings, ...decided.notes] };
  process.stdout.write(formatPlan(plan, gpu, chalk, previewPlacements(plan, capacity)));
  return EXIT.passed;
}

/** Runs the command line and exits with its code. */
export async function main(argv: readonly string[]): Promise<never> {
  let code: number;
  try {
    const args = parseCliArgs(argv);
    if (args.command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      code = EXIT.passed;
    } else if (args.command === 'version') {
      process.stdout.write(`${readToolVersion()}\n`);
      code = EXIT.passed;
    } else {
      code = args.command === 'list' ? await list(args) : await run(args);
    }
  } catch (error) {
    if (isGpuTestError(error)) {
      process.stderr.write(`gpu-test: ${error.message}\n`);
      code = EXIT.usage;
    } else {
      process.stderr.write(`gpu-test: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
      code = EXIT.internal;
    }
  }
  process.exit(code);
}
