// What the scheduler may hand out: cpu slots, the usable GPUs with the VRAM declared jobs may take on each, and the
// host RAM declared jobs may take. Built once a run, from the inventory and one reading taken before any test.

import { sizeInBytes, type SizeSpec } from '../units/size.js';
import type { Admission } from '../config/types.js';
import type { GpuInfo, HostMemory } from '../results/machine.js';

/** One usable card. */
export interface CardCapacity {
  readonly index: number;
  readonly uuid: string;
  readonly totalBytes: number | null;
  /** VRAM declared jobs may take together: total, less what was in use before the run, less the headroom. */
  readonly budgetBytes: number | null;
}

/** Everything pickStarts needs to know about the host. */
export interface HostCapacity {
  readonly cpuSlots: number;
  /** Undeclared gpu-lane jobs at once on one card. */
  readonly gpuConcurrency: number;
  readonly gpus: readonly CardCapacity[];
  /** Host RAM declared jobs may take together: available before the run, less the reserve; null where unknown. */
  readonly ramBytes: number | null;
  /** For `ram: 40%`: the host's total RAM. */
  readonly hostTotalBytes: number | null;
}

/** The capacity of this run: `usedBefore` is each card's used VRAM read before any test started. */
export function buildCapacity(options: {
  readonly cpuSlots: number;
  readonly gpuConcurrency: number;
  readonly admission: Admission;
  readonly gpus: readonly GpuInfo[];
  readonly usedBefore: ReadonlyMap<number, number | null>;
  readonly host: HostMemory | null;
}): HostCapacity {
  const { admission, host } = options;
  const gpus = options.gpus.map((gpu): CardCapacity => {
    const headroom = sizeInBytes(admission.vramHeadroom, gpu.totalBytes);
    const used = options.usedBefore.get(gpu.index) ?? 0;
    const budgetBytes = gpu.totalBytes === null || headroom === null ? null : Math.max(0, gpu.totalBytes - (used ?? 0) - headroom);
    return { index: gpu.index, uuid: gpu.uuid, totalBytes: gpu.totalBytes, budgetBytes };
  });
  const reserve = host ? sizeInBytes(admission.ramReserve, host.totalBytes) : null;
  return {
    cpuSlots: options.cpuSlots,
    gpuConcurrency: options.gpuConcurrency,
    gpus,
    ramBytes: host && reserve !== null ? Math.max(0, host.availableBytes - reserve) : null,
    hostTotalBytes: host?.totalBytes ?? null,
  };
}
