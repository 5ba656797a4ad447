// Lists the GPUs once a run. Through NVML where libnvidia-ml loads: the session that lists them then reads VRAM, and
// no nvidia-smi runs before the first GPU file can start (`nvidia-smi -q -x` takes 117-128 ms on an idle H100, seconds
// on hosts with many GPUs). Else through node-nvidia-smi, whose failures also say best why no GPU is usable.

import type { GpuBackendName } from '../config/types.js';
import type { GpuInventoryOptions } from './gpu-inventory.js';
import type { NvmlOptions, NvmlSession, NvmlUnavailable } from './nvml.js';
import type { GpuInventory } from '../results/machine.js';

/** The GPUs, and the NVML session that listed them or why NVML could not be used. */
export interface FoundGpus {
  readonly inventory: GpuInventory;
  /** Null when NVML was not tried: the backend named was `nvidia-smi` or `none`. */
  readonly nvml: NvmlSession | NvmlUnavailable | null;
}

/** Options of findGpus. */
export interface FindGpusOptions extends Pick<GpuInventoryOptions, 'smiPath' | 'signal'> {
  readonly backend: GpuBackendName;
  /** A figure the driver will not give, once per sentence. */
  readonly onWarning?: (message: string) => void;
  /** Opens NVML; tests pass a stand-in. Default: openNvml. */
  readonly openNvml?: (options: NvmlOptions) => NvmlSession | NvmlUnavailable;
}

/** Never throws: where no GPU is usable, `inventory.available` is false and its reason says why. */
export async function findGpus(options: FindGpusOptions): Promise<FoundGpus> {
  let nvml: NvmlSession | NvmlUnavailable | null = null;
  if (options.backend === 'auto' || options.backend === 'nvml') {
    // Loaded here, not at start: NVML's bindings (koffi) are the heaviest import, needed only on a GPU host.
    const open = options.openNvml ?? (await import('./nvml.js')).openNvml;
    nvml = open({ onWarning: options.onWarning });
    if (nvml.available) {
      const { driverVersion, cudaVersion, gpus } = nvml;
      return { inventory: { available: true, reason: null, driverVersion, cudaVersion, gpus, warnings: [] }, nvml };
    }
  }
  // Loaded only here: node-nvidia-smi brings xml2js, which a host read through NVML never needs.
  const { readGpuInventory } = await import('./gpu-inventory.js');
  return { inventory: await readGpuInventory({ smiPath: options.smiPath, signal: options.signal }), nvml };
}
