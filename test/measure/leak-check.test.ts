// Leak calls on hand-built results of a repeated test: series per test and resource, the warm-up iteration left out
// of the fit, a steady leak flagged and a clean or one-off-jump series not, missing readings giving no finding,
// the names a re-check repeats, and merging the re-check's verdicts (confirmed, not confirmed, not measured).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LeakThreshold } from '../../src/results/job.js';
import type { LeakFinding, TestResult } from '../../src/results/run-result.js';
import { collectRepeatSeries, confirmFindings, judgeRepeats, judgeSeries, namesToRecheck } from '../../src/measure/leak-check.js';
import { sample, test } from '../helpers/sample-run-result.js';

const MiB = 1024 * 1024;
const THRESHOLD: LeakThreshold = { vramBytes: 100 * MiB, ramBytes: 100 * MiB };

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

describe('collectRepeatSeries', () => {
  it('makes one series per repeated test and resource, ordered by iteration, leaving out tests run once', () => {
    const shuffled = repeated('loads', [1, 2, 3], [10, 20, 30]).reverse();
    const series = collectRepeatSeries([test({ name: 'once', status: 'passed' }), ...shuffled]);
    assert.deepEqual(series, [{ test: 'loads', name: 'loads', line: 12, series: { vram: [1, 2, 3].map((v) => v * MiB), ram: [10, 20, 30].map((v) => v * MiB) } }]);
  });

  it('keeps same-named tests of different describe blocks apart, by full name', () => {
    const series = collectRepeatSeries([...repeated('loads', [1, 2, 3], [1, 1, 1], 'vlm'), ...repeated('loads', [5, 5, 5], [1, 1, 1], 'flux')]);
    assert.deepEqual(series.map((s) => [s.test, s.name, s.series.vram?.[0]]), [['vlm > loads', 'loads', 1 * MiB], ['flux > loads', 'loads', 5 * MiB]]);
  });

  it('gives no series for a resource with a reading missing in any iteration', () => {
    const [series] = collectRepeatSeries(repeated('loads', [1, null, 3], [10, 20, 30]));
    assert.equal(series?.series.vram, null);
    assert.deepEqual(series?.series.ram, [10 * MiB, 20 * MiB, 30 * MiB]);
    const windowless = repeated('skipped', [1, 2, 3], [1, 2, 3]).map((t) => ({ ...t, window: null }));
    assert.deepEqual(collectRepeatSeries(windowless)[0]?.series, { vram: null, ram: null });
  });
});

describe('judgeSeries', () => {
  it('leaves the warm-up iteration out of the fit when three or more remain', () => {
    const verdict = judgeSeries(LEAKING.map((v) => v * MiB), 'vram', THRESHOLD);
    assert.equal(verdict?.iterations, 5);
    assert.equal(verdict?.leaking, true);
    assert.equal(verdict?.perIterationBytes, 100 * MiB);
    assert.match(verdict?.reason ?? '', /^VRAM grew 100(\.0)? MiB per iteration \(R² 1\.00\), 400(\.0)? MiB over 5 iterations, above the 100(\.0)? MiB threshold$/);
  });

  it('does not call a big first-iteration jump then a flat line a leak', () => {
    const verdict = judgeSeries([0, 4000, 4000, 4000, 4000].map((v) => v * MiB), 'vram', THRESHOLD);
    assert.equal(verdict?.leaking, false);
    assert.equal(verdict?.iterations, 4);
    assert.equal(verdict?.totalGrowthBytes, 0);
  });

  it('fits all of a three-iteration series, and none of a shorter one', () => {
    assert.equal(judgeSeries([0, 200, 400].map((v) => v * MiB), 'vram', THRESHOLD)?.iterations, 3);
    assert.equal(judgeSeries([0, 200, 400].map((v) => v * MiB), 'vram', THRESHOLD)?.leaking, true);
    assert.equal(judgeSeries([0, 400 * MiB], 'vram', THRESHOLD), null);
    assert.equal(judgeSeries([], 'ram', THRESHOLD), null);
  });

  it('uses the threshold of the resource it judges, and names it', () => {
    const values = LEAKING.map((v) => v * MiB);
    const threshold = { vramBytes: 10_000 * MiB, ramBytes: 100 * MiB };
    assert.equal(judgeSeries(values, 'vram', threshold)?.leaking, false);
    const ram = judgeSeries(values, 'ram', threshold);
    assert.equal(ram?.leaking, true);
    assert.match(ram?.reason ?? '', /^RAM \(process tree RSS\) grew/);
  });
});

describe('judgeRepeats', () => {
  it('flags a steadily leaking test and clears a clean one, keeping the whole series', () => {
    const findings = judgeRepeats([...repeated('leaks', LEAKING, FLAT), ...repeated('clean', FLAT, FLAT)], THRESHOLD);
    assert.deepEqual(findings.map((f) => [f.test, f.resource, f.verdict.leaking, f.rechecked]), [
      ['leaks', 'vram', true, false], ['leaks', 'ram', false, false], ['clean', 'vram', false, false], ['clean', 'ram', false, false],
    ]);
    assert.deepEqual(findings[0]?.series, LEAKING.map((v) => v * MiB), 'the warm-up reading stays in the series');
    assert.equal(findings[0]?.line, 12);
  });

  it('does not call a one-off jump in the middle of the run a leak', () => {
    const [vram] = judgeRepeats(repeated('cache', [500, 500, 500, 1500, 1500, 1500, 1500], FLAT.concat(500)), THRESHOLD);
    assert.equal(vram?.verdict.leaking, false);
    assert.match(vram?.verdict.reason ?? '', /in a one-off jump rather than steadily/);
  });

  it('makes no finding for a resource with missing readings, nor for a test repeated twice', () => {
    const findings = judgeRepeats([...repeated('gaps', [500, 600, null, 800, 900], [1, 1, 1, 1, 1]), ...repeated('twice', [0, 900], [0, 900])], THRESHOLD);
    assert.deepEqual(findings.map((f) => [f.test, f.resource]), [['gaps', 'ram']]);
  });
});

describe('namesToRecheck', () => {
  it('lists the plain names of the flagged tests once each', () => {
    const tests = [...repeated('loads', LEAKING, LEAKING, 'vlm'), ...repeated('loads', LEAKING, FLAT, 'flux'), ...repeated('clean', FLAT, FLAT)];
    assert.deepEqual(namesToRecheck(tests, judgeRepeats(tests, THRESHOLD)), ['loads']);
    assert.deepEqual(namesToRecheck(tests, []), []);
  });
});

describe('confirmFindings', () => {
  const first = judgeRepeats([...repeated('leaks', LEAKING, FLAT), ...repeated('clean', FLAT, FLAT)], THRESHOLD);
  const find = (findings: readonly LeakFinding[], test: string, resource: string): LeakFinding | undefined =>
    findings.find((f) => f.test === test && f.resource === resource);

  it('keeps a leak the re-run flags too, and says so', () => {
    const recheck = judgeRepeats(repeated('leaks', LEAKING.map((v) => v + 50), FLAT), THRESHOLD);
    const leak = find(confirmFindings(first, recheck), 'leaks', 'vram');
    assert.equal(leak?.verdict.leaking, true);
    assert.equal(leak?.rechecked, true);
    assert.match(leak?.verdict.reason ?? '', /, confirmed by a re-run \(400(\.0)? MiB there\)$/);
    assert.deepEqual(leak?.series, LEAKING.map((v) => v * MiB), 'the first run\'s readings are kept');
  });

  it('clears a leak the re-run does not flag', () => {
    const recheck = judgeRepeats(repeated('leaks', FLAT, FLAT), THRESHOLD);
    const leak = find(confirmFindings(first, recheck), 'leaks', 'vram');
    assert.equal(leak?.verdict.leaking, false);
    assert.equal(leak?.rechecked, true);
    assert.match(leak?.verdict.reason ?? '', /^Not confirmed, so not a leak: flagged in the first run but not the re-run/);
  });

  it('clears a leak the re-run could not measure', () => {
    const recheck = judgeRepeats(repeated('leaks', [500, null, 700, 800, 900, 1000], FLAT), THRESHOLD);
    const leak = find(confirmFindings(first, recheck), 'leaks', 'vram');
    assert.equal(leak?.verdict.leaking, false);
    assert.equal(leak?.rechecked, true);
    assert.match(leak?.verdict.reason ?? '', /^Not confirmed, so not a leak: flagged in the first run \(VRAM grew .*\) but the re-run could not measure it$/);
  });

  it('leaves findings that were not flagged as they were', () => {
    const merged = confirmFindings(first, []);
    assert.deepEqual(merged.filter((f) => !(f.test === 'leaks' && f.resource === 'vram')), first.filter((f) => !(f.test === 'leaks' && f.resource === 'vram')));
    assert.ok(merged.every((f) => f.rechecked === (f.test === 'leaks' && f.resource === 'vram')));
  });
});
