// The signs of memory pressure around each file's run, for --retry-alone: the kernel's OOM counters and PSI are read
// when a file starts (three small files) and again only when it failed in a way memory could explain; the guard's
// stops and the sampler's peaks are what the run recorded anyway.

import { gpuSeries, sampledPeak, type ContinuousSampler } from '../../measure/continuous-sampler.js';
import type { GuardVerdict } from '../../measure/memory-guard.js';
import { findMemorySigns } from '../../measure/memory-signs.js';
import { readOomCounters, type OomCounters, type OomCounterSource } from '../../probe/oom-counters.js';
import type { MemorySign } from '../../results/memory-evidence.js';
import type { FileResult } from '../../results/run-result.js';
import type { Placement } from '../../schedule/admission.js';

/** What the witness reads of the run. */
export interface MemoryWitnessOptions {
  readonly source: OomCounterSource;
  readonly sampler: () => ContinuousSampler | null;
  /** The memory guard's stops so far. */
  readonly guardStops: () => readonly GuardVerdict[];
  readonly hostTotalBytes: number | null;
  readonly cgroupLimitBytes: number | null;
  readonly gpuTotalBytes: (index: number) => number | null;
  /** Test seam: the counters now. */
  readonly readCounters?: (source: OomCounterSource) => OomCounters;
}

/** Per-file signs of memory pressure. */
export interface MemoryWitness {
  /** A file's process is about to start: its counters now. */
  fileStarts(jobId: string): void;
  /** The signs around `result`'s run; reads the counters once more. */
  signsFor(start: Placement, result: FileResult): MemorySign[];
}

export function createMemoryWitness(options: MemoryWitnessOptions): MemoryWitness {
  const read = options.readCounters ?? readOomCounters;
  const atStart = new Map<string, OomCounters>();
  return {
    fileStarts(jobId) {
      atStart.set(jobId, read(options.source));
    },
    signsFor(start, result) {
      const before = atStart.get(start.job.id) ?? null;
      atStart.delete(start.job.id);
      const startedAt = result.startedAt ?? result.endedAt ?? Date.now();
      const endedAt = result.endedAt ?? Date.now();
      const sampler = options.sampler();
      const peak = (series: Parameters<typeof sampledPeak>[1]): number | null => sampledPeak(sampler, series, startedAt, endedAt);
      return findMemorySigns({
        startedAt, endedAt, before, after: read(options.source),
        guardStops: options.guardStops().filter((stop) => stop.jobId !== start.job.id && stop.at >= startedAt && stop.at <= endedAt),
        hostRam: { usedBytes: peak('hostUsed'), totalBytes: options.hostTotalBytes },
        cgroup: { usedBytes: peak('cgroupUsed'), totalBytes: options.cgroupLimitBytes },
        cards: start.gpuIndices.map((index) => ({ index, usedBytes: peak(gpuSeries(index)), totalBytes: options.gpuTotalBytes(index) })),
      });
    },
  };
}
