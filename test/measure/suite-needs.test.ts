// compareSuiteNeeds and gpuBalance: declared needs against measured peaks, suggestions for undeclared suites, and
// the spread between the cards of a multi-GPU file; and the report section that shows them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SuiteConfig } from '../../src/config/types.js';
import type { FileResult, RunResult } from '../../src/results/run-result.js';
import { compareSuiteNeeds, gpuBalance } from '../../src/measure/suite-needs.js';
import { renderNeeds } from '../../src/report/markdown-needs.js';
import { sampleRunResult } from '../helpers/sample-run-result.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function suite(name: string, requires: SuiteConfig['requires'] = null): SuiteConfig {
  return { name, files: [], allowEmpty: false, tags: [], timeoutMs: null, repeat: null, leakThreshold: null, leakRepeatMax: null, requires, hooks: null, budgets: null, source: null, filesSource: null, retries: null, retryOn: null, compare: null };
}

function withLoads(result: RunResult, id: string, loads: FileResult['gpuLoad']): RunResult {
  return { ...result, files: result.files.map((file) => (file.job.id === id ? { ...file, gpuLoad: loads } : file)) };
}

describe('compareSuiteNeeds', () => {
  const base = sampleRunResult();
  const gpuFile = base.files.find((file) => file.lane === 'gpu' && file.startedAt !== null)!;

  it('puts the declared VRAM beside the most one file took, and suggests nothing where it is declared', () => {
    const result = withLoads(base, gpuFile.job.id, [{ gpuIndex: 0, peakAboveStartBytes: 5 * GiB }]);
    const [row] = compareSuiteNeeds(result, [suite(gpuFile.job.suite, { vram: { bytes: 4 * GiB } })]);
    assert.equal(row?.declaredVramBytes, 4 * GiB);
    assert.equal(row?.measuredVramBytes, 5 * GiB);
    assert.match(renderNeeds({ ...result, suiteNeeds: [row!] }) ?? '', /\| 4\.0 GiB \| 5\.0 GiB · ❌ over by 1\.0 GiB \|/);
  });

  it('suggests the peak plus 20%, rounded up to 256 MiB, for an undeclared GPU suite', () => {
    const result = withLoads(base, gpuFile.job.id, [{ gpuIndex: 0, peakAboveStartBytes: 1000 * MiB }]);
    const [row] = compareSuiteNeeds(result, [suite(gpuFile.job.suite)]);
    assert.equal(row?.suggestedVramBytes, 1280 * MiB, '1000 MiB x 1.2 = 1200 MiB, up to 1280 MiB');
    assert.match(renderNeeds({ ...result, suiteNeeds: [row!] }) ?? '', /`requires: \{ vram: 1\.3GiB/);
  });

  it('leaves out suites that ran no file, and resolves a % declaration against the largest card', () => {
    const rows = compareSuiteNeeds(base, [suite('never-ran'), suite(gpuFile.job.suite, { vram: { percent: 10 } })]);
    assert.deepEqual(rows.map((row) => row.suite), [gpuFile.job.suite]);
    assert.equal(rows[0]?.declaredVramBytes, Math.round(0.1 * (base.gpu.gpus[0]?.totalBytes ?? 0)));
  });
});

describe('gpuBalance', () => {
  const base = sampleRunResult();
  const id = base.files.find((file) => file.lane === 'gpu' && file.startedAt !== null)!.job.id;

  it('calls a file balanced when its cards are within the limit, and names the spread', () => {
    const even = withLoads(base, id, [{ gpuIndex: 0, peakAboveStartBytes: 10 * GiB }, { gpuIndex: 1, peakAboveStartBytes: 9.5 * GiB }]);
    assert.deepEqual(gpuBalance(even, 10).map((row) => [row.file, row.spreadPercent, row.balanced]), [[id, 5, true]]);
    const uneven = withLoads(base, id, [{ gpuIndex: 0, peakAboveStartBytes: 10 * GiB }, { gpuIndex: 1, peakAboveStartBytes: 6 * GiB }]);
    const rows = gpuBalance(uneven, 10);
    assert.deepEqual(rows.map((row) => [row.spreadPercent, row.balanced]), [[40, false]]);
    assert.match(renderNeeds({ ...uneven, gpuBalance: { limitPercent: 10, files: rows } }) ?? '', /GPU 0: 10\.0 GiB, GPU 1: 6\.0 GiB \| 40\.0% \| ❌ no/);
  });

  it('ignores single-GPU files and files whose load was not measured', () => {
    assert.deepEqual(gpuBalance(withLoads(base, id, [{ gpuIndex: 0, peakAboveStartBytes: GiB }]), 10), []);
    assert.deepEqual(gpuBalance(withLoads(base, id, [{ gpuIndex: 0, peakAboveStartBytes: GiB }, { gpuIndex: 1, peakAboveStartBytes: null }]), 10), []);
  });

  it('renders no section without declarations, suggestions or multi-GPU files', () => {
    assert.equal(renderNeeds({ ...base, suiteNeeds: [], gpuBalance: { limitPercent: 10, files: [] } }), null);
  });
});
