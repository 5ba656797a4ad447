// gpu-test merge: the shards of a run, merged, give back the unsharded run's files, tests, counts, figures and verdict,
// with each machine kept; inputs that would give a wrong report (mixed versions, a shard twice or missing, shards of
// another split, a file twice) are refused with what to do.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ShardPlan } from '../../src/results/ci-result.js';
import { countResults } from '../../src/results/counts.js';
import type { RunResult } from '../../src/results/run-result.js';
import { mergeBudgets, mergeRuns } from '../../src/history/merge-runs.js';
import type { ReadRun } from '../../src/history/read-runs.js';
import type { ResultsJson } from '../../src/history/results-json.js';
import { runFromJson } from '../../src/history/run-from-json.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { sampleRunWithBudgets } from '../helpers/sample-budgets.js';
import { sampleRunResult } from '../helpers/sample-run-result.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const plan = (index: number, total = 2, fingerprint = 'f1'): ShardPlan => ({ index, total, strategy: 'balanced', fingerprint, suiteFiles: 4, expectedMs: [2400, 400], gpus: null });

/** The sample run as shard `index` of `total` would have written it: its files only, its counts, read back from JSON. */
function shardOf(whole: RunResult, index: number, total = 2, version = 3, fingerprint = 'f1'): ReadRun {
  const files = whole.files.filter((_, position) => position % total === index - 1);
  const run: RunResult = { ...whole, runId: `shard-${index}`, files, counts: countResults(files), shard: plan(index, total, fingerprint), verdict: files.some((f) => f.status === 'failed' || f.status === 'crashed') ? 'failed' : 'passed' };
  return { path: `shards/${index}/results.json`, schemaVersion: version, run: runFromJson(JSON.parse(renderJson(run)) as ResultsJson) };
}

function usage(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: Error & { code?: string }) => {
    assert.equal(error.code, 'USAGE');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('mergeRuns', () => {
  it('gives back the unsharded run: every file once in plan order, its tests, figures, counts and verdict', () => {
    const whole = sampleRunResult();
    const merged = mergeRuns([shardOf(whole, 2), shardOf(whole, 1)], 'merged-id');
    assert.deepEqual(merged.files.map((f) => f.job.id), [...whole.files.map((f) => f.job.id)].sort());
    assert.deepEqual(merged.counts, whole.counts);
    assert.equal(merged.verdict, whole.verdict);
    const tests = (run: RunResult): unknown[] => [...run.files].sort((a, b) => a.job.id.localeCompare(b.job.id))
      .map((f) => [f.job.id, f.status, f.tests.map((t) => [t.fullName, t.status, t.durationMs, t.window?.peak?.vramBytes ?? null, t.failure?.message ?? null])]);
    assert.deepEqual(tests(merged), tests(whole));
    assert.deepEqual(merged.machines.map((m) => [m.shard?.index, m.runId]), [[1, 'shard-1'], [2, 'shard-2']]);
    assert.deepEqual(merged.files.map((f) => [f.job.id, f.machine]), [
      ['suites/flux/flux.test.ts', 0], ['suites/unit/crash.test.mjs', 1], ['suites/unit/math.test.ts', 0], ['suites/vlm/ensemble.test.ts', 1]]);
    assert.equal(merged.runId, 'merged-id');
    assert.equal(merged.shard, null);
  });

  it('keeps each test\'s VRAM before, after and peak in the merged reports, from shards written without raw samples', () => {
    const whole = sampleRunResult();
    const merged = mergeRuns([shardOf(whole, 1), shardOf(whole, 2)], 'x');
    const junit = renderJunit(merged);
    for (const [figure, value] of [['vram.before.bytes', 0], ['vram.after.bytes', 4 * GiB], ['vram.peak.bytes', 6 * GiB], ['vram.delta.bytes', 4 * GiB], ['swap.delta.bytes', 16 * MiB]] as const) {
      assert.match(junit, new RegExp(`name="ensemble &gt; caption matches reference :: ${figure.replace(/\./g, '\\.')}" value="${value}"`));
    }
    const json = JSON.parse(renderJson(merged)) as ResultsJson;
    const caption = json.files.find((f) => f.id === 'suites/vlm/ensemble.test.ts')?.tests[0];
    assert.deepEqual([caption?.deltas?.vramBeforeBytes, caption?.deltas?.vramAfterBytes, caption?.deltas?.vramPeakBytes], [0, 4 * GiB, 6 * GiB]);
  });

  it('writes one junit.xml whose counts are the unsharded run\'s', () => {
    const whole = sampleRunResult();
    const root = (xml: string): string => /<testsuites [^>]*>/.exec(xml)?.[0].replace(/ time="[^"]*"/, '') ?? '';
    assert.equal(root(renderJunit(mergeRuns([shardOf(whole, 1), shardOf(whole, 2)], 'x'))), root(renderJunit(whole)));
  });

  it('refuses mixed schema versions, a shard twice, a missing shard, shards of another split and a file twice', () => {
    const whole = sampleRunResult();
    usage(() => mergeRuns([shardOf(whole, 1, 2, 2), shardOf(whole, 2)], 'x'), /different results\.json schema versions: shards\/1\/results\.json \(2\), shards\/2\/results\.json \(3\)/);
    usage(() => mergeRuns([shardOf(whole, 1), shardOf(whole, 1), shardOf(whole, 2)], 'x'), /shard 1\/2 is there twice: shards\/1\/results\.json and shards\/1\/results\.json/);
    usage(() => mergeRuns([shardOf(whole, 1, 3), shardOf(whole, 3, 3)], 'x'), /shard 2 of 3 missing \(have 1, 3\)/);
    usage(() => mergeRuns([shardOf(whole, 1), shardOf(whole, 2, 2, 3, 'f2')], 'x'), /of another split .*the same files, --shard-strategy, shard\.gpus and --durations/);
    const again = { ...shardOf(whole, 1), path: 'machine-b/results.json', run: { ...shardOf(whole, 1).run, shard: null } };
    usage(() => mergeRuns([shardOf(whole, 1), shardOf(whole, 2), again], 'x'), /suites\/unit\/math\.test\.ts is in shards\/1\/results\.json and in machine-b\/results\.json/);
  });

  it('fails the merge when a machine failed by its own rules, though its tests passed', () => {
    const whole = { ...sampleRunResult(), files: sampleRunResult().files.filter((f) => f.status === 'passed') };
    const a = shardOf(whole, 1, 1);
    const failedByRegression = { ...a, run: { ...a.run, verdict: 'failed' as const } };
    assert.equal(mergeRuns([failedByRegression], 'x').verdict, 'failed');
  });
});

describe('mergeBudgets', () => {
  it('sums what was checked, keeps every breach and the worst figure, and the status over both', () => {
    const [check] = sampleRunWithBudgets().budgets.filter((c) => c.status === 'breached');
    assert.ok(check);
    const ok = { ...check, status: 'ok' as const, breaches: [], checked: 2, worst: check.worst && { ...check.worst, measured: 1 } };
    const [merged] = mergeBudgets([[ok], [check]]);
    assert.equal(merged?.status, 'breached');
    assert.equal(merged?.checked, check.checked + 2);
    assert.deepEqual(merged?.worst, check.worst);
    assert.equal(merged?.breaches.length, check.breaches.length);
  });
});
