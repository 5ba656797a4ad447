// The end of a run: every job of the plan gets a result (one never started says why), and the run's counts,
// pressure, timeline, warnings and verdict are put together.

import type { ResolvedConfig } from '../../config/types.js';
import type { ContinuousSampler } from '../../measure/continuous-sampler.js';
import { readPressureCounters, summarizePressure, thinTimeline, type PressureCounters } from '../../measure/run-pressure.js';
import { readHostMemory } from '../../probe/meminfo.js';
import { countResults } from '../../results/counts.js';
import { fileNotRun } from '../../results/failures.js';
import type { Plan } from '../../results/job.js';
import type { GpuInventory, HostInfo } from '../../results/machine.js';
import type { ExecutedRun, FileResult, HookRun, RunInterruption } from '../../results/run-result.js';
import { decideVerdict } from '../../results/verdict.js';

/** The GPUs as reported when the run was interrupted before they were listed. */
export const UNLISTED_GPUS: GpuInventory = {
  available: false, reason: 'not listed: the run was interrupted first', driverVersion: null, cudaVersion: null, gpus: [], warnings: [],
};

/** Everything the run gathered, for finishRun. */
export interface RunRecord {
  readonly runId: string;
  readonly startedAt: number;
  readonly config: ResolvedConfig;
  readonly host: HostInfo;
  readonly toolVersion: string;
  /** The plan and GPUs once known; null when the run was interrupted while the GPUs were being listed. */
  readonly known: { readonly plan: Plan; readonly gpu: GpuInventory } | null;
  /** The plan to report when the GPUs were never known. */
  readonly planUnlisted: () => Plan;
  readonly results: ReadonlyMap<string, FileResult>;
  readonly hooks: readonly HookRun[];
  readonly warnings: ReadonlySet<string>;
  readonly sampler: ContinuousSampler | null;
  readonly pressureAtStart: PressureCounters;
  readonly peakPsi: { readonly some: number; readonly full: number | null };
  /** The signal that stopped it; null when it ran to its end. */
  readonly interruption: RunInterruption | null;
  /** Under --bail, the file whose failure stopped new starts; null when none did. */
  readonly bailedAfter?: string | null;
}

/** The harness's own CPU time so far: what the run cost beside its test processes (the bench prints it). */
function harnessCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
}

/** The executed run: a result for every job of the plan, in plan order, and the run's own figures. */
export function finishRun(run: RunRecord): ExecutedRun {
  // Interrupted while the GPUs were being listed: every job is reported, the GPU files as not started.
  const { plan, gpu } = run.known ?? { plan: run.planUnlisted(), gpu: UNLISTED_GPUS };
  const notStarted = run.known === null
    ? 'not started: the run was interrupted while the GPUs were being listed'
    : run.bailedAfter && !run.interruption
      ? `not run: --bail stopped the run after \`${run.bailedAfter}\` failed`
      : 'not started: the run was interrupted before this file\'s turn';
  const files = plan.jobs.map((job) => run.results.get(job.id) ?? fileNotRun(job, { skipped: job.skip?.message ?? notStarted }));
  let hostAtEnd = run.host.memory;
  try {
    hostAtEnd = readHostMemory();
  } catch {
    // Off Linux: the figure read at the start stands.
  }
  const warnings = new Set([...run.warnings, ...(run.sampler?.warnings() ?? [])]);
  const { config } = run;
  const ran = {
    runId: run.runId, startedAt: run.startedAt, endedAt: Date.now(), interrupted: run.interruption !== null, interruption: run.interruption,
    counts: countResults(files), host: run.host, gpu, files,
    pressure: summarizePressure({
      sampler: run.sampler, gpu, hostAtEnd, start: run.pressureAtStart, end: readPressureCounters(), peakSomeAvg10: run.peakPsi.some, peakFullAvg10: run.peakPsi.full,
    }),
    timeline: thinTimeline(run.sampler), warnings: [...warnings], hooks: run.hooks,
    config: {
      rootDir: config.rootDir, configFile: config.configFile, reportDir: config.reportDir, concurrency: config.concurrency,
      gpuConcurrency: config.gpuConcurrency, timeoutMs: config.timeoutMs, repeat: config.repeat, leaks: config.leaks, rawSamples: config.rawSamples,
    },
    toolVersion: run.toolVersion,
    harnessCpuMs: harnessCpuMs(),
  };
  return { ...ran, verdict: decideVerdict(ran) };
}
