// End to end with the simulated GPU: a suite's budgets fail the test that breached them, in junit.xml, report.md,
// results.json and the exit code: a VRAM peak over `peakVram`, a metric outside its bound, and (through NVML) a card
// over `tempMax`; without NVML the health budgets are named in a warning instead of failing.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeGpuEnv, setupFakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { NVML_LIBRARY_ENV } from '../../src/probe/nvml.js';
import { buildFakeNvml, fakeNvmlSkipReason } from '../probe/fake-nvml-build.js';
import { runCli, type CliRun } from './run-cli.js';

const GiB = 1024 ** 3;

interface BudgetJson {
  readonly suite: string;
  readonly name: string;
  readonly status: string;
  readonly worst: { measured: number | null; limit: number } | null;
  readonly breaches: readonly { testName: string; measured: number | null; limit: number; message: string }[];
}

function gpuEnv(): NodeJS.ProcessEnv {
  const state = mkdtempSync(join(tmpdir(), 'gpu-test-budgets-gpu-'));
  setupFakeGpu(state, [{ name: 'NVIDIA H100 80GB HBM3', uuid: 'GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d', totalMiB: 81559 }]);
  return fakeGpuEnv(state) as NodeJS.ProcessEnv;
}

function budgets(run: CliRun): BudgetJson[] {
  return (run.json as unknown as { budgets: BudgetJson[] } | null)?.budgets ?? [];
}

function warnings(run: CliRun): string[] {
  return (run.json as unknown as { warnings: string[] } | null)?.warnings ?? [];
}

/** The `<testcase …>…</testcase>` of `name` in junit.xml, or null. */
function testcase(junit: string | null, name: string): string | null {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`<testcase name="${escaped}"[^>]*?(?:/>|>[\\s\\S]*?</testcase>)`).exec(junit ?? '')?.[0] ?? null;
}

describe('suite budgets', () => {
  it('fails the test whose VRAM peak is over peakVram, and only that one', async () => {
    const run = await runCli({ project: 'budgets', args: ['run', 'vram.test.mjs', '--gpu-backend', 'nvidia-smi'], env: gpuEnv() });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const failed = testcase(run.junit, 'loads 2 GiB of weights [budget: peakVram]');
    assert.ok(failed, `no budget testcase in junit.xml:\n${run.junit}`);
    assert.match(failed, /<failure type="BudgetExceeded" message="VRAM peaked at 2\.0 GiB, over the 1\.0 GiB budget of suite vlm">/);
    assert.match(testcase(run.junit, 'loads 2 GiB of weights') ?? '', /^<testcase [^>]*\/>$/, 'the test itself passed');
    assert.equal(testcase(run.junit, 'stays within budget [budget: peakVram]'), null);
    assert.match(run.junit ?? '', new RegExp(`<property name="loads 2 GiB of weights :: budget\\.peakVram\\.limit" value="${GiB}"/>`));
    assert.match(run.junit ?? '', new RegExp(`<property name="loads 2 GiB of weights :: budget\\.peakVram\\.measured" value="${2 * GiB}"/>`));

    assert.equal(run.json?.verdict, 'failed');
    assert.equal(run.json?.files[0]?.status, 'failed');
    const [peak] = budgets(run).filter((check) => check.suite === 'vlm');
    assert.deepEqual([peak?.name, peak?.status, peak?.breaches.map((b) => [b.testName, b.measured, b.limit])],
      ['peakVram', 'breached', [['loads 2 GiB of weights [budget: peakVram]', 2 * GiB, GiB]]]);
    // The suites whose files did not run are not measured, and fail nothing.
    assert.deepEqual(budgets(run).filter((check) => check.suite !== 'vlm').map((check) => check.status), ['not-measured', 'not-measured', 'not-measured']);
    assert.match(run.markdown ?? '', /## Budgets[\s\S]*\| vlm \| `peakVram` \| &lt;= 1\.0 GiB \| 2\.0 GiB \| `vram\.test\.mjs` › loads 2 GiB of weights \| ❌ breached \(1 breach\) \|/);
  });

  it('fails the test whose recorded metric is outside its bound', async () => {
    const run = await runCli({ project: 'budgets', args: ['run', 'metric.test.mjs'], env: gpuEnv() });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(testcase(run.junit, 'generates slowly [budget: metric tokens_per_s]') ?? '',
      /<failure type="BudgetExceeded" message="tokens_per_s was 12 tok\/s; the budget of suite llm requires &gt;= 40">/);
    assert.equal(testcase(run.junit, 'generates fast enough [budget: metric tokens_per_s]'), null);
    assert.match(run.junit ?? '', /<property name="generates slowly :: budget\.metric\.tokens_per_s\.measured" value="12"\/>/);
    const tests = run.json?.files[0]?.tests ?? [];
    assert.deepEqual(tests.map((t) => [t.name, t.status]), [
      ['generates slowly', 'passed'], ['generates fast enough', 'passed'], ['generates slowly [budget: metric tokens_per_s]', 'failed'],
    ]);
    assert.match(run.stderr, /Budgets: +generates slowly \[budget: metric tokens_per_s\]: tokens_per_s was 12 tok\/s; the budget of suite llm requires >= 40/);
    const metric = budgets(run).find((check) => check.name === 'metric.tokens_per_s');
    assert.deepEqual([metric?.status, metric?.worst?.measured], ['breached', 12]);
  });

  it('fails a file whose card ran over tempMax, read through NVML', { skip: fakeNvmlSkipReason() }, async () => {
    const env = { ...gpuEnv(), [NVML_LIBRARY_ENV]: buildFakeNvml() };
    const run = await runCli({ project: 'budgets', args: ['run', 'hot.test.mjs', '--gpu-backend', 'nvml'], env });
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(testcase(run.junit, 'hot.test.mjs [budget: tempMax]') ?? '',
      /<failure type="BudgetExceeded" message="GPU 0 reached 95 °C while the file ran \([\d.]+ m?s\), over the 85 °C budget of suite hot">/);
    const hot = budgets(run).filter((check) => check.suite === 'hot');
    assert.deepEqual(hot.map((check) => [check.name, check.status, check.worst?.measured]), [['tempMax', 'breached', 95], ['powerMax', 'ok', 71.11]]);
    assert.ok(!warnings(run).some((warning) => warning.startsWith('GPU health budgets')), warnings(run).join('\n'));
  });

  it('says the health budgets went unchecked, and fails nothing, without NVML', async () => {
    const run = await runCli({ project: 'budgets', args: ['run', 'hot.test.mjs', '--gpu-backend', 'nvidia-smi'], env: gpuEnv() });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(warnings(run).filter((warning) => warning.startsWith('GPU health budgets')), [
      'GPU health budgets were not checked (tempMax of suite hot, powerMax of suite hot): utilization, temperature and power are ' +
        'sampled through NVML only, and this run read the GPUs without it (libnvidia-ml did not load, or `--gpu-backend nvidia-smi` was given)',
    ]);
    assert.match(run.markdown ?? '', /\| hot \| `tempMax` \| &lt;= 85 °C \| — \| — \| ➖ not measured: GPU utilization, temperature and power are sampled through NVML only/);
  });
});
