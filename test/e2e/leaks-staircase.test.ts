// End to end with the simulated GPU, its caching allocator and the NVML stand-in, at the settings a user tried on an
// H200 (20 repeats, a 16 MiB threshold): a server that keeps 2 MiB per request (a 20 MiB step every 10 requests) is
// left undecided by the first run and called a staircase leak by a longer re-run, with its period and growth per
// iteration; a cache filled once is not; the allocator's own count leaks as a metric; and the file's own processes'
// VRAM keeps a neighbour on the card from faking a leak or hiding one.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fakeGpuEnv, setupFakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { NVML_LIBRARY_ENV } from '../../src/probe/nvml.js';
import { buildFakeNvml, fakeNvmlSkipReason } from '../probe/fake-nvml-build.js';
import { runCli, type CliRun } from './run-cli.js';

const MiB = 1024 * 1024;
const KEEPS = 'answers a request and keeps its output';
const FILLS = 'answers a request, one of them long';
const BESIDE_GROWING = 'holds steady beside a neighbour that grows';
const BESIDE_SHRINKING = 'keeps 64 MiB per iteration beside a neighbour that shrinks';

type Steps = { count: number; stepBytes: number; periodIterations: number | null; flatAfterIterations: number } | null;
type Recheck = { purpose: string; iterations: number; why: string } | null;
interface Leak {
  readonly test: string; readonly resource: string; readonly source: string; readonly recheck: Recheck;
  readonly verdict: { leaking: boolean; perIterationBytes: number; pattern: string; steps: Steps; reason: string };
}
interface MetricLeak { readonly test: string; readonly metric: string; readonly verdict: { leaking: boolean; perIteration: number; pattern: string } }
interface File {
  readonly id: string;
  readonly leaks: readonly Leak[];
  readonly metricLeaks: readonly MetricLeak[];
  readonly tests: readonly { name: string; status: string; failure: { type: string; message: string } | null; deltas: { vramAfterBytes: number | null } }[];
}

describe('leaks a caching allocator hides', { skip: fakeNvmlSkipReason() }, () => {
  let run: CliRun;
  let files: readonly File[];
  const file = (id: string): File => files.find((f) => f.id === id) ?? assert.fail(`no file ${id}`);
  const leak = (id: string, test: string, resource = 'vram'): Leak => file(id).leaks.find((l) => l.test === test && l.resource === resource) ?? assert.fail(`no ${resource} call on ${test}`);

  before(async () => {
    const state = mkdtempSync(join(tmpdir(), 'gpu-test-staircase-gpu-'));
    setupFakeGpu(state);
    // This test's own process plays the neighbour: alive, on the card before the run, and none of the run's.
    writeFileSync(join(state, `alloc-${process.pid}.json`), JSON.stringify({ 0: 4096 }));
    const env = { ...fakeGpuEnv(state), [NVML_LIBRARY_ENV]: buildFakeNvml(), NEIGHBOUR_PID: String(process.pid) };
    run = await runCli({ project: 'leaks-staircase', args: ['run', '--settle-timeout', '0'], env });
    files = (run.json as unknown as { files: readonly File[] } | null)?.files ?? assert.fail(run.stdout + run.stderr);
  });

  it('calls a 2 MiB-per-request leak a staircase, after a longer re-run, with its period and growth per iteration', () => {
    assert.equal(run.code, 1, run.stderr);
    const staircase = leak('server.test.mjs', KEEPS);
    assert.deepEqual([staircase.verdict.leaking, staircase.verdict.pattern, staircase.source], [true, 'staircase', 'processes']);
    assert.equal(staircase.verdict.perIterationBytes, 2 * MiB);
    assert.deepEqual([staircase.verdict.steps?.stepBytes, staircase.verdict.steps?.periodIterations], [20 * MiB, 10]);
    assert.equal(staircase.recheck?.purpose, 'settle', 'the first run could not tell');
    assert.equal(staircase.recheck?.iterations, 40);
    assert.match(staircase.recheck?.why ?? '', /^its growth came in \d steps? of 20\.0 MiB.*repeated 40 times \(the `leakRepeatMax` cap of 40\)$/);
    const check = file('server.test.mjs').tests.find((t) => t.name === `${KEEPS} [leak check: VRAM]`);
    assert.equal(check?.failure?.type, 'MemoryLeak');
    assert.match(check?.failure?.message ?? '', /VRAM stepped 20\.0 MiB every 10 iterations \(\d steps\): 2\.0 MiB per iteration/);
  });

  it('does not call a cache filled once a leak', () => {
    const filled = leak('server.test.mjs', FILLS);
    assert.deepEqual([filled.verdict.leaking, filled.verdict.pattern, filled.recheck?.purpose], [false, 'one-off', 'settle']);
    assert.equal(filled.verdict.steps?.stepBytes, 64 * MiB);
    assert.ok(!file('server.test.mjs').tests.some((t) => t.name === `${FILLS} [leak check: VRAM]`));
  });

  it('fits a metric each iteration records: the allocator\'s own count leaks steadily, the clean one does not', () => {
    const [kept, clean] = [KEEPS, FILLS].map((test) => file('server.test.mjs').metricLeaks.find((l) => l.test === test));
    assert.deepEqual([kept?.metric, kept?.verdict.leaking, kept?.verdict.perIteration], ['allocated_mib', true, 2]);
    assert.equal(clean?.verdict.leaking, false);
    const check = file('server.test.mjs').tests.find((t) => t.name === `${KEEPS} [leak check: metric allocated_mib]`);
    assert.equal(check?.status, 'failed');
  });

  it('reads the file\'s own processes, so a neighbour on the card neither fakes a leak nor hides one', () => {
    const afterGrowing = file('neighbour.test.mjs').tests.filter((t) => t.name.startsWith(`${BESIDE_GROWING} [repeat`)).map((t) => t.deltas.vramAfterBytes ?? 0);
    assert.equal((afterGrowing.at(-1) ?? 0) - (afterGrowing[0] ?? 0), 19 * 64 * MiB, 'the card grew with the neighbour');
    const steady = leak('neighbour.test.mjs', BESIDE_GROWING);
    assert.deepEqual([steady.source, steady.verdict.leaking, steady.verdict.perIterationBytes], ['processes', false, 0]);
    const hidden = leak('neighbour.test.mjs', BESIDE_SHRINKING);
    assert.deepEqual([hidden.source, hidden.verdict.leaking, hidden.verdict.perIterationBytes], ['processes', true, 64 * MiB]);
  });

  it('says in report.md and on the console how each call grew, how many iterations ran and why', () => {
    assert.match(run.markdown ?? '', /\| staircase: 20\.0 MiB every 10 iterations \| 20 \+ 40 re-run \| ❌ leak \(confirmed by a re-run\) \|/);
    assert.match(run.markdown ?? '', /- answers a request and keeps its output, VRAM \(own processes\): its growth came in/);
    assert.match(run.stderr, /server\.test\.mjs › answers a request and keeps its output: VRAM \+2\.0 MiB\/iteration \(steps of 20\.0 MiB every 10 iterations\)/);
    assert.doesNotMatch(run.stderr, /Orphans:/, 'the neighbour was on the card before the run: it is none of the files\' leftovers');
  });
});
