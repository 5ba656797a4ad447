import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResultRecord } from '../../src/execute/child/protocol.js';
import { collectResults, FILE_LEVEL_TEST, type BoundaryWindow } from '../../src/execute/collect-results.js';
import type { ProcessOutcome } from '../../src/execute/types.js';
import type { Job } from '../../src/plan/types.js';
import { sample } from '../helpers/sample-run-result.js';

const MiB = 1024 * 1024;
const job: Job = { id: 'a.test.mjs', file: '/p/a.test.mjs', suite: 'unit', tags: [], lane: 'gpu', timeoutMs: 5000, skip: null };
const clean: ProcessOutcome = { exitCode: 0, signal: null, timedOut: false, isCanceled: false, durationMs: 100 };

function record(name: string, status: ResultRecord['status'], extra: Partial<ResultRecord> = {}): ResultRecord {
  return { name, fullName: name, nesting: 0, file: job.file, line: 1, column: 1, isSuite: false, status, durationMs: 5, skipReason: null, failure: null, ...extra };
}

function window(name: string, beforeVram: number, afterVram: number | null): BoundaryWindow {
  return { name, before: sample(1000, beforeVram, 0, 0), after: afterVram === null ? null : sample(1010, afterVram, 0, 0), peak: null };
}

describe('collectResults', () => {
  it('attaches each test its own window by name in completion order, and drops suites', () => {
    const records = [record('load', 'passed'), record('load', 'passed'), record('model', 'passed', { isSuite: true })];
    const windows = [window('load', 0, 100 * MiB), window('load', 100 * MiB, 300 * MiB)];
    const { status, tests } = collectResults(job, records, windows, clean, '', 2000);
    assert.equal(status, 'passed');
    assert.equal(tests.length, 2);
    assert.equal(tests[0]?.window?.after?.gpus?.[0]?.usedBytes, 100 * MiB);
    assert.equal(tests[1]?.window?.before.gpus?.[0]?.usedBytes, 100 * MiB);
  });

  it('gives skipped tests no window (their hooks never run) without shifting the others', () => {
    const records = [record('off', 'skipped', { skipReason: 'later' }), record('on', 'passed')];
    const { tests } = collectResults(job, records, [window('on', 0, 5)], clean, '', 2000);
    assert.equal(tests[0]?.window, null);
    assert.equal(tests[1]?.window?.after?.gpus?.[0]?.usedBytes, 5);
  });

  it('names the test a crash interrupted, with the signal, and keeps the finished ones', () => {
    const crashed: ProcessOutcome = { exitCode: null, signal: 'SIGSEGV', timedOut: false, isCanceled: false, durationMs: 50 };
    const { status, error, tests } = collectResults(job, [record('first', 'passed')], [window('first', 0, 0), window('segfaults', 0, null)], crashed, 'Segmentation fault\n', 1500);
    assert.equal(status, 'crashed');
    assert.equal(error, 'the test process was killed by SIGSEGV');
    assert.deepEqual(tests.map((t) => [t.name, t.status]), [['first', 'passed'], ['segfaults', 'failed']]);
    assert.equal(tests[1]?.failure?.type, 'crash');
    assert.equal(tests[1]?.failure?.message, 'the test process was killed by SIGSEGV while "segfaults" was running');
    assert.equal(tests[1]?.durationMs, 500);
  });

  it('reports a file that dies before any test as one failed file-level test with its stderr', () => {
    const failedImport: ProcessOutcome = { exitCode: 1, signal: null, timedOut: false, isCanceled: false, durationMs: 30 };
    const { status, tests } = collectResults(job, [], [], failedImport, 'SyntaxError: Unexpected token\n', 100);
    assert.equal(status, 'crashed');
    assert.equal(tests.length, 1);
    assert.equal(tests[0]?.name, FILE_LEVEL_TEST);
    assert.match(tests[0]?.failure?.message ?? '', /exited with code 1 before any test finished; its stderr ended with:\nSyntaxError: Unexpected token/);
  });

  it('marks a timed-out file and the test that hung', () => {
    const timedOut: ProcessOutcome = { exitCode: null, signal: 'SIGTERM', timedOut: true, isCanceled: false, durationMs: 5000 };
    const { status, tests } = collectResults(job, [], [window('hangs', 0, null)], timedOut, '', 6000);
    assert.equal(status, 'timed-out');
    assert.equal(tests[0]?.failure?.type, 'timeout');
    assert.match(tests[0]?.failure?.message ?? '', /timed out after 5000 ms \(the per-file timeout\) and its process tree was killed while "hangs" was running/);
  });

  it('marks an interrupted file', () => {
    const canceled: ProcessOutcome = { exitCode: null, signal: 'SIGTERM', timedOut: false, isCanceled: true, durationMs: 10 };
    const { status, tests } = collectResults(job, [], [window('slow', 0, null)], canceled, '', 100);
    assert.equal(status, 'interrupted');
    assert.equal(tests[0]?.failure?.type, 'interrupted');
  });

  it('keeps node:test failures as they are: a failed test and exit code 1 is a failed file, not a crash', () => {
    const failure = { type: 'AssertionError', message: '1 !== 2', stack: 'AssertionError: 1 !== 2\n    at /p/a.test.mjs:3:9' };
    const exit1: ProcessOutcome = { ...clean, exitCode: 1 };
    const { status, error, tests } = collectResults(job, [record('math', 'failed', { failure })], [window('math', 0, 0)], exit1, '', 100);
    assert.equal(status, 'failed');
    assert.equal(error, null);
    assert.equal(tests.length, 1);
    assert.deepEqual(tests[0]?.failure, failure);
  });
});
