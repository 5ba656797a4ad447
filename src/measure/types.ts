// Measurements around tests: one sample at each boundary, a window per test with the peaks sampled within it.

import type { GpuMemory, HostMemory } from '../probe/types.js';

/** What the harness read at one test boundary. Each part is null when it could not be read, with `errors` saying why. */
export interface MemorySample {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly host: HostMemory | null;
  /** RSS of the test's whole process tree, bytes. */
  readonly processRssBytes: number | null;
  /** GPUs the job was given (all of them for the cpu lane is not measured: null). */
  readonly gpus: readonly GpuMemory[] | null;
  readonly errors: readonly string[];
}

/** The highest figures seen during one test, in bytes: continuous samples and both boundary samples; null where unknown. */
export interface WindowPeak {
  /** Summed over the GPU(s) the job was given; null for cpu-lane tests. */
  readonly vramBytes: number | null;
  readonly hostUsedBytes: number | null;
  readonly swapUsedBytes: number | null;
}

/** Before and after one test, and its peaks; `peak` null when the test never ended (its process died in it). */
export interface TestWindow {
  readonly before: MemorySample;
  readonly after: MemorySample | null;
  readonly peak: WindowPeak | null;
}

/** The deltas a report shows for one test, in bytes; null where either side is unknown. */
export interface WindowDeltas {
  readonly vramBeforeBytes: number | null;
  readonly vramAfterBytes: number | null;
  readonly vramDeltaBytes: number | null;
  readonly vramPeakBytes: number | null;
  readonly rssBeforeBytes: number | null;
  readonly rssAfterBytes: number | null;
  readonly rssDeltaBytes: number | null;
  readonly hostUsedBeforeBytes: number | null;
  readonly hostUsedAfterBytes: number | null;
  readonly hostUsedDeltaBytes: number | null;
  readonly hostUsedPeakBytes: number | null;
  readonly swapDeltaBytes: number | null;
}
