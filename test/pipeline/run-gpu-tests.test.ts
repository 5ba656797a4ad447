// gpu-test as a library: runGpuTests() runs a project as `gpu-test run` does and returns the finished result (budgets,
// declared needs and balance judged, the verdict decided) without writing a report; planGpuTests() throws the errors a
// user must fix before anything runs; an interrupt stops the run and the result says so. Through the built package, as
// a program would import it.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeGpuEnv, setupFakeGpu, H100_80GB } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { createInterruptSwitch, planGpuTests, runGpuTests } from '../../dist/index.js';
import { cleanEnv, FIXTURES } from '../e2e/run-cli.js';
import { NVML_LIBRARY_ENV } from '../../src/probe/nvml.js';

// The GPUs are found through this process's own PATH, as nvidia-smi would be on a real host: the simulated one first.
const state = mkdtempSync(join(tmpdir(), 'gpu-test-library-gpu-'));
setupFakeGpu(state, [H100_80GB]);
Object.assign(process.env, fakeGpuEnv(state), { [NVML_LIBRARY_ENV]: join(state, 'no-libnvidia-ml.so.1') });

/** What the test processes inherit and the gates are read from. */
function gpuEnv(): NodeJS.ProcessEnv {
  const marks = mkdtempSync(join(tmpdir(), 'gpu-test-library-marks-'));
  return { ...cleanEnv(), TIMELINE_DIR: marks, MARK_DIR: marks, ENABLE_FLUX_TESTS: '', ENABLE_GPU_TESTS: '', GPU_TEST_LOCK_DIR: join(marks, 'locks') };
}

describe('runGpuTests', () => {
  it('runs a project and returns the finished result, writing no report', async () => {
    const reportDir = join(mkdtempSync(join(tmpdir(), 'gpu-test-library-reports-')), 'reports');
    const result = await runGpuTests({ cwd: join(FIXTURES, 'mixed'), env: gpuEnv(), options: { concurrency: 2, reportDir } });
    assert.equal(result.verdict, 'passed');
    assert.deepEqual(result.files.map((file) => [file.job.id, file.status]), [
      ['cpu/a.test.mjs', 'passed'], ['cpu/b.test.mjs', 'passed'], ['cpu/c.test.ts', 'passed'], ['flux/f.test.mjs', 'skipped'],
      ['gpu/g1.test.mjs', 'passed'], ['gpu/g2.test.mjs', 'passed'],
    ]);
    assert.match(result.files.find((file) => file.job.id === 'flux/f.test.mjs')?.skipReason ?? '', /ENABLE_FLUX_TESTS=1/);
    assert.deepEqual([result.budgets, result.gpuBalance.limitPercent], [[], 10]);
    assert.ok(result.suiteNeeds.some((row) => row.suite === 'gpu'), 'declared needs are compared for every suite');
    assert.equal(existsSync(reportDir), false, 'the library writes no report: that is the CLI\'s job');
  });

  it('stops when its interrupt is tripped, and the result says by what', async () => {
    const interrupt = createInterruptSwitch();
    const planned = await planGpuTests({ cwd: join(FIXTURES, 'mixed'), env: gpuEnv(), options: { concurrency: 1 }, interrupt });
    const result = await planned.run({ onFileStart: () => interrupt.interrupt('SIGTERM') });
    assert.equal(result.verdict, 'interrupted');
    assert.equal(result.interruption?.signal, 'SIGTERM');
    assert.ok(result.files.some((file) => file.status === 'interrupted' || (file.skipReason ?? '').startsWith('not started: the run was interrupted')));
  });

  it('throws the error a user must fix (a malformed config) before anything runs', async () => {
    await assert.rejects(planGpuTests({ cwd: join(FIXTURES, 'bad-config'), env: gpuEnv() }), (error: Error & { code?: string }) =>
      error.name === 'GpuTestError' && error.code === 'CONFIG_INVALID' && /gpu-test\.config\.yaml:4:\d+/.test(error.message));
  });
});
