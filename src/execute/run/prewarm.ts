// The next gpu-lane files, booted while the GPUs are busy (or while they are still being listed), so their node start
// does not wait on the lane: a test file itself loads only when its turn comes. As many as run on the GPUs now (at
// least one, at most PREWARM_LIMIT), so a whole next wave of shared cards is ready at once. Not while a started GPU
// file is still booting: on a small machine the next wave's boots would take the CPU from the files whose turn it is
// (on 2 cores, four running files began their tests ~400 ms later).
// In the cpu lane, one file: the next to start once every cpu slot is taken, so that a file ending hands its slot to a
// process already past its node start (files that wait on a server: 0.87x of `node --test` on 16 cores, ~1.08x before;
// bench/README.md).

import type { Job } from '../../results/job.js';
import type { LaunchedJob } from '../job/launch-job.js';

/** Most gpu-lane files booted ahead of their turn: each is an idle node process until then. */
const PREWARM_LIMIT = 4;

/** The files booted ahead of their turn, and the GPU files still booting after theirs came. */
export interface Prewarmer {
  /** Boots the next GPU candidates ahead of their turn, when no started GPU file is still booting. */
  boot(candidates: readonly Job[], gpuFilesRunning: number, planKnown: boolean): void;
  /** Boots the next cpu-lane file of `waiting` ahead of its turn, unless one is booted ahead already. */
  bootNextCpu(waiting: readonly Job[]): void;
  /** The launch already booted for `job`, handed over (and forgotten here); undefined when none was. */
  take(job: Job): LaunchedJob | undefined;
  /** A GPU file whose turn came: until it is underway, no next wave boots. */
  noteStarted(launch: LaunchedJob): void;
  /** Resolves when one of the started GPU files gets underway; null when none is booting. */
  bootEnd(): Promise<{ readonly booted: true }> | null;
  /** Stops (and waits for) the booted launches whose job `keep` rejects. */
  cancel(keep: (job: Job) => boolean): Promise<void>;
}

/**
 * The cpu-lane file that starts next, in queue order; none past an `exclusive` file, which runs alone on the host and
 * holds back everything behind it.
 */
export function nextCpuFile(waiting: readonly Job[]): Job | undefined {
  for (const job of waiting) {
    if (job.needs.exclusive) return undefined;
    if (job.lane === 'cpu') return job;
  }
  return undefined;
}

/** A prewarmer that boots launches through `launch`. */
export function createPrewarmer(launch: (job: Job) => LaunchedJob): Prewarmer {
  let prewarmed: LaunchedJob[] = [];
  const booting = new Set<LaunchedJob>();
  let bootEnded: Promise<{ readonly booted: true }> | null = null;
  return {
    boot(candidates, gpuFilesRunning, planKnown) {
      if (planKnown && booting.size > 0) return;
      const want = Math.min(PREWARM_LIMIT, Math.max(1, gpuFilesRunning));
      for (const job of candidates) {
        if (prewarmed.filter((p) => p.job.lane === 'gpu').length >= want) break;
        if (job.lane === 'gpu' && !prewarmed.some((p) => p.job.id === job.id)) prewarmed.push(launch(job));
      }
    },
    bootNextCpu(waiting) {
      if (prewarmed.some((p) => p.job.lane === 'cpu')) return;
      const next = nextCpuFile(waiting);
      if (next) prewarmed.push(launch(next));
    },
    take(job) {
      // By id: the plan made once the GPUs are known has its own copies of the jobs booted before.
      const warm = prewarmed.find((p) => p.job.id === job.id);
      prewarmed = prewarmed.filter((p) => p !== warm);
      return warm;
    },
    noteStarted(started) {
      if (started.job.lane !== 'gpu') return;
      booting.add(started);
      void started.underway.then(() => booting.delete(started));
    },
    bootEnd() {
      if (booting.size === 0) return null;
      bootEnded ??= Promise.race([...booting].map((l) => l.underway)).then(() => {
        bootEnded = null;
        return { booted: true } as const;
      });
      return bootEnded;
    },
    async cancel(keep) {
      const dropped = prewarmed.filter((p) => !keep(p.job));
      prewarmed = prewarmed.filter((p) => keep(p.job));
      for (const p of dropped) p.cancel();
      await Promise.all(dropped.map((p) => p.done));
    },
  };
}
