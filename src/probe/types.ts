// What the probes read off the machine: host memory and GPUs.

import type { GpuMemory } from '../results/machine.js';

/** Reads GPU memory at a test boundary. */
export interface GpuReader {
  readonly backend: 'nvidia-smi' | 'nvidia-smi-stream' | 'nvml' | 'none';
  /** The libnvidia-ml it opened (NVML only): test processes open the same one to read their own cards. */
  readonly nvmlLibrary?: string;
  /**
   * Memory of every visible GPU; rejects with a GpuTestError (code GPU_READ) that says what went wrong.
   * With `takenAfter` (epoch ms), the reading is one taken after that moment: a test's "after" must not be stale.
   */
  readMemory(options?: { readonly takenAfter?: number }): Promise<readonly GpuMemory[]>;
  /**
   * The compute processes holding VRAM on every visible GPU. Optional: a reader without it cannot name orphans.
   * Inside a container the list is usually empty (the driver shows no PIDs from other namespaces).
   */
  readProcesses?(): Promise<readonly GpuProcess[]>;
  /**
   * For a reader that produces readings on its own (the nvidia-smi stream): calls `listener` with each one as it
   * arrives, stamped with its arrival time; returns the unsubscribe. Samplers use it instead of polling, so every
   * reading lands in the timeline at its own time rather than at the time of the next poll.
   */
  subscribe?(listener: (at: number, gpus: readonly GpuMemory[]) => void): () => void;
  /**
   * Load, heat and power of every visible GPU, read on the spot. Optional: only NVML has it (nvidia-smi's stream
   * carries memory only), and a reader without it leaves the `gpuUtilMin`, `tempMax` and `powerMax` budgets unchecked.
   * Rejects with a GpuTestError (code GPU_READ) like readMemory; a figure a GPU does not report is null.
   */
  readHealth?(): Promise<readonly GpuHealth[]>;
  /** Stops whatever the reader keeps running (a streaming nvidia-smi). */
  close?(): void;
}

/** One GPU's load, heat and power at one moment; a field is null when the GPU does not report it. */
export interface GpuHealth {
  readonly index: number;
  /** Percent of the last sample period (1/6 s to 1 s, by product) in which a kernel ran. */
  readonly utilizationPercent: number | null;
  readonly temperatureC: number | null;
  readonly powerWatts: number | null;
}

/** One process holding VRAM on one GPU. */
export interface GpuProcess {
  readonly gpuIndex: number;
  readonly pid: number;
  /** null where the driver hides per-process figures. */
  readonly usedBytes: number | null;
}

