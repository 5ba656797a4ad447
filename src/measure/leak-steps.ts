// Growth that comes in steps: what a caching allocator shows the driver. PyTorch keeps tensors of 1-10 MiB in 20 MiB
// segments and smaller ones in 2 MiB blocks, so a test that keeps 2 MiB per iteration reads, through NVML or
// nvidia-smi, as a flat line with a 20 MiB step every 10 iterations; a cache filled once reads as one step and then
// flat. Pure: this tells the two apart, or says how many iterations it would take to.

/**
 * What the steps of one series say: a leak that keeps stepping, a step that did not come back, not yet known, or no
 * step stands out of the noise at all.
 */
export type StepKind = 'staircase' | 'one-off' | 'undecided' | 'irregular';

/** The steps found in one series, in its own unit (bytes for memory). */
export interface StepPattern {
  readonly kind: StepKind;
  /** Where each step is: the index of the reading it rose to (the warm-up left out: 1 is the second fitted one). */
  readonly at: readonly number[];
  /** The median rise of a step. */
  readonly height: number;
  /** The median number of iterations between steps; null for fewer than two. */
  readonly period: number | null;
  /** For a staircase: the growth per iteration it makes, from its first regular step to its last; null otherwise. */
  readonly perIteration: number | null;
  /** Readings after the last step that did not step. */
  readonly flatAfter: number;
  /**
   * How long the series must stay flat after its last step to rule a leak out: the longest period at which steps of
   * this height would still pass the threshold, but no longer than the span the threshold was set over plus one (a
   * step that does not come back within the iterations the user chose to repeat is not the leak they bound), nor
   * three periods of the steps already seen (a staircase that stopped).
   */
  readonly flatToRuleOut: number;
  /** Fitted readings a series needs to be decided (for an undecided one); 0 when decided. */
  readonly readingsToDecide: number;
}

/** How a step is told from noise, and what the threshold is measured over. */
export interface StepOptions {
  /** Growth over `horizon` iterations that makes a leak. */
  readonly threshold: number;
  /** The iterations the threshold is spread over (a longer re-check still holds growth to the first run's rate). */
  readonly horizon: number;
}

/** A staircase needs this many steps at a regular period; fewer can be a cache filled in a few goes. */
export const MIN_STAIRCASE_STEPS = 3;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Indices of the readings that rose by a step. A step must stand above the noise (3x the median move) and be at least
 * the threshold's rate: a staircase that grows past the threshold steps by at least that much each time.
 */
function findSteps(values: readonly number[], options: StepOptions): number[] {
  const diffs = values.slice(1).map((v, i) => v - (values[i] ?? 0));
  const floor = Math.max(3 * median(diffs.map(Math.abs)), options.threshold / options.horizon, Number.MIN_VALUE);
  return diffs.flatMap((d, i) => (d >= floor ? [i + 1] : []));
}

function gapsOf(at: readonly number[]): number[] {
  return at.slice(1).map((step, i) => step - (at[i] ?? 0));
}

// Steps at a regular period: every gap within a quarter of the median (or one iteration) of it, so an allocator
// that sometimes fits one more tensor in a segment still counts.
function isRegular(at: readonly number[]): boolean {
  if (at.length < MIN_STAIRCASE_STEPS) return false;
  const gaps = gapsOf(at);
  const period = median(gaps);
  return gaps.every((gap) => Math.abs(gap - period) <= Math.max(1, period / 4));
}

/** The steps of `values` (fitted readings, warm-up left out) and what they say. */
export function readSteps(values: readonly number[], options: StepOptions): StepPattern {
  const at = findSteps(values, options);
  const last = values.length - 1;
  const height = median(at.map((i) => (values[i] ?? 0) - (values[i - 1] ?? 0)));
  const period = at.length >= 2 ? median(gapsOf(at)) : null;
  const flatAfter = at.length > 0 ? last - (at[at.length - 1] ?? 0) : values.length;
  const longestLeakPeriod = height > 0 && options.threshold > 0 ? (height * options.horizon) / options.threshold : Infinity;
  const flatToRuleOut = Math.min(longestLeakPeriod, options.horizon + 1, period === null ? Infinity : 3 * period);
  const base = { at, height, period, flatAfter, flatToRuleOut };
  if (at.length === 0) return { ...base, kind: 'irregular', perIteration: null, readingsToDecide: 0 };
  // A cache filled before the leak began leaves one odd step first: the staircase may start at the second step.
  const regular = isRegular(at) ? at : isRegular(at.slice(1)) ? at.slice(1) : null;
  if (regular !== null) {
    const regularPeriod = median(gapsOf(regular));
    const first = regular[0] ?? 0;
    const lastStep = regular[regular.length - 1] ?? 0;
    // Still stepping: the next step is not overdue.
    if (flatAfter < 2 * regularPeriod) {
      const perIteration = ((values[lastStep] ?? 0) - (values[first] ?? 0)) / (lastStep - first);
      return { ...base, kind: 'staircase', period: regularPeriod, perIteration, readingsToDecide: 0 };
    }
  }
  if (flatAfter >= flatToRuleOut) return { ...base, kind: 'one-off', perIteration: null, readingsToDecide: 0 };
  return { ...base, kind: 'undecided', perIteration: null, readingsToDecide: readingsToDecide(at, period, flatToRuleOut) };
}

/**
 * Fitted readings that decide either way: a staircase of period p shows three steps within 3p + 1 readings (at the
 * slowest period that still matters when none is known yet); a step at s is ruled one-off once the series stays flat
 * for flatToRuleOut after it.
 */
function readingsToDecide(at: readonly number[], period: number | null, flatToRuleOut: number): number {
  const slowest = Math.ceil(Math.min(period ?? flatToRuleOut, flatToRuleOut));
  const lastStep = at[at.length - 1] ?? 0;
  return Math.max(MIN_STAIRCASE_STEPS * slowest + 1, lastStep + Math.ceil(flatToRuleOut) + 1);
}
