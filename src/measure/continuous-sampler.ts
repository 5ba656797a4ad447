// Samples every GPU's used VRAM, host RAM used and swap used at a fixed interval into a bounded timeline, so a test
// whose memory rises and falls between its two boundary samples (a model load that peaks at 20 GB and settles at
// 10, a 300 ms spike) still shows its peak. Never throws: a failed read is a gap in the timeline and one warning.

import { DEFAULT_SAMPLE_INTERVAL_MS } from '../config/defaults.js';
import { describeError } from '../errors.js';
import { readHostMemory } from '../probe/meminfo.js';
import type { GpuReader, HostMemory } from '../probe/types.js';
import { createSampleTimeline, type SampleTimeline } from './sample-timeline.js';

/** A timeline series: `gpu<index>` (used VRAM of that physical GPU), `hostUsed` or `swapUsed`, all in bytes. */
export type SampleSeries = `gpu${number}` | 'hostUsed' | 'swapUsed';

/** At 50 ms, 4000 points keep the last 100 s raw and the rest of the run as buckets that keep their maxima. */
export const SAMPLE_TIMELINE_POINTS = 4000;

/** What startContinuousSampler needs; `gpuIndices` are the GPUs to sample (none: host memory only). */
export interface ContinuousSamplerOptions {
  readonly gpuReader: GpuReader;
  readonly gpuIndices?: readonly number[];
  readonly intervalMs?: number;
  /** Epoch milliseconds; the same clock as the boundary samples' `at`. */
  readonly now?: () => number;
  /** Host memory now, or null where it cannot be read (off Linux); default: /proc/meminfo. */
  readonly readHost?: () => HostMemory | null;
}

/** A running sampler; reports read its timeline, run-plan stops it when the run ends. */
export interface ContinuousSampler {
  readonly intervalMs: number;
  /** The series it samples: one per GPU it was given, then `hostUsed` and `swapUsed`. */
  readonly series: readonly SampleSeries[];
  readonly timeline: SampleTimeline<SampleSeries>;
  /** Each distinct failure once, as a sentence: the reports list them, the run goes on. */
  warnings(): readonly string[];
  /** Takes one sample now, unless one is in flight; resolves when it is stored. Ticks call it; tests may too. */
  sampleNow(): Promise<void>;
  /** Stops the timer; a read in flight still lands in the timeline. Idempotent. */
  stop(): void;
}

/** The series name of physical GPU `index`. */
export function gpuSeries(index: number): SampleSeries {
  return `gpu${index}`;
}

/** Starts sampling at once and then every `intervalMs`, on an unref'd timer that never keeps the process alive. */
export function startContinuousSampler(options: ContinuousSamplerOptions): ContinuousSampler {
  const intervalMs = options.intervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
  if (!Number.isInteger(intervalMs) || intervalMs <= 0) {
    throw new RangeError(`startContinuousSampler: \`intervalMs\` must be a positive whole number, got \`${String(intervalMs)}\``);
  }
  const now = options.now ?? Date.now;
  const readHost = options.readHost ?? readHostMemory;
  const { gpuReader } = options;
  const gpuIndices = gpuReader.backend === 'none' ? [] : [...(options.gpuIndices ?? [])];
  const series: readonly SampleSeries[] = [...gpuIndices.map(gpuSeries), 'hostUsed', 'swapUsed'];
  const timeline = createSampleTimeline<SampleSeries>({
    series,
    maxPoints: SAMPLE_TIMELINE_POINTS,
  });
  const warnings = new Set<string>();
  let inFlight: Promise<void> | null = null;
  let stopped = false;

  const readGpus = async (): Promise<Map<number, number | null>> => {
    const used = new Map<number, number | null>();
    if (gpuIndices.length === 0) return used;
    try {
      for (const gpu of await gpuReader.readMemory()) used.set(gpu.index, gpu.usedBytes);
    } catch (error) {
      warnings.add(`continuous VRAM sampling: ${describeError(error)}; per-test VRAM peaks fall back to the boundary samples`);
    }
    return used;
  };

  const readHostOrNull = (): HostMemory | null => {
    try {
      return readHost();
    } catch (error) {
      warnings.add(`continuous RAM sampling: ${describeError(error)}; per-test RAM peaks fall back to the boundary samples`);
      return null;
    }
  };
  const store = (at: number, host: HostMemory | null, gpus: ReadonlyMap<number, number | null>): void => {
    const values: Partial<Record<SampleSeries, number | null>> = { hostUsed: host?.usedBytes ?? null, swapUsed: host?.swapUsedBytes ?? null };
    for (const index of gpuIndices) values[gpuSeries(index)] = gpus.get(index) ?? null;
    timeline.add({ at, values: values as Record<SampleSeries, number | null> });
  };
  const takeSample = async (): Promise<void> => {
    const at = now();
    const host = readHostOrNull();
    store(at, host, await readGpus());
  };

  const sampleNow = (): Promise<void> => {
    // A read slower than the interval (a stream that has not printed yet) skips ticks rather than piling them up.
    inFlight ??= takeSample().catch((error: unknown) => {
      warnings.add(`continuous sampling: ${describeError(error)}`);
    }).finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  // A stream pushes its readings: each is stored at its own arrival time with the host read then, so a spike the
  // stream saw is placed where it happened; polling would stamp a reading up to one interval old with "now".
  const unsubscribe = gpuIndices.length > 0 && gpuReader.subscribe
    ? gpuReader.subscribe((at, gpus) => {
      if (stopped) return;
      store(at, readHostOrNull(), new Map(gpus.map((gpu) => [gpu.index, gpu.usedBytes])));
    })
    : null;
  const timer = setInterval(() => {
    if (!stopped && inFlight === null) void sampleNow();
  }, intervalMs);
  timer.unref();
  if (unsubscribe) clearInterval(timer);
  else void sampleNow();

  return {
    intervalMs,
    series,
    timeline,
    warnings: () => [...warnings],
    sampleNow,
    stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe?.();
    },
  };
}
