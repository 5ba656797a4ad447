// The failed tests and files gpu-test reports on a test's or a file's behalf are built in one place, with the failure
// types that decide how JUnit readers see them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CUT_SHORT_FAILURES, ERROR_FAILURES, FAILURE, failedTest, FILE_LEVEL_TEST, fileNotRun } from '../../src/results/failures.js';
import type { Job } from '../../src/results/job.js';

const job: Job = {
  id: 'gpu/a.test.mjs', file: '/p/gpu/a.test.mjs', suite: 'gpu', tags: ['gpu'], lane: 'gpu', timeoutMs: 1000, repeat: 1,
  leakThreshold: { vramBytes: 1, ramBytes: 1, metrics: {} }, leakRepeatMax: 40, needs: { vram: null, ram: null, gpus: 1, exclusive: false }, skip: null,
};

describe('failedTest', () => {
  it('fills what a made-up test has: no stack, no window unless given, at the top level unless told', () => {
    assert.deepEqual(failedTest({ name: 'x [leak check: VRAM]', file: '/p/a.mjs', line: 7, type: FAILURE.memoryLeak, message: 'grew' }), {
      name: 'x [leak check: VRAM]', fullName: 'x [leak check: VRAM]', nesting: 0, file: '/p/a.mjs', line: 7, column: null, status: 'failed',
      durationMs: 0, skipReason: null, failure: { type: 'MemoryLeak', message: 'grew', stack: null }, window: null, repeat: null, metrics: [],
    });
  });
});

describe('fileNotRun', () => {
  it('skips a file with its reason and no test', () => {
    const file = fileNotRun(job, { skipped: 'gated: set ENABLE_GPU_TESTS=1' });
    assert.deepEqual([file.status, file.skipReason, file.error, file.tests], ['skipped', 'gated: set ENABLE_GPU_TESTS=1', null, []]);
  });

  it('fails a file with one file-level test of the given type, so the failure shows in every report', () => {
    const file = fileNotRun(job, { failed: 'no usable GPU; --require-gpu', type: FAILURE.noGpu });
    assert.equal(file.status, 'failed');
    assert.deepEqual(file.tests.map((t) => [t.name, t.failure?.type, t.failure?.message]), [[FILE_LEVEL_TEST, 'no-gpu', 'no usable GPU; --require-gpu']]);
  });
});

describe('failure kinds', () => {
  it('writes the run\'s own trouble as JUnit errors and assertions, leaks and budgets as failures', () => {
    for (const type of [FAILURE.crash, FAILURE.timeout, FAILURE.interrupted, FAILURE.noGpu, FAILURE.hookNotStarted]) assert.ok(ERROR_FAILURES.has(type), type);
    for (const type of [FAILURE.memoryLeak, FAILURE.budget, FAILURE.memoryGuard, FAILURE.hookStep, 'AssertionError']) assert.ok(!ERROR_FAILURES.has(type), type);
    assert.deepEqual([...CUT_SHORT_FAILURES].sort(), ['crash', 'interrupted', 'timeout']);
  });
});
