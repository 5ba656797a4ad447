// Run-wide pressure: peaks from the continuous sampler against capacity, memory stall time from PSI, and the run's
// cgroup: its limit, its peak working set and the OOM kills it counted. PSI and the cgroup are read at the start and at
// the end; their counters are totals.

import { readCgroupMemory, type CgroupMemory } from '../probe/cgroup.js';
import { readMemoryPressure, type MemoryPressure } from '../probe/pressure.js';
import type { GpuInventory, HostMemory } from '../results/machine.js';
import { gpuSeries, sampledPeak, type ContinuousSampler, type SampleSeries } from './continuous-sampler.js';
import type { PsiSummary, RunPressure, RunTimeline } from '../results/measurement.js';

/** PSI and cgroup counters at one moment; each null where the host does not have them. */
export interface PressureCounters {
  readonly psi: MemoryPressure | null;
  readonly cgroup: CgroupMemory | null;
}

function attempt<T>(read: () => T | null): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/** Reads the counters; never throws (a host without PSI or a memory cgroup gives nulls). */
export function readPressureCounters(): PressureCounters {
  return { psi: readPsi(), cgroup: attempt(() => readCgroupMemory()) };
}

/** PSI alone, as read at every file's end (the cgroup's counters are read at the run's start and end only). */
export function readPsi(): MemoryPressure | null {
  return attempt(() => readMemoryPressure());
}

/** Points a chart gets at most: GitHub's Mermaid renders a few hundred comfortably. */
export const CHART_POINTS = 240;

function psiSummary(start: MemoryPressure | null, end: MemoryPressure | null, peakSome: number, peakFull: number | null): PsiSummary | null {
  if (start === null || end === null) return null;
  const fullStallMs = start.full && end.full ? (end.full.totalMicroseconds - start.full.totalMicroseconds) / 1000 : null;
  return {
    someStallMs: (end.some.totalMicroseconds - start.some.totalMicroseconds) / 1000,
    fullStallMs,
    peakSomeAvg10: Math.max(peakSome, start.some.avg10, end.some.avg10),
    peakFullAvg10: end.full === null ? null : Math.max(peakFull ?? 0, start.full?.avg10 ?? 0, end.full.avg10),
  };
}

/** The Pressure section's figures for a run that started with `start` counters and ended with `end`. */
export function summarizePressure(options: {
  readonly sampler: ContinuousSampler | null;
  readonly gpu: GpuInventory;
  readonly hostAtEnd: HostMemory | null;
  readonly start: PressureCounters;
  readonly end: PressureCounters;
  /** Highest PSI avg10 values seen in between (the sampler does not read PSI: run-plan polls it per file). */
  readonly peakSomeAvg10?: number;
  readonly peakFullAvg10?: number | null;
}): RunPressure {
  const { sampler, gpu, hostAtEnd, start, end } = options;
  const peakOf = (series: SampleSeries): number | null => sampledPeak(sampler, series);
  const cgroup = end.cgroup;
  const oomKills = cgroup?.oomKillEvents !== null && cgroup?.oomKillEvents !== undefined && start.cgroup?.oomKillEvents !== null && start.cgroup?.oomKillEvents !== undefined
    ? cgroup.oomKillEvents - start.cgroup.oomKillEvents
    : null;
  // The limit the sampler and the guard worked with: the one read at the start.
  const limit = start.cgroup?.limit ?? cgroup?.limit ?? null;
  return {
    gpus: gpu.gpus.map((info) => ({ index: info.index, name: info.name, totalBytes: info.totalBytes, peakUsedBytes: peakOf(gpuSeries(info.index)) })),
    host: {
      totalBytes: hostAtEnd?.totalBytes ?? null,
      peakUsedBytes: peakOf('hostUsed'),
      swapTotalBytes: hostAtEnd?.swapTotalBytes ?? null,
      peakSwapUsedBytes: peakOf('swapUsed'),
    },
    psi: psiSummary(start.psi, end.psi, options.peakSomeAvg10 ?? 0, options.peakFullAvg10 ?? null),
    cgroup: cgroup && (limit !== null || oomKills !== null) ? {
      version: cgroup.version, path: cgroup.path, maxBytes: limit?.bytes ?? null, limitPath: limit?.path ?? null,
      peakWorkingSetBytes: limit ? peakOf('cgroupUsed') : null, oomKillsDuringRun: oomKills,
    } : null,
  };
}

/** The sampler's timeline cut to at most `maxPoints` points, each bucket keeping every series' maximum. */
export function thinTimeline(sampler: ContinuousSampler | null, maxPoints = CHART_POINTS): RunTimeline | null {
  if (sampler === null) return null;
  const points = sampler.timeline.points();
  if (points.length === 0) return null;
  const per = Math.ceil(points.length / maxPoints);
  const thinned: { at: number; values: Record<string, number | null> }[] = [];
  for (let i = 0; i < points.length; i += per) {
    const bucket = points.slice(i, i + per);
    const values: Record<string, number | null> = {};
    for (const series of sampler.series) {
      const seen = bucket.map((p) => p.values[series]).filter((v): v is number => v !== null);
      values[series] = seen.length > 0 ? Math.max(...seen) : null;
    }
    thinned.push({ at: bucket[0]?.at ?? 0, values });
  }
  return { intervalMs: sampler.intervalMs, series: [...sampler.series], points: thinned };
}
