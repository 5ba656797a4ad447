// GPU health (utilization, temperature, power) over a window of the run, read from the run's timeline: the series the
// continuous sampler adds per GPU where the reader has `readHealth` (NVML). Pure: the budgets read it after the run.

import type { RunTimeline } from './measurement.js';

/** The timeline series of one GPU's health, by physical index. */
export interface HealthSeriesNames {
  /** Utilization, percent, as read. */
  readonly util: `util${number}`;
  /** Running sum of utilization × time since the sampler started, percent·ms: never decreases. */
  readonly utilAcc: `utilAcc${number}`;
  /** Running sum of the time the utilization sum covers, ms: never decreases. */
  readonly utilMs: `utilMs${number}`;
  /** Temperature, °C. */
  readonly temp: `temp${number}`;
  /** Power draw, W. */
  readonly power: `power${number}`;
}

/** The names of GPU `index`'s health series. */
export function healthSeries(index: number): HealthSeriesNames {
  return { util: `util${index}`, utilAcc: `utilAcc${index}`, utilMs: `utilMs${index}`, temp: `temp${index}`, power: `power${index}` };
}

/** Whether a timeline series is a health series (not bytes): `util0`, `utilAcc0`, `utilMs0`, `temp0`, `power0`. */
export function isHealthSeries(series: string): boolean {
  return /^(?:util|utilAcc|utilMs|temp|power)\d+$/.test(series);
}

/** Whether the run sampled GPU `index`'s health (its reader had `readHealth`). */
export function hasHealth(timeline: RunTimeline | null, index: number): boolean {
  return timeline !== null && timeline.series.includes(healthSeries(index).util);
}

/** One GPU's health over a window; each figure null when no sample of it falls in the window. */
export interface WindowHealth {
  readonly gpuIndex: number;
  /** Time-weighted mean utilization over the window, percent. */
  readonly meanUtilizationPercent: number | null;
  readonly maxTemperatureC: number | null;
  readonly maxPowerWatts: number | null;
}

type Point = RunTimeline['points'][number];

function valueOf(point: Point, series: string): number | null {
  const value = point.values[series];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function maxIn(points: readonly Point[], series: string): number | null {
  let max: number | null = null;
  for (const point of points) {
    const value = valueOf(point, series);
    if (value !== null && (max === null || value > max)) max = value;
  }
  return max;
}

// The running sums make the mean exact however the timeline was thinned: a point keeps its bucket's maximum, which for
// a sum that never decreases is its last value. The mean is over the samples after the last point at or before `from`
// up to the last point at or before `to`; on a thinned timeline that is off by at most one bucket at each end.
function meanUtilization(points: readonly Point[], names: HealthSeriesNames, from: number, to: number): number | null {
  let base = { acc: 0, ms: 0 };
  let end: { acc: number; ms: number } | null = null;
  for (const point of points) {
    if (point.at > to) break;
    const acc = valueOf(point, names.utilAcc);
    const ms = valueOf(point, names.utilMs);
    if (acc === null || ms === null) continue;
    if (point.at <= from) base = { acc, ms };
    end = { acc, ms };
  }
  if (end !== null && end.ms > base.ms) return (end.acc - base.acc) / (end.ms - base.ms);
  // A timeline without the running sums (or no sample with a reading in the window): the plain mean of the readings.
  const inWindow = points.filter((point) => point.at >= from && point.at <= to)
    .map((point) => valueOf(point, names.util)).filter((value): value is number => value !== null);
  return inWindow.length === 0 ? null : inWindow.reduce((sum, value) => sum + value, 0) / inWindow.length;
}

/** GPU `gpuIndex`'s mean utilization, highest temperature and highest power from `from` to `to` (epoch ms, inclusive). */
export function windowHealth(timeline: RunTimeline, gpuIndex: number, from: number, to: number): WindowHealth {
  const names = healthSeries(gpuIndex);
  const points = [...timeline.points].sort((a, b) => a.at - b.at);
  const inWindow = points.filter((point) => point.at >= from && point.at <= to);
  return {
    gpuIndex,
    meanUtilizationPercent: meanUtilization(points, names, from, to),
    maxTemperatureC: maxIn(inWindow, names.temp),
    maxPowerWatts: maxIn(inWindow, names.power),
  };
}
