// End to end: a real run of 340 tiny tests (300 nested CPU tests, 40 on the simulated GPU) writes a results.json of
// at most 500 bytes a test that still holds every figure: each test's RAM before, after and peak, its VRAM on the GPU
// lane (the 64 MiB one test held and freed is its peak), failures, skip reasons, metrics; read back for merge, compare
// and trend, the peaks are all there. With --raw-samples the boundary samples come back as well.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fakeGpuEnv, setupFakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { readRuns } from '../../src/history/read-runs.js';
import { testFigures } from '../../src/history/test-figures.js';
import { runCli, type CliRun, type ResultsJson } from './run-cli.js';

const MiB = 1024 * 1024;
const BYTES_PER_TEST = 500;

function gpuEnv(): NodeJS.ProcessEnv {
  const state = mkdtempSync(join(tmpdir(), 'gpu-test-size-gpu-'));
  setupFakeGpu(state, [{ name: 'NVIDIA H100 80GB HBM3', uuid: 'GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d', totalMiB: 81559 }]);
  return fakeGpuEnv(state) as NodeJS.ProcessEnv;
}

type Test = ResultsJson['files'][number]['tests'][number];

function testsOf(run: CliRun, id: string): readonly Test[] {
  return run.json?.files.find((f) => f.id === id)?.tests ?? assert.fail(`${id} is missing from results.json`);
}

describe('results.json of a run of many tests', () => {
  let run: CliRun;
  let text: string;
  before(async () => {
    run = await runCli({ project: 'many-tests', args: ['run', '--gpu-backend', 'nvidia-smi'], env: gpuEnv() });
    text = readFileSync(join(run.reportDir, 'results.json'), 'utf8');
  });

  it(`stays under ${BYTES_PER_TEST} bytes a test, one line a test`, () => {
    assert.equal(run.code, 1, run.stderr);
    const tests = run.json?.files.flatMap((f) => f.tests) ?? [];
    assert.equal(tests.length, 340);
    const perTest = Buffer.byteLength(text) / tests.length;
    assert.ok(perTest <= BYTES_PER_TEST, `results.json is ${perTest.toFixed(0)} bytes a test`);
    assert.equal(text.split('\n').filter((line) => line.trimStart().startsWith('{"name":')).length, 340);
  });

  it('keeps each test\'s RAM before, after and peak, and on the GPU lane its VRAM, with the held 64 MiB as its peak', () => {
    for (const test of testsOf(run, 'cpu/parser.test.mjs')) {
      if (test.status === 'skipped') continue;
      const d = test.deltas ?? assert.fail(`${test.fullName} has no figures`);
      for (const figure of [d.rssBeforeBytes, d.rssAfterBytes, d.hostUsedBeforeBytes, d.hostUsedAfterBytes, d.hostUsedPeakBytes]) assert.ok(figure !== undefined && figure > 0, test.fullName);
      assert.equal(d.vramPeakBytes, undefined, 'a cpu-lane test has no VRAM figure');
    }
    const kernels = testsOf(run, 'gpu/kernels.test.mjs');
    for (const test of kernels) assert.ok(test.deltas?.vramBeforeBytes !== undefined && test.deltas.vramAfterBytes !== undefined && test.deltas.vramPeakBytes !== undefined, test.name);
    const held = kernels.find((t) => t.name === 'kernel 7 holds 64 MiB')?.deltas;
    assert.equal((held?.vramPeakBytes ?? 0) - (held?.vramBeforeBytes ?? 0), 64 * MiB);
    assert.equal(held?.vramAfterBytes, held?.vramBeforeBytes, 'it freed what it held');
  });

  it('keeps the failure, the skip reason and the metric, and leaves out what the other tests have nothing to say in', () => {
    const tests = testsOf(run, 'cpu/parser.test.mjs');
    const byName = (name: string): Test => tests.find((t) => t.name === name) ?? assert.fail(`no ${name}`);
    assert.equal(byName('handles case 13').failure?.type, 'AssertionError');
    assert.equal(byName('handles case 42').skipReason, 'not on this platform');
    assert.equal(byName('handles case 42').deltas, undefined, 'a skipped test was not measured');
    assert.deepEqual(byName('handles case 77').metrics, [{ name: 'cases_per_s', value: 1234.5, unit: 'case/s' }]);
    const plain = byName('handles case 5');
    assert.equal(plain.fullName, 'parser > group 0 > handles case 5');
    for (const key of ['file', 'skipReason', 'failure', 'repeat', 'metrics', 'window']) assert.ok(!(key in plain), `${key} is left out`);
  });

  it('reads back for merge, compare and trend with every test\'s peaks', async () => {
    const [read] = await readRuns([run.reportDir], '/', 'compare BASE');
    const figures = testFigures(read?.run ?? assert.fail('not read back'));
    assert.equal(figures.get('gpu/kernels.test.mjs\u0000kernel 7 holds 64 MiB')?.figures.get('peakVram')?.value,
      testsOf(run, 'gpu/kernels.test.mjs').find((t) => t.name === 'kernel 7 holds 64 MiB')?.deltas?.vramPeakBytes);
    const ram = figures.get('cpu/parser.test.mjs\u0000parser > group 0 > handles case 5')?.figures.get('peakRam')?.value;
    assert.ok(ram !== undefined && ram > 0);
  });

  it('keeps the raw samples with --raw-samples', async () => {
    const raw = await runCli({ project: 'many-tests', args: ['run', 'cpu', '--raw-samples'] });
    const tests = testsOf(raw, 'cpu/parser.test.mjs');
    const measured = tests.filter((t) => t.status !== 'skipped');
    assert.ok(measured.length > 0 && measured.every((t) => t.window !== undefined), 'every measured test has its window');
    assert.equal((raw.json as unknown as { config: { rawSamples: boolean } }).config.rawSamples, true);
  });
});
