// The scheduler's core: which waiting jobs may start now, given free slots in the cpu lane and on each GPU.
// Pure functions over plain data, so every policy is tested without processes or clocks.

import type { Job } from '../plan/types.js';

/** Free slots: `cpu` for the cpu lane, one count per GPU index for the gpu lane. */
export interface Slots {
  readonly cpu: number;
  readonly gpus: ReadonlyMap<number, number>;
}

/** A job cleared to start, with the GPU it was given (null in the cpu lane). */
export interface Start {
  readonly job: Job;
  readonly gpuIndex: number | null;
}

/** The slots of an idle host: `cpuConcurrency` cpu slots and `gpuConcurrency` slots on each GPU. */
export function createSlots(cpuConcurrency: number, gpuIndices: readonly number[], gpuConcurrency: number): Slots {
  return { cpu: cpuConcurrency, gpus: new Map(gpuIndices.map((index) => [index, gpuConcurrency])) };
}

/** The GPU with the most free slots (lowest index on ties), or null when every GPU is full. */
function freestGpu(gpus: ReadonlyMap<number, number>): number | null {
  let best: number | null = null;
  let bestFree = 0;
  for (const [index, free] of gpus) {
    if (free > bestFree || (free === bestFree && free > 0 && best !== null && index < best)) {
      best = index;
      bestFree = free;
    }
  }
  return best;
}

/**
 * Starts as many waiting jobs as the slots allow, in the order given; a full lane never holds back the other.
 * Returns the starts and the slots left.
 */
export function pickStarts(waiting: readonly Job[], slots: Slots): { starts: Start[]; slots: Slots } {
  let cpu = slots.cpu;
  const gpus = new Map(slots.gpus);
  const starts: Start[] = [];
  for (const job of waiting) {
    if (job.lane === 'cpu') {
      if (cpu === 0) continue;
      cpu -= 1;
      starts.push({ job, gpuIndex: null });
    } else {
      const gpu = freestGpu(gpus);
      if (gpu === null) continue;
      gpus.set(gpu, (gpus.get(gpu) ?? 0) - 1);
      starts.push({ job, gpuIndex: gpu });
    }
  }
  return { starts, slots: { cpu, gpus } };
}

/** The slots after `start`'s job has finished. */
export function releaseSlot(slots: Slots, start: Start): Slots {
  if (start.gpuIndex === null) return { cpu: slots.cpu + 1, gpus: slots.gpus };
  const gpus = new Map(slots.gpus);
  gpus.set(start.gpuIndex, (gpus.get(start.gpuIndex) ?? 0) + 1);
  return { cpu: slots.cpu, gpus };
}
