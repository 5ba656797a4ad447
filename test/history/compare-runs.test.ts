// gpu-test compare and run --baseline: a planted regression (2 GiB more VRAM, a test 30% slower, tokens/s down, a new
// failure, a new leak) is found against five noisy nights; the noise itself is not; thresholds per suite; which way a
// metric is better; new and vanished tests; and a regression fails the run only under failOnRegression.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULTS } from '../../src/config/defaults.js';
import { resolveCompare } from '../../src/config/resolve-ci.js';
import { compareRuns, metricDirection, type CompareOptions } from '../../src/history/compare-runs.js';
import type { Comparison } from '../../src/results/ci-result.js';
import { decideVerdict, exitCodeOfComparison } from '../../src/results/verdict.js';
import { nightRun } from '../helpers/night-runs.js';
import { sampleRunResult } from '../helpers/sample-run-result.js';

const GiB = 1024 ** 3;
const OPTIONS: CompareOptions = { run: DEFAULTS.compare, suites: new Map(), failOnRegression: false };
const nights = Array.from({ length: 5 }, (_, i) => nightRun(i));
const changed = (comparison: Comparison): string[] => comparison.changes.map((c) => `${c.kind} ${c.test ?? `suite ${c.suite}`} ${c.figure}`);

describe('compareRuns', () => {
  it('finds nothing in a night within the noise of five earlier ones', () => {
    for (let seed = 10; seed < 20; seed++) assert.deepEqual(changed(compareRuns(nights, nightRun(5, {}, seed), OPTIONS)), [], `seed ${seed}`);
  });

  it('flags a planted regression: 2 GiB more VRAM, loading 30% slower, tokens/s down', () => {
    const planted = nightRun(5, { peakVramBytes: 8 * GiB, loadMs: 52_000, tokensPerS: 30 });
    const comparison = compareRuns(nights, planted, OPTIONS);
    assert.deepEqual(new Set(changed(comparison)), new Set([
      'regression model > loads peakVram', 'regression model > loads duration', 'regression model > generates metric.tokens_per_s',
      'regression suite vlm peakVram',
    ]));
    const vram = comparison.changes.find((c) => c.test === 'model > loads' && c.figure === 'peakVram');
    assert.ok(vram && vram.base !== null && vram.current !== null && Math.abs(vram.current - 8 * GiB) < 0.05 * 8 * GiB && Math.abs(vram.base - 6 * GiB) < 0.05 * 6 * GiB);
    assert.equal(comparison.compared, 3);
  });

  it('calls a failure after passes and a new leak regressions whatever the thresholds; the reverse improvements', () => {
    const worse = compareRuns(nights, nightRun(5, { generateStatus: 'failed', leakPerIteration: 50 * 1024 ** 2 }), OPTIONS);
    assert.ok(changed(worse).includes('regression model > generates status'));
    assert.ok(changed(worse).includes('regression model > loads leak.vram'));
    const better = compareRuns([nightRun(0, { generateStatus: 'failed' })], nightRun(1), OPTIONS);
    assert.ok(changed(better).includes('improvement model > generates status'));
  });

  it('holds each suite to its own thresholds', () => {
    const planted = nightRun(5, { peakVramBytes: 8 * GiB });
    const loose = resolveCompare(DEFAULTS.compare, { thresholds: { peakVram: { absolute: 4 * GiB } } });
    const comparison = compareRuns(nights, planted, { ...OPTIONS, suites: new Map([['vlm', loose]]) });
    assert.deepEqual(changed(comparison).filter((c) => c.includes('peakVram')), []);
  });

  it('lists new and vanished tests', () => {
    const base = nightRun(0);
    const current = { ...nightRun(1), files: nightRun(1).files.map((f) => ({ ...f, tests: f.tests.map((t) => (t.name === 'splits' ? { ...t, fullName: 'splits words' } : t)) })) };
    const comparison = compareRuns([base], current, OPTIONS);
    assert.deepEqual(comparison.newTests, [{ fileId: 'suites/unit/text.test.ts', test: 'splits words' }]);
    assert.deepEqual(comparison.vanishedTests, [{ fileId: 'suites/unit/text.test.ts', test: 'splits' }]);
  });

  it('fails the run and the compare command only under failOnRegression', () => {
    const planted = nightRun(5, { peakVramBytes: 8 * GiB });
    const reported = compareRuns(nights, planted, OPTIONS);
    const failing = compareRuns(nights, planted, { ...OPTIONS, failOnRegression: true });
    const input = { interrupted: false, counts: planted.counts, hooks: [] };
    assert.equal(decideVerdict({ ...input, comparison: reported }), 'passed');
    assert.equal(decideVerdict({ ...input, comparison: failing }), 'failed');
    assert.deepEqual([exitCodeOfComparison(reported), exitCodeOfComparison(failing)], [0, 1]);
  });
});

describe('metricDirection', () => {
  it('takes the config, then a budget on the metric, then the name and unit', () => {
    const run = sampleRunResult();
    assert.equal(metricDirection('tokens_per_s', 'tok/s', undefined, run), 'higher');
    assert.equal(metricDirection('latency_ms', 'ms', undefined, run), 'lower');
    assert.equal(metricDirection('latency_ms', 'ms', { relativePercent: 10, absolute: 0, better: 'higher' }, run), 'higher');
    const budgeted = { ...run, budgets: [{ kind: 'metric', metric: 'quality', bound: { op: '>=' } }] } as unknown as typeof run;
    assert.equal(metricDirection('quality', null, undefined, budgeted), 'higher');
  });
});
