// --retries and flaky triage: what a failed file died of (assertion, timeout, crash, out of memory, GPU error), which
// classes are retried (never an assertion by default), and the reported result: tests that passed on a retry are
// flaky with their first failure kept, the earlier attempts summed up; an interrupted retry proves nothing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureClassOf } from '../../../src/execute/run/failure-class.js';
import { createFileRetries, type AfterFile } from '../../../src/execute/run/file-retries.js';
import { mergeRetries } from '../../../src/execute/run/retry-flaky.js';
import type { FileResult, TestResult } from '../../../src/results/run-result.js';
import type { Placement } from '../../../src/schedule/admission.js';
import { resolvedConfig } from '../../helpers/resolved-config.js';
import { job, test } from '../../helpers/sample-run-result.js';

const vlm = job('suites/vlm/model.test.ts', 'vlm', ['gpu'], 'gpu');
const start: Placement = { job: vlm, gpuIndices: [0], vramBytes: null, ramBytes: null };

function file(status: FileResult['status'], tests: TestResult[], extra: Partial<FileResult> = {}): FileResult {
  return {
    job: vlm, status, skipReason: null, error: null, outcome: { exitCode: status === 'passed' ? 0 : 1, signal: null, timedOut: status === 'timed-out', isCanceled: false, durationMs: 100 },
    startedAt: 1000, endedAt: 1100, lane: 'gpu', gpuIndices: [0], tests, leaks: [], residue: null, gpuLoad: [], stdout: '', stderr: '', ...extra,
  };
}

const failing = (name: string, type: string, message: string): TestResult => test({ name, status: 'failed', failure: { type, message, stack: null } });
const passing = (name: string): TestResult => test({ name, status: 'passed' });

describe('failureClassOf', () => {
  it('tells an assertion, a timeout, a crash, out of memory and a GPU fault apart', () => {
    assert.equal(failureClassOf(file('failed', [failing('a', 'AssertionError', "'cat' !== 'dog'")])), 'assertion');
    assert.equal(failureClassOf(file('timed-out', [failing('a', 'timeout', 'the file ran past its timeout')])), 'timeout');
    assert.equal(failureClassOf(file('failed', [failing('a', 'testTimeoutFailure', 'test timed out after 100ms')])), 'timeout');
    assert.equal(failureClassOf(file('crashed', [failing('a', 'crash', 'killed by SIGSEGV')], { outcome: { exitCode: null, signal: 'SIGSEGV', timedOut: false, isCanceled: false, durationMs: 1 } })), 'crash');
    assert.equal(failureClassOf(file('failed', [failing('a', 'Error', 'CUDA out of memory. Tried to allocate 2.00 GiB')])), 'oom');
    assert.equal(failureClassOf(file('failed', [failing('a', 'Error', 'CUDA error: an illegal memory access was encountered')])), 'gpu');
    assert.equal(failureClassOf(file('crashed', [failing('a', 'crash', 'exited with code 1')], { stderr: 'NVRM: Xid (PCI:0000:3b:00): 79, GPU has fallen off the bus.\n' })), 'gpu');
    assert.equal(failureClassOf(file('passed', [passing('a')])), null);
    assert.equal(failureClassOf(file('interrupted', [failing('a', 'interrupted', 'stopped')])), null);
  });
});

function retriesWith(overrides: Parameters<typeof resolvedConfig>[0] = {}): ReturnType<typeof createFileRetries> {
  return createFileRetries(() => null, resolvedConfig({ retries: 2, ...overrides }));
}

const kind = (next: AfterFile): string => ('retry' in next ? `retry ${next.attempt}` : next.result.status);

describe('createFileRetries', () => {
  it('retries a GPU fault and reports the test that then passed as flaky, its first failure kept', () => {
    const retries = retriesWith();
    const first = file('failed', [failing('generates', 'Error', 'CUDA error: unspecified launch failure'), passing('loads')]);
    assert.equal(kind(retries.afterFile(start, first, true)), 'retry 2');
    const next = retries.afterFile(start, file('passed', [passing('generates'), passing('loads')]), true);
    assert.ok('result' in next);
    assert.equal(next.result.status, 'flaky');
    assert.deepEqual(next.result.tests.map((t) => [t.name, t.status, t.failure?.message ?? null]), [['generates', 'flaky', 'CUDA error: unspecified launch failure'], ['loads', 'passed', null]]);
    assert.deepEqual(next.result.attempts?.map((a) => [a.status, a.failureClass, a.failedTests]), [['failed', 'gpu', ['generates']]]);
  });

  it('never retries an assertion by default, and does when the suite allows it', () => {
    const assertion = file('failed', [failing('checks', 'AssertionError', "'cat' !== 'dog'")]);
    assert.equal(kind(retriesWith().afterFile(start, assertion, true)), 'failed');
    const suites = resolvedConfig().suites.map((suite) => (suite.name === 'vlm' ? { ...suite, retryOn: ['assertion' as const] } : suite));
    assert.equal(kind(retriesWith({ suites }).afterFile(start, assertion, true)), 'retry 2');
  });

  it('stops after `retries` attempts, keeping every one, and retries nothing once the run is stopping', () => {
    const retries = retriesWith({ retries: 1 });
    const crash = (): FileResult => file('crashed', [failing('a', 'crash', 'exited with code 1')]);
    assert.equal(kind(retries.afterFile(start, crash(), true)), 'retry 2');
    const last = retries.afterFile(start, crash(), true);
    assert.equal(kind(last), 'crashed');
    assert.equal('result' in last ? last.result.attempts?.length : -1, 1);
    assert.equal(kind(retriesWith().afterFile(start, crash(), false)), 'crashed');
  });

  it('reports the attempt before an interrupted retry', () => {
    const retries = retriesWith();
    const crash = file('crashed', [failing('a', 'crash', 'exited with code 1')]);
    retries.afterFile(start, crash, true);
    const next = retries.afterFile(start, file('interrupted', [failing('a', 'interrupted', 'stopped')]), false);
    assert.equal('result' in next ? next.result : null, crash);
  });
});

describe('mergeRetries', () => {
  it('keeps a failure that held on every attempt a plain failure, and the earlier stderr ahead of the last', () => {
    const merged = mergeRetries([file('failed', [failing('a', 'Error', 'first')], { stderr: 'one\n' })], file('failed', [failing('a', 'Error', 'second')], { stderr: 'two\n' }));
    assert.equal(merged.status, 'failed');
    assert.equal(merged.tests[0]?.failure?.message, 'second');
    assert.equal(merged.stderr, 'one\n--- retry 1 ---\ntwo\n');
  });
});
