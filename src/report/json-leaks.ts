// results.json's leak calls: `files[].leaks` for VRAM and RAM (figures in bytes, as since the first schema) and
// `files[].metricLeaks` for the metrics named in `leakThreshold.metrics` (figures in the metric's own unit). Keys added
// after the first schema (`source`, `recheck`, the verdict's `pattern` and `steps`) go last.

import type { LeakFinding } from '../results/run-result.js';

// Memory figures are whole bytes everywhere in the file; a fit's slope is fractional.
const whole = Math.round;

function steps(finding: LeakFinding, unit: 'Bytes' | '') {
  const s = finding.verdict.steps;
  if (s === null) return null;
  return { count: s.count, [`step${unit}`]: unit === '' ? s.height : whole(s.height), periodIterations: s.period, flatAfterIterations: s.flatAfter };
}

function recheck(finding: LeakFinding, seriesKey: 'seriesBytes' | 'series') {
  const r = finding.recheck;
  return r === null ? null : { purpose: r.purpose, iterations: r.iterations, why: r.why, [seriesKey]: r.series === null ? null : [...r.series] };
}

/** One VRAM or RAM leak call. */
export function memoryLeak(l: LeakFinding) {
  const v = l.verdict;
  return {
    test: l.test, line: l.line, resource: l.resource, rechecked: l.rechecked,
    verdict: {
      leaking: v.leaking, iterations: v.iterations, perIterationBytes: whole(v.perIteration), totalGrowthBytes: whole(v.totalGrowth),
      rSquared: v.rSquared, thresholdBytes: whole(v.threshold), reason: v.reason, pattern: v.pattern, steps: steps(l, 'Bytes'),
    },
    seriesBytes: [...l.series],
    source: l.source,
    recheck: recheck(l, 'seriesBytes'),
  };
}

/** One metric's leak call: its figures in the metric's own unit. */
export function metricLeak(l: LeakFinding) {
  const v = l.verdict;
  return {
    test: l.test, line: l.line, metric: l.metric?.name ?? '', unit: l.metric?.unit ?? null, rechecked: l.rechecked,
    verdict: {
      leaking: v.leaking, iterations: v.iterations, perIteration: v.perIteration, totalGrowth: v.totalGrowth,
      rSquared: v.rSquared, threshold: v.threshold, reason: v.reason, pattern: v.pattern, steps: steps(l, ''),
    },
    series: [...l.series],
    recheck: recheck(l, 'series'),
  };
}
