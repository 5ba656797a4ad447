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

// Slot widths a reader takes in at a glance, each exact in binary: Mermaid walks a numeric axis by adding the step to
// the minimum (`for (i = min; i <= max; i += step)`), and one rounding error there drops the last point of every line.
// Decimal steps such as 0.1 s or 0.2 s are not exact, so the ladder goes from quarters of a second to round minutes.
const NICE_STEPS_SECONDS: readonly number[] = [0.0625, 0.125, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];

/** The narrowest round slot width that puts `fromSeconds`..`toSeconds` on at most `maxSlots` slots. */
function niceStep(fromSeconds: number, toSeconds: number, maxSlots: number): number {
  const fits = (step: number): boolean => Math.round((toSeconds - Math.floor(fromSeconds / step) * step) / step) + 1 <= maxSlots;
  const step = NICE_STEPS_SECONDS.find(fits);
  if (step !== undefined) return step;
  const day = NICE_STEPS_SECONDS.at(-1) ?? 86_400;
  return day * Math.ceil((toSeconds - fromSeconds) / day / Math.max(1, maxSlots - 2));
}

/**
 * The timeline's `series` on at most `maxSlots` even slots (no more than there are points) of a round width, from a
 * round start: the chart's axis reads `4 --> 24`, not `4.126953125 --> 24.1000595`. A point goes to the slot nearest its
 * time. Null with fewer than two points or no time between them: nothing to draw a line through.
 */
export function timelineGrid(timeline: RunTimeline, startedAt: number, series: readonly string[], maxSlots: number): TimelineGrid | null {
  const points = [...timeline.points].sort((a, b) => a.at - b.at);
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined || !(last.at > first.at) || maxSlots < 2) return null;
  const secondsOf = (at: number): number => (at - startedAt) / 1000;
  const firstSeconds = Math.max(0, secondsOf(first.at));
  const step = niceStep(firstSeconds, secondsOf(last.at), Math.max(2, Math.min(points.length, maxSlots)));
  const fromSeconds = Math.floor(firstSeconds / step) * step;
  const slots = Math.max(2, Math.round((secondsOf(last.at) - fromSeconds) / step) + 1);
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
