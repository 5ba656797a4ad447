// End to end: a file that runs out of memory beside a neighbour that took more than it declared is re-run alone,
// passes, and is reported as "fails when co-scheduled" naming the neighbour, in every report; --no-retry-alone
// leaves it a plain failure.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeGpuEnv, setupFakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { runCli } from './run-cli.js';

function card(): NodeJS.ProcessEnv {
  const state = mkdtempSync(join(tmpdir(), 'gpu-test-retry-gpu-'));
  setupFakeGpu(state, [{ name: 'NVIDIA GeForce RTX 4090', uuid: 'GPU-aaaaaaaa-1111-2222-3333-444444444444', totalMiB: 24564 }]);
  return fakeGpuEnv(state) as NodeJS.ProcessEnv;
}

describe('--retry-alone', () => {
  it('re-runs alone a file that ran out of VRAM beside another, and reports that it fails co-scheduled', async () => {
    // The guard is off so that the greedy file is not stopped before it crowds its neighbour out.
    const run = await runCli({ project: 'retry-alone', args: ['run', '--guard', 'off'], env: card() });
    assert.equal(run.code, 0, run.stderr);
    const victim = run.json?.files.find((f) => f.id === 'victim.test.mjs') as { status: string; tests: { status: string }[] } | undefined;
    assert.equal(victim?.status, 'passed-alone');
    assert.deepEqual(victim?.tests.map((t) => t.status), ['passed']);
    const sentence = /victim\.test\.mjs: fails when co-scheduled with greedy\.test\.mjs at 75% VRAM \(CUDA out of memory\. Tried to allocate 8192 MiB\..*\); passes alone/;
    assert.match(run.stderr, sentence);
    assert.match(run.markdown ?? '', /⚠️ passed alone, fails co-scheduled/);
    assert.match(run.junit ?? '', /fails when co-scheduled with greedy\.test\.mjs/);
  });

  it('leaves it a plain failure with --no-retry-alone', async () => {
    const run = await runCli({ project: 'retry-alone', args: ['run', '--guard', 'off', '--no-retry-alone'], env: card() });
    assert.equal(run.code, 1, run.stderr);
    const victim = run.json?.files.find((f) => f.id === 'victim.test.mjs');
    assert.equal(victim?.status, 'failed');
    assert.match(victim?.tests[0]?.failure?.message ?? '', /CUDA out of memory/);
  });
});
