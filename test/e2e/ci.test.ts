// End to end, the CI commands on a small suite (test/e2e/fixtures/ci): two shards merged equal the unsharded run; a
// planted regression (a bigger model, a slower kernel) is found against the baseline and fails the job where asked,
// while a plain rerun is not flagged, and trend renders the nights; a GPU hiccup is retried and reported flaky, an
// assertion that failed once is not retried.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeGpuEnv, setupFakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { runCli, type CliRun } from './run-cli.js';

function card(): NodeJS.ProcessEnv {
  const state = mkdtempSync(join(tmpdir(), 'gpu-test-ci-gpu-'));
  setupFakeGpu(state, [{ name: 'NVIDIA GeForce RTX 4090', uuid: 'GPU-aaaaaaaa-1111-2222-3333-444444444444', totalMiB: 24564 }]);
  return fakeGpuEnv(state) as NodeJS.ProcessEnv;
}

type Results = { counts: Record<string, number>; files: { id: string; status: string; machine: number | null; tests: { fullName: string; status: string; deltas?: { vramPeakBytes?: number }; metrics?: { value: number }[] }[] }[] };
const results = (run: CliRun): Results => run.json as unknown as Results;
// Timing moves which sample catches a freed model, so a file's highest VRAM peak is compared, not each test's.
const view = (doc: Results): unknown => doc.files.map((f) => [f.id, f.status, Math.max(0, ...f.tests.map((t) => t.deltas?.vramPeakBytes ?? 0)),
  f.tests.map((t) => [t.fullName, t.status, (t.metrics ?? []).map((m) => m.value)])]);

describe('gpu-test in CI', () => {
  it('merges two balanced shards into the run one machine gives: files, tests, counts and figures', async () => {
    const env = card();
    const whole = await runCli({ project: 'ci', args: ['run', 'cpu', 'gpu'], env });
    assert.equal(whole.code, 0, whole.stderr);
    const shards = [];
    for (const index of [1, 2]) {
      const shard = await runCli({ project: 'ci', args: ['run', 'cpu', 'gpu', '--shard', `${index}/2`, '--durations', whole.reportDir], env });
      assert.equal(shard.code, 0, shard.stderr);
      shards.push(shard);
    }
    // The GPU file and the longest CPU file land on different shards, whatever the timings were.
    assert.ok(shards.every((s) => results(s).files.length > 0));
    assert.equal(shards.reduce((sum, s) => sum + results(s).files.length, 0), 4);
    const merged = await runCli({ project: 'ci', args: ['merge', ...shards.map((s) => s.reportDir)], env });
    assert.equal(merged.code, 0, merged.stderr);
    assert.deepEqual(results(merged).counts, results(whole).counts);
    assert.deepEqual(view(results(merged)), view(results(whole)));
    assert.deepEqual(new Set(results(merged).files.map((f) => f.machine)), new Set([0, 1]));
    assert.match(merged.markdown ?? '', /## Machines\n\n<details><summary>2 machines: [^\n]*<\/summary>\n\nThis report merges 2 runs/);
    const again = await runCli({ project: 'ci', args: ['merge', shards[0]?.reportDir ?? ''], env });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /merge: shard 2 of 2 missing \(have 1\)/);
  });

  it('finds a planted regression against the baseline, not a plain rerun, and charts the nights', async () => {
    const env = card();
    const base = await runCli({ project: 'ci', args: ['run', 'cpu', 'gpu'], env });
    const rerun = await runCli({ project: 'ci', args: ['run', 'cpu', 'gpu', '--baseline', base.reportDir, '--fail-on-regression'], env });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.markdown ?? '', /## What changed since the baseline\n\nAgainst run `[^`]+` \(ended [^)]+\): \*\*0 regressions\*\*/);
    const planted = await runCli({ project: 'ci', args: ['run', 'cpu', 'gpu', '--baseline', base.reportDir, '--fail-on-regression'], env: { ...env, PLANT_VRAM_MIB: '2560', PLANT_TOKENS: '30' } });
    assert.equal(planted.code, 1, 'every test passed, the regression fails the run');
    assert.match(planted.markdown ?? '', /\| loads the model <sub>gpu\/loader\.test\.mjs:6<\/sub> \| peak VRAM \| 512 MiB \| 2\.5 GiB \| \+400% \|/);
    assert.match(planted.markdown ?? '', /\| generates tokens <sub>cpu\/b\.test\.mjs:5<\/sub> \| metric tokens_per_s \| 50 tok\/s \| 30 tok\/s \| -40% \|/);
    const compare = await runCli({ project: 'ci', args: ['compare', base.reportDir, planted.reportDir, '--fail-on-regression'], env });
    assert.equal(compare.code, 1);
    assert.match(compare.stdout, /^# gpu-test compare\n[\s\S]*\*\*3 regressions\*\*/);
    const history = mkdtempSync(join(tmpdir(), 'gpu-test-history-'));
    [base, rerun, planted].forEach((night, index) => cpSync(join(night.reportDir, 'results.json'), join(history, `night-${index}`, 'results.json')));
    const trend = await runCli({ project: 'ci', args: ['trend', history], env });
    assert.equal(trend.code, 0, trend.stderr);
    assert.match(trend.stdout, /```mermaid\nxychart-beta\n {2}title "gpu: peak VRAM of a test"\n.*\n.*\n {2}line \[0\.5, 0\.5, 2\.5\]/);
  });

  it('retries a GPU hiccup and reports it flaky in every report; an assertion is not retried', async () => {
    const flakyDir = mkdtempSync(join(tmpdir(), 'gpu-test-flaky-'));
    const run = await runCli({ project: 'ci', args: ['run', 'flaky', '--retries', '2'], env: { ...card(), FLAKY_DIR: flakyDir } });
    assert.equal(run.code, 1, 'the assertion failure stands');
    const files = results(run).files;
    const hiccup = files.find((f) => f.id === 'flaky/gpu-hiccup.test.mjs') as Results['files'][number] & { attempts: { failureClass: string }[] };
    assert.equal(hiccup.status, 'flaky');
    assert.deepEqual(hiccup.tests.map((t) => t.status), ['flaky', 'passed']);
    assert.deepEqual(hiccup.attempts.map((a) => a.failureClass), ['gpu']);
    const assertion = files.find((f) => f.id === 'flaky/assert-once.test.mjs') as Results['files'][number] & { attempts: unknown[] };
    assert.deepEqual([assertion.status, assertion.attempts], ['failed', []]);
    assert.equal(results(run).counts['flaky'], 1);
    assert.match(run.junit ?? '', /<testcase name="survives a GPU hiccup"[^>]*>\n {6}<flakyFailure type="Error" message="CUDA error: an illegal memory access was encountered">/);
    assert.match(run.markdown ?? '', /## Flaky tests \(1\)/);
    assert.match(run.stderr, /↻ cpu flaky\/gpu-hiccup\.test\.mjs failed: running it again \(attempt 2\)/);
  });
});
