// The top lists every report shares: the largest first, ties in run order, a repeated test once at its largest
// iteration, whatever the number of tests; and the tests measured once per run, however many reports ask.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureTests, topGrowth, topShareOfCapacity, type MeasuredTest } from '../../src/report/growth.js';
import { manyTestsRunResult } from '../helpers/many-tests-run-result.js';
import { sampleRepeatRunResult } from '../helpers/sample-repeat-run-result.js';
import { seededRandom } from '../helpers/seeded-random.js';

const MiB = 1024 ** 2;

// Each test's VRAM growth set from `values` (a few distinct ones, so ties are many).
function withGrowth(values: readonly number[]): MeasuredTest[] {
  const [template] = measureTests(manyTestsRunResult(1));
  assert.ok(template);
  return values.map((value, index) => ({
    ...template, test: { ...template.test, fullName: `t${index}` }, deltas: { ...template.deltas, vramBeforeBytes: 0, vramDeltaBytes: value, vramPeakBytes: value },
  }));
}

describe('topGrowth and topShareOfCapacity', () => {
  it('give what sorting every test would: the largest first, ties in run order, none that did not grow', () => {
    const random = seededRandom(3);
    for (let round = 0; round < 50; round++) {
      const tests = withGrowth(Array.from({ length: 200 }, () => (Math.floor(random() * 7) - 2) * MiB));
      const sorted = tests.filter((t) => (t.deltas.vramDeltaBytes ?? 0) > 0).sort((a, b) => (b.deltas.vramDeltaBytes ?? 0) - (a.deltas.vramDeltaBytes ?? 0));
      assert.deepEqual(topGrowth(tests, 'vramDeltaBytes').map((t) => t.test.fullName), sorted.slice(0, 5).map((t) => t.test.fullName));
      // Ranked by peak: only the tests whose VRAM rose above where they started.
      const byShare = [...tests].filter((t) => (t.deltas.vramPeakBytes ?? 0) > 0).sort((a, b) => (b.deltas.vramPeakBytes ?? 0) - (a.deltas.vramPeakBytes ?? 0));
      assert.deepEqual(topShareOfCapacity(tests, 'vramPeakBytes', () => 80 * 1024 * MiB, 3).map((s) => s.entry.test.fullName), byShare.slice(0, 3).map((t) => t.test.fullName));
    }
    assert.deepEqual(topGrowth(withGrowth([1, 2]), 'vramDeltaBytes', 0), []);
  });

  it('list a repeated test once, at its largest iteration', () => {
    const top = topGrowth(measureTests(sampleRepeatRunResult()), 'vramDeltaBytes');
    assert.deepEqual(top.map((t) => t.test.fullName), ['loader > loads model [repeat 2/5]', 'loader > caches tokenizer [repeat 2/5]']);
  });
});

describe('measureTests', () => {
  it('measures every test of the run in report order, once per run', () => {
    const run = manyTestsRunResult(1000, { nested: true });
    const measured = measureTests(run);
    assert.deepEqual(measured.map((m) => m.test), run.files.flatMap((f) => f.tests));
    assert.equal(measureTests(run), measured, 'a second report gets the same list');
    assert.notEqual(measureTests({ ...run }), measured, 'another run is measured afresh');
  });
});
