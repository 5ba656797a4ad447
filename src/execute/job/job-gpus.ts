// A launch's view of its GPUs: the run's reader, the cards the file was given, a fresh reading of them, and the wait
// for their VRAM to settle after a test (or the file) changed it.

import { SETTLE_TOLERANCE_BYTES, settleVram } from '../../measure/settle-vram.js';
import { NO_GPU_READER } from '../../probe/gpu-presence.js';
import type { GpuReader } from '../../probe/types.js';
import type { GpuMemory } from '../../results/machine.js';
import type { JobLife } from './job-life.js';

/** The GPU side of one launch. */
export interface JobGpus {
  /** The run's reader (none before the GPUs are known). */
  reader(): GpuReader;
  /** The cards the file runs on; null off the gpu lane (VRAM is not measured for cpu-lane files). */
  lane(): readonly number[] | null;
  /** A reading of the file's cards taken now; null off the gpu lane or when it cannot be read. */
  readLane(): Promise<readonly GpuMemory[] | null>;
  /** Starting from `first`, the reading once two agree (bounded by --settle-timeout, cut short by an interrupt). */
  settle(first: readonly GpuMemory[] | null, beforeBytes: number | null): Promise<readonly GpuMemory[] | null>;
}

/** The GPUs of `life`'s launch. */
export function jobGpus(life: JobLife): JobGpus {
  const { job, context } = life;
  const { config } = context;
  const reader = (): GpuReader => context.gpuState().gpuReader ?? NO_GPU_READER;
  const lane = (): readonly number[] | null => (job.lane === 'gpu' ? life.gpuIndices : null);
  const readLane = async (): Promise<readonly GpuMemory[] | null> => {
    const indices = lane();
    if (!indices || indices.length === 0) return null;
    try {
      return (await reader().readMemory({ takenAfter: Date.now() })).filter((gpu) => indices.includes(gpu.index));
    } catch {
      return null;
    }
  };
  // On a card shared by budget, the card's readings move with the neighbours' loads: waiting for them to agree would
  // only wait on other files. The file's own processes are waited for at its end instead (waitForTeardown).
  const settleTimeoutMs = job.needs.vram === null ? config.settleTimeoutMs : 0;
  return {
    reader, lane, readLane,
    settle: async (first, beforeBytes) => (await settleVram(readLane, first, beforeBytes, {
      timeoutMs: settleTimeoutMs, pollMs: Math.min(config.sampleIntervalMs, 50), toleranceBytes: SETTLE_TOLERANCE_BYTES,
      // An interrupted run stops waiting: the reading it has is reported.
      signal: life.stopping,
    })).gpus,
  };
}
