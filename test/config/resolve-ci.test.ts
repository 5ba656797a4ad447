// The CI settings: --shard auto from a Kubernetes Indexed Job or the variables named under shard.auto, shard.gpus
// against the shard count, the comparison's thresholds (a suite's over the run's), --durations over a folder of runs,
// and the config keys that set them.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULTS } from '../../src/config/defaults.js';
import { durationsOf, readResultsFiles } from '../../src/config/read-results-files.js';
import { resolveCompare, resolveShard } from '../../src/config/resolve-ci.js';
import { resolveConfig } from '../../src/config/resolve-config.js';

function usageError(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: Error & { code?: string }) => {
    assert.equal(error.code, 'USAGE');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('resolveShard', () => {
  it('reads a Kubernetes Indexed Job: the 0-based completion index and the count the manifest passes', () => {
    const env = { JOB_COMPLETION_INDEX: '2', JOB_COMPLETIONS: '4' };
    assert.deepEqual(resolveShard('auto', undefined, undefined, env), { index: 3, total: 4, strategy: 'balanced', gpus: null });
    // A suite split over two Jobs (one per GPU need class): this Job's shards start after the first Job's one.
    assert.deepEqual(resolveShard('auto', undefined, { gpus: [2, 1, 1, 1] }, { JOB_COMPLETION_INDEX: '0', GPU_TEST_SHARD_OFFSET: '1', GPU_TEST_SHARD_TOTAL: '4', JOB_COMPLETIONS: '3' }),
      { index: 2, total: 4, strategy: 'balanced', gpus: [2, 1, 1, 1] });
  });

  it('reads the CI variables named under shard.auto first, 0- or 1-based', () => {
    const env = { CI_NODE_INDEX: '1', CI_NODE_TOTAL: '3', JOB_COMPLETION_INDEX: '0', JOB_COMPLETIONS: '9' };
    assert.equal(resolveShard('auto', 'round-robin', { auto: { index: 'CI_NODE_INDEX', total: 'CI_NODE_TOTAL', base: 1 } }, env)?.index, 1);
    assert.equal(resolveShard('auto', undefined, { auto: { index: 'CI_NODE_INDEX', total: 'CI_NODE_TOTAL', base: 0 } }, env)?.index, 2);
    assert.equal(resolveShard('auto', 'round-robin', undefined, env)?.strategy, 'round-robin');
  });

  it('says what it looked for when the environment has no shard, and refuses one out of range', () => {
    usageError(() => resolveShard('auto', undefined, undefined, {}), /--shard auto found no shard in the environment: set `JOB_COMPLETION_INDEX` and `JOB_COMPLETIONS`/);
    usageError(() => resolveShard('auto', undefined, undefined, { JOB_COMPLETION_INDEX: '4', JOB_COMPLETIONS: '4' }), /read shard 5 of 4 .*JOB_COMPLETION_INDEX`=4/);
    usageError(() => resolveShard('auto', undefined, undefined, { JOB_COMPLETION_INDEX: 'x', JOB_COMPLETIONS: '4' }), /`JOB_COMPLETION_INDEX` must be a whole number >= 0, got `x`/);
  });

  it('wants one runner per shard in shard.gpus', () => {
    usageError(() => resolveShard({ index: 1, total: 4 }, undefined, { gpus: [2, 1] }, {}), /`shard.gpus` lists 2 runners \(2, 1\) but the run is shard 1 of 4/);
    assert.equal(resolveShard(undefined, undefined, { gpus: [2, 1] }, {}), null);
  });
});

describe('resolveCompare', () => {
  it('replaces only the bounds given, and gives a metric the metric threshold unless it has its own', () => {
    const run = resolveCompare(DEFAULTS.compare, { thresholds: { peakVram: { absolute: 1024 ** 3 } }, metrics: { tokens_per_s: { better: 'higher', relativePercent: 5 } } });
    assert.deepEqual(run.thresholds.peakVram, { relativePercent: 10, absolute: 1024 ** 3 });
    assert.deepEqual(run.metrics['tokens_per_s'], { relativePercent: 5, absolute: 0, better: 'higher' });
    const suite = resolveCompare(run, { thresholds: { duration: { relativePercent: 50 } } });
    assert.deepEqual(suite.thresholds.duration, { relativePercent: 50, absolute: 1000 });
    assert.deepEqual(suite.thresholds.peakVram, run.thresholds.peakVram);
  });
});

describe('--durations over several runs', () => {
  it('takes each file\'s median over every results.json in a folder, passing over other JSON there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpu-test-durations-'));
    const night = (n: number, ms: number): void => {
      mkdirSync(join(dir, `night-${n}`));
      writeFileSync(join(dir, `night-${n}`, 'results.json'), JSON.stringify({ schemaVersion: 3, generatedBy: 'gpu-test 0.1.0', files: [{ id: 'a.test.ts', durationMs: ms }, { id: 'gated.test.ts', durationMs: null }] }));
    };
    [1000, 9000, 2000].forEach((ms, i) => night(i, ms));
    writeFileSync(join(dir, 'package.json'), '{"name":"x"}');
    const files = await readResultsFiles([dir], '/', '--durations');
    assert.equal(files.length, 3);
    assert.deepEqual(durationsOf(files), { 'a.test.ts': 2000 });
    await assert.rejects(readResultsFiles([mkdtempSync(join(tmpdir(), 'gpu-test-empty-'))], '/', '--durations'), /holds no gpu-test results\.json/);
  });
});

describe('the CI keys of gpu-test.config.yaml', () => {
  it('reads shard, retries, retryOn, failOnFlaky and compare, the suite\'s over the run\'s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpu-test-ci-config-'));
    writeFileSync(join(dir, 'gpu-test.config.yaml'), [
      'suites:', '  - name: vlm', '    files: ["*.test.ts"]', '    retries: 3', '    retryOn: [gpu]', '    compare: { thresholds: { peakVram: { relative: 5% } } }',
      'shard: { strategy: round-robin, gpus: [2, 1], auto: { index: SHARD, total: SHARDS, base: 0 } }',
      'retries: 1', 'failOnFlaky: true', 'compare: { failOnRegression: true, thresholds: { duration: { relative: 30%, absolute: 2000 } } }', '',
    ].join('\n'));
    const config = await resolveConfig({ cwd: dir, cli: { shard: 'auto' }, env: { SHARD: '1', SHARDS: '2' } });
    assert.deepEqual(config.shard, { index: 2, total: 2, strategy: 'round-robin', gpus: [2, 1] });
    assert.deepEqual([config.retries, config.retryOn, config.failOnFlaky, config.failOnRegression], [1, ['timeout', 'crash', 'gpu'], true, true]);
    const [suite] = config.suites;
    assert.deepEqual([suite?.retries, suite?.retryOn], [3, ['gpu']]);
    assert.deepEqual(suite?.compare?.thresholds.peakVram, { relativePercent: 5, absolute: 256 * 1024 ** 2 });
    assert.deepEqual(suite?.compare?.thresholds.duration, { relativePercent: 30, absolute: 2000 });
  });

  it('names the key and the fix for a bad value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpu-test-ci-config-'));
    writeFileSync(join(dir, 'gpu-test.config.yaml'), 'retryOn: [assertion, flake]\nshard: { strategy: fair }\n');
    await assert.rejects(resolveConfig({ cwd: dir, cli: {}, env: {} }), (error: Error) => {
      assert.match(error.message, /`retryOn\[1\]` must be one of `assertion`, `timeout`, `crash`, `oom`, `gpu`, got `"flake"`/);
      assert.match(error.message, /`shard.strategy` must be one of `balanced`, `round-robin`, got `"fair"`/);
      return true;
    });
  });
});
