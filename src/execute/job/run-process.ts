// Runs one process of a test file, from spawn to its collected results: the boundaries recorded while it ran, the
// records its reporter wrote, how far node:test got, and how the process ended.

import { join } from 'node:path';
import { collectResults, type CollectedFile } from './collect-results.js';
import { readOccupancy, type GpuOccupancy } from './file-residue.js';
import { readFileProgress } from './read-progress.js';
import { readResultRecords } from './read-result-records.js';
import { spawnTestProcess, type SpawnedProcess } from './spawn-test-process.js';
import { recordBoundaries } from './boundary-recorder.js';
import type { VramSetting } from '../child/protocol.js';
import { DEFAULT_NVML_LIBRARY, NVML_LIBRARY_ENV } from '../../probe/nvml-library.js';
import type { JobGpus } from './job-gpus.js';
import type { JobLife } from './job-life.js';
import type { Job } from '../../results/job.js';

/** One process of the file: what it reported and what the harness measured around its tests. */
export interface ProcessRun {
  readonly spawned: SpawnedProcess;
  readonly collected: CollectedFile;
  /** Processes seen in its tree: pid -> start time. */
  readonly seenPids: ReadonlyMap<number, number | null>;
  /** The file's cards (VRAM and processes) right before its test file loaded. */
  readonly before: GpuOccupancy;
  /** On cards shared by budget: the most VRAM the file's own processes held on each, read at test ends. */
  readonly ownPeaks: ReadonlyMap<number, number>;
  /** The value of JOB_TAG_ENV its processes carry. */
  readonly tag: string;
}

/** How to run it: which attempt (names its files), when it may load its test file, what to add to its environment. */
export interface ProcessRequest {
  readonly index: number;
  readonly attempt: number;
  readonly startWhen: Promise<Readonly<Record<string, string>>>;
  readonly extraEnv: Readonly<Record<string, string>>;
  /** The run's own file: the observer hears its start and its tests' ends (a leak re-check is not). */
  readonly live: boolean;
  /** Called at every boundary: the file is underway. */
  readonly onBoundary?: () => void;
  /** The job as this process runs it (a longer leak re-check repeats more, with a longer timeout); default the launch's. */
  readonly job?: Job;
}

/** Through NVML the test process reads its own cards; through the nvidia-smi stream only the harness can. */
// Under repeat the leak fit takes the file's own processes' VRAM at every iteration's end, a reading only the harness
// can make (it knows the process tree): those files wait at each boundary, as with the stream.
function vramSettingOf(gpus: JobGpus, job: Job): VramSetting {
  const lane = gpus.lane() ?? [];
  const reader = gpus.reader();
  if (lane.length === 0 || reader.backend === 'none') return null;
  if (reader.backend === 'nvml' && reader.nvmlLibrary && job.repeat <= 1) return { by: 'child', nvmlLibrary: reader.nvmlLibrary, gpus: lane };
  return { by: 'harness' };
}

/**
 * The libnvidia-ml a GPU file's process may open while it boots, so that opening it (tens of ms on a real driver) is off
 * its first test's path: the harness's own where it reads through NVML; before the GPUs are listed, the one it will try.
 */
function nvmlHintOf(life: JobLife, job: Job): string | null {
  const { config, env } = life.context;
  if (job.lane !== 'gpu' || job.repeat > 1 || config.gpuBackend === 'none' || config.gpuBackend === 'nvidia-smi') return null;
  const reader = life.context.gpuState().gpuReader;
  if (reader) return reader.backend === 'nvml' ? reader.nvmlLibrary ?? null : null;
  return env[NVML_LIBRARY_ENV] ?? DEFAULT_NVML_LIBRARY;
}

/** Runs the file's process once and collects what it left. */
export async function runProcess(life: JobLife, gpus: JobGpus, request: ProcessRequest): Promise<ProcessRun> {
  const { context } = life;
  const job = request.job ?? life.job;
  const { config } = context;
  const recorder = recordBoundaries(life, gpus, request.live);
  const reporterFile = join(context.workDir, `${request.index}-${request.attempt}.ndjson`);
  const tag = `${context.runId}/${request.index}-${request.attempt}`;
  let before: GpuOccupancy = { gpus: null, processes: null };
  // "Before" for the file is read when its turn comes, right before its test file loads.
  const startWhen = request.startWhen.then(async (env) => {
    before = await readOccupancy(gpus.reader(), gpus.lane() ?? [], (message) => life.warn(message));
    return env;
  });
  const spawned = await spawnTestProcess({
    job, cwd: config.rootDir, env: { ...context.env, ...request.extraEnv }, reporterFile,
    testNamePatterns: config.testNamePatterns, testTimeoutMs: config.testTimeoutMs, only: config.only, tag, killGraceMs: config.killGraceMs,
    signal: life.stopping, killNow: context.interrupt.now, guardSignal: life.guardStop, startWhen,
    vramSetting: () => vramSettingOf(gpus, job), nvmlHint: nvmlHintOf(life, job),
    onStart: (pid) => {
      life.livePid = pid;
      recorder.follow(pid);
      if (request.live) context.observer.onFileStart?.(job, life.gpuIndices ?? []);
    },
    onBoundary: (message, pid) => {
      request.onBoundary?.();
      return recorder.onBoundary(message, pid);
    },
    onFlush: recorder.drained,
    onMetric: recorder.onMetric,
    onSnapshot: recorder.onSnapshot,
  });
  life.livePid = null;
  await recorder.stop();
  const { records, warnings: recordWarnings } = await readResultRecords(reporterFile);
  for (const warning of recordWarnings) life.warn(warning);
  const collected = collectResults(job, records, recorder.windows(), spawned.outcome, spawned.stderr, spawned.endedAt, recorder.metrics(), await readFileProgress(reporterFile));
  for (const warning of collected.warnings) life.warn(warning);
  return { spawned, collected, seenPids: recorder.seenPids, before, ownPeaks: recorder.ownPeaks, tag };
}
