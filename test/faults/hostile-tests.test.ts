// The fault matrix, hostile tests and odd settings: test files that fork, exit, disconnect or daemonise, the run's
// verdict when a suite has budgets and a failing `after` hook, and GPU files with `--gpu-backend none`. Each must get the
// verdict `node --test` would give, in all three reports, with nothing left running that the user did not ask to keep.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRunning } from '../../src/probe/process-tree.js';
import { fakeNvmlSkipReason } from '../probe/fake-nvml-build.js';
import { assertCompleteReports, assertNothingLeft, fileOf } from './fault-assertions.js';
import { FAULT_TEST_TIMEOUT_MS, startFaultRun, type Backend } from './fault-run.js';

for (const backend of ['nvml', 'nvidia-smi'] as const satisfies readonly Backend[]) {
  describe(`hostile test files (${backend} backend)`, { concurrency: 3, skip: backend === 'nvml' ? fakeNvmlSkipReason() : false }, () => {
    it('a test that forks a worker, starts a worker thread and runs node passes, as under node --test', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
      const run = startFaultRun({ project: 'hostile', args: ['run', 'forks.test.mjs'], backend });
      const result = await run.finished;
      assert.equal(result.code, 0, result.stderr);
      const json = await assertCompleteReports(result);
      assert.deepEqual(fileOf(json, 'forks.test.mjs').tests.map((t) => [t.name, t.status]), [
        ['forks a worker that answers', 'passed'], ['starts a worker thread', 'passed'], ['runs node itself', 'passed'],
      ]);
      await assertNothingLeft(run);
    });

    it('process.exit(0) inside a test fails the file, naming the test, and lists the tests that never ran', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
      const run = startFaultRun({ project: 'hostile', args: ['run', 'exits.test.mjs'], backend });
      const result = await run.finished;
      assert.equal(result.code, 1, result.stderr);
      const json = await assertCompleteReports(result);
      assert.equal(json.verdict, 'failed');
      const file = fileOf(json, 'exits.test.mjs');
      assert.equal(file.status, 'crashed');
      const byName = new Map(file.tests.map((test) => [test.name, test]));
      assert.equal(byName.get('before the exit')?.status, 'passed');
      assert.equal(byName.get('calls process.exit')?.status, 'failed');
      assert.match(byName.get('calls process.exit')?.failure?.message ?? '', /exited \(code 0\) before node:test had finished the file, while "calls process\.exit" was running: process\.exit\(\) inside a test/);
      assert.equal(byName.get('never runs')?.status, 'skipped');
      assert.match(result.junit ?? '', /<testcase name="never runs"[^>]*>\s*<skipped message="not run: the test process exited/);
      assert.match(result.markdown ?? '', /calls process\.exit/);
      await assertNothingLeft(run);
    });

    it('process.disconnect() in a test changes nothing: every test passes and is measured, no phantom failure', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
      const run = startFaultRun({ project: 'hostile', args: ['run', 'disconnects.test.mjs'], backend });
      const result = await run.finished;
      assert.equal(result.code, 0, result.stderr);
      const json = await assertCompleteReports(result);
      const file = fileOf(json, 'disconnects.test.mjs');
      assert.deepEqual(file.tests.map((t) => [t.name, t.status]), [['disconnects like a forked worker', 'passed'], ['still measured after it', 'passed']]);
      const measured = (file.tests[1] as unknown as { deltas: { vramAfterBytes: number | null } }).deltas.vramAfterBytes;
      assert.notEqual(measured, null, 'the test after the disconnect still has its VRAM reading');
    });

    it('a daemonised grandchild is named as an orphan even though it left the process group and session', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
      const run = startFaultRun({ project: 'hostile', args: ['run', 'daemon.test.mjs'], backend });
      const result = await run.finished;
      const json = await assertCompleteReports(result);
      const orphans = fileOf(json, 'daemon.test.mjs').residue?.orphans ?? [];
      const daemon = orphans.find((orphan) => orphan.command.includes('sleep 600'));
      try {
        assert.ok(daemon, `the daemon is named: ${JSON.stringify(orphans)}`);
        assert.equal(daemon.killed, false, 'left running: --kill-orphans was not given');
        assert.match(result.junit ?? '', /sleep 600/);
      } finally {
        for (const orphan of orphans) if (isRunning(orphan.pid)) process.kill(orphan.pid, 'SIGKILL');
      }
    });

    it('--kill-orphans kills the daemonised grandchild, and nothing of the run is left', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
      const run = startFaultRun({ project: 'hostile', args: ['run', '--kill-orphans', 'daemon.test.mjs'], backend });
      const result = await run.finished;
      const json = await assertCompleteReports(result);
      const daemon = (fileOf(json, 'daemon.test.mjs').residue?.orphans ?? []).find((orphan) => orphan.command.includes('sleep 600'));
      assert.equal(daemon?.killed, true);
      await assertNothingLeft(run);
    });
  });
}

describe('the run verdict, decided once', () => {
  it('a failing after hook fails the run even when the suite has budgets (all within limits)', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
    const run = startFaultRun({ project: 'verdict', args: ['run'], backend: 'nvidia-smi' });
    const result = await run.finished;
    assert.equal(result.code, 1, result.stderr);
    const json = await assertCompleteReports(result);
    assert.equal(json.verdict, 'failed');
    assert.match(result.markdown ?? '', /❌ Failed/);
    assert.match(result.junit ?? '', /<failure type="HookFailure"/);
  });
});

describe('--gpu-backend none on a host whose GPU works', () => {
  it('runs the GPU files on the card without VRAM figures, with every report', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
    const run = startFaultRun({ project: 'hostile', args: ['run', 'plain.test.mjs'], backend: 'none' });
    const result = await run.finished;
    assert.equal(result.code, 0, result.stderr);
    const json = await assertCompleteReports(result);
    const file = fileOf(json, 'plain.test.mjs');
    assert.equal(file.status, 'passed');
    const { deltas } = file.tests[0] as unknown as { deltas: { vramBeforeBytes?: number; rssBeforeBytes?: number } };
    assert.ok(deltas.rssBeforeBytes !== undefined && !('vramBeforeBytes' in deltas), 'the test was measured, but no VRAM was read');
  });
});
