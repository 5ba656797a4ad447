// Puts the run's timeline on evenly spaced slots of seconds since the run started, for a chart with a time axis: the
// stored points are not evenly spaced (older samples are merged into wider buckets), and a Mermaid line spreads its
// values evenly between the axis bounds.

import type { RunTimeline } from '../results/measurement.js';

/** The timeline on even slots, `slots` of them from `fromSeconds` to `toSeconds` inclusive. */
export interface TimelineGrid {
  readonly fromSeconds: number;
  readonly toSeconds: number;
  readonly slots: number;
  /** Per series, bytes per slot: the highest reading in the slot, else the previous slot's value (0 before the first reading). */
  readonly values: ReadonlyMap<string, readonly number[]>;
  /** Slots no point fell in (a tick the sampler skipped, or older samples merged into wider buckets); they carry a value. */
  readonly emptySlots: number;
  /** Per series, slots whose points had no reading of it (a failed read); they carry a value too. */
  readonly failedSlots: ReadonlyMap<string, number>;
}

// Slot times are exact in binary (the first a multiple of 2^-10 s, the spacing of 2^-20 s): Mermaid walks a numeric
// axis by adding the step to the minimum, and one rounding error there drops the last point of every line.
const START_RESOLUTION = 2 ** 10;
const STEP_RESOLUTION = 2 ** 20;

/**
 * The timeline's `series` on at most `maxSlots` even slots (one per point when there are fewer); a point goes to the
 * slot nearest its time. Null with fewer than two points or no time between them: nothing to draw a line through.
 */
export function timelineGrid(timeline: RunTimeline, startedAt: number, series: readonly string[], maxSlots: number): TimelineGrid | null {
  const points = [...timeline.points].sort((a, b) => a.at - b.at);
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined || !(last.at > first.at) || maxSlots < 2) return null;
  const slots = Math.min(points.length, maxSlots);
  const secondsOf = (at: number): number => (at - startedAt) / 1000;
  const fromSeconds = Math.floor(Math.max(0, secondsOf(first.at)) * START_RESOLUTION) / START_RESOLUTION;
  const step = Math.ceil(((secondsOf(last.at) - fromSeconds) / (slots - 1)) * STEP_RESOLUTION) / STEP_RESOLUTION;
  const slotOf = (at: number): number => Math.min(slots - 1, Math.max(0, Math.round((secondsOf(at) - fromSeconds) / step)));

  const occupied = new Set(points.map((point) => slotOf(point.at)));
  const values = new Map<string, number[]>();
  const failedSlots = new Map<string, number>();
  for (const name of series) {
    const highest: (number | null)[] = Array<number | null>(slots).fill(null);
    for (const point of points) {
      const value = point.values[name] ?? null;
      if (value === null || !Number.isFinite(value)) continue;
      const slot = slotOf(point.at);
      highest[slot] = Math.max(highest[slot] ?? -Infinity, value);
    }
    let previous = 0;
    let failed = 0;
    values.set(name, highest.map((value, slot) => {
      if (value !== null) previous = value;
      else if (occupied.has(slot)) failed += 1;
      return previous;
    }));
    failedSlots.set(name, failed);
  }
  return { fromSeconds, toSeconds: fromSeconds + step * (slots - 1), slots, values, emptySlots: slots - occupied.size, failedSlots };
}
