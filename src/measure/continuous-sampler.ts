// Samples every GPU's used VRAM, host RAM used, swap used and, in a memory-limited cgroup, that cgroup's working set
// at a fixed interval into a bounded timeline, so a test
// whose memory rises and falls between its two boundary samples (a model load that peaks at 20 GB and settles at
// 10, a 300 ms spike) still shows its peak. Where the reader has `readHealth` (NVML), each GPU's utilization,
// temperature and power are sampled too, for the `gpuUtilMin`, `tempMax` and `powerMax` budgets. Never throws: a
// failed read is a gap in the timeline and one warning.

import { DEFAULT_SAMPLE_INTERVAL_MS } from '../config/defaults.js';
import { describeError } from '../errors.js';
import { readHostMemory } from '../probe/meminfo.js';
import type { HostMemory } from '../results/machine.js';
import type { GpuHealth, GpuReader } from '../probe/types.js';
import { createSampleTimeline, type SampleTimeline } from './sample-timeline.js';
import { healthSeries } from '../results/window-health.js';

/**
 * A timeline series: `gpu<index>` (used VRAM of that physical GPU), `hostUsed`, `swapUsed` or `cgroupUsed` (the working
 * set of the run's memory-limited cgroup), in bytes; and with a
 * reader that has `readHealth`, per GPU `util<index>` (%), `temp<index>` (°C), `power<index>` (W) and the running sums
 * `utilAcc<index>` (%·ms) and `utilMs<index>` (ms) that give an exact mean utilization over any window.
 */
export type SampleSeries = `gpu${number}` | 'hostUsed' | 'swapUsed' | 'cgroupUsed'
  | `util${number}` | `utilAcc${number}` | `utilMs${number}` | `temp${number}` | `power${number}`;

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
  /** The working set of the run's memory-limited cgroup now, bytes; absent or null outside one (no `cgroupUsed` series). */
  readonly readCgroup?: (() => number) | null;
}

/** A running sampler; reports read its timeline, run-plan stops it when the run ends. */
export interface ContinuousSampler {
  readonly intervalMs: number;
  /** The series it samples: one per GPU it was given, `hostUsed`, `swapUsed`, `cgroupUsed` with `readCgroup`, then each GPU's health series. */
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

/**
 * The highest value of `name` between `from` and `to` (epoch ms, the whole timeline without them); null when nothing
 * was sampled there, or when the sampler does not sample that series (a GPU read with `--gpu-backend none`).
 */
export function sampledPeak(sampler: Pick<ContinuousSampler, 'timeline' | 'series'> | null, name: SampleSeries, from?: number, to?: number): number | null {
  if (sampler === null || !sampler.series.includes(name)) return null;
  return sampler.timeline.peak(name, from, to)?.value ?? null;
}

/** Starts sampling at once and then every `intervalMs`, on an unref'd timer that never keeps the process alive. */
export function startContinuousSampler(options: ContinuousSamplerOptions): ContinuousSampler {
  const intervalMs = options.intervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
  if (!Number.isInteger(intervalMs) || intervalMs <= 0) {
    throw new RangeError(`startContinuousSampler: \`intervalMs\` must be a positive whole number, got \`${String(intervalMs)}\``);
  }
  const now = options.now ?? Date.now;
  const readHost = options.readHost ?? readHostMemory;
  const readCgroup = options.readCgroup ?? null;
  const { gpuReader } = options;
  const gpuIndices = gpuReader.backend === 'none' ? [] : [...(options.gpuIndices ?? [])];
  // Health is polled on the timer: a reader that pushes its readings (the nvidia-smi stream) has no readHealth anyway.
  const readsHealth = gpuIndices.length > 0 && gpuReader.readHealth !== undefined && gpuReader.subscribe === undefined;
  const healthNames = readsHealth ? gpuIndices.map(healthSeries) : [];
  const series: readonly SampleSeries[] = [
    ...gpuIndices.map(gpuSeries), 'hostUsed', 'swapUsed', ...(readCgroup ? ['cgroupUsed' as const] : []),
    ...healthNames.flatMap((names) => [names.util, names.utilAcc, names.utilMs, names.temp, names.power]),
  ];
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

  const readHealth = async (): Promise<Map<number, GpuHealth>> => {
    const health = new Map<number, GpuHealth>();
    if (!readsHealth) return health;
    try {
      for (const gpu of await gpuReader.readHealth?.() ?? []) health.set(gpu.index, gpu);
    } catch (error) {
      warnings.add(`continuous GPU health sampling: ${describeError(error)}; utilization, temperature and power have gaps there`);
    }
    return health;
  };

  // Running sums per GPU: utilization × time and the time it covers, so a mean over a window stays exact after the
  // timeline merges old samples into buckets that keep maxima (a sum's maximum is its last value).
  const utilSums = new Map<number, { acc: number; ms: number }>(gpuIndices.map((index) => [index, { acc: 0, ms: 0 }]));
  let lastHealthAt: number | null = null;
  const healthValues = (at: number, health: ReadonlyMap<number, GpuHealth>): Partial<Record<SampleSeries, number | null>> => {
    const values: Partial<Record<SampleSeries, number | null>> = {};
    const elapsed = lastHealthAt === null ? 0 : Math.max(0, at - lastHealthAt);
    lastHealthAt = at;
    gpuIndices.forEach((index, k) => {
      const names = healthNames[k];
      const sums = utilSums.get(index);
      if (!names || !sums) return;
      const reading = health.get(index);
      const util = reading?.utilizationPercent ?? null;
      // A reading is the GPU's average over its last sample period: it stands for the time since the previous sample.
      if (util !== null) {
        sums.acc += util * elapsed;
        sums.ms += elapsed;
      }
      values[names.util] = util;
      values[names.utilAcc] = sums.acc;
      values[names.utilMs] = sums.ms;
      values[names.temp] = reading?.temperatureC ?? null;
      values[names.power] = reading?.powerWatts ?? null;
    });
    return values;
  };

  const readHostOrNull = (): HostMemory | null => {
    try {
      return readHost();
    } catch (error) {
      warnings.add(`continuous RAM sampling: ${describeError(error)}; per-test RAM peaks fall back to the boundary samples`);
      return null;
    }
  };
  const readCgroupOrNull = (): number | null => {
    if (!readCgroup) return null;
    try {
      return readCgroup();
    } catch (error) {
      warnings.add(`continuous cgroup memory sampling: ${describeError(error)}; the memory guard cannot judge the cgroup's limit while it fails`);
      return null;
    }
  };
  // Host and cgroup are read together, before any await, so both belong to the sample's time.
  const readMemory = (): Partial<Record<SampleSeries, number | null>> => {
    const host = readHostOrNull();
    return { hostUsed: host?.usedBytes ?? null, swapUsed: host?.swapUsedBytes ?? null, ...(readCgroup ? { cgroupUsed: readCgroupOrNull() } : {}) };
  };
  const store = (at: number, memory: Partial<Record<SampleSeries, number | null>>, gpus: ReadonlyMap<number, number | null>, health: Partial<Record<SampleSeries, number | null>> = {}): void => {
    const values: Partial<Record<SampleSeries, number | null>> = { ...memory, ...health };
    for (const index of gpuIndices) values[gpuSeries(index)] = gpus.get(index) ?? null;
    timeline.add({ at, values: values as Record<SampleSeries, number | null> });
  };
  const takeSample = async (): Promise<void> => {
    const at = now();
    const memory = readMemory();
    const gpus = await readGpus();
    store(at, memory, gpus, readsHealth ? healthValues(at, await readHealth()) : {});
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
      store(at, readMemory(), new Map(gpus.map((gpu) => [gpu.index, gpu.usedBytes])));
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
