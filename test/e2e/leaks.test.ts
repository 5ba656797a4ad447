// End to end with the simulated GPU: under --repeat the leaking test is flagged (and confirmed by a re-run) and the
// clean one is not; a process a test leaves holding VRAM is named, and killed with --kill-orphans.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeGpuEnv, setupFakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { isRunning } from '../../src/probe/process-tree.js';
import { FIXTURES, runCli } from './run-cli.js';

const LEAKING = 'load and unload leaks a cache entry';
const CLEAN = 'load and unload frees everything';

function gpuEnv(): NodeJS.ProcessEnv {
  const state = mkdtempSync(join(tmpdir(), 'gpu-test-leaks-gpu-'));
  setupFakeGpu(state);
  return fakeGpuEnv(state) as NodeJS.ProcessEnv;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

describe('leaks across repeats', () => {
  it('fails the leaking test with its growth per iteration, confirmed by a re-run, and passes the clean one', async () => {
    const run = await runCli({ project: 'leaks', args: ['run', 'cycles.test.mjs', '--repeat', '5'], env: gpuEnv() });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const tests = run.json?.files[0]?.tests ?? [];
    assert.equal(tests.filter((t) => t.name.startsWith(`${LEAKING} [repeat `)).length, 5, 'each iteration is a test of its own');
    assert.equal(tests.filter((t) => t.name.startsWith(`${CLEAN} [repeat `)).length, 5);
    const check = tests.find((t) => t.name === `${LEAKING} [leak check: VRAM]`);
    assert.equal(check?.status, 'failed');
    assert.equal(check?.failure?.type, 'MemoryLeak');
    assert.match(check?.failure?.message ?? '', /VRAM grew 64\.0 MiB per iteration \(R² 1\.00\).*confirmed by a re-run/);
    assert.ok(!tests.some((t) => t.name.startsWith(`${CLEAN} [leak check`)), 'the clean test is not flagged');
    // snapshot() inside the clean test read the 512 MiB it had just allocated; metric() carried it to every report.
    const clean = tests.find((t) => t.name === `${CLEAN} [repeat 1/5]`);
    const before = clean?.deltas?.vramBeforeBytes ?? NaN;
    assert.deepEqual(clean?.metrics, [{ name: 'load_vram_mib', value: before / 2 ** 20 + 512, unit: 'MiB' }]);
    assert.match(run.junit ?? '', new RegExp(`name="${CLEAN} \\[repeat 1/5\\] :: metric\\.load_vram_mib" value="${before / 2 ** 20 + 512}"`));
    assert.match(run.junit ?? '', new RegExp(`<testcase name="${LEAKING} \\[leak check: VRAM\\]"[^>]*>\\s*<failure [^>]*type="MemoryLeak"`));
    // The iterations point at the test's own line, not at the wrapper that repeats it.
    const source = readFileSync(join(FIXTURES, 'leaks/cycles.test.mjs'), 'utf8').split('\n');
    const line = source.findIndex((text) => text.includes(`it('${LEAKING}'`)) + 1;
    assert.match(run.stderr, new RegExp(`cycles\\.test\\.mjs:${line}\\b`));
  });

  it('only reports the leak under --leaks warn', async () => {
    const run = await runCli({ project: 'leaks', args: ['run', 'cycles.test.mjs', '--repeat', '5', '--leaks', 'warn'], env: gpuEnv() });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(!run.json?.files[0]?.tests.some((t) => t.status === 'failed'));
    assert.match(run.stderr, /Leaks: +1 confirmed, reported only \(--leaks warn\) \(cycles\.test\.mjs › load and unload leaks a cache entry: VRAM \+64\.0 MiB\/iteration\)/);
  });
});

describe('orphans', () => {
  it('names a process the file left holding VRAM, and leaves it running', async (t) => {
    const run = await runCli({ project: 'leaks', args: ['run', 'orphan.test.mjs'], env: gpuEnv() });
    const pid = Number(readFileSync(join(run.timelineDir, 'server.pid'), 'utf8'));
    t.after(() => killQuietly(pid));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(isRunning(pid), 'without --kill-orphans the orphan is only named');
    assert.match(run.stderr, new RegExp(`Orphans: +1 left running after their file \\(pid ${pid} on GPU 0, 256 MiB, still running\\): kill ${pid} or run with --kill-orphans`));
    assert.match(run.markdown ?? '', new RegExp(`\\| ${pid} \\| .*server\\.mjs`), 'report.md names the process');
  });

  it('kills it under --kill-orphans', async (t) => {
    const run = await runCli({ project: 'leaks', args: ['run', 'orphan.test.mjs', '--kill-orphans'], env: gpuEnv() });
    const pid = Number(readFileSync(join(run.timelineDir, 'server.pid'), 'utf8'));
    t.after(() => killQuietly(pid));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`Orphans: +1 left running after their file \\(pid ${pid} on GPU 0, 256 MiB, killed\\)`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(!isRunning(pid), 'the orphan is gone');
  });
});
