import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Budgets, SuiteConfig } from '../../src/config/types.js';
import { countResults } from '../../src/results/counts.js';
import type { FileResult, RunResult, TestResult } from '../../src/results/run-result.js';
import { applyBudgets, checkBudgets, hasBudgets } from '../../src/measure/budgets.js';
import { FAILURE } from '../../src/results/failures.js';
import type { BudgetCheck, RunTimeline } from '../../src/results/measurement.js';
import { sampleRepeatRunResult } from '../helpers/sample-repeat-run-result.js';
import { sampleRunResult } from '../helpers/sample-run-result.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const VLM = 'suites/vlm/ensemble.test.ts';
const CAPTION = 'ensemble > caption matches reference';
const AGREE = 'ensemble > three models agree';

function suite(name: string, budgets: Budgets | null): SuiteConfig {
  return { name, files: [], allowEmpty: false, tags: [], timeoutMs: null, repeat: null, leakThreshold: null, leakRepeatMax: null, requires: null, hooks: null, budgets, source: null, filesSource: null, retries: null, retryOn: null, compare: null };
}

/** The shared sample with only its passing VLM file (peaks 6 and 7 GiB on GPU 0), so the verdict starts at passed. */
function vlmRun(edit: (file: FileResult) => FileResult = (file) => file): RunResult {
  const shared = sampleRunResult();
  const vlm = shared.files.find((file) => file.job.id === VLM);
  assert.ok(vlm);
  const files = [edit(vlm)];
  return { ...shared, files, counts: countResults(files), verdict: 'passed', warnings: [] };
}

function check(checks: readonly BudgetCheck[], name: string, suiteName = 'vlm'): BudgetCheck {
  const found = checks.find((c) => c.name === name && c.suite === suiteName);
  assert.ok(found, `no check ${name} of ${suiteName} among ${checks.map((c) => c.name).join(', ')}`);
  return found;
}

function added(result: RunResult, fileId = VLM): TestResult[] {
  return result.files.find((file) => file.job.id === fileId)?.tests.filter((test) => test.failure?.type === FAILURE.budget) ?? [];
}

function withMetrics(file: FileResult, byTest: Record<string, TestResult['metrics']>): FileResult {
  return { ...file, tests: file.tests.map((test) => ({ ...test, metrics: byTest[test.fullName] ?? test.metrics })) };
}

describe('applyBudgets without budgets', () => {
  it('returns the run unchanged, with no budget checks, when no suite declares a budget', () => {
    const run = { ...sampleRunResult(), budgets: [] };
    assert.deepEqual(applyBudgets(run, [suite('unit', null), suite('vlm', null)]), run);
    assert.deepEqual(applyBudgets(run, [suite('vlm', {}), suite('unit', { metrics: {} })]), run);
    assert.deepEqual(applyBudgets(run, []), run);
    assert.deepEqual(checkBudgets(run, [suite('vlm', null)]), []);
    assert.equal(hasBudgets(suite('vlm', { tempMax: 85 })), true);
  });

  it('keeps a run whose budgets all hold as it was, with the checks added', () => {
    const run = vlmRun();
    const result = applyBudgets(run, [suite('vlm', { peakVram: { bytes: 8 * GiB } })]);
    assert.equal(result.verdict, 'passed');
    assert.deepEqual(result.files, run.files);
    assert.deepEqual(result.counts, run.counts);
    const peak = check(result.budgets ?? [], 'peakVram');
    assert.deepEqual({ status: peak.status, checked: peak.checked, breaches: peak.breaches }, { status: 'ok', checked: 2, breaches: [] });
    assert.deepEqual(peak.worst, { fileId: VLM, test: AGREE, line: 20, measured: 7 * GiB, limit: 8 * GiB });
  });
});

describe('applyBudgets: per-test memory budgets', () => {
  it('fails a test whose VRAM peak is over peakVram, with a test of its own, and fails the file and the run', () => {
    const run = vlmRun();
    const result = applyBudgets(run, [suite('vlm', { peakVram: { bytes: 6.5 * GiB } })]);
    const [breach, ...rest] = added(result);
    assert.deepEqual(rest, []);
    assert.equal(breach?.name, `${AGREE} [budget: peakVram]`);
    assert.equal(breach?.fullName, breach?.name);
    assert.equal(breach?.status, 'failed');
    assert.deepEqual(breach?.failure, { type: 'BudgetExceeded', message: 'VRAM peaked at 7.0 GiB, over the 6.5 GiB budget of suite vlm', stack: null });
    assert.equal(breach?.line, 20);
    assert.equal(breach?.file, '/project/suites/vlm/ensemble.test.ts');
    assert.equal(result.files[0]?.status, 'failed');
    assert.equal(result.verdict, 'failed');
    assert.deepEqual(result.counts, { ...run.counts, tests: run.counts.tests + 1, failed: 1, filesFailed: 1 });
    const peak = check(result.budgets ?? [], 'peakVram');
    assert.equal(peak.status, 'breached');
    assert.deepEqual(peak.bound, { op: '<=', value: 6.5 * GiB, percent: null, unit: 'bytes' });
    assert.deepEqual(peak.breaches.map((b) => [b.testName, b.measured, b.limit]), [[`${AGREE} [budget: peakVram]`, 7 * GiB, 6.5 * GiB]]);
  });

  it('reads a percent peakVram as a share of the job\'s GPU total', () => {
    // 8% of the H100's 81559 MiB is 6.37 GiB: the 7 GiB peak is over, the 6 GiB one is not.
    const result = applyBudgets(vlmRun(), [suite('vlm', { peakVram: { percent: 8 } })]);
    const limit = Math.round(81559 * MiB * 0.08);
    const peak = check(result.budgets ?? [], 'peakVram');
    assert.deepEqual(peak.bound, { op: '<=', value: null, percent: 8, unit: 'bytes' });
    assert.deepEqual(peak.breaches.map((b) => [b.test, b.limit]), [[AGREE, limit]]);
    assert.equal(added(result)[0]?.failure?.message, 'VRAM peaked at 7.0 GiB, over the 6.4 GiB (8% of the job\'s 79.6 GiB) budget of suite vlm');
  });

  it('holds peakRam against the larger of RSS before and after, in bytes or as a share of host RAM', () => {
    // caption: 120 MiB before, 2 GiB after; three models agree: 2 GiB before, 600 MiB after.
    const bytes = applyBudgets(vlmRun(), [suite('vlm', { peakRam: { bytes: 1.5 * GiB } })]);
    assert.deepEqual(added(bytes).map((t) => t.name), [`${CAPTION} [budget: peakRam]`, `${AGREE} [budget: peakRam]`]);
    assert.match(added(bytes)[0]?.failure?.message ?? '', /^the test's process tree held 2\.0 GiB RSS \(the larger of its before and after readings\), over the 1\.5 GiB budget of suite vlm$/);
    // 10% of 32 GiB is 3.2 GiB: both within.
    const share = applyBudgets(vlmRun(), [suite('vlm', { peakRam: { percent: 10 } })]);
    assert.deepEqual(added(share), []);
    assert.equal(check(share.budgets ?? [], 'peakRam').worst?.limit, Math.round(3.2 * GiB));
  });

  it('holds swap against its growth during the test (peak included), in bytes or as a share of swap', () => {
    // caption: swap 0 before, 16 MiB at its peak and after; three models agree: 16 MiB throughout.
    const zero = applyBudgets(vlmRun(), [suite('vlm', { swap: { bytes: 0 } })]);
    assert.deepEqual(added(zero).map((t) => [t.name, t.failure?.message]), [
      [`${CAPTION} [budget: swap]`, 'host swap use grew by 16.0 MiB during the test, over the 0 B budget of suite vlm'],
    ]);
    const swap = check(zero.budgets ?? [], 'swap');
    assert.deepEqual([swap.checked, swap.worst?.measured], [2, 16 * MiB]);
    // 1% of 8 GiB is 81.9 MiB: within.
    assert.deepEqual(added(applyBudgets(vlmRun(), [suite('vlm', { swap: { percent: 1 } })])), []);
    assert.equal(added(applyBudgets(vlmRun(), [suite('vlm', { swap: { percent: 0.1 } })])).length, 1);
  });

  it('checks only the suite\'s own files, and says when nothing was measured', () => {
    const run = sampleRunResult();
    const result = applyBudgets(run, [suite('unit', { peakVram: { bytes: GiB } }), suite('flux', { peakRam: { bytes: GiB } })]);
    // The unit files ran in the cpu lane (no VRAM); flux was gated and never ran.
    assert.deepEqual(result.files.flatMap((file) => file.tests.filter((t) => t.failure?.type === FAILURE.budget)), []);
    const unit = check(result.budgets ?? [], 'peakVram', 'unit');
    assert.equal(unit.status, 'not-measured');
    assert.match(unit.note ?? '', /no test of the suite had VRAM measured/);
    assert.equal(check(result.budgets ?? [], 'peakRam', 'flux').status, 'not-measured');
    assert.equal(result.verdict, run.verdict);
  });
});

describe('applyBudgets: leaks and repeated tests', () => {
  it('fails a repeated test whose fitted growth is over the leak budget, per resource', () => {
    const run = sampleRepeatRunResult();
    const result = applyBudgets(run, [suite('vlm', { leak: { bytes: 150 * MiB } })]);
    const loaderId = 'suites/vlm/loader.test.ts';
    const leak = added(result, loaderId);
    assert.deepEqual(leak.map((t) => t.name), ['loader > loads model [budget: leak VRAM]']);
    assert.match(leak[0]?.failure?.message ?? '', /^VRAM grew by 208 MiB over 5 iterations \(the fitted line, R² 1\.00\), over the 150 MiB leak budget of suite vlm$/);
    assert.equal(check(result.budgets ?? [], 'leak.vram').status, 'breached');
    assert.equal(check(result.budgets ?? [], 'leak.ram').status, 'ok');
    // 0.2% of the job's 80 GiB is 163.8 MiB.
    const share = applyBudgets(run, [suite('vlm', { leak: { percent: 0.2 } })]);
    assert.deepEqual(check(share.budgets ?? [], 'leak.vram').breaches.map((b) => [b.test, b.measured, b.limit]), [['loader > loads model', 208 * MiB, Math.round(80 * GiB * 0.002)]]);
  });

  it('makes one failure per repeated test, from its worst iteration', () => {
    // tokens_per_s of `loads model` is 41.1, 41.2, ... 41.5 over its five iterations.
    const result = applyBudgets(sampleRepeatRunResult(), [suite('vlm', { metrics: { tokens_per_s: { op: '>=', value: 41.3 } } })]);
    const failures = added(result, 'suites/vlm/loader.test.ts');
    assert.deepEqual(failures.map((t) => [t.name, t.failure?.message]), [[
      'loader > loads model [budget: metric tokens_per_s]',
      'tokens_per_s was 41.1 tok/s; the budget of suite vlm requires >= 41.3 (iteration 1 of 5, the worst)',
    ]]);
    const metric = check(result.budgets ?? [], 'metric.tokens_per_s');
    assert.deepEqual([metric.checked, metric.bound.unit, metric.worst?.measured], [1, 'tok/s', 41.1]);
  });
});

describe('applyBudgets: metrics', () => {
  const recorded = (): RunResult => vlmRun((file) => withMetrics(file, {
    [CAPTION]: [{ name: 'tokens_per_s', value: 12, unit: 'tok/s' }],
    [AGREE]: [{ name: 'tokens_per_s', value: 55, unit: 'tok/s' }, { name: 'latency_p99_ms', value: 1800, unit: 'ms' }],
  }));

  it('fails a test whose recorded metric is outside its bound, and passes the others', () => {
    const result = applyBudgets(recorded(), [suite('vlm', { metrics: { tokens_per_s: { op: '>=', value: 40 }, latency_p99_ms: { op: '<', value: 2000 } } })]);
    assert.deepEqual(added(result).map((t) => [t.name, t.failure?.message]), [
      [`${CAPTION} [budget: metric tokens_per_s]`, 'tokens_per_s was 12 tok/s; the budget of suite vlm requires >= 40'],
    ]);
    // latency_p99_ms: recorded by one test only; the other not recording it is no breach.
    const latency = check(result.budgets ?? [], 'metric.latency_p99_ms');
    assert.deepEqual([latency.status, latency.checked, latency.worst?.measured], ['ok', 1, 1800]);
    assert.equal(check(result.budgets ?? [], 'metric.tokens_per_s').worst?.test, CAPTION);
  });

  it('fails the suite once when no test of it recorded a bounded metric', () => {
    const result = applyBudgets(recorded(), [suite('vlm', { metrics: { ttft_ms: { op: '<=', value: 300 } } })]);
    const [failure, ...rest] = added(result);
    assert.deepEqual(rest, []);
    assert.equal(failure?.name, 'vlm [budget: metric ttft_ms]');
    assert.equal(failure?.failure?.message, 'no test of suite vlm recorded the metric ttft_ms, which its budget bounds (<= 300): ' +
      "record it with metric('ttft_ms', value) in a test of the suite, or remove the bound");
    const metric = check(result.budgets ?? [], 'metric.ttft_ms');
    assert.deepEqual([metric.status, metric.checked, metric.breaches[0]?.measured, metric.breaches[0]?.fileId], ['breached', 0, null, VLM]);
    assert.equal(result.verdict, 'failed');
  });

  it('does not call a metric missing when the suite never ran or the run was interrupted', () => {
    const budgets = { metrics: { ttft_ms: { op: '<=' as const, value: 300 } } };
    const gated = applyBudgets(sampleRunResult(), [suite('flux', budgets)]);
    assert.equal(check(gated.budgets ?? [], 'metric.ttft_ms', 'flux').status, 'not-measured');
    const interrupted = applyBudgets({ ...recorded(), interrupted: true, verdict: 'interrupted' }, [suite('vlm', budgets)]);
    assert.deepEqual(added(interrupted), []);
    assert.equal(interrupted.verdict, 'interrupted');
  });
});

/** GPU 0's health every 100 ms over the VLM file's window, with the running utilization sums the sampler keeps. */
function healthTimeline(util: (i: number) => number, temp: (i: number) => number, power: (i: number) => number): RunTimeline {
  let acc = 0;
  let ms = 0;
  const points = Array.from({ length: 26 }, (_, i) => {
    const at = T0 + i * 100;
    if (i > 0) {
      acc += util(i) * 100;
      ms += 100;
    }
    return { at, values: { gpu0: GiB, hostUsed: 8 * GiB, swapUsed: 0, util0: util(i), utilAcc0: acc, utilMs0: ms, temp0: temp(i), power0: power(i) } };
  });
  return { intervalMs: 100, series: ['gpu0', 'hostUsed', 'swapUsed', 'util0', 'utilAcc0', 'utilMs0', 'temp0', 'power0'], points };
}

describe('applyBudgets: GPU health over a file', () => {
  const health = { gpuUtilMin: 40, tempMax: 85, powerMax: 700 };

  it('fails the file with a test per budget when its GPU ran cold, hot or over power', () => {
    // Busy one sample in four (25% mean), 91 °C at its hottest, 712.5 W at its highest.
    const timeline = healthTimeline((i) => (i % 4 === 0 ? 100 : 0), (i) => (i === 12 ? 91 : 70), (i) => (i === 20 ? 712.5 : 400));
    const result = applyBudgets({ ...vlmRun(), timeline }, [suite('vlm', health)]);
    assert.deepEqual(added(result).map((t) => [t.name, t.failure?.message, t.line]), [
      [`${VLM} [budget: gpuUtilMin]`, 'GPU 0 averaged 25% utilization while the file ran (2.40 s), under the 40% minimum of suite vlm', null],
      [`${VLM} [budget: tempMax]`, 'GPU 0 reached 91 °C while the file ran (2.40 s), over the 85 °C budget of suite vlm', null],
      [`${VLM} [budget: powerMax]`, 'GPU 0 drew up to 712.5 W while the file ran (2.40 s), over the 700 W budget of suite vlm', null],
    ]);
    const temp = check(result.budgets ?? [], 'tempMax');
    assert.deepEqual(temp.worst, { fileId: VLM, test: null, line: null, measured: 91, limit: 85 });
    assert.deepEqual(temp.bound, { op: '<=', value: 85, percent: null, unit: '°C' });
    assert.deepEqual(check(result.budgets ?? [], 'gpuUtilMin').bound.op, '>=');
    assert.deepEqual(result.warnings, []);
  });

  it('passes a file whose GPU stayed within every health budget', () => {
    const timeline = healthTimeline(() => 90, () => 70, () => 500);
    const result = applyBudgets({ ...vlmRun(), timeline }, [suite('vlm', health)]);
    assert.deepEqual(added(result), []);
    assert.deepEqual((result.budgets ?? []).map((c) => [c.name, c.status, c.worst?.measured]), [
      ['gpuUtilMin', 'ok', 90], ['tempMax', 'ok', 70], ['powerMax', 'ok', 500],
    ]);
  });

  it('warns once, and fails nothing, where GPU health was not sampled (no NVML)', () => {
    const result = applyBudgets(vlmRun(), [suite('vlm', health)]);
    assert.deepEqual(added(result), []);
    assert.equal(result.verdict, 'passed');
    assert.deepEqual((result.budgets ?? []).map((c) => c.status), ['not-measured', 'not-measured', 'not-measured']);
    assert.deepEqual(result.warnings, [
      'GPU health budgets were not checked (gpuUtilMin of suite vlm, tempMax of suite vlm, powerMax of suite vlm): utilization, ' +
        'temperature and power are sampled through NVML only, and this run read the GPUs without it (libnvidia-ml did not load, ' +
        'or `--gpu-backend nvidia-smi` was given)',
    ]);
  });
});
