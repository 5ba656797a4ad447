// Whether memory (or any figure) grows per iteration when one test runs repeatedly in one process: a pure fit over
// the readings taken after each iteration, in bytes for memory.

import type { LeakPattern, LeakVerdict } from '../results/measurement.js';
import { formatBytes } from '../units/format.js';
import { readSteps, type StepPattern } from './leak-steps.js';

/** An ordinary least-squares line through (iteration index, value). */
export interface GrowthFit {
  readonly slopePerIteration: number;
  readonly intercept: number;
  /** 1 - SSres/SStot; 1 for a flat series, which the line fits exactly. */
  readonly rSquared: number;
  readonly n: number;
}

/** How strict a leak call is: growth over the whole run and how well a line must explain it. */
export interface LeakOptions {
  /** Growth over `horizon` iterations that makes a leak, in the series' unit (bytes for memory). */
  readonly threshold: number;
  /** Default 0.8. */
  readonly minRSquared?: number;
  /** What was measured, for the reason: `VRAM`, `RAM`, `metric kv_blocks`. Default `Memory`. */
  readonly label?: string;
  /**
   * The iterations the threshold covers (default: this series' n - 1). A longer re-check passes the first run's, so
   * it holds the growth to the same rate rather than the same total.
   */
  readonly horizon?: number;
  /** Prints a figure of the series' unit; default formatBytes. */
  readonly format?: (value: number) => string;
}

const DEFAULT_MIN_R_SQUARED = 0.8;
const MIN_POINTS = 3;

/** Least-squares fit of value against iteration 0..n-1; throws for fewer than 3 points or a non-finite value. */
export function fitGrowth(values: readonly number[]): GrowthFit {
  checkSeries(values);
  const n = values.length;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((sum, v) => sum + v, 0) / n;
  // Centred sums: raw sums of squares of byte counts (~1e10) would lose the digits that matter.
  let sxx = 0;
  let sxy = 0;
  let ssTot = 0;
  values.forEach((v, i) => {
    sxx += (i - meanX) ** 2;
    sxy += (i - meanX) * (v - meanY);
    ssTot += (v - meanY) ** 2;
  });
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let ssRes = 0;
  values.forEach((v, i) => {
    ssRes += (v - (intercept + slope * i)) ** 2;
  });
  // A flat series has nothing to explain and the flat line fits it exactly; 0/0 would be NaN.
  const rSquared = ssTot === 0 ? 1 : 1 - ssRes / ssTot;
  return { slopePerIteration: slope, intercept, rSquared, n };
}

/**
 * Growth per iteration that most of the run shows: the median of (v[i+L] - v[i]) / L.
 *
 * Why this guard: a cache filled once (flat, a step, flat) gets a steep OLS slope and, with the step mid-run,
 * an R² near 0.75, so the fit alone nearly calls it a leak. A single step changes only the differences that
 * straddle it, at most L of them; with L <= (n-1)/3 that is fewer than half, so the median ignores the step
 * wherever it falls (a second-half fit misses a late step; Theil-Sen breaks on a step mid-run). Lag L rather
 * than 1 so that noise between neighbouring readings does not swamp a slow, steady growth. With 3 points
 * L is 1 and a step cannot be told from a trend.
 */
function typicalGrowthPerIteration(values: readonly number[]): number {
  const lag = Math.max(1, Math.floor((values.length - 1) / 3));
  const rates: number[] = [];
  for (let i = 0; i + lag < values.length; i += 1) {
    rates.push(((values[i + lag] ?? 0) - (values[i] ?? 0)) / lag);
  }
  rates.sort((a, b) => a - b);
  const mid = Math.floor(rates.length / 2);
  const upper = rates[mid] ?? 0;
  return rates.length % 2 === 1 ? upper : (upper + (rates[mid - 1] ?? 0)) / 2;
}

/**
 * Leak call on one series of readings, one per iteration. Steady growth is a leak when all three hold: fitted growth
 * over the run above the threshold, R² >= minRSquared, and the typical growth per iteration at least half the fitted
 * slope. Growth above the threshold that is not steady is read as steps (leak-steps.ts): steps at a regular period
 * that carry on are a leak (a caching allocator's staircase); a step that stays flat after it is not; too few steps to
 * tell is `undecided`, which a longer re-check settles.
 */
export function judgeLeak(values: readonly number[], options: LeakOptions): LeakVerdict {
  const { threshold, minRSquared = DEFAULT_MIN_R_SQUARED, label = 'Memory', format = formatBytes } = options;
  if (!Number.isFinite(threshold) || threshold < 0) {
    throw new RangeError(`judgeLeak: \`threshold\` must be a finite number >= 0, got ${threshold}`);
  }
  if (!(minRSquared >= 0 && minRSquared <= 1)) {
    throw new RangeError(`judgeLeak: \`minRSquared\` must be between 0 and 1, got ${minRSquared}`);
  }
  const fit = fitGrowth(values);
  const horizon = options.horizon ?? fit.n - 1;
  if (!(horizon > 0)) throw new RangeError(`judgeLeak: \`horizon\` must be a positive number of iterations, got ${horizon}`);
  const scaledThreshold = (threshold * (fit.n - 1)) / horizon;
  const perIteration = fit.slopePerIteration;
  const total = perIteration * (fit.n - 1);
  const r2 = fit.rSquared.toFixed(2);
  const verb = perIteration < 0 ? 'shrank' : 'grew';
  const trend = `${label} ${verb} ${format(Math.abs(perIteration))} per iteration (R² ${r2}), `
    + `${format(Math.abs(total))} over ${fit.n} iterations`;
  const limit = horizon === fit.n - 1
    ? `the ${format(threshold)} threshold`
    : `the ${format(scaledThreshold)} threshold (${format(threshold)} over ${formatIterations(horizon)}, for ${fit.n - 1})`;
  const verdict = (leaking: boolean, pattern: LeakPattern, reason: string): LeakVerdict => ({
    leaking, iterations: fit.n, perIteration, totalGrowth: total, rSquared: fit.rSquared, threshold: scaledThreshold, reason, pattern, steps: null,
  });

  if (!(total > scaledThreshold)) return verdict(false, 'within', `${trend}, within ${limit}`);
  const steady = typicalGrowthPerIteration(values) >= perIteration / 2;
  const steps = readSteps(values, { threshold, horizon });
  const stepped = { ...verdict(false, 'irregular', ''), ...judgeSteps(steps, { label, format, limit, total, n: fit.n, threshold: scaledThreshold }) };
  if (steady && fit.rSquared >= minRSquared) {
    // A line that fits a staircase well is still a staircase: its period and steps say where the growth comes from.
    return stepped.leaking && stepsCarryGrowth(values, steps) ? stepped : verdict(true, 'steady', `${trend}, above ${limit}`);
  }
  // A staircase fits a line loosely, and whether its median growth looks steady depends on where its steps fall: its
  // steps say more than the line.
  if (steps.kind === 'irregular' && steady) {
    return verdict(false, 'loose', `${trend}, above ${limit}, but the line fits too loosely to call a leak (R² below ${minRSquared})`);
  }
  return stepped;
}

// Most of the growth came in the steps (not in noise between them, as a noisy steady leak's would).
function stepsCarryGrowth(values: readonly number[], steps: StepPattern): boolean {
  const rise = (values[values.length - 1] ?? 0) - (values[0] ?? 0);
  const inSteps = steps.at.reduce((sum, i) => sum + (values[i] ?? 0) - (values[i - 1] ?? 0), 0);
  return rise > 0 && inSteps >= 0.8 * rise;
}

function formatIterations(count: number): string {
  return `${Number.isInteger(count) ? count : count.toFixed(1)} iteration${count === 1 ? '' : 's'}`;
}

interface StepWords {
  readonly label: string;
  readonly format: (value: number) => string;
  readonly limit: string;
  readonly total: number;
  readonly n: number;
  readonly threshold: number;
}

// Growth above the threshold that was not steady, read from its steps: the call, its figures and its sentence.
function judgeSteps(steps: StepPattern, words: StepWords): Pick<LeakVerdict, 'leaking' | 'pattern' | 'reason' | 'steps'> & Partial<LeakVerdict> {
  const { label, format, limit, total, n } = words;
  const summary = { count: steps.at.length, height: steps.height, period: steps.period, flatAfter: steps.flatAfter };
  const grew = `${label} grew ${format(total)} over ${n} iterations, above ${limit}`;
  const stepsText = `${steps.at.length === 1 ? 'one step' : `${steps.at.length} steps`} of ${format(steps.height)}`;
  const apart = steps.period === null ? '' : ` ${formatIterations(steps.period)} apart`;
  switch (steps.kind) {
    case 'staircase': {
      const perIteration = steps.perIteration ?? 0;
      const staircaseTotal = perIteration * (n - 1);
      const stairs = `${label} stepped ${format(steps.height)} every ${formatIterations(steps.period ?? 0)} (${steps.at.length} steps): `
        + `${format(perIteration)} per iteration, ${format(staircaseTotal)} over ${n} iterations`;
      const leaking = staircaseTotal > words.threshold;
      const reason = leaking ? `${stairs}, above ${limit}` : `${stairs}, within ${limit}`;
      return { leaking, pattern: leaking ? 'staircase' : 'within', reason, steps: summary, perIteration, totalGrowth: staircaseTotal };
    }
    case 'one-off':
      return {
        leaking: false, pattern: 'one-off', steps: summary,
        reason: `${grew}, but in ${stepsText}${apart} and then flat for ${formatIterations(steps.flatAfter)}: `
          + `${steps.at.length === 1 ? 'a step that did not come back' : 'steps that stopped'}, so it is not a leak`,
      };
    case 'undecided':
      return {
        leaking: false, pattern: 'undecided', steps: summary,
        reason: `${grew}, in ${stepsText}${apart}, then flat for ${formatIterations(steps.flatAfter)}: too few iterations to tell `
          + 'a leak that keeps stepping (a caching allocator filling segments) from a cache filled once, so it is not called a leak',
      };
    default:
      return {
        leaking: false, pattern: 'irregular', steps: null,
        reason: `${grew}, but neither steadily nor in steps, so it is not a leak`,
      };
  }
}

/**
 * Leak call over two runs of the same test: a leak only when both flag it, since one run's verdict can be noise
 * (PyTorch's CUDA leak check re-runs before it calls a leak). The figures come from the run that argues against a
 * leak: the smaller growth when both flag it, the run that did not flag it otherwise. A first run whose steps were too
 * few to read (`undecided`) is settled by its longer re-run alone: that run's call and figures stand.
 */
export function confirmLeak(first: LeakVerdict, second: LeakVerdict, format: (value: number) => string = formatBytes): LeakVerdict {
  if (first.pattern === 'undecided' && !first.leaking) {
    const settled = second.pattern === 'undecided'
      ? `still undecided after a re-run of ${second.iterations} iterations, so not called a leak (${second.reason})`
      : `a re-run of ${second.iterations} iterations settled it: ${second.reason}`;
    return { ...second, reason: `The first run's steps left it open (${first.reason}); ${settled}` };
  }
  if (first.leaking && second.leaking) {
    const [kept, other] = first.perIteration <= second.perIteration ? [first, second] : [second, first];
    const there = other.iterations === kept.iterations
      ? format(other.totalGrowth)
      : `${format(other.perIteration)} per iteration over ${other.iterations} iterations`;
    return { ...kept, reason: `${kept.reason}, confirmed by a re-run (${there} there)` };
  }
  if (first.leaking || second.leaking) {
    const [flagged, cleared] = first.leaking ? [first, second] : [second, first];
    const which = first.leaking ? 'the first run but not the re-run' : 'the re-run but not the first run';
    return {
      ...cleared,
      leaking: false,
      reason: `Not confirmed, so not a leak: flagged in ${which} (${flagged.reason}; then ${cleared.reason})`,
    };
  }
  return { ...first, reason: `${first.reason}; the re-run agrees` };
}

function checkSeries(values: readonly number[]): void {
  if (values.length < MIN_POINTS) {
    throw new RangeError(
      `fitGrowth: a trend needs at least ${MIN_POINTS} readings, one per iteration, got ${values.length} `
        + `(${JSON.stringify(values)}); repeat the test at least ${MIN_POINTS} times`,
    );
  }
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad !== -1) {
    throw new RangeError(`fitGrowth: readings must be finite numbers, got ${values[bad]} at iteration ${bad}`);
  }
}
