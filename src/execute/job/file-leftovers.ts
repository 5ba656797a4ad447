// The settling state: once a file's process has exited, waits (bounded) for the driver to hand its VRAM back, then
// finds what it left behind: VRAM still held against what the file started with, and processes of its own still
// running (named, or killed with --kill-orphans and whenever the run was interrupted). Also how the file loaded its
// cards over its run.

import { sampledPeak, gpuSeries } from '../../measure/continuous-sampler.js';
import { isRunning } from '../../probe/process-tree.js';
import { findTaggedProcesses } from '../../probe/tagged-processes.js';
import type { FileResidue, GpuLoad } from '../../results/run-result.js';
import { totalVramUsed } from '../../results/window-deltas.js';
import { JOB_TAG_ENV } from '../child/protocol.js';
import { findResidue, readOccupancy } from './file-residue.js';
import type { JobGpus } from './job-gpus.js';
import type { JobLife } from './job-life.js';
import type { ProcessRun } from './run-process.js';

/** The longest wait for a finished file's VRAM to be handed back by the driver. */
const TEARDOWN_WAIT_MS = 10_000;

/**
 * A process that exited (or was killed) keeps its VRAM until the driver has torn its CUDA context down, which takes
 * up to seconds for tens of GiB: until then the card looks full to the next file, and the residue looks like a
 * leak. Waits (bounded) until no process of the file that has exited is still listed on its cards.
 */
async function waitForTeardown(life: JobLife, gpus: JobGpus, run: ProcessRun): Promise<void> {
  const reader = gpus.reader();
  const indices = gpus.lane() ?? [];
  // An interrupted run does not wait for the driver: the reports must be written now.
  if (indices.length === 0 || !reader.readProcesses || life.stopping.aborted) return;
  const { config } = life.context;
  const deadline = Date.now() + Math.max(config.settleTimeoutMs, TEARDOWN_WAIT_MS);
  while (Date.now() < deadline) {
    let listed: readonly { pid: number; gpuIndex: number }[];
    try {
      listed = await reader.readProcesses();
    } catch {
      return;
    }
    const tearingDown = listed.some((p) => indices.includes(p.gpuIndex) && run.seenPids.has(p.pid) && !isRunning(p.pid));
    if (!tearingDown) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(config.sampleIntervalMs, 100)));
  }
}

/** What a process of the file left: VRAM once it settled after the process exited, and its processes still running. */
export async function findLeftovers(life: JobLife, gpus: JobGpus, run: ProcessRun): Promise<FileResidue> {
  const { job, context } = life;
  const indices = gpus.lane() ?? [];
  await waitForTeardown(life, gpus, run);
  // Back where the file started: nothing is still being handed back, so no wait.
  const afterGpus = indices.length > 0 ? await gpus.settle(await gpus.readLane(), totalVramUsed(run.before.gpus)) : null;
  const after = await readOccupancy(gpus.reader(), indices, (message) => life.warn(message));
  return findResidue({
    before: run.before,
    after: { gpus: afterGpus ?? after.gpus, processes: after.processes },
    seenPids: run.seenPids,
    tagged: findTaggedProcesses(JOB_TAG_ENV, run.tag),
    // Only an undeclared job, one per card, has its cards to itself; declared jobs share cards by budget.
    gpusExclusive: context.config.gpuConcurrency === 1 && job.needs.vram === null,
    // An interrupted run leaves nothing running behind it.
    killOrphans: context.config.killOrphans || life.stopping.aborted,
  });
}

/**
 * How the file loaded its cards: on a card it had to itself, the card's peak during the file above its use at the
 * file's start (spikes included); on a card shared by budget, the most its own processes held.
 */
export function gpuLoadOf(life: JobLife, gpus: JobGpus, run: ProcessRun): GpuLoad[] {
  const { sampler } = life.context.gpuState();
  const { startedAt, endedAt } = run.spawned;
  return (gpus.lane() ?? []).map((index) => {
    const own = run.ownPeaks.get(index);
    if (own !== undefined) return { gpuIndex: index, peakAboveStartBytes: own };
    const start = run.before.gpus?.find((gpu) => gpu.index === index)?.usedBytes ?? null;
    const peak = sampledPeak(sampler, gpuSeries(index), startedAt, endedAt);
    return { gpuIndex: index, peakAboveStartBytes: peak === null || start === null ? null : Math.max(0, peak - start) };
  });
}
