// Runs a plan: starts jobs as lanes free up, samples memory at every test boundary, and turns each finished
// process into a FileResult. Skipped and never-started jobs become FileResults too, so every report lists them.

import { mkdtemp, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { gpuSeries, sampledPeak, startContinuousSampler, type ContinuousSampler } from '../measure/continuous-sampler.js';
import { readPressureCounters, summarizePressure, thinTimeline } from '../measure/run-pressure.js';
import type { Job, Plan } from '../results/job.js';
import { readCgroupWorkingSet } from '../probe/cgroup-files.js';
import { readHostMemory } from '../probe/meminfo.js';
import type { GpuInventory, HostInfo } from '../results/machine.js';
import type { GpuReader } from '../probe/types.js';
import type { RunObserver } from '../results/observer.js';
import { orderByDuration, pickStarts, type Placement } from '../schedule/admission.js';
import type { HostCapacity } from '../schedule/capacity.js';
import { RUN_TAG_ENV } from './child/protocol.js';
import { FAILURE, FILE_LEVEL_TEST, fileNotRun } from '../results/failures.js';
import { countResults } from '../results/counts.js';
import { whenAborted, type RunInterrupt } from './interrupt.js';
import { launchJob, type LaunchContext, type LaunchedJob } from './launch-job.js';
import { createNeighbourLog } from './neighbour-log.js';
import { describeCoScheduled } from '../results/co-scheduled.js';
import { memoryFailureOf, mergeAloneRun } from './retry-alone.js';
import { startMemoryGuard } from './memory-guard-loop.js';
import { startRunWatchdog } from './run-watchdog.js';
import { createGpuLocks, lockDirOf } from './gpu-locks.js';
import { createSharedGpus, LOCK_POLL_MS } from './shared-gpus.js';
import { createSuiteHookRunner } from './suite-hook-runner.js';
import { decideVerdict } from '../results/verdict.js';
import type { ExecutedRun, FileResult, HookRun } from '../results/run-result.js';

/** The plan and the GPUs it was made for: known once the GPU inventory is read. */
export interface GpuPlan {
  readonly plan: Plan;
  readonly gpu: GpuInventory;
  /** Reads VRAM at the boundaries of gpu-lane tests. */
  readonly gpuReader: GpuReader;
  /** What the scheduler may hand out: the usable cards with their VRAM budgets, cpu slots, host RAM. */
  readonly capacity: HostCapacity;
}

/** The GPUs as reported when the run was interrupted before they were listed. */
const UNLISTED_GPUS: GpuInventory = {
  available: false, reason: 'not listed: the run was interrupted first', driverVersion: null, cudaVersion: null, gpus: [], warnings: [],
};

/** Most gpu-lane files booted ahead of their turn: each is an idle node process until then. */
const PREWARM_LIMIT = 4;

/** Everything runPlan needs; it reads the machine only through `gpuReader` and the probes. */
export interface RunPlanOptions {
  /** Resolves once the GPUs are known; until then only `earlyJobs` may start. */
  readonly planned: Promise<GpuPlan>;
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

function notRun(job: Job, status: 'skipped' | 'failed', reason: string): FileResult {
  return fileNotRun(job, status === 'failed' ? { failed: reason, type: FAILURE.noGpu } : { skipped: reason });
}

/** Runs every job of the plan that may run and returns the whole run's result. */
export async function runPlan(options: RunPlanOptions): Promise<ExecutedRun> {
  const { config, observer, interrupt } = options;
  const { stop } = interrupt;
  const startedAt = Date.now();
  // Every process the run starts carries the run's tag; if gpu-test dies unannounced, the watchdog ends them.
  const env = { ...options.env, [RUN_TAG_ENV]: options.runId };
  const watchdog = startRunWatchdog(options.runId);
  const warnings = new Set<string>();
  // Two runs on one host never share a card: another run's cards are left out until it gives them back.
  const shared = createSharedGpus(createGpuLocks({ runId: options.runId, dir: lockDirOf(options.env) }), observer, (message) => warnings.add(message));
  let lockPoll: Promise<{ lockPoll: true }> | null = null;
  const pressureAtStart = readPressureCounters();
  // In a memory-limited cgroup (a container, a CI job, a slice) the kernel kills at its limit, not when the host is full.
  const cgroupLimit = pressureAtStart.cgroup?.limit ?? null;
  // PSI's avg10 is a moving average: read at every file's end, its highest value shows the worst stretch of the run.
  let peakSomeAvg10 = 0;
  let peakFullAvg10: number | null = null;
  const notePsi = (): void => {
    const psi = readPressureCounters().psi;
    if (!psi) return;
    peakSomeAvg10 = Math.max(peakSomeAvg10, psi.some.avg10);
    if (psi.full) peakFullAvg10 = Math.max(peakFullAvg10 ?? 0, psi.full.avg10);
  };
  const results = new Map<string, FileResult>();
  const workDir = await mkdtemp(join(tmpdir(), 'gpu-test-'));
  let known: GpuPlan | null = null;
  // Started once the GPUs are known; tests that end before then get peaks from their boundary samples alone.
  let sampler = null as ContinuousSampler | null;
  // Until the GPUs are known only the cpu lane has room; adoptPlan adds the GPUs and their jobs.
  let waiting: Job[] = orderByDuration(options.earlyJobs, config.durations);
  let capacity = options.earlyCapacity;
  const placements = new Map<string, Placement>();
  const started = new Set<string>();

  /** Once the GPUs are known: the plan's skipped jobs become results, its GPU jobs join the queue. */
  const adoptPlan = ({ plan, gpu, gpuReader, capacity: full }: GpuPlan): void => {
    for (const warning of gpu.warnings) warnings.add(warning);
    observer.onPlan?.(plan);
    for (const job of plan.jobs) {
      if (job.skip) {
        const requireFails = (job.skip.code === 'no-gpu' || job.skip.code === 'unfit') && config.requireGpu;
        results.set(job.id, notRun(job, requireFails ? 'failed' : 'skipped',
          requireFails ? `${job.skip.message}; --require-gpu makes ${job.skip.code === 'unfit' ? 'needs a host cannot meet' : 'a missing GPU'} a failure` : job.skip.message));
      } else if (!started.has(job.id) && !waiting.some((w) => w.id === job.id)) {
        waiting.push(job);
      }
    }
    sampler = startContinuousSampler({
      gpuReader, intervalMs: config.sampleIntervalMs,
      gpuIndices: gpu.available ? gpu.gpus.map((g) => g.index) : [],
      readCgroup: cgroupLimit && (() => readCgroupWorkingSet(cgroupLimit)),
    });
    capacity = full;
    waiting = orderByDuration(waiting, config.durations);
  };

  const context: LaunchContext = {
    config, env, workDir, observer, runId: options.runId, interrupt,
    gpuState: () => ({ gpu: known?.gpu ?? null, gpuReader: known?.gpuReader ?? null, sampler }),
    warn: (message) => warnings.add(message),
    live: new Set<LaunchedJob>(),
  };
  // The memory guard stops a test before host RAM, the cgroup's limit, swap or its card runs out; it acts once the
  // sampler exists.
  const guard = config.guard.enabled ? startMemoryGuard({
    settings: config.guard, intervalMs: config.sampleIntervalMs, sampler: () => sampler, launches: () => context.live ?? [],
    capacity: () => ({
      hostTotalBytes: options.host.memory?.totalBytes ?? null, swapTotalBytes: options.host.memory?.swapTotalBytes ?? null,
      cgroup: cgroupLimit && { limitBytes: cgroupLimit.bytes, path: cgroupLimit.path },
      gpuTotalBytes: new Map((known?.gpu.gpus ?? []).map((g) => [g.index, g.totalBytes])),
    }),
    warn: (message) => warnings.add(message),
  }) : null;
  // Coordination hooks: a suite's `before` runs ahead of its first file, its `after` once its last file has ended.
  const hooks = createSuiteHookRunner({ config, env, interrupt, jobs: [...options.earlyJobs, ...options.gpuCandidates] });
  let hookRuns: readonly HookRun[] = [];
  const running = new Map<string, Promise<{ start: Placement; result: FileResult }>>();
  const planArrives = options.planned.then((gpuPlan) => ({ gpuPlan }));
  // Raced until the run is interrupted, then no longer awaited: its failure (a reader that could not start once the
  // listing was cut short) must not surface later as an unhandled rejection.
  planArrives.catch(() => {});
  // One promise for the whole run: a listener per loop turn would pile up on the signal.
  const stopped = whenAborted(stop).then(() => ({ stopped: true }) as const);
  let launched = 0;
  // The next gpu-lane files, booted while the GPUs are busy (or while they are still being listed), so their node
  // start does not wait on the lane: a test file itself loads only when its turn comes. As many as run on the
  // GPUs now (at least one, at most PREWARM_LIMIT), so a whole next wave of shared cards is ready at once.
  // Not while a started GPU file is still booting: on a small machine the next wave's boots would take the CPU
  // from the files whose turn it is (on 2 cores, four running files began their tests ~400 ms later).
  let prewarmed: LaunchedJob[] = [];
  const booting = new Set<LaunchedJob>();
  let bootEnded: Promise<{ booted: true }> | null = null;
  const noteBooting = (launch: LaunchedJob): void => {
    if (launch.job.lane !== 'gpu') return;
    booting.add(launch);
    void launch.underway.then(() => booting.delete(launch));
  };
  /** Resolves when one of the booting GPU files gets underway, so the loop can prewarm then; null when none boots. */
  const nextBootEnd = (): Promise<{ booted: true }> | null => {
    if (booting.size === 0) return null;
    bootEnded ??= Promise.race([...booting].map((launch) => launch.underway)).then(() => {
      bootEnded = null;
      return { booted: true } as const;
    });
    return bootEnded;
  };
  const prewarmNext = (): void => {
    if (stop.aborted || (known !== null && booting.size > 0)) return;
    const candidates = known === null ? options.gpuCandidates : waiting;
    const gpuRunning = [...placements.values()].filter((p) => p.job.lane === 'gpu').length;
    const want = Math.min(PREWARM_LIMIT, Math.max(1, gpuRunning));
    for (const next of candidates.filter((job) => job.lane === 'gpu' && !started.has(job.id) && !prewarmed.some((p) => p.job === job))) {
      if (prewarmed.length >= want) break;
      prewarmed.push(launchJob(next, (launched += 1), context));
    }
  };
  const cancelPrewarmed = async (keep: (job: Job) => boolean): Promise<void> => {
    const dropped = prewarmed.filter((launch) => !keep(launch.job));
    prewarmed = prewarmed.filter((launch) => keep(launch.job));
    for (const launch of dropped) launch.cancel();
    await Promise.all(dropped.map((launch) => launch.done));
  };
  // For --retry-alone: who ran beside whom, and the first run of a file being re-run alone.
  const neighbours = createNeighbourLog();
  const firstRuns = new Map<string, { result: FileResult; reason: string; beside: string[]; vramPercent: number | null }>();
  const cardPeakPercent = (placement: Placement, result: FileResult): number | null => {
    if (!sampler || result.startedAt === null || result.endedAt === null) return null;
    const shares = placement.gpuIndices.map((index) => {
      const total = known?.gpu.gpus.find((g) => g.index === index)?.totalBytes ?? null;
      const peak = sampledPeak(sampler, gpuSeries(index), result.startedAt ?? 0, result.endedAt ?? 0);
      return total && peak !== null ? (peak / total) * 100 : null;
    }).filter((share): share is number => share !== null);
    return shares.length === 0 ? null : Math.max(...shares);
  };
  try {
    // Interrupted, the run stops starting files and no longer waits for the GPUs to be listed: it only waits for the
    // running files, which have been told to stop.
    while ((!stop.aborted && (known === null || waiting.length > 0)) || running.size > 0) {
      if (!stop.aborted) {
        const gpuFilesWaiting = waiting.some((job) => job.lane === 'gpu');
        const free = shared.available(capacity, gpuFilesWaiting);
        let refused = free.blocked;
        for (const start of pickStarts(waiting, [...placements.values()], free.capacity)) {
          // Another run took the card between the look and the start: this file waits for the next look.
          if (!shared.take(start, capacity)) {
            refused = true;
            continue;
          }
          neighbours.note(start, placements.values());
          placements.set(start.job.id, start);
          waiting = waiting.filter((job) => job !== start.job);
          started.add(start.job.id);
          const warm = prewarmed.find((launch) => launch.job === start.job);
          const launch: LaunchedJob = warm ?? launchJob(start.job, (launched += 1), context);
          prewarmed = prewarmed.filter((other) => other !== warm);
          noteBooting(launch);
          running.set(start.job.id, hooks.startWhenReady(launch, () => launch.start(start.gpuIndices)).then((result) => ({ start, result })));
        }
        prewarmNext();
        // Cards another run holds are looked at again now and then: nothing else would wake the loop for them.
        lockPoll = refused && gpuFilesWaiting ? (lockPoll ?? sleep(LOCK_POLL_MS).then(() => ({ lockPoll: true }) as const)) : null;
      }
      const bootEnd: Promise<{ booted: true }> | null = known === null || stop.aborted ? null : nextBootEnd();
      const next: { gpuPlan: GpuPlan } | { start: Placement; result: FileResult } | { booted: true } | { stopped: true } | { lockPoll: true } = await Promise.race([
        ...running.values(), ...(known === null && !stop.aborted ? [planArrives] : []), ...(bootEnd ? [bootEnd] : []),
        ...(stop.aborted ? [] : [stopped]), ...(lockPoll && !stop.aborted ? [lockPoll] : []),
      ]);
      if ('lockPoll' in next) lockPoll = null;
      if ('booted' in next || 'stopped' in next || 'lockPoll' in next) continue;
      if ('gpuPlan' in next) {
        known = next.gpuPlan;
        adoptPlan(next.gpuPlan);
        hooks.planKnown(next.gpuPlan.plan.jobs);
        // A file booted before the GPUs were known may turn out not to run (no GPU): stop it.
        await cancelPrewarmed((job) => waiting.includes(job));
        continue;
      }
      const { start } = next;
      running.delete(start.job.id);
      placements.delete(start.job.id);
      shared.give(start, capacity);
      const first = firstRuns.get(start.job.id);
      const failure = first || !config.retryAlone || stop.aborted ? null : memoryFailureOf(next.result);
      const beside = failure ? neighbours.of(start, failure.resource) : [];
      if (failure && beside.length > 0) {
        // Ran out of memory beside others: once more, alone on the host, before anything else starts.
        firstRuns.set(start.job.id, { result: next.result, reason: failure.reason, beside, vramPercent: cardPeakPercent(start, next.result) });
        started.delete(start.job.id);
        waiting = [{ ...start.job, needs: { ...start.job.needs, exclusive: true } }, ...waiting];
        continue;
      }
      // An alone re-run cut short by an interrupt proves nothing: the first run's failure is what is known.
      const result = !first ? next.result
        : next.result.status === 'interrupted' ? first.result
          : mergeAloneRun(first.result, next.result, { neighbours: first.beside, vramPercent: first.vramPercent, reason: first.reason });
      if (result.coScheduled) warnings.add(`${start.job.id}: ${describeCoScheduled(result.coScheduled)}`);
      results.set(start.job.id, result);
      hooks.fileEnded(start.job);
      notePsi();
      observer.onFileEnd?.(result);
    }
  } finally {
    await cancelPrewarmed(() => false);
    // Also after a failure or Ctrl-C: every suite whose `before` ran gets its `after`, bounded by the steps' timeouts.
    hookRuns = await hooks.finish();
    guard?.stop();
    sampler?.stop();
    await rm(workDir, { recursive: true, force: true });
    shared.giveAll();
    await watchdog.release();
  }

  // A file whose alone re-run never came keeps its first run's result.
  for (const [id, first] of firstRuns) if (!results.has(id)) results.set(id, first.result);
  // Interrupted while the GPUs were being listed: every job is reported, the GPU files as not started.
  const { plan, gpu } = known ?? { plan: options.planUnlisted(), gpu: UNLISTED_GPUS };
  const notStarted = known === null
    ? 'not started: the run was interrupted while the GPUs were being listed'
    : 'not started: the run was interrupted before this file\'s turn';
  for (const job of plan.jobs) {
    if (!results.has(job.id)) results.set(job.id, notRun(job, 'skipped', job.skip?.message ?? notStarted));
  }
  const files = plan.jobs.map((job) => results.get(job.id)).filter((file): file is FileResult => file !== undefined);
  const counts = countResults(files);
  for (const warning of sampler?.warnings() ?? []) warnings.add(warning);
  const interrupted = stop.aborted;
  let hostAtEnd = null;
  try {
    hostAtEnd = readHostMemory();
  } catch {
    hostAtEnd = options.host.memory;
  }
  const pressure = summarizePressure({ sampler, gpu, hostAtEnd, start: pressureAtStart, end: readPressureCounters(), peakSomeAvg10, peakFullAvg10 });
  const cause = interrupt.cause();
  const ran = {
    runId: options.runId, startedAt, endedAt: Date.now(), interrupted, interruption: interrupted ? cause : null, counts, host: options.host, gpu, files,
    pressure, timeline: thinTimeline(sampler),
    warnings: [...warnings],
    hooks: hookRuns,
    config: {
      rootDir: config.rootDir, configFile: config.configFile, reportDir: config.reportDir, concurrency: config.concurrency,
      gpuConcurrency: config.gpuConcurrency, timeoutMs: config.timeoutMs, repeat: config.repeat, leaks: config.leaks,
    },
    toolVersion: options.toolVersion,
  };
  return { ...ran, verdict: decideVerdict(ran) };
}
