// One test file's launch, from boot to FileResult, through the states of job-life.ts. A launch may boot before the
// file's turn (node and the preload start, the test file waits), so the next GPU file is ready the moment its GPU
// frees; the run loop calls `start` when the turn comes.

import { formatGuardCurve } from '../../measure/guard-figures.js';
import { type GuardVerdict } from '../../measure/memory-guard.js';
import type { Job } from '../../results/job.js';
import type { FileResult } from '../../results/run-result.js';
import { REPEAT_ENV } from '../child/repeat-tests.js';
import { leakCheckFailures } from './leak-failures.js';
import { findLeftovers, gpuLoadOf } from './file-leftovers.js';
import { jobGpus } from './job-gpus.js';
import { createJobLife, type JobState, type LaunchContext } from './job-life.js';
import { recheckLeaks } from './leak-recheck.js';
import { runProcess } from './run-process.js';

export type { LaunchContext } from './job-life.js';

/** A booting or running test file, as the run loop, the hooks and the memory guard see it. */
export interface LaunchedJob {
  readonly job: Job;
  /** Where it is in its life. */
  state(): JobState;
  /** The file's turn has come: run it on `gpuIndices` (physical indices; none in the cpu lane). */
  start(gpuIndices: readonly number[]): void;
  /** Stops a launch whose turn never came (its file turned out to be skipped, or the run ended). */
  cancel(): void;
  /** The test process while its file runs (its turn came, it has not exited): its pid and GPUs; null otherwise. */
  runningProcess(): { readonly pid: number; readonly gpuIndices: readonly number[] } | null;
  /** Kills the running process tree at once (SIGKILL), as the memory guard decided; the file fails with its figure. */
  stopByGuard(verdict: GuardVerdict): void;
  /** Its result; for a cancelled launch, resolves once the process is gone (the result is then meaningless). */
  readonly done: Promise<FileResult>;
  /**
   * Resolves once its first test has begun (node, the preload and the file's imports are done), it has ended, or
   * UNDERWAY_AFTER_MS after its turn came (a long `before` hook: a model load, past start-up).
   */
  readonly underway: Promise<void>;
}

/** When a file that has not begun a test yet counts as past its start-up anyway: node boots in well under this. */
const UNDERWAY_AFTER_MS = 2000;

/** The environment the file's turn adds: its cards by UUID (indices differ between CUDA's and nvidia-smi's order). */
function turnEnvOf(job: Job, gpuIndices: readonly number[], context: LaunchContext): Record<string, string> {
  if (job.lane !== 'gpu') return {};
  const known = context.gpuState().gpu?.gpus ?? [];
  return { CUDA_VISIBLE_DEVICES: gpuIndices.map((index) => known.find((g) => g.index === index)?.uuid ?? String(index)).join(',') };
}

/** Boots the process of `job` now; it runs its tests once `start` is called. `index` names its result files. */
export function launchJob(job: Job, index: number, context: LaunchContext): LaunchedJob {
  const life = createJobLife(job, context);
  const gpus = jobGpus(life);
  let markUnderway: () => void = () => {};
  const underway = new Promise<void>((resolve) => (markUnderway = resolve));

  const done = (async (): Promise<FileResult> => {
    // booting, then running once `start` is called.
    const extraEnv: Record<string, string> = job.repeat > 1 ? { [REPEAT_ENV]: String(job.repeat) } : {};
    const first = await runProcess(life, gpus, { index, attempt: 1, startWhen: life.turn, extraEnv, live: true, onBoundary: markUnderway });
    // A launch cancelled before its turn ran no test: it left nothing and has nothing to fit.
    const ran = life.turnEnv !== null;
    life.enter('settling');
    const residue = ran ? await findLeftovers(life, gpus, first) : null;
    life.enter('rechecking');
    const calls = ran && job.repeat > 1 ? await recheckLeaks(life, gpus, first, index) : { leaks: [], orphans: [] };
    life.enter('done');
    const leakTests = leakCheckFailures(job, calls.leaks, context.config.leaks);
    const { collected, spawned } = first;
    return {
      job, status: leakTests.length > 0 && collected.status === 'passed' ? 'failed' : collected.status, skipReason: null,
      error: collected.error, outcome: spawned.outcome, startedAt: spawned.startedAt, endedAt: spawned.endedAt, lane: job.lane,
      gpuIndices: life.gpuIndices ?? [], tests: [...collected.tests, ...leakTests], leaks: calls.leaks,
      residue: residue && { ...residue, orphans: [...residue.orphans, ...calls.orphans] }, gpuLoad: gpuLoadOf(life, gpus, first),
      stdout: spawned.stdout, stderr: spawned.stderr,
    };
  })();
  done.then(markUnderway, markUnderway);

  return {
    job, done, underway,
    state: () => life.state,
    start(indices) {
      life.begin(indices, turnEnvOf(job, indices, context));
      setTimeout(markUnderway, UNDERWAY_AFTER_MS).unref();
    },
    cancel: () => life.stop(),
    runningProcess: () => (life.livePid === null ? null : { pid: life.livePid, gpuIndices: life.gpuIndices ?? [] }),
    stopByGuard(verdict) {
      life.stopForGuard({ resource: verdict.resource, gpuIndex: verdict.gpuIndex ?? null, figure: verdict.figure, curve: formatGuardCurve(verdict.curve) });
    },
  };
}
