// Runs a plan: starts files as lanes free up (cpu files at once, GPU files once the GPUs are known, each on cards no
// other run holds), boots the next GPU files ahead of their turn, re-runs alone a file that ran out of memory beside
// others, runs the suites' hooks around their files, and gathers every file's result. An interrupt stops the starts
// and the wait for the GPUs; the loop then only waits for the running files, which have been told to stop.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedConfig } from '../../config/types.js';
import { gpuSeries, sampledPeak, startContinuousSampler, type ContinuousSampler } from '../../measure/continuous-sampler.js';
import { readPressureCounters, readPsi } from '../../measure/run-pressure.js';
import { readCgroupWorkingSet } from '../../probe/cgroup-files.js';
import { locateOomCounters } from '../../probe/oom-counters.js';
import type { GpuReader } from '../../probe/types.js';
import { describeCoScheduled } from '../../results/co-scheduled.js';
import { FAILURE, fileNotRun } from '../../results/failures.js';
import type { Job, Plan, SkipReason } from '../../results/job.js';
import type { GpuInventory, HostInfo } from '../../results/machine.js';
import type { RunObserver } from '../../results/observer.js';
import type { ExecutedRun, FileResult, HookRun } from '../../results/run-result.js';
import { orderByDuration, pickStarts, type Placement } from '../../schedule/admission.js';
import type { HostCapacity } from '../../schedule/capacity.js';
import { RUN_TAG_ENV } from '../child/protocol.js';
import { createGpuLocks, lockDirOf } from './gpu-locks.js';
import { whenAborted, type RunInterrupt } from '../interrupt.js';
import { launchJob, type LaunchContext, type LaunchedJob } from '../job/launch-job.js';
import { startMemoryGuard, type MemoryGuard } from './memory-guard-loop.js';
import { startRunWatchdog, type RunWatchdog } from './run-watchdog.js';
import { createSharedGpus, LOCK_POLL_MS } from './shared-gpus.js';
import { createSuiteHookRunner } from './suite-hook-runner.js';
import { createFileRetries } from './file-retries.js';
import { createMemoryWitness } from './memory-witness.js';
import { finishRun } from './finish-run.js';
import { createPrewarmer } from './prewarm.js';

/** The plan and the GPUs it was made for: known once the GPU inventory is read. */
export interface GpuPlan {
  readonly plan: Plan;
  readonly gpu: GpuInventory;
  /** Reads VRAM at the boundaries of gpu-lane tests. */
  readonly gpuReader: GpuReader;
  /** What the scheduler may hand out: the usable cards with their VRAM budgets, cpu slots, host RAM. */
  readonly capacity: HostCapacity;
}

/** Everything runPlan needs; it reads the machine only through `gpuReader` and the probes. */
export interface RunPlanOptions {
  /** Resolves once the GPUs are known; until then only `earlyJobs` may start. */
  readonly planned: Promise<GpuPlan>;
  /** Starts listing the GPUs, which `planned` waits for: called once the first test processes are started. */
  readonly beginGpuListing: () => void;
  /** cpu-lane jobs that run whatever the GPUs are, started while the GPU inventory is still being read. */
  readonly earlyJobs: readonly Job[];
  /** The capacity before the GPUs are known: cpu slots and host RAM only. */
  readonly earlyCapacity: HostCapacity;
  /** gpu-lane jobs that will run if a GPU is found: the first may boot while the inventory is read. */
  readonly gpuCandidates: readonly Job[];
  /** The plan to report when the run is interrupted before the GPUs are known (every job, none skipped for the GPU). */
  readonly planUnlisted: () => Plan;
  readonly config: ResolvedConfig;
  readonly host: HostInfo;
  readonly observer: RunObserver;
  /** Ctrl-C, SIGTERM or SIGHUP: running files are stopped, waiting ones are not started; a second signal kills at once. */
  readonly interrupt: RunInterrupt;
  /** Tags every process the run starts (RUN_TAG_ENV), so none can outlive it unnoticed. */
  readonly runId: string;
  readonly env: NodeJS.ProcessEnv;
  readonly toolVersion: string;
}

/** What wakes the loop: the GPUs are known, a file ended, a booting GPU file got underway, a signal, a look at the locks. */
type RunEvent = { gpuPlan: GpuPlan } | { start: Placement; result: FileResult } | { booted: true } | { stopped: true } | { lockPoll: true };

/** A file the plan does not run: skipped with its reason, or failed under --require-gpu when it needed a GPU. */
function skippedResult(job: Job, skip: SkipReason, requireGpu: boolean): FileResult {
  if (!requireGpu || (skip.code !== 'no-gpu' && skip.code !== 'unfit')) return fileNotRun(job, { skipped: skip.message });
  const what = skip.code === 'unfit' ? 'needs a host cannot meet' : 'a missing GPU';
  return fileNotRun(job, { failed: `${skip.message}; --require-gpu makes ${what} a failure`, type: FAILURE.noGpu });
}

/** The file statuses that end a run under --bail: a failure of the file's own, not a skip or an interruption. */
const BAIL_STATUSES: ReadonlySet<FileResult['status']> = new Set(['failed', 'crashed', 'timed-out']);

/** Runs every job of the plan that may run and returns the whole run's result. */
export async function runPlan(options: RunPlanOptions): Promise<ExecutedRun> {
  const { config, observer, interrupt } = options;
  const { stop } = interrupt;
  const startedAt = Date.now();
  const warnings = new Set<string>();
  const warn = (message: string): void => void warnings.add(message);
  // Every process the run starts carries the run's tag; if gpu-test dies unannounced, the watchdog ends them. It is
  // started right after the first test processes (in the same turn), so their start does not wait for its fork.
  const env = { ...options.env, [RUN_TAG_ENV]: options.runId };
  let watchdog: RunWatchdog | null = null;
  // Raced until the run is interrupted, then no longer awaited: its failure (a reader that could not start once the
  // listing was cut short) must not surface as an unhandled rejection, even while this function awaits its first step.
  const planArrives = options.planned.then((gpuPlan) => ({ gpuPlan }));
  planArrives.catch(() => {});
  const workDir = await mkdtemp(join(tmpdir(), 'gpu-test-'));
  // Two runs on one host never share a card: another run's cards are left out until it gives them back.
  const shared = createSharedGpus(createGpuLocks({ runId: options.runId, dir: lockDirOf(options.env) }), observer, warn);
  const pressureAtStart = readPressureCounters();
  // In a memory-limited cgroup (a container, a CI job, a slice) the kernel kills at its limit, not when the host is full.
  const cgroupLimit = pressureAtStart.cgroup?.limit ?? null;
  const peakPsi = { some: 0, full: null as number | null };

  // The queue and what runs: until the GPUs are known only the cpu lane has room.
  let known: GpuPlan | null = null;
  let sampler: ContinuousSampler | null = null;
  let waiting: Job[] = orderByDuration(options.earlyJobs, config.durations);
  let capacity = options.earlyCapacity;
  const placements = new Map<string, Placement>();
  const started = new Set<string>();
  const results = new Map<string, FileResult>();
  const running = new Map<string, Promise<{ start: Placement; result: FileResult }>>();
  // --bail: the first file that failed; from then on nothing new starts and the running files end as they will.
  let bailedAfter: string | null = null;

  const context: LaunchContext = {
    config, env, workDir, observer, runId: options.runId, interrupt, warn,
    gpuState: () => ({ gpu: known?.gpu ?? null, gpuReader: known?.gpuReader ?? null, sampler }),
  };
  // Launches not yet done, for the memory guard.
  const live = new Set<LaunchedJob>();
  let launched = 0;
  const launch = (job: Job): LaunchedJob => {
    const launchedJob = launchJob(job, (launched += 1), context);
    live.add(launchedJob);
    const leave = (): void => void live.delete(launchedJob);
    launchedJob.done.then(leave, leave);
    return launchedJob;
  };
  const prewarm = createPrewarmer(launch);
  // The memory guard stops a test before host RAM, the cgroup's limit, swap or its card runs out.
  const guard: MemoryGuard | null = config.guard.enabled ? startMemoryGuard({
    settings: config.guard, intervalMs: config.sampleIntervalMs, sampler: () => sampler, launches: () => live, warn,
    capacity: () => ({
      hostTotalBytes: options.host.memory?.totalBytes ?? null, swapTotalBytes: options.host.memory?.swapTotalBytes ?? null,
      cgroup: cgroupLimit && { limitBytes: cgroupLimit.bytes, path: cgroupLimit.path },
      gpuTotalBytes: new Map((known?.gpu.gpus ?? []).map((g) => [g.index, g.totalBytes])),
    }),
  }) : null;
  // A SIGKILL is re-run alone only with a sign of memory pressure around it: counters read at each file's start and end.
  const witness = createMemoryWitness({
    source: locateOomCounters(), sampler: () => sampler, guardStops: () => guard?.stops() ?? [],
    hostTotalBytes: options.host.memory?.totalBytes ?? null, cgroupLimitBytes: cgroupLimit?.bytes ?? null,
    gpuTotalBytes: (index) => known?.gpu.gpus.find((g) => g.index === index)?.totalBytes ?? null,
  });
  const retries = createFileRetries((start, result) => cardPeakPercent(start, result), config, (start, result) => witness.signsFor(start, result));
  // Coordination hooks: a suite's `before` runs ahead of its first file, its `after` once its last file has ended.
  const hooks = createSuiteHookRunner({ config, env, interrupt, jobs: [...options.earlyJobs, ...options.gpuCandidates] });

  /** The highest share of its cards a file used while it ran (for the retry-alone sentence). */
  const cardPeakPercent = (placement: Placement, result: FileResult): number | null => {
    if (result.startedAt === null || result.endedAt === null) return null;
    const shares = placement.gpuIndices.map((index) => {
      const total = known?.gpu.gpus.find((g) => g.index === index)?.totalBytes ?? null;
      const peak = sampledPeak(sampler, gpuSeries(index), result.startedAt ?? 0, result.endedAt ?? 0);
      return total && peak !== null ? (peak / total) * 100 : null;
    }).filter((share): share is number => share !== null);
    return shares.length === 0 ? null : Math.max(...shares);
  };

  /** The GPUs are known: the plan's skipped files get their results, its GPU files join the queue, sampling starts. */
  const adoptPlan = async (gpuPlan: GpuPlan): Promise<void> => {
    known = gpuPlan;
    for (const warning of gpuPlan.gpu.warnings) warn(warning);
    observer.onPlan?.(gpuPlan.plan);
    for (const job of gpuPlan.plan.jobs) {
      if (job.skip) results.set(job.id, skippedResult(job, job.skip, config.requireGpu));
      else if (!started.has(job.id) && !waiting.some((w) => w.id === job.id)) waiting.push(job);
    }
    sampler = startContinuousSampler({
      gpuReader: gpuPlan.gpuReader, intervalMs: config.sampleIntervalMs,
      gpuIndices: gpuPlan.gpu.available ? gpuPlan.gpu.gpus.map((g) => g.index) : [],
      readCgroup: cgroupLimit && (() => readCgroupWorkingSet(cgroupLimit)),
    });
    // What runs now: the highest VRAM sampled in the last few seconds, for the console's heartbeat.
    observer.onReadings?.({ vramUsedBytes: (index) => sampledPeak(sampler, gpuSeries(index), Date.now() - 5_000) });
    capacity = gpuPlan.capacity;
    waiting = orderByDuration(waiting, config.durations);
    hooks.planKnown(gpuPlan.plan.jobs);
    // A file booted before the GPUs were known may turn out not to run (no GPU): stop it.
    await prewarm.cancel((job) => waiting.some((w) => w.id === job.id));
  };

  /** Starts every waiting file that fits now, on cards no other run holds; true when a card another run held was wanted. */
  const startWhatFits = (): boolean => {
    const gpuFilesWaiting = waiting.some((job) => job.lane === 'gpu');
    const free = shared.available(capacity, gpuFilesWaiting);
    let refused = free.blocked;
    for (const start of pickStarts(waiting, [...placements.values()], free.capacity)) {
      // Another run took the card between the look and the start: this file waits for the next look.
      if (!shared.take(start, capacity)) {
        refused = true;
        continue;
      }
      retries.noteStart(start, placements.values());
      placements.set(start.job.id, start);
      waiting = waiting.filter((job) => job !== start.job);
      started.add(start.job.id);
      const fileLaunch = prewarm.take(start.job) ?? launch(start.job);
      prewarm.noteStarted(fileLaunch);
      running.set(start.job.id, hooks.startWhenReady(fileLaunch, () => {
        witness.fileStarts(start.job.id);
        return fileLaunch.start(start.gpuIndices);
      }).then((result) => ({ start, result })));
    }
    const gpuRunning = [...placements.values()].filter((p) => p.job.lane === 'gpu').length;
    const candidates = (known === null ? options.gpuCandidates : waiting).filter((job) => !started.has(job.id));
    prewarm.boot(candidates, gpuRunning, known !== null);
    // Not while the GPUs are being listed: on a small machine that boot would compete with the run's own start.
    if (known !== null && placements.size - gpuRunning >= capacity.cpuSlots) prewarm.bootNextCpu(waiting);
    return refused && gpuFilesWaiting;
  };

  /** A file ended: it is retried alone, or its result is recorded and its suite's `after` may run. */
  const fileEnded = (start: Placement, ended: FileResult): void => {
    running.delete(start.job.id);
    placements.delete(start.job.id);
    shared.give(start, capacity);
    const next = retries.afterFile(start, ended, !stop.aborted);
    if ('retry' in next) {
      // Ran out of memory beside others (once more, alone on the host), or failed of a class its suite retries: it
      // goes first, before anything else starts.
      started.delete(start.job.id);
      waiting = [next.retry, ...waiting];
      observer.onFileRetry?.(next.failed, next.attempt, next.retry.needs.exclusive && !start.job.needs.exclusive);
      return;
    }
    if (next.result.coScheduled) warn(`${start.job.id}: ${describeCoScheduled(next.result.coScheduled)}`);
    results.set(start.job.id, next.result);
    hooks.fileEnded(start.job);
    const psi = readPsi();
    // PSI's avg10 is a moving average: read at every file's end, its highest value shows the worst stretch of the run.
    if (psi) {
      peakPsi.some = Math.max(peakPsi.some, psi.some.avg10);
      if (psi.full) peakPsi.full = Math.max(peakPsi.full ?? 0, psi.full.avg10);
    }
    observer.onFileEnd?.(next.result);
    if (config.bail && bailedAfter === null && BAIL_STATUSES.has(next.result.status)) {
      bailedAfter = start.job.id;
      void prewarm.cancel(() => false);
    }
  };

  // One promise for the whole run: a listener per loop turn would pile up on the signal.
  const stopped = whenAborted(stop).then(() => ({ stopped: true }) as const);
  let lockPoll: Promise<{ lockPoll: true }> | null = null;
  /** The next thing that happens; what may happen depends on whether the run is stopping. */
  const nextEvent = (): Promise<RunEvent> => {
    if (stop.aborted) return Promise.race(running.values());
    const bootEnd = known === null ? null : prewarm.bootEnd();
    return Promise.race<RunEvent>([
      ...running.values(), ...(known === null ? [planArrives] : []), ...(bootEnd ? [bootEnd] : []), stopped, ...(lockPoll ? [lockPoll] : []),
    ]);
  };

  let hookRuns: readonly HookRun[] = [];
  try {
    // After --bail the loop still waits for the GPU listing, so the plan (and every file's skip reason) is complete.
    while ((!stop.aborted && (known === null || (bailedAfter === null && waiting.length > 0))) || running.size > 0) {
      if (!stop.aborted && bailedAfter === null) {
        // Cards another run holds are looked at again now and then: nothing else would wake the loop for them.
        const lockedOut = startWhatFits();
        lockPoll = lockedOut ? (lockPoll ?? sleep(LOCK_POLL_MS).then(() => ({ lockPoll: true }) as const)) : null;
      }
      watchdog ??= startRunWatchdog(options.runId);
      options.beginGpuListing();
      const event = await nextEvent();
      if ('lockPoll' in event) lockPoll = null;
      if ('gpuPlan' in event) await adoptPlan(event.gpuPlan);
      if ('result' in event) fileEnded(event.start, event.result);
    }
  } finally {
    await prewarm.cancel(() => false);
    // Also after a failure or Ctrl-C: every suite whose `before` ran gets its `after`, bounded by the steps' timeouts.
    hookRuns = await hooks.finish();
    guard?.stop();
    (sampler as ContinuousSampler | null)?.stop();
    await rm(workDir, { recursive: true, force: true });
    shared.giveAll();
    await watchdog?.release();
  }
  // A file whose alone re-run never came keeps its first run's result.
  for (const [id, first] of retries.unfinished()) if (!results.has(id)) results.set(id, first);
  return finishRun({
    runId: options.runId, startedAt, config, host: options.host, toolVersion: options.toolVersion, known, planUnlisted: options.planUnlisted,
    results, hooks: hookRuns, warnings, sampler, pressureAtStart, peakPsi, interruption: stop.aborted ? interrupt.cause() : null, bailedAfter,
  });
}
