// What the scheduler may hand out on this host: cpu slots, the usable GPUs with the VRAM declared jobs may take on
// each, and host RAM, built from the config, the GPU inventory and one VRAM reading taken before any test.

import type { ResolvedConfig } from '../config/types.js';
import { readHostMemory } from '../probe/meminfo.js';
import type { GpuReader } from '../probe/types.js';
import type { GpuInventory } from '../results/machine.js';
import { buildCapacity, type HostCapacity } from '../schedule/capacity.js';

/** Each card's used VRAM before any test, for the VRAM budgets of declared jobs; empty when it cannot be read. */
export async function usedBeforeRun(reader: GpuReader): Promise<Map<number, number | null>> {
  try {
    return new Map((await reader.readMemory()).map((gpu) => [gpu.index, gpu.usedBytes]));
  } catch {
    return new Map();
  }
}

/** The capacity of this run on `gpu`; without /proc/meminfo, RAM needs are not enforced. */
export function hostCapacity(config: ResolvedConfig, gpu: GpuInventory, usedBefore: ReadonlyMap<number, number | null>): HostCapacity {
  let host = null;
  try {
    host = readHostMemory();
  } catch {
    // Off Linux or unreadable: RAM needs are then not enforced.
  }
  return buildCapacity({
    cpuSlots: config.concurrency, gpuConcurrency: config.gpuConcurrency, admission: config.admission,
    gpus: gpu.available ? gpu.gpus : [], usedBefore, host,
  });
}
