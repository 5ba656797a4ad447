// collectResults: windows attached by name, crashes, timeouts and interrupts as failed tests, and under --repeat
// the iteration read back from each name; metrics attached by test name and time, with a warning for each lost one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricMessage, ResultRecord } from '../../../src/execute/child/protocol.js';
import { FILE_LEVEL_TEST } from '../../../src/results/failures.js';
import { collectResults, type BoundaryWindow } from '../../../src/execute/job/collect-results.js';
import type { ProcessOutcome } from '../../../src/results/run-result.js';
import type { Job } from '../../../src/results/job.js';
import { sample } from '../../helpers/sample-run-result.js';

const MiB = 1024 * 1024;
const job: Job = { id: 'a.test.mjs', file: '/p/a.test.mjs', suite: 'unit', tags: [], lane: 'gpu', timeoutMs: 5000, repeat: 1, leakThreshold: { vramBytes: 100 * MiB, ramBytes: 100 * MiB, metrics: {} }, leakRepeatMax: 40,
  needs: { vram: null, ram: null, gpus: 1, exclusive: false }, skip: null };
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

describe('collectResults under --repeat', () => {
  const repeatedJob: Job = { ...job, repeat: 3 };

  it('reads each iteration back from its name, and leaves other names alone', () => {
    const records = [record('loads [repeat 1/3]', 'passed'), record('loads [repeat 3/3]', 'passed'), record('plain', 'passed'), record('other [repeat 1/2]', 'passed')];
    const { tests } = collectResults(repeatedJob, records, [], clean, '', 2000);
    assert.deepEqual(tests.map((t) => t.repeat), [{ name: 'loads', iteration: 1, count: 3 }, { name: 'loads', iteration: 3, count: 3 }, null, null]);
  });

  it('gives no repeat info in a file run once, whatever the names', () => {
    const { tests } = collectResults(job, [record('loads [repeat 1/3]', 'passed')], [], clean, '', 2000);
    assert.equal(tests[0]?.repeat, null);
  });

  it('gives the synthetic tests of a crash no repeat info and no metrics', () => {
    const crashed: ProcessOutcome = { exitCode: null, signal: 'SIGKILL', timedOut: false, isCanceled: false, durationMs: 50 };
    const { tests } = collectResults(repeatedJob, [], [window('loads [repeat 2/3]', 0, null)], crashed, '', 1500);
    assert.deepEqual(tests.map((t) => [t.name, t.repeat, t.metrics]), [['loads [repeat 2/3]', null, []]]);
  });
});

describe('collectResults metrics', () => {
  const metric = (name: string, value: number, test: string | null, at: number, unit: string | null = null): MetricMessage =>
    ({ gpuTest: 'metric', name, value, unit, test, at });
  const timed = (name: string, from: number, to: number | null): BoundaryWindow =>
    ({ name, before: sample(from, 0, 0, 0), after: to === null ? null : sample(to, 0, 0, 0), peak: null });

  it('gives each metric to the test of its name, in the order they were recorded, with the unit', () => {
    const records = [record('generate', 'passed'), record('load', 'passed')];
    const metrics = [metric('tokens_per_s', 41.7, 'generate', 1005, 'tok/s'), metric('load_ms', 900, 'load', 2005, 'ms'), metric('tokens', 512, 'generate', 1006)];
    const { tests, warnings } = collectResults(job, records, [timed('generate', 1000, 1010), timed('load', 2000, 2010)], clean, '', 3000, metrics);
    assert.deepEqual(tests.map((t) => [t.name, t.metrics]), [
      ['generate', [{ name: 'tokens_per_s', value: 41.7, unit: 'tok/s' }, { name: 'tokens', value: 512, unit: null }]],
      ['load', [{ name: 'load_ms', value: 900, unit: 'ms' }]],
    ]);
    assert.deepEqual(warnings, []);
  });

  it('tells same-named tests apart by the time the metric was recorded, else gives it to the first', () => {
    const records = [record('step', 'passed'), record('step', 'passed')];
    const windows = [timed('step', 1000, 1010), timed('step', 2000, 2010)];
    const { tests } = collectResults(job, records, windows, clean, '', 3000, [metric('late', 2, 'step', 2005), metric('early', 1, 'step', 1001), metric('between', 3, 'step', 1500)]);
    assert.deepEqual(tests.map((t) => t.metrics.map((m) => m.name)), [['early', 'between'], ['late']]);
  });

  it('warns about a metric recorded outside any test, or in a test that reported no result, and attaches it nowhere', () => {
    const { tests, warnings } = collectResults(job, [record('ok', 'passed')], [timed('ok', 1000, 1010)], clean, '', 3000, [
      metric('setup_ms', 5, null, 900), metric('ghost_ms', 7, 'ghost', 1005),
    ]);
    assert.deepEqual(tests[0]?.metrics, []);
    assert.deepEqual(warnings, [
      'metric `setup_ms` was recorded outside any test; call metric() inside a test so a report can show it',
      'metric `ghost_ms` was recorded outside any test (in "ghost", which reported no result); call metric() inside a test so a report can show it',
    ]);
  });

  it('gives a skipped test (no window) its metric by name', () => {
    const { tests, warnings } = collectResults(job, [record('off', 'skipped')], [], clean, '', 3000, [metric('n', 1, 'off', 1000)]);
    assert.deepEqual(tests[0]?.metrics, [{ name: 'n', value: 1, unit: null }]);
    assert.deepEqual(warnings, []);
  });
});
