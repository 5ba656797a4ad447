// The command line: parses flags, runs the pipeline (config -> plan -> run -> reports) and owns the exit code.
// The only module that calls process.exit.

import { Chalk, supportsColor, type ChalkInstance } from 'chalk';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { formatPlan } from './cli/format-plan.js';
import { parseCliArgs, USAGE, type ParsedArgs } from './cli/parse-args.js';
import { DEFAULT_GPU_BACKEND } from './config/defaults.js';
import { resolveConfig } from './config/resolve-config.js';
import { isGpuTestError } from './errors.js';
import { createInterruptSwitch, whenAborted, type InterruptSwitch, type StopSignal } from './execute/interrupt.js';
import { runPlan } from './execute/run-plan.js';
import { EXIT, exitCodeOf } from './results/verdict.js';
import { applyBudgets } from './measure/budgets.js';
import { compareSuiteNeeds, gpuBalance } from './measure/suite-needs.js';
import type { RunResult } from './results/run-result.js';
import { discoverFiles } from './plan/discover-files.js';
import { decideSkips, describeJobs } from './plan/plan-jobs.js';
import { NO_GPU_READER } from './probe/gpu-presence.js';
import { findGpus } from './probe/find-gpus.js';
import { readHostInfo } from './probe/host-info.js';
import { readHostMemory } from './probe/meminfo.js';
import { previewPlacements } from './schedule/preview.js';
import { buildCapacity, type HostCapacity } from './schedule/capacity.js';
import { skipUnfit } from './schedule/skip-unfit.js';
import { selectUsableGpus } from './schedule/usable-gpus.js';
import type { ResolvedConfig } from './config/types.js';
import type { GpuInventory } from './results/machine.js';
import type { GpuReader } from './probe/types.js';
import { createConsoleReporter } from './report/console.js';
import type { RunObserver } from './results/observer.js';
import { checkReportDir } from './report/report-dir.js';
import { writeReports } from './report/write-reports.js';


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

/** The signals that stop a run, handled for as long as it lasts. */
const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * A closed terminal (SIGHUP, a dropped SSH session) or a reader that went away turns every console write into EIO or
 * EPIPE: the run must still finish and write its reports, so those errors are dropped rather than thrown.
 */
function tolerateLostConsole(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}

/**
 * Installs the run's signal handlers before anything else starts: a signal while the GPUs are listed or the config is
 * read must stop the run as cleanly as one during a test. The first signal stops the run, the second kills every test
 * process at once; both still end with the reports written. A third leaves at once (the watchdog cleans up).
 */
function handleStopSignals(observer: () => RunObserver): { interrupt: InterruptSwitch; release: () => void } {
  const interrupt = createInterruptSwitch();
  const onSignal = (signal: StopSignal): void => {
    const which = interrupt.interrupt(signal);
    if (which === 'again') process.exit(exitCodeOf({ verdict: 'interrupted', interruption: interrupt.cause() }));
    observer().onInterrupt?.(signal, which === 'second');
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return { interrupt, release: () => STOP_SIGNALS.forEach((signal) => process.off(signal, onSignal)) };
}

async function run(args: ParsedArgs): Promise<number> {
  tolerateLostConsole();
  let observer: RunObserver = {};
  const { interrupt, release } = handleStopSignals(() => observer);
  try {
    const chalk = chalkFor(args.color);
    const readerWarnings = new Set<string>();
    const onWarning = (warning: string): void => void readerWarnings.add(warning);
    // The GPUs are listed through NVML (12 ms on an H100 host) or else nvidia-smi (128 ms there, seconds on some 8-GPU
    // hosts), and the VRAM reader starts once they are known: meanwhile the config is read and the cpu lane runs.
    const backend = args.options.gpuBackend ?? DEFAULT_GPU_BACKEND;
    const found = findGpus({ backend, onWarning, signal: interrupt.stop });
    const described = await describeRun(args);
    const { config } = described;
    if (config.reporters.some((name) => name !== 'console')) checkReportDir(config.reportDir);
    observer = config.reporters.includes('console') ? createConsoleReporter({ stream: process.stderr, color: chalk.level > 0 }) : {};
    const inventory = found.then(({ inventory: gpu }) => selectUsableGpus(gpu, process.env['CUDA_VISIBLE_DEVICES'], config.gpus));
    const gpuReader = Promise.all([found, inventory]).then(async ([{ nvml }, gpu]) => (await import('./probe/open-gpu-reader.js')).openGpuReader({
      backend, gpu, nvml, intervalMs: config.sampleIntervalMs, onWarning,
    }));
    try {
      // A backend the user named must start before any test does, or the run would end half-way with a usage error;
      // so must a --gpus that names no card.
      // Unless the run is interrupted meanwhile: then nothing starts and the reports say why.
      if (config.gpuBackend !== 'auto' || config.gpus !== null) await Promise.race([gpuReader, whenAborted(interrupt.stop)]);
      const result = await runAndFinish(described, observer, interrupt, inventory, gpuReader, readerWarnings);
      return await writeRunReports(result, config, observer, chalk, interrupt);
    } finally {
      (await gpuReader.catch(() => NO_GPU_READER)).close?.();
    }
  } finally {
    release();
  }
}

/** Runs the plan and finishes its result: budget breaches as failed tests, declared needs, GPU balance, the verdict. */
async function runAndFinish(described: Awaited<ReturnType<typeof describeRun>>, observer: RunObserver, interrupt: InterruptSwitch, inventory: Promise<GpuInventory>, gpuReaderPromise: Promise<GpuReader>, readerWarnings: ReadonlySet<string>): Promise<RunResult> {
  const { config, jobs, warnings: planWarnings } = described;
  // cpu-lane decisions never depend on the GPUs, so those jobs can start before the inventory is in.
  const assumingGpus = decideSkips(config, jobs, process.env, { available: true, reason: null });
  const runnableWithGpu = assumingGpus.jobs.filter((job) => job.skip === null);
  const earlyJobs = runnableWithGpu.filter((job) => job.lane === 'cpu');
  const gpuCandidates = runnableWithGpu.filter((job) => job.lane === 'gpu');
  const planned = Promise.all([inventory, gpuReaderPromise]).then(async ([gpu, gpuReader]) => {
    const capacity = runCapacity(config, gpu, await usedBeforeRun(gpuReader));
    return { gpu, gpuReader, capacity, plan: skipUnfit(decideSkips(config, jobs, process.env, gpu), capacity, config.requireGpu) };
  });
  const ran: RunResult = await runPlan({
    planned, earlyJobs, earlyCapacity: runCapacity(config, { ...NO_GPUS, available: false }, new Map()), gpuCandidates,
    planUnlisted: () => assumingGpus, config, host: readHostInfo(), observer, interrupt, runId: randomUUID(),
    env: process.env, toolVersion: readToolVersion(),
  });
  // Budget breaches become failed tests before any report is written, so every report and the exit code agree.
  const budgeted: RunResult = applyBudgets({ ...ran, warnings: [...planWarnings, ...ran.warnings, ...readerWarnings] }, config.suites);
  return {
    ...budgeted,
    suiteNeeds: compareSuiteNeeds(budgeted, config.suites),
    gpuBalance: { limitPercent: config.balancePercent, files: gpuBalance(budgeted, config.balancePercent) },
  };
}

/** Writes the reports and gives the exit code: the interrupting signal's, else the verdict's, else 2 when a report failed. */
async function writeRunReports(result: RunResult, config: ResolvedConfig, observer: RunObserver, chalk: ChalkInstance, interrupt: InterruptSwitch): Promise<number> {
  const { written, failures } = await writeReports(result, config.reportDir, config.reporters);
  observer.onRunEnd?.(result, written);
  for (const failure of failures) process.stderr.write(`${chalk.red('gpu-test:')} ${failure}\n`);
  const late = interrupt.cause();
  if (!result.interruption && late) {
    // Every file had ended when it came: the reports are complete and stand, and so does the verdict they give.
    process.stderr.write(`gpu-test: ${late.signal} came after the run had ended; its reports are complete\n`);
  }
  if (result.interruption) return exitCodeOf(result);
  if (failures.length > 0) return EXIT.usage;
  return exitCodeOf(result);
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
  const decided = skipUnfit(decideSkips(config, jobs, process.env, gpu), capacity, config.requireGpu);
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
