// Whether memory grows per iteration when one test runs repeatedly in one process: a pure fit over the
// readings taken after each iteration, in bytes.

import type { LeakVerdict } from '../results/measurement.js';
import { formatBytes } from '../units/format.js';

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
  readonly thresholdBytes: number;
  /** Default 0.8. */
  readonly minRSquared?: number;
  /** What was measured, for the reason: `VRAM`, `RAM`. Default `Memory`. */
  readonly label?: string;
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
 * Leak call on one series of readings, one per iteration. A leak needs all three: fitted growth over the run
 * above the threshold, R² >= minRSquared, and steady growth (the typical growth per iteration at least half
 * the fitted slope), so a one-off jump is not a leak.
 */
export function judgeLeak(values: readonly number[], options: LeakOptions): LeakVerdict {
  const { thresholdBytes, minRSquared = DEFAULT_MIN_R_SQUARED, label = 'Memory' } = options;
  if (!Number.isFinite(thresholdBytes) || thresholdBytes < 0) {
    throw new RangeError(`judgeLeak: \`thresholdBytes\` must be a finite number of bytes >= 0, got ${thresholdBytes}`);
  }
  if (!(minRSquared >= 0 && minRSquared <= 1)) {
    throw new RangeError(`judgeLeak: \`minRSquared\` must be between 0 and 1, got ${minRSquared}`);
  }
  const fit = fitGrowth(values);
  const perIteration = fit.slopePerIteration;
  const total = perIteration * (fit.n - 1);
  const typical = typicalGrowthPerIteration(values);
  const r2 = fit.rSquared.toFixed(2);
  const verb = perIteration < 0 ? 'shrank' : 'grew';
  const trend = `${label} ${verb} ${formatBytes(Math.abs(perIteration))} per iteration (R² ${r2}), `
    + `${formatBytes(Math.abs(total))} over ${fit.n} iterations`;
  const limit = `the ${formatBytes(thresholdBytes)} threshold`;

  let leaking = false;
  let reason: string;
  if (!(total > thresholdBytes)) {
    reason = `${trend}, within ${limit}`;
  } else if (typical < perIteration / 2) {
    reason = `${label} grew ${formatBytes(total)} over ${fit.n} iterations, above ${limit}, but in a one-off jump `
      + `rather than steadily (typical growth ${formatBytes(typical)} per iteration against `
      + `${formatBytes(perIteration)} fitted), so it is not a leak`;
  } else if (fit.rSquared < minRSquared) {
    reason = `${trend}, above ${limit}, but the line fits too loosely to call a leak (R² below ${minRSquared})`;
  } else {
    leaking = true;
    reason = `${trend}, above ${limit}`;
  }
  return {
    leaking,
    iterations: fit.n,
    perIterationBytes: perIteration,
    totalGrowthBytes: total,
    rSquared: fit.rSquared,
    thresholdBytes,
    reason,
  };
}

/**
 * Leak call over two runs of the same repeats: a leak only when both flag it, since one run's verdict can be
 * noise (PyTorch's CUDA leak check re-runs before it calls a leak). The figures come from the run that argues
 * against a leak: the smaller growth when both flag it, the run that did not flag it otherwise.
 */
export function confirmLeak(first: LeakVerdict, second: LeakVerdict): LeakVerdict {
  if (first.leaking && second.leaking) {
    const [kept, other] = first.totalGrowthBytes <= second.totalGrowthBytes ? [first, second] : [second, first];
    return { ...kept, reason: `${kept.reason}, confirmed by a re-run (${formatBytes(other.totalGrowthBytes)} there)` };
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
    throw new RangeError(`fitGrowth: readings must be finite numbers of bytes, got ${values[bad]} at iteration ${bad}`);
  }
}
