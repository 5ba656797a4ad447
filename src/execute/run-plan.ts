// Runs a plan: starts jobs as lanes free up, samples memory at every test boundary, and turns each finished
// process into a FileResult. Skipped and never-started jobs become FileResults too, so every report lists them.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { startContinuousSampler, type ContinuousSampler } from '../measure/continuous-sampler.js';
import { readPressureCounters, summarizePressure, thinTimeline } from '../measure/run-pressure.js';
import type { Job, Plan } from '../plan/types.js';
import { readHostMemory } from '../probe/meminfo.js';
import type { GpuInventory, GpuReader, HostInfo } from '../probe/types.js';
import type { RunObserver } from '../report/types.js';
import { createSlots, pickStarts, releaseSlot, type Start } from '../schedule/lanes.js';
import { FILE_LEVEL_TEST } from './collect-results.js';
import { countResults } from './count-results.js';
import { launchJob, type LaunchContext, type LaunchedJob } from './launch-job.js';
import type { FileResult, RunResult } from './types.js';

/** The plan and the GPUs it was made for: known once the GPU inventory is read. */
export interface GpuPlan {
  readonly plan: Plan;
  readonly gpu: GpuInventory;
  /** Reads VRAM at the boundaries of gpu-lane tests. */
  readonly gpuReader: GpuReader;
}

/** Everything runPlan needs; it reads the machine only through `gpuReader` and the probes. */
export interface RunPlanOptions {
  /** Resolves once the GPUs are known; until then only `earlyJobs` may start. */
  readonly planned: Promise<GpuPlan>;
  /** cpu-lane jobs that run whatever the GPUs are, started while the GPU inventory is still being read. */
  readonly earlyJobs: readonly Job[];
  /** gpu-lane jobs that will run if a GPU is found: the first may boot while the inventory is read. */
  readonly gpuCandidates: readonly Job[];
  readonly config: ResolvedConfig;
  readonly host: HostInfo;
  readonly observer: RunObserver;
  /** Aborted on Ctrl-C or SIGTERM: running files are stopped, waiting ones are not started. */
  readonly signal: AbortSignal;
  readonly env: NodeJS.ProcessEnv;
  readonly toolVersion: string;
}

function notRun(job: Job, status: 'skipped' | 'failed', reason: string): FileResult {
  const failed = status === 'failed';
  return {
    job, status, skipReason: failed ? null : reason, error: failed ? reason : null, outcome: null,
    startedAt: null, endedAt: null, lane: job.lane, gpuIndices: [], stdout: '', stderr: '',
    tests: failed ? [{ name: FILE_LEVEL_TEST, fullName: FILE_LEVEL_TEST, nesting: 0, file: job.file, line: null, column: null,
      status: 'failed', durationMs: 0, skipReason: null, failure: { type: 'no-gpu', message: reason, stack: null }, window: null, repeat: null, metrics: [] }] : [],
    leaks: [], residue: null,
  };
}

/** Runs every job of the plan that may run and returns the whole run's result. */
export async function runPlan(options: RunPlanOptions): Promise<RunResult> {
  const { config, observer, signal } = options;
  const startedAt = Date.now();
  const pressureAtStart = readPressureCounters();
  // PSI's avg10 is a moving average: read at every file's end, its highest value shows the worst stretch of the run.
  let peakSomeAvg10 = 0;
  let peakFullAvg10: number | null = null;
  const notePsi = (): void => {
    const psi = readPressureCounters().psi;
    if (!psi) return;
    peakSomeAvg10 = Math.max(peakSomeAvg10, psi.some.avg10);
    if (psi.full) peakFullAvg10 = Math.max(peakFullAvg10 ?? 0, psi.full.avg10);
  };
  const warnings = new Set<string>();
  const results = new Map<string, FileResult>();
  const workDir = await mkdtemp(join(tmpdir(), 'gpu-test-'));
  let known: GpuPlan | null = null;
  // Started once the GPUs are known; tests that end before then get peaks from their boundary samples alone.
  let sampler = null as ContinuousSampler | null;
  // Until the GPUs are known only the cpu lane has slots; adoptPlan adds the GPUs' slots and jobs.
  let waiting: Job[] = [...options.earlyJobs];
  let slots = createSlots(config.concurrency, [], config.gpuConcurrency);
  const started = new Set<string>();

  /** Once the GPUs are known: the plan's skipped jobs become results, its GPU jobs join the queue. */
  const adoptPlan = ({ plan, gpu, gpuReader }: GpuPlan): void => {
    for (const warning of gpu.warnings) warnings.add(warning);
    observer.onPlan?.(plan);
    for (const job of plan.jobs) {
      if (job.skip) {
        const requireFails = job.skip.code === 'no-gpu' && config.requireGpu;
        results.set(job.id, notRun(job, requireFails ? 'failed' : 'skipped',
          requireFails ? `${job.skip.message}; --require-gpu makes a missing GPU a failure` : job.skip.message));
      } else if (!started.has(job.id) && !waiting.some((w) => w.id === job.id)) {
        waiting.push(job);
      }
    }
    sampler = startContinuousSampler({
      gpuReader, intervalMs: config.sampleIntervalMs,
      gpuIndices: gpu.available ? gpu.gpus.map((g) => g.index) : [],
    });
    const gpuSlots = createSlots(0, gpu.available ? gpu.gpus.map((g) => g.index) : [], config.gpuConcurrency);
    slots = { cpu: slots.cpu, gpus: gpuSlots.gpus };
  };

  const context: LaunchContext = {
    config, env: options.env, workDir, observer, runSignal: signal,
    gpuState: () => ({ gpu: known?.gpu ?? null, gpuReader: known?.gpuReader ?? null, sampler }),
    warn: (message) => warnings.add(message),
  };
  const running = new Map<string, Promise<{ start: Start; result: FileResult }>>();
  const planArrives = options.planned.then((gpuPlan) => ({ gpuPlan }));
  let launched = 0;
  // The next gpu-lane file, booted while the GPU is busy (or while the GPUs are still being listed), so its node
  // start does not wait on the lane: the test file itself loads only when its turn comes.
  let prewarmed = null as LaunchedJob | null;
  const prewarmNext = (): void => {
    if (prewarmed || signal.aborted) return;
    const candidates = known === null ? options.gpuCandidates : waiting;
    const next = candidates.find((job) => job.lane === 'gpu' && !started.has(job.id));
    if (next) prewarmed = launchJob(next, (launched += 1), context);
  };
  try {
    while (known === null || waiting.length > 0 || running.size > 0) {
      if (!signal.aborted) {
        const picked = pickStarts(waiting, slots);
        slots = picked.slots;
        for (const start of picked.starts) {
          waiting = waiting.filter((job) => job !== start.job);
          started.add(start.job.id);
          const launch: LaunchedJob = prewarmed?.job === start.job ? prewarmed : launchJob(start.job, (launched += 1), context);
          if (launch === prewarmed) prewarmed = null;
          launch.start(start.gpuIndex);
          running.set(start.job.id, launch.done.then((result) => ({ start, result })));
        }
        prewarmNext();
      }
      const next: { gpuPlan: GpuPlan } | { start: Start; result: FileResult } =
        await Promise.race([...running.values(), ...(known === null ? [planArrives] : [])]);
      if ('gpuPlan' in next) {
        known = next.gpuPlan;
        adoptPlan(next.gpuPlan);
        // A file booted before the GPUs were known may turn out not to run (no GPU): stop it.
        if (prewarmed && !waiting.includes(prewarmed.job)) {
          prewarmed.cancel();
          await prewarmed.done;
          prewarmed = null;
        }
        continue;
      }
      const { start, result } = next;
      running.delete(start.job.id);
      slots = releaseSlot(slots, start);
      results.set(start.job.id, result);
      notePsi();
      observer.onFileEnd?.(result);
    }
  } finally {
    if (prewarmed) {
      prewarmed.cancel();
      await prewarmed.done;
    }
    sampler?.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  for (const job of waiting) {
    results.set(job.id, notRun(job, 'skipped', 'not started: the run was interrupted before this file\'s turn'));
  }

  if (known === null) throw new Error('the run ended before its plan was known');
  const { plan, gpu } = known;
  const files = plan.jobs.map((job) => results.get(job.id)).filter((file): file is FileResult => file !== undefined);
  const counts = countResults(files);
  for (const warning of sampler?.warnings() ?? []) warnings.add(warning);
  const interrupted = signal.aborted;
  let hostAtEnd = null;
  try {
    hostAtEnd = readHostMemory();
  } catch {
    hostAtEnd = options.host.memory;
  }
  const pressure = summarizePressure({ sampler, gpu, hostAtEnd, start: pressureAtStart, end: readPressureCounters(), peakSomeAvg10, peakFullAvg10 });
  const verdict = interrupted ? 'interrupted' : counts.failed > 0 || counts.filesFailed > 0 ? 'failed' : 'passed';
  return {
    startedAt, endedAt: Date.now(), verdict, interrupted, counts, host: options.host, gpu, files,
    pressure, timeline: thinTimeline(sampler),
    warnings: [...warnings],
    config: {
      rootDir: config.rootDir, configFile: config.configFile, reportDir: config.reportDir, concurrency: config.concurrency,
      gpuConcurrency: config.gpuConcurrency, timeoutMs: config.timeoutMs, repeat: config.repeat, leaks: config.leaks,
    },
    toolVersion: options.toolVersion,
  };
}
