// One test file's process from boot to FileResult. A launch may boot before the file's turn (node and the preload
// start, the test file waits), so the next GPU file is ready the moment its GPU frees.

import { join } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { sampleBoundary } from '../measure/boundary-sampler.js';
import type { ContinuousSampler } from '../measure/continuous-sampler.js';
import type { MemorySample, WindowPeak } from '../measure/types.js';
import { computeWindowPeak } from '../measure/window-peak.js';
import type { Job } from '../plan/types.js';
import { NO_GPU_READER } from '../probe/gpu-presence.js';
import type { GpuInventory, GpuReader } from '../probe/types.js';
import type { RunObserver } from '../report/types.js';
import type { BoundaryMessage } from './child/protocol.js';
import { collectResults, type BoundaryWindow } from './collect-results.js';
import { readResultRecords } from './read-result-records.js';
import { spawnTestProcess } from './spawn-test-process.js';
import type { FileResult } from './types.js';

/** What a launch reads from the run: fixed settings, and the GPU state known so far. */
export interface LaunchContext {
  readonly config: ResolvedConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly workDir: string;
  readonly observer: RunObserver;
  /** Aborted when the run is interrupted. */
  readonly runSignal: AbortSignal;
  /** The GPUs, their reader and the sampler, once known (null before the inventory is in). */
  readonly gpuState: () => { readonly gpu: GpuInventory | null; readonly gpuReader: GpuReader | null; readonly sampler: ContinuousSampler | null };
  readonly warn: (message: string) => void;
}

/** A booting or running test process. */
export interface LaunchedJob {
  readonly job: Job;
  /** The file's turn has come: run it on `gpuIndex` (null for the cpu lane). */
  start(gpuIndex: number | null): void;
  /** Stops a launch whose turn never came (its file turned out to be skipped, or the run ended). */
  cancel(): void;
  /** Its result; for a cancelled launch, resolves once the process is gone (the result is then meaningless). */
  readonly done: Promise<FileResult>;
}

type OpenWindow = { name: string; before: MemorySample; after: MemorySample | null; peak: WindowPeak | null };

/** Boots the process of `job` now; it runs its tests once `start` is called. `index` names its result file. */
export function launchJob(job: Job, index: number, context: LaunchContext): LaunchedJob {
  const { config, observer } = context;
  const controller = new AbortController();
  const onRunAbort = (): void => controller.abort();
  context.runSignal.addEventListener('abort', onRunAbort, { once: true });
  let gpuIndices: number[] | null = null;
  let release: (env: Readonly<Record<string, string>>) => void = () => {};
  const startWhen = new Promise<Readonly<Record<string, string>>>((resolve) => (release = resolve));

  const windows = new Map<number, OpenWindow>();
  const onBoundary = async (message: BoundaryMessage, pid: number): Promise<void> => {
    const { gpuReader, sampler } = context.gpuState();
    const lane = job.lane === 'gpu' ? gpuIndices : null;
    const taken = await sampleBoundary(gpuReader ?? NO_GPU_READER, pid, lane, message.phase === 'end' ? message.at : undefined);
    for (const error of taken.errors) context.warn(`${job.id}: ${error}`);
    if (message.phase === 'begin') {
      windows.set(message.seq, { name: message.name, before: taken, after: null, peak: null });
      return;
    }
    const window = message.beginSeq === null ? undefined : windows.get(message.beginSeq);
    if (window) {
      window.after = taken;
      window.peak = computeWindowPeak(sampler, window.before, taken, lane);
    }
    observer.onTestEnd?.(job, message.name);
  };

  const reporterFile = join(context.workDir, `${index}.ndjson`);
  const done = (async (): Promise<FileResult> => {
    const spawned = await spawnTestProcess({
      job, cwd: config.rootDir, env: context.env, reporterFile, testNamePatterns: config.testNamePatterns, only: config.only,
      signal: controller.signal, startWhen,
      onStart: () => observer.onFileStart?.(job, gpuIndices ?? []),
      onBoundary,
    });
    context.runSignal.removeEventListener('abort', onRunAbort);
    const records = await readResultRecords(reporterFile);
    const boundaryWindows: BoundaryWindow[] = [...windows.values()];
    const collected = collectResults(job, records, boundaryWindows, spawned.outcome, spawned.stderr, spawned.endedAt);
    return {
      job, status: collected.status, skipReason: null, error: collected.error, outcome: spawned.outcome,
      startedAt: spawned.startedAt, endedAt: spawned.endedAt, lane: job.lane, gpuIndices: gpuIndices ?? [],
      tests: collected.tests, stdout: spawned.stdout, stderr: spawned.stderr,
    };
  })();

  return {
    job,
    done,
    start(gpuIndex) {
      gpuIndices = gpuIndex === null ? [] : [gpuIndex];
      const env: Record<string, string> = {};
      if (gpuIndex !== null) {
        const info = context.gpuState().gpu?.gpus.find((g) => g.index === gpuIndex);
        env.CUDA_VISIBLE_DEVICES = info?.uuid ?? String(gpuIndex);
      }
      release(env);
    },
    cancel() {
      controller.abort();
    },
  };
}
