// The machine a run ran on, as the reports show it: host memory, the GPUs and their memory at one moment.

/** Host memory from /proc/meminfo, in bytes. */
export interface HostMemory {
  readonly totalBytes: number;
  readonly usedBytes: number;
  readonly availableBytes: number;
  readonly swapTotalBytes: number;
  readonly swapUsedBytes: number;
}

/** One GPU's memory at one moment. A field is null when the driver printed `[N/A]` or similar. */
export interface GpuMemory {
  readonly index: number;
  readonly uuid: string;
  readonly usedBytes: number | null;
  readonly totalBytes: number | null;
}

/** One GPU as listed once a run for the report header. */
export interface GpuInfo {
  readonly index: number;
  readonly uuid: string;
  readonly name: string;
  readonly totalBytes: number | null;
}

/** The GPUs of this host, or why there are none usable. */
export interface GpuInventory {
  readonly available: boolean;
  /** Why no GPU is usable (nvidia-smi missing, failing, no device): null when `available`. */
  readonly reason: string | null;
  readonly driverVersion: string | null;
  readonly cudaVersion: string | null;
  readonly gpus: readonly GpuInfo[];
  /** Non-fatal oddities seen while reading (`[N/A]` fields and the like), each a full sentence. */
  readonly warnings: readonly string[];
}

/** Facts about the host for the report header. */
export interface HostInfo {
  readonly hostname: string;
  readonly platform: string;
  readonly cpus: number;
  readonly nodeVersion: string;
  readonly memory: HostMemory | null;
}
