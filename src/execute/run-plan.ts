// Runs a plan: starts jobs as lanes free up, samples memory at every test boundary, and turns each finished
// process into a FileResult. Skipped and never-started jobs become FileResults too, so every report lists them.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { sampleBoundary } from '../measure/boundary-sampler.js';
import { startContinuousSampler, type ContinuousSampler } from '../measure/continuous-sampler.js';
import type { MemorySample, WindowPeak } from '../measure/types.js';
import { computeWindowPeak } from '../measure/window-peak.js';
import type { Job, Plan } from '../plan/types.js';
import { NO_GPU_READER } from '../probe/gpu-presence.js';
import type { GpuInventory, GpuReader, HostInfo } from '../probe/types.js';
import type { RunObserver } from '../report/types.js';
import { createSlots, pickStarts, releaseSlot, type Start } from '../schedule/lanes.js';
import type { BoundaryMessage } from './child/protocol.js';
import { collectResults, FILE_LEVEL_TEST, type BoundaryWindow } from './collect-results.js';
import { countResults } from './count-results.js';
import { readResultRecords } from './read-result-records.js';
import { spawnTestProcess } from './spawn-test-process.js';
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
      status: 'failed', durationMs: 0, skipReason: null, failure: { type: 'no-gpu', message: reason, stack: null }, window: null }] : [],
  };
}

/** Runs every job of the plan that may run and returns the whole run's result. */
export async function runPlan(options: RunPlanOptions): Promise<RunResult> {
  const { config, observer, signal } = options;
  const startedAt = Date.now();
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

  const runJob = async (start: Start, index: number): Promise<FileResult> => {
    const { job } = start;
    const gpuIndices = start.gpuIndex === null ? [] : [start.gpuIndex];
    const env: NodeJS.ProcessEnv = { ...options.env };
    if (start.gpuIndex !== null) {
      const info = known?.gpu.gpus.find((g) => g.index === start.gpuIndex);
      env.CUDA_VISIBLE_DEVICES = info?.uuid ?? String(start.gpuIndex);
    }
    const windows = new Map<number, { name: string; before: MemorySample; after: MemorySample | null; peak: WindowPeak | null }>();
    const onBoundary = async (message: BoundaryMessage, pid: number): Promise<void> => {
      const taken = await sampleBoundary(known?.gpuReader ?? NO_GPU_READER, pid, start.gpuIndex === null ? null : gpuIndices, message.phase === 'end' ? message.at : undefined);
      for (const error of taken.errors) warnings.add(`${job.id}: ${error}`);
      if (message.phase === 'begin') {
        windows.set(message.seq, { name: message.name, before: taken, after: null, peak: null });
      } else {
        const window = message.beginSeq === null ? undefined : windows.get(message.beginSeq);
        if (window) {
          window.after = taken;
          window.peak = computeWindowPeak(sampler, window.before, taken, start.gpuIndex === null ? null : gpuIndices);
        }
        observer.onTestEnd?.(job, message.name);
      }
    };
    const reporterFile = join(workDir, `${index}.ndjson`);
    const spawned = await spawnTestProcess({
      job, cwd: config.rootDir, env, reporterFile, testNamePatterns: config.testNamePatterns, only: config.only, signal,
      onStart: () => observer.onFileStart?.(job, gpuIndices),
      onBoundary,
    });
    const records = await readResultRecords(reporterFile);
    const boundaryWindows: BoundaryWindow[] = [...windows.values()];
    const collected = collectResults(job, records, boundaryWindows, spawned.outcome, spawned.stderr, spawned.endedAt);
    return {
      job, status: collected.status, skipReason: null, error: collected.error, outcome: spawned.outcome,
      startedAt: spawned.startedAt, endedAt: spawned.endedAt, lane: job.lane, gpuIndices,
      tests: collected.tests, stdout: spawned.stdout, stderr: spawned.stderr,
    };
  };

  const running = new Map<string, Promise<{ start: Start; result: FileResult }>>();
  const planArrives = options.planned.then((gpuPlan) => ({ gpuPlan }));
  let launched = 0;
  try {
    while (known === null || waiting.length > 0 || running.size > 0) {
      if (!signal.aborted) {
        const picked = pickStarts(waiting, slots);
        slots = picked.slots;
        for (const start of picked.starts) {
          waiting = waiting.filter((job) => job !== start.job);
          started.add(start.job.id);
          launched += 1;
          running.set(start.job.id, runJob(start, launched).then((result) => ({ start, result })));
        }
      }
      const next: { gpuPlan: GpuPlan } | { start: Start; result: FileResult } =
        await Promise.race([...running.values(), ...(known === null ? [planArrives] : [])]);
      if ('gpuPlan' in next) {
        known = next.gpuPlan;
        adoptPlan(next.gpuPlan);
        continue;
      }
      const { start, result } = next;
      running.delete(start.job.id);
      slots = releaseSlot(slots, start);
      results.set(start.job.id, result);
      observer.onFileEnd?.(result);
    }
  } finally {
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
  const verdict = interrupted ? 'interrupted' : counts.failed > 0 || counts.filesFailed > 0 ? 'failed' : 'passed';
  return {
    startedAt, endedAt: Date.now(), verdict, interrupted, counts, host: options.host, gpu, files,
    warnings: [...warnings],
    config: { rootDir: config.rootDir, configFile: config.configFile, reportDir: config.reportDir, concurrency: config.concurrency, gpuConcurrency: config.gpuConcurrency, timeoutMs: config.timeoutMs },
    toolVersion: options.toolVersion,
  };
}
