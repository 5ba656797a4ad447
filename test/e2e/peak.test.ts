// End to end: a test that takes 2 GiB of VRAM and frees it before it ends has equal VRAM before and after, and
// every report still shows its 2 GiB peak, through the nvidia-smi stream and through NVML.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fakeGpuEnv, setupFakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { NVML_LIBRARY_ENV } from '../../src/probe/nvml.js';
import { buildFakeNvml, fakeNvmlSkipReason } from '../probe/fake-nvml-build.js';
import { runCli, type CliRun } from './run-cli.js';

const MiB = 1024 * 1024;
const SPIKE = 'loads 2 GiB of weights and frees them';

function gpuEnv(): NodeJS.ProcessEnv {
  const state = mkdtempSync(join(tmpdir(), 'gpu-test-peak-gpu-'));
  setupFakeGpu(state, [{ name: 'NVIDIA H100 80GB HBM3', uuid: 'GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d', totalMiB: 81559 }]);
  return fakeGpuEnv(state) as NodeJS.ProcessEnv;
}

function checkReports(run: CliRun): void {
  assert.equal(run.code, 0, run.stderr);
  const test = run.json?.files[0]?.tests.find((t) => t.name === SPIKE);
  assert.ok(test, 'the spike test is missing from results.json');
  const { vramBeforeBytes, vramAfterBytes, vramPeakBytes, hostUsedPeakBytes } = test.deltas ?? {};
  assert.equal(vramBeforeBytes, 0);
  assert.equal(vramAfterBytes, 0, 'the test freed what it took');
  assert.equal(vramPeakBytes, 2048 * MiB);
  assert.ok(hostUsedPeakBytes !== undefined && hostUsedPeakBytes > 0);

  assert.match(run.junit ?? '', new RegExp(`name="${SPIKE} :: vram\\.peak\\.bytes" value="${2048 * MiB}"`));
  assert.match(run.junit ?? '', new RegExp(`name="${SPIKE} :: host\\.used\\.peak\\.bytes" value="\\d+"`));

  const tests = (run.markdown ?? '').slice((run.markdown ?? '').indexOf('\n## Tests\n'));
  const row = tests.split('\n').find((line) => line.startsWith('| ✅ ') && line.includes(SPIKE));
  assert.ok(row, 'no row for the spike test in report.md');
  // Test, Time, VRAM before → after (Δ), VRAM peak, …
  const cells = row.split(' | ').map((cell) => cell.trim());
  assert.deepEqual(cells.slice(2, 4), ['0 → 0 B (0 B)', '2.0 GiB']);
  assert.match(run.stderr, /Top VRAM: peak 2\.0 GiB in loads 2 GiB of weights and frees them/);
}

describe('per-test VRAM peaks from continuous sampling', () => {
  let smi: CliRun;
  before(async () => {
    smi = await runCli({ project: 'peak', args: ['run', '--gpu-backend', 'nvidia-smi'], env: gpuEnv() });
  });

  it('shows a spike freed before the test ends, through the nvidia-smi stream', () => checkReports(smi));

  it('shows it through NVML too', { skip: fakeNvmlSkipReason() }, async () => {
    const env = { ...gpuEnv(), [NVML_LIBRARY_ENV]: buildFakeNvml() };
    checkReports(await runCli({ project: 'peak', args: ['run', '--gpu-backend', 'nvml'], env }));
  });

  it('exits 2 naming why, when the backend asked for cannot start', async () => {
    const run = await runCli({ project: 'peak', args: ['run', '--gpu-backend', 'nvml'], env: gpuEnv() });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--gpu-backend nvml: NVML cannot be used: .*no-libnvidia-ml\.so\.1/);
    assert.equal(run.json, null, 'no report: nothing ran');
  });
});
