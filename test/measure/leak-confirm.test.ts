// The re-check of a repeated file's leak calls: which tests it repeats and how long (as often as the first run to
// confirm a leak; longer, up to `leakRepeatMax`, for steps too few to read), and the merge of its calls (confirmed,
// not confirmed, settled, not measured, interrupted), each finding saying how long its re-run was and why.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LeakThreshold } from '../../src/results/job.js';
import type { LeakFinding, TestResult } from '../../src/results/run-result.js';
import { judgeRepeats } from '../../src/measure/leak-check.js';
import { confirmFindings, planRecheck, unconfirmedFindings } from '../../src/measure/leak-confirm.js';
import { sample, test } from '../helpers/sample-run-result.js';

const MiB = 1024 * 1024;
const THRESHOLD: LeakThreshold = { vramBytes: 100 * MiB, ramBytes: 100 * MiB, metrics: {} };
const STAIRS: LeakThreshold = { vramBytes: 16 * MiB, ramBytes: 100 * MiB, metrics: {} };

/** The iterations of one repeated test, `vram[i]` MiB read after iteration i + 1 (null: not read), RSS flat. */
function repeated(name: string, vram: readonly (number | null)[], suite?: string): TestResult[] {
  return vram.map((v, i) => {
    const iterationName = `${name} [repeat ${i + 1}/${vram.length}]`;
    return test({
      name: iterationName, fullName: suite ? `${suite} > ${iterationName}` : iterationName, nesting: suite ? 1 : 0,
      status: 'passed', line: 12, repeat: { name, iteration: i + 1, count: vram.length },
      window: { before: sample(1000 + i * 10, 0, 0, 0), after: sample(1005 + i * 10, v === null ? null : v * MiB, 500 * MiB, 0), peak: null },
    });
  });
}

const LEAKING = [500, 600, 700, 800, 900, 1000];
const FLAT = [500, 500, 501, 500, 500, 500];
/** A test that keeps 2 MiB per iteration, through a caching allocator: a 20 MiB segment every 10 iterations. */
const stairs = (count: number, phase = 2): number[] => Array.from({ length: count }, (_, i) => 520 + 20 * Math.floor((i + phase) / 10));
const job = (repeat: number, leakThreshold = THRESHOLD, leakRepeatMax = 40) => ({ repeat, leakThreshold, leakRepeatMax });
const find = (findings: readonly LeakFinding[], test: string, resource = 'vram'): LeakFinding | undefined =>
  findings.find((f) => f.test === test && f.resource === resource);

/**
 * The VRAM call on a test `serves` whose reading after iteration i is `series(count)[i]`: 20 iterations at a 16 MiB
 * threshold, then the longer re-run its steps call for (the first run must leave it open).
 */
function afterLongerRerun(series: (count: number) => number[]): LeakFinding | undefined {
  const first = repeated('serves', series(20));
  const firstCall = judgeRepeats(first, STAIRS);
  const plan = planRecheck(first, firstCall, job(20, STAIRS));
  if (plan === null) throw new Error('the steps need a re-check');
  return find(confirmFindings(firstCall, judgeRepeats(repeated('serves', series(plan.iterations)), STAIRS, 20), plan), 'serves');
}

describe('planRecheck', () => {
  it('repeats the flagged tests, by plain name once each, as often as the first run did', () => {
    const tests = [...repeated('loads', LEAKING, 'vlm'), ...repeated('loads', LEAKING, 'flux'), ...repeated('clean', FLAT)];
    const plan = planRecheck(tests, judgeRepeats(tests, THRESHOLD), job(6));
    assert.deepEqual(plan?.names, ['loads']);
    assert.equal(plan?.iterations, 6);
    assert.deepEqual(plan?.why.get('vlm > loads\u0000vram\u0000'), { purpose: 'confirm', text: 'to confirm the leak: repeated 6 times' });
  });

  it('makes none when nothing was flagged or left undecided', () => {
    const tests = repeated('clean', FLAT);
    assert.equal(planRecheck(tests, judgeRepeats(tests, THRESHOLD), job(6)), null);
  });

  it('repeats a test whose growth came in steps too few to read longer, up to leakRepeatMax, and says why', () => {
    const tests = repeated('serves', stairs(20));
    const findings = judgeRepeats(tests, STAIRS);
    assert.equal(find(findings, 'serves')?.verdict.pattern, 'undecided');
    // Steps at 7 and 17 of 19 fitted readings: three steps 10 apart, or 19 flat readings after the one at 17, take 37
    // readings, and the warm-up one more.
    const plan = planRecheck(tests, findings, job(20, STAIRS));
    assert.equal(plan?.iterations, 38);
    assert.deepEqual(plan?.why.get('serves\u0000vram\u0000'), {
      purpose: 'settle',
      text: 'its growth came in 2 steps of 20.0 MiB, 10 iterations apart, too few to tell a staircase from a cache filled once: '
        + 'repeated 38 times (enough to see three steps or a flat run that rules a leak out)',
    });
    assert.match(planRecheck(tests, findings, job(20, STAIRS, 30))?.why.get('serves\u0000vram\u0000')?.text ?? '', /repeated 30 times \(the `leakRepeatMax` cap of 30\)$/, 'never past the cap');
    assert.equal(planRecheck(tests, findings, job(20, STAIRS, 5))?.iterations, 20, 'never shorter than the first run');
  });
});

describe('confirmFindings', () => {
  const tests = [...repeated('leaks', LEAKING), ...repeated('clean', FLAT)];
  const first = judgeRepeats(tests, THRESHOLD);
  const plan = planRecheck(tests, first, job(6));
  if (plan === null) throw new Error('the leaking test needs a re-check');

  it('keeps a leak the re-run flags too, says so, and how long the re-run was and why', () => {
    const recheck = judgeRepeats(repeated('leaks', LEAKING.map((v) => v + 50)), THRESHOLD, 6);
    const leak = find(confirmFindings(first, recheck, plan), 'leaks');
    assert.equal(leak?.verdict.leaking, true);
    assert.equal(leak?.rechecked, true);
    assert.match(leak?.verdict.reason ?? '', /, confirmed by a re-run \(400(\.0)? MiB there\)$/);
    assert.deepEqual(leak?.series, LEAKING.map((v) => v * MiB), 'the first run\'s readings are kept');
    assert.deepEqual(leak?.recheck, { purpose: 'confirm', iterations: 6, why: 'to confirm the leak: repeated 6 times', series: LEAKING.map((v) => (v + 50) * MiB) });
  });

  it('clears a leak the re-run does not flag', () => {
    const leak = find(confirmFindings(first, judgeRepeats(repeated('leaks', FLAT), THRESHOLD, 6), plan), 'leaks');
    assert.equal(leak?.verdict.leaking, false);
    assert.match(leak?.verdict.reason ?? '', /^Not confirmed, so not a leak: flagged in the first run but not the re-run/);
  });

  it('clears a leak the re-run could not measure', () => {
    const leak = find(confirmFindings(first, judgeRepeats(repeated('leaks', [500, null, 700, 800, 900, 1000]), THRESHOLD, 6), plan), 'leaks');
    assert.equal(leak?.verdict.leaking, false);
    assert.equal(leak?.recheck?.series, null);
    assert.match(leak?.verdict.reason ?? '', /^Not confirmed, so not a leak: flagged in the first run \(VRAM grew .*\) but the re-run could not measure it$/);
  });

  it('leaves findings that were not re-checked as they were', () => {
    const merged = confirmFindings(first, [], plan);
    const others = (findings: readonly LeakFinding[]) => findings.filter((f) => !(f.test === 'leaks' && f.resource === 'vram'));
    assert.deepEqual(others(merged), others(first));
  });

  it('calls a staircase the longer re-run reads a leak: 2 MiB per iteration, a step every 10', () => {
    const leak = afterLongerRerun(stairs);
    assert.equal(leak?.verdict.leaking, true);
    assert.equal(leak?.verdict.pattern, 'staircase');
    assert.deepEqual(leak?.verdict.steps, { count: 3, height: 20 * MiB, period: 10, flatAfter: 9 });
    assert.equal(leak?.verdict.perIteration, 2 * MiB);
    assert.equal(leak?.recheck?.iterations, 38);
  });

  it('clears a cache filled once that the longer re-run sees stay flat', () => {
    const fill = (count: number): number[] => Array.from({ length: count }, (_, i) => (i >= 6 ? 584 : 520));
    const cleared = afterLongerRerun(fill);
    assert.equal(cleared?.verdict.leaking, false);
    assert.equal(cleared?.verdict.pattern, 'one-off');
    assert.match(cleared?.verdict.reason ?? '', /a re-run of \d+ iterations settled it: .*a step that did not come back, so it is not a leak$/);
  });
});

describe('unconfirmedFindings', () => {
  it('calls nothing a leak when the re-run was interrupted, and says so', () => {
    const tests = repeated('leaks', LEAKING);
    const first = judgeRepeats(tests, THRESHOLD);
    const plan = planRecheck(tests, first, job(6));
    if (plan === null) throw new Error('the leaking test needs a re-check');
    const leak = find(unconfirmedFindings(first, plan, 'its confirming re-run was interrupted'), 'leaks');
    assert.equal(leak?.verdict.leaking, false);
    assert.equal(leak?.recheck?.series, null);
    assert.match(leak?.verdict.reason ?? '', /^Not confirmed, so not a leak: flagged in the first run \(.*\) but its confirming re-run was interrupted$/);
  });
});
