// End to end: on a 4 GiB simulated card, a test that takes 512 MiB every 100 ms is stopped by the memory guard, fails
// with the VRAM figure and the curve in every report, and the rest of the run goes on; `--guard off` lets it finish.
// Host RAM: a test that takes a few hundred MiB is stopped once the guard's RAM limit, set just above the host's
// current use through the config, is crossed or about to be.

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import { fakeGpuEnv, setupFakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { readHostMemory } from '../../src/probe/meminfo.js';
import { validateJunit } from '../report/validate-junit.js';
import { FIXTURES, runCli, type CliRun } from './run-cli.js';

const FILLS = 'fills the card in 512 MiB steps';
const GUARD_MESSAGE = /stopped by the memory guard: GPU 0 VRAM (?:at \d+\.\d% of 4\.00 GiB, over the 98% limit|growing [\d.]+ [GM]iB\/s at \d+\.\d% of 4\.00 GiB: at the 98% limit in \d+\.\d s, within the 10 s horizon); recent curve: (?:t-\d+\.\d\ds [\d.]+ [GM]iB, )+t0 [\d.]+ [GM]iB/;

function smallCard(): NodeJS.ProcessEnv {
  const state = mkdtempSync(join(tmpdir(), 'gpu-test-guard-gpu-'));
  setupFakeGpu(state, [{ name: 'NVIDIA Small 4GB', uuid: 'GPU-4a0c1f3e-2b4d-4e5f-8a9b-0c1d2e3f4a5b', totalMiB: 4096 }]);
  return fakeGpuEnv(state) as NodeJS.ProcessEnv;
}

describe('the memory guard', () => {
  let guarded: CliRun;
  let unguarded: CliRun;
  before(async () => {
    [guarded, unguarded] = await Promise.all([
      runCli({ project: 'guard', args: ['run'], env: smallCard() }),
      runCli({ project: 'guard', args: ['run', '--guard', 'off'], env: smallCard() }),
    ]);
  });

  it('stops the test filling the card: a failed file, its test failed as MemoryGuard with the figure and the curve', () => {
    assert.equal(guarded.code, 1, guarded.stderr);
    const file = guarded.json?.files.find((f) => f.id === 'fills-card.test.mjs');
    assert.equal(file?.status, 'failed');
    const test = file?.tests.find((t) => t.name === FILLS);
    assert.equal(test?.status, 'failed');
    assert.equal(test?.failure?.type, 'MemoryGuard');
    assert.match(test?.failure?.message ?? '', GUARD_MESSAGE);
  });

  it('shows the stop in junit.xml, report.md and the console', async () => {
    assert.match(guarded.junit ?? '', new RegExp(`<failure type="MemoryGuard" message="${GUARD_MESSAGE.source}`));
    assert.deepEqual(await validateJunit(guarded.junit ?? ''), []);
    assert.match(guarded.markdown ?? '', /## Failures/);
    assert.match(guarded.markdown ?? '', GUARD_MESSAGE);
    assert.match(guarded.stderr, GUARD_MESSAGE);
  });

  it('lets the rest of the run go on', () => {
    const passed = guarded.json?.files.filter((f) => f.status === 'passed').map((f) => f.id).sort();
    assert.deepEqual(passed, ['ok.test.mjs', 'uses-card.test.mjs']);
  });

  it('with --guard off, lets the test fill the card and finish by itself', () => {
    assert.equal(unguarded.code, 0, unguarded.stderr);
    const test = unguarded.json?.files.find((f) => f.id === 'fills-card.test.mjs')?.tests.find((t) => t.name === FILLS);
    assert.equal(test?.status, 'passed');
    assert.equal(test?.deltas?.vramPeakBytes, 4096 * 1024 * 1024);
    assert.doesNotMatch(unguarded.markdown ?? '', /memory guard/);
  });
});

const MiB = 1024 * 1024;
const RAM_TAKEN_MIB = 768;

/** Why the host-RAM run cannot be made safely here, or null. */
function ramSkipReason(): string | null {
  const host = process.platform === 'linux' ? readHostMemory() : null;
  if (!host) return 'host RAM is measured on Linux only';
  if (host.totalBytes < 8 * 1024 * MiB) return 'the host has less than 8 GiB of RAM';
  if ((host.usedBytes + 2 * RAM_TAKEN_MIB * MiB) / host.totalBytes > 0.85) return 'the host is too busy to take 768 MiB more safely';
  return null;
}

describe('the memory guard on host RAM', { skip: ramSkipReason() ?? false }, () => {
  it('stops a test whose buffers cross the RAM limit set just above the current use', async () => {
    const host = readHostMemory();
    assert.ok(host);
    // A third of the way into the test's growth: crossed (or predicted) whatever the other processes do meanwhile.
    const limit = ((host.usedBytes + (RAM_TAKEN_MIB / 3) * MiB) / host.totalBytes) * 100;
    const project = mkdtempSync(join(tmpdir(), 'gpu-test-guard-ram-'));
    copyFileSync(join(FIXTURES, 'guard-ram/grows-ram.test.mjs'), join(project, 'grows-ram.test.mjs'));
    writeFileSync(join(project, 'gpu-test.config.yaml'), `suites:\n  - name: ram\n    files: ["*.test.mjs"]\nguard:\n  ram: ${limit.toFixed(2)}%\n`);
    const run = await runCli({ project: relative(FIXTURES, project), args: ['run'], env: { GUARD_RAM_MIB: String(RAM_TAKEN_MIB) } });
    assert.equal(run.code, 1, run.stderr);
    // Other processes of the host may cross the limit a moment before the buffers do: the stop then lands before the test
    // starts, on the file-level test. Either way it is the only running test, stopped for host RAM.
    const test = run.json?.files[0]?.tests.find((t) => t.failure?.type === 'MemoryGuard');
    assert.ok(test, run.stderr);
    assert.match(test?.failure?.message ?? '', /^stopped by the memory guard: host RAM (?:at|growing) .* of [\d.]+ GiB.*; recent curve: .*t0 [\d.]+ [GM]iB$/);
    assert.match(run.junit ?? '', /<failure type="MemoryGuard" message="stopped by the memory guard: host RAM/);
  });
});
