// Leak calls on hand-built results of a repeated test: series per test and resource (the file's own processes' VRAM
// over the card's, metrics named in the threshold), the warm-up iteration left out of the fit, a steady leak flagged
// and a clean or one-off-jump series not, missing readings giving no finding, a re-check's threshold held to the first
// run's rate.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LeakThreshold } from '../../src/results/job.js';
import type { TestResult } from '../../src/results/run-result.js';
import { collectRepeatSeries, judgeRepeats, judgeSeries } from '../../src/measure/leak-check.js';
import { sample, test } from '../helpers/sample-run-result.js';

const MiB = 1024 * 1024;
const THRESHOLD: LeakThreshold = { vramBytes: 100 * MiB, ramBytes: 100 * MiB, metrics: {} };

/**
 * The iterations of one repeated test, `vram[i]` and `rss[i]` MiB read after iteration i + 1 (null: not read);
 * `suite` puts it in a describe block.
 */
function repeated(name: string, vram: readonly (number | null)[], rss: readonly (number | null)[], suite?: string): TestResult[] {
  const count = vram.length;
  return vram.map((v, i) => {
    const iterationName = `${name} [repeat ${i + 1}/${count}]`;
    const after = sample(1000 + i * 10 + 5, v === null ? null : v * MiB, 0, 0);
    return test({
      name: iterationName,
      fullName: suite ? `${suite} > ${iterationName}` : iterationName,
      nesting: suite ? 1 : 0,
      status: 'passed',
      line: 12,
      repeat: { name, iteration: i + 1, count },
      window: { before: sample(1000 + i * 10, 0, 0, 0), after: { ...after, processRssBytes: rss[i] === null ? null : (rss[i] ?? 0) * MiB }, peak: null },
    });
  });
}

const LEAKING = [500, 600, 700, 800, 900, 1000];
const FLAT = [500, 500, 501, 500, 500, 500];

const vram = (mib: readonly number[]) => ({ resource: 'vram' as const, metric: null, values: mib.map((v) => v * MiB) });
const ram = (mib: readonly number[]) => ({ resource: 'ram' as const, metric: null, values: mib.map((v) => v * MiB) });

describe('collectRepeatSeries', () => {
  it('makes one series per repeated test and resource, ordered by iteration, leaving out tests run once', () => {
    const shuffled = repeated('loads', [1, 2, 3], [10, 20, 30]).reverse();
    const series = collectRepeatSeries([test({ name: 'once', status: 'passed' }), ...shuffled]);
    assert.deepEqual(series, [{
      test: 'loads', name: 'loads', line: 12, series: [
        { resource: 'vram', source: 'card', metric: null, values: [1, 2, 3].map((v) => v * MiB) },
        { resource: 'ram', source: 'process-tree', metric: null, values: [10, 20, 30].map((v) => v * MiB) },
      ],
    }]);
  });

  it('keeps same-named tests of different describe blocks apart, by full name', () => {
    const series = collectRepeatSeries([...repeated('loads', [1, 2, 3], [1, 1, 1], 'vlm'), ...repeated('loads', [5, 5, 5], [1, 1, 1], 'flux')]);
    assert.deepEqual(series.map((s) => [s.test, s.name, s.series[0]?.values[0]]), [['vlm > loads', 'loads', 1 * MiB], ['flux > loads', 'loads', 5 * MiB]]);
  });

  it('gives no series for a resource with a reading missing in any iteration', () => {
    const [series] = collectRepeatSeries(repeated('loads', [1, null, 3], [10, 20, 30]));
    assert.deepEqual(series?.series.map((s) => s.resource), ['ram']);
    const windowless = repeated('skipped', [1, 2, 3], [1, 2, 3]).map((t) => ({ ...t, window: null }));
    assert.deepEqual(collectRepeatSeries(windowless)[0]?.series, []);
  });

  it('reads VRAM from the file\'s own processes when every iteration listed them, else from the card', () => {
    // The card grows with a neighbour's loads; the file's own processes hold 600 MiB throughout.
    const withOwn = (tests: TestResult[], own: readonly (number | null)[]): TestResult[] => tests.map((t, i) => ({
      ...t, window: t.window && { ...t.window, after: t.window.after && { ...t.window.after, processVramBytes: own[i] === null ? null : (own[i] ?? 0) * MiB } },
    }));
    const [own] = collectRepeatSeries(withOwn(repeated('serves', [1000, 1200, 1400], [1, 1, 1]), [600, 600, 600]));
    assert.deepEqual(own?.series[0], { resource: 'vram', source: 'processes', metric: null, values: [600, 600, 600].map((v) => v * MiB) });
    const [card] = collectRepeatSeries(withOwn(repeated('serves', [1000, 1200, 1400], [1, 1, 1]), [600, null, 600]));
    assert.deepEqual(card?.series[0], { resource: 'vram', source: 'card', metric: null, values: [1000, 1200, 1400].map((v) => v * MiB) });
  });

  it('makes a series of each named metric every iteration recorded, from its last value there', () => {
    const tests = repeated('serves', [1, 1, 1], [1, 1, 1]).map((t, i) => ({
      ...t, metrics: [{ name: 'kv_blocks', value: 0, unit: null }, { name: 'kv_blocks', value: 10 * i, unit: 'blocks' }, { name: 'tokens_per_s', value: 40, unit: 'tok/s' }],
    }));
    const [series] = collectRepeatSeries(tests, ['kv_blocks', 'never_recorded']);
    assert.deepEqual(series?.series.slice(2), [{ resource: 'metric', source: 'metric', metric: { name: 'kv_blocks', unit: 'blocks' }, values: [0, 10, 20] }]);
  });
});

describe('judgeSeries', () => {
  it('leaves the warm-up iteration out of the fit when three or more remain', () => {
    const verdict = judgeSeries(vram(LEAKING), THRESHOLD);
    assert.equal(verdict?.iterations, 5);
    assert.equal(verdict?.leaking, true);
    assert.equal(verdict?.perIteration, 100 * MiB);
    assert.match(verdict?.reason ?? '', /^VRAM grew 100(\.0)? MiB per iteration \(R² 1\.00\), 400(\.0)? MiB over 5 iterations, above the 100(\.0)? MiB threshold$/);
  });

  it('does not call a big first-iteration jump then a flat line a leak', () => {
    const verdict = judgeSeries(vram([0, 4000, 4000, 4000, 4000]), THRESHOLD);
    assert.equal(verdict?.leaking, false);
    assert.equal(verdict?.iterations, 4);
    assert.equal(verdict?.totalGrowth, 0);
  });

  it('fits all of a three-iteration series, and none of a shorter one', () => {
    assert.equal(judgeSeries(vram([0, 200, 400]), THRESHOLD)?.iterations, 3);
    assert.equal(judgeSeries(vram([0, 200, 400]), THRESHOLD)?.leaking, true);
    assert.equal(judgeSeries(vram([0, 400]), THRESHOLD), null);
    assert.equal(judgeSeries(ram([]), THRESHOLD), null);
  });

  it('uses the threshold of the resource it judges, and names it', () => {
    const threshold = { vramBytes: 10_000 * MiB, ramBytes: 100 * MiB, metrics: {} };
    assert.equal(judgeSeries(vram(LEAKING), threshold)?.leaking, false);
    const verdict = judgeSeries(ram(LEAKING), threshold);
    assert.equal(verdict?.leaking, true);
    assert.match(verdict?.reason ?? '', /^RAM \(process tree RSS\) grew/);
  });

  it('holds a metric to its own threshold, in its own unit', () => {
    const series = { resource: 'metric' as const, metric: { name: 'kv_blocks', unit: 'blocks' }, values: [0, 2, 4, 6, 8, 10] };
    const verdict = judgeSeries(series, { ...THRESHOLD, metrics: { kv_blocks: 4 } });
    assert.equal(verdict?.leaking, true);
    assert.equal(verdict?.reason, 'metric kv_blocks grew 2 blocks per iteration (R² 1.00), 8 blocks over 5 iterations, above the 4 blocks threshold');
  });

  it('holds a longer re-check to the first run\'s rate, not its total', () => {
    // 30 MiB per iteration: 120 MiB over the first run's 5 fitted iterations, a leak at 100 MiB. Over a 20-iteration
    // re-check the same rate is 570 MiB, and a slower 5 MiB per iteration (95 MiB) would pass a fixed 100 MiB.
    const steady = (perIteration: number, count: number) => vram(Array.from({ length: count }, (_, i) => 500 + i * perIteration));
    assert.equal(judgeSeries(steady(30, 20), THRESHOLD, 6)?.leaking, true);
    const slow = judgeSeries(steady(5, 20), THRESHOLD, 6);
    assert.equal(slow?.leaking, false);
    assert.equal(slow?.threshold, 100 * MiB * 18 / 4);
    assert.match(slow?.reason ?? '', /within the 450 MiB threshold \(100 MiB over 4 iterations, for 18\)$/);
  });
});

describe('judgeRepeats', () => {
  it('flags a steadily leaking test and clears a clean one, keeping the whole series', () => {
    const findings = judgeRepeats([...repeated('leaks', LEAKING, FLAT), ...repeated('clean', FLAT, FLAT)], THRESHOLD);
    assert.deepEqual(findings.map((f) => [f.test, f.resource, f.verdict.leaking, f.rechecked, f.recheck]), [
      ['leaks', 'vram', true, false, null], ['leaks', 'ram', false, false, null], ['clean', 'vram', false, false, null], ['clean', 'ram', false, false, null],
    ]);
    assert.deepEqual(findings[0]?.series, LEAKING.map((v) => v * MiB), 'the warm-up reading stays in the series');
    assert.equal(findings[0]?.line, 12);
    assert.equal(findings[0]?.source, 'card');
  });

  it('does not call a one-off jump in the middle of the run a leak, and leaves it undecided for a longer re-check', () => {
    const [finding] = judgeRepeats(repeated('cache', [500, 500, 500, 1500, 1500, 1500, 1500], FLAT.concat(500)), THRESHOLD);
    assert.equal(finding?.verdict.leaking, false);
    assert.equal(finding?.verdict.pattern, 'undecided');
    assert.deepEqual(finding?.verdict.steps, { count: 1, height: 1000 * MiB, period: null, flatAfter: 3 });
    assert.match(finding?.verdict.reason ?? '', /in one step of 1000 MiB, then flat for 3 iterations: too few iterations to tell/);
  });

  it('makes no finding for a resource with missing readings, nor for a test repeated twice', () => {
    const findings = judgeRepeats([...repeated('gaps', [500, 600, null, 800, 900], [1, 1, 1, 1, 1]), ...repeated('twice', [0, 900], [0, 900])], THRESHOLD);
    assert.deepEqual(findings.map((f) => [f.test, f.resource]), [['gaps', 'ram']]);
  });

  it('judges the metrics the threshold names, and no other', () => {
    const tests = repeated('serves', FLAT, FLAT).map((t, i) => ({ ...t, metrics: [{ name: 'kv_blocks', value: 3 * i, unit: null }, { name: 'other', value: 100 * i, unit: null }] }));
    const findings = judgeRepeats(tests, { ...THRESHOLD, metrics: { kv_blocks: 5 } });
    const metric = findings.find((f) => f.resource === 'metric');
    assert.deepEqual(findings.map((f) => f.resource), ['vram', 'ram', 'metric']);
    assert.deepEqual([metric?.metric, metric?.source, metric?.verdict.leaking], [{ name: 'kv_blocks', unit: null }, 'metric', true]);
  });
});
