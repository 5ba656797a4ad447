// The fault matrix, the rest of a run's phases: interrupted while the GPUs are being listed (a hung nvidia-smi, a slow
// NVML), while a suite's `before` hook runs, during a leak re-run, during a retry alone, and while the reports are
// written; a second Ctrl-C against processes that ignore SIGTERM; and gpu-test itself killed outright.

import assert from 'node:assert/strict';
import { existsSync, watch } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeNvmlSkipReason } from '../probe/fake-nvml-build.js';
import { assertCompleteReports, assertInterruptedRun, assertNothingLeft, fileOf } from './fault-assertions.js';
import { EXIT_OF, FAULT_TEST_TIMEOUT_MS, startFaultRun, type Backend } from './fault-run.js';

const nvmlSkip = fakeNvmlSkipReason();

describe('interrupted while the GPUs are being listed', { concurrency: 3 }, () => {
  it('ctrl-c during a hung `nvidia-smi -q -x`: the query is killed at once, and nothing starts after it', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
    // A backend named on the command line must start before any file does, so the CPU file waits for the listing too.
    const run = startFaultRun({
      project: 'matrix', args: ['run', 'gpu/run-top.test.mjs', 'cpu/quick.test.mjs'], backend: 'nvidia-smi',
      gpuState: { 'delay-ms': '600000' }, countSmiCalls: true,
    });
    await run.waitForStateLine('calls.log', '-q -x');
    run.deliver('ctrl-c');
    const json = await assertInterruptedRun(run, await run.finished, 'ctrl-c');
    for (const id of ['gpu/run-top.test.mjs', 'cpu/quick.test.mjs']) {
      const file = fileOf(json, id);
      assert.equal(file.status, 'skipped', id);
      assert.match(file.skipReason ?? '', /not started: the run was interrupted while the GPUs were being listed/);
    }
  });

  it('sigterm during a hung listing under --gpu-backend auto: the CPU lane ran meanwhile, the GPU file never starts', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
    const run = startFaultRun({
      project: 'matrix', args: ['run', 'gpu/run-top.test.mjs', 'cpu/quick.test.mjs'], backend: 'auto',
      gpuState: { 'delay-ms': '600000' }, countSmiCalls: true,
    });
    await Promise.all([run.waitForStateLine('calls.log', '-q -x'), run.waitForOutput('cpu/quick.test.mjs  1 passed')]);
    run.deliver('sigterm');
    const json = await assertInterruptedRun(run, await run.finished, 'sigterm');
    assert.equal(fileOf(json, 'cpu/quick.test.mjs').status, 'passed');
    assert.match(fileOf(json, 'gpu/run-top.test.mjs').skipReason ?? '', /not started: the run was interrupted while the GPUs were being listed/);
  });

  it('sigterm during a slow NVML start: handled once the call returns, with every report', { timeout: FAULT_TEST_TIMEOUT_MS, skip: nvmlSkip }, async () => {
    const run = startFaultRun({
      project: 'matrix', args: ['run', 'gpu/run-top.test.mjs', 'cpu/quick.test.mjs'], backend: 'nvml', gpuState: { 'nvml-init-delay-ms': '1500' },
    });
    await run.waitForStateLine('nvml-init-started', '');
    run.deliver('sigterm');
    const json = await assertInterruptedRun(run, await run.finished, 'sigterm');
    // The signal is handled right after the blocking call: the GPU file may have been started by then, never finished.
    assert.ok(['skipped', 'interrupted'].includes(fileOf(json, 'gpu/run-top.test.mjs').status));
    assert.equal(existsSync(join(run.markDir, 'running')) && fileOf(json, 'gpu/run-top.test.mjs').status === 'passed', false);
  });
});

describe('interrupted in the other phases of a GPU file', { concurrency: 3 }, () => {
  for (const backend of ['nvml', 'nvidia-smi'] as const satisfies readonly Backend[]) {
    const skip = backend === 'nvml' ? nvmlSkip : false;

    it(`sigint while a suite's before hook runs (${backend}): the hook is stopped, its file not started, after still runs`, { timeout: FAULT_TEST_TIMEOUT_MS, skip }, async () => {
      const run = startFaultRun({ project: 'hooks', args: ['run'], backend });
      await run.waitForMark('before-hook');
      run.deliver('sigint');
      const json = await assertInterruptedRun(run, await run.finished, 'sigint');
      const file = fileOf(json, 'gpu/served.test.mjs');
      assert.equal(file.status, 'skipped');
      assert.match(file.skipReason ?? '', /not started: the run was interrupted while suite served's `before` hook ran/);
      assert.equal(existsSync(join(run.markDir, 'served-ran')), false);
      const hooks = (json as unknown as { hooks: { phase: string; ok: boolean; error: string | null }[] }).hooks;
      assert.deepEqual(hooks.map((h) => [h.phase, h.ok, h.error]), [['before', false, 'stopped: the run was interrupted'], ['after', true, null]]);
      assert.equal(existsSync(join(run.markDir, 'after-hook')), true, 'the after hook ran although the run was interrupted');
    });

    it(`ctrl-c during the re-run that confirms a leak (${backend}): the leak stays unconfirmed, the re-run is stopped`, { timeout: FAULT_TEST_TIMEOUT_MS, skip }, async () => {
      const run = startFaultRun({ project: 'matrix', args: ['run', '--repeat', '3', 'gpu/recheck.test.mjs'], backend });
      await run.waitForMark('recheck');
      run.deliver('ctrl-c');
      const json = await assertInterruptedRun(run, await run.finished, 'ctrl-c');
      const file = fileOf(json, 'gpu/recheck.test.mjs');
      const iterations = file.tests.filter((test) => test.name.startsWith('load and unload leaks a cache entry [repeat '));
      assert.equal(iterations.length, 3, 'the first run\'s iterations are all reported');
      assert.ok(!file.tests.some((test) => test.name.endsWith('[leak check: VRAM]') && test.status === 'failed'), 'no leak is called on an interrupted re-run');
      assert.ok(json.warnings.some((warning) => /leak check .*interrupted/.test(warning)), json.warnings.join('\n'));
    });

    it(`sigterm during the re-run alone of a file that ran out of memory beside another (${backend})`, { timeout: FAULT_TEST_TIMEOUT_MS, skip }, async () => {
      const run = startFaultRun({ project: 'retry', args: ['run'], backend });
      await run.waitForMark('alone');
      run.deliver('sigterm');
      const json = await assertInterruptedRun(run, await run.finished, 'sigterm');
      const victim = fileOf(json, 'victim.test.mjs');
      // The re-run proves nothing once cut short: the first run's out-of-memory failure is what is reported.
      assert.equal(victim.status, 'failed');
      assert.match(victim.tests[0]?.failure?.message ?? '', /CUDA out of memory/);
      assert.equal(fileOf(json, 'greedy.test.mjs').status, 'passed');
    });
  }
});

describe('interrupted while the reports are written', () => {
  it('writes one consistent set: the exit code and all three reports agree, nothing half-written is left', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
    const run = startFaultRun({ project: 'matrix', args: ['run', 'cpu/quick.test.mjs', 'gpu/waits-turn.test.mjs'], backend: 'nvidia-smi' });
    // The first temp report appearing means writing has begun; the signal lands then or just after.
    const watcher = watch(run.reportDir, (_event, name) => {
      if (String(name).endsWith('.tmp')) {
        watcher.close();
        run.deliver('sigterm');
      }
    });
    const result = await run.finished;
    watcher.close();
    const json = await assertCompleteReports(result);
    if (json.interrupted) assert.equal(result.code, EXIT_OF.sigterm);
    else {
      // It came once every file had ended: the complete reports stand, and the exit code is theirs.
      assert.equal(json.verdict, 'passed');
      assert.equal(result.code, 0, result.stderr);
    }
    await assertNothingLeft(run);
  });
});

describe('stopping harder', () => {
  it('a second ctrl-c kills trees that ignore SIGTERM at once, and the reports say so', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
    const run = startFaultRun({ project: 'matrix', args: ['run', '--kill-grace', '600000', 'gpu/stubborn.test.mjs'], backend: 'nvidia-smi' });
    await run.waitForMark('stubborn');
    run.deliver('ctrl-c');
    await run.waitForMark('ignored-sigterm');
    run.deliver('ctrl-c');
    const json = await assertInterruptedRun(run, await run.finished, 'ctrl-c');
    assert.equal(json.interruption?.forced, true);
    assert.equal(fileOf(json, 'gpu/stubborn.test.mjs').status, 'interrupted');
    assert.match(run.stderrSoFar(), /SIGINT again: killing every test process now/);
  });

  for (const file of ['gpu/run-top.test.mjs', 'gpu/busy.test.mjs']) {
    it(`gpu-test killed outright (SIGKILL) while ${file} runs: every process it started goes down on its own`, { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
      const run = startFaultRun({ project: 'matrix', args: ['run', file], backend: 'nvidia-smi' });
      await run.waitForMark(file.includes('busy') ? 'busy' : 'running');
      run.kill('SIGKILL');
      const result = await run.finished;
      assert.equal(result.signal, 'SIGKILL');
      await assertNothingLeft(run);
    });
  }
});

