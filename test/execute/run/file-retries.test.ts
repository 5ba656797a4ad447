// --retries and flaky triage: what a failed file died of (assertion, timeout, crash, out of memory, GPU error), which
// classes are retried (never an assertion by default), and the reported result: tests that passed on a retry are
// flaky with their first failure kept, the earlier attempts summed up; an interrupted retry proves nothing. Retry alone:
// a SIGKILL is re-run alone only with a sign of memory pressure, an out-of-memory message or the guard's stop always.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureClassOf } from '../../../src/execute/run/failure-class.js';
import { createFileRetries, type AfterFile } from '../../../src/execute/run/file-retries.js';
import { mergeRetries } from '../../../src/execute/run/retry-flaky.js';
import { describeMemoryEvidence, type MemoryEvidence, type MemorySign } from '../../../src/results/memory-evidence.js';
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

describe('retry alone on evidence of memory pressure', () => {
  const cpuJob = job('suites/unit/parse.test.ts', 'unit', [], 'cpu');
  const cpuStart: Placement = { job: cpuJob, gpuIndices: [], vramBytes: null, ramBytes: null };
  const neighbour: Placement = { job: job('suites/vlm/caption.test.ts', 'vlm', ['gpu'], 'gpu'), gpuIndices: [0], vramBytes: null, ramBytes: null };
  const sigkill = (): FileResult => file('crashed', [failing('parses', 'crash', 'killed by SIGKILL')], {
    job: cpuJob, lane: 'cpu', gpuIndices: [], outcome: { exitCode: null, signal: 'SIGKILL', timedOut: false, isCanceled: false, durationMs: 100 },
  });
  const oomKill = { source: 'cgroup-oom-kill', resource: 'ram', detail: 'cgroup oom_kill +1' } as const;
  /** Retries where `signs` are what the counters, PSI and peaks showed around the file, beside `neighbour`. */
  function retries(signs: readonly MemorySign[], overrides: Parameters<typeof resolvedConfig>[0] = {}): ReturnType<typeof createFileRetries> {
    const made = createFileRetries(() => null, resolvedConfig({ retries: 0, ...overrides }), () => signs);
    made.noteStart(cpuStart, [neighbour]);
    made.noteStart(start, [neighbour]);
    return made;
  }
  const evidence = (next: AfterFile): MemoryEvidence | null | undefined => ('retry' in next ? next.failed : next.result).memoryEvidence;

  it('does not re-run alone a SIGKILL with no sign of memory pressure: the crash stands and says why', () => {
    const next = retries([]).afterFile(cpuStart, sigkill(), true);
    assert.equal(kind(next), 'crashed');
    assert.deepEqual(evidence(next), { signs: [], alone: 'no-sign' });
    assert.equal(describeMemoryEvidence(evidence(next) as MemoryEvidence), 'not retried alone: SIGKILL with no sign of memory pressure');
    assert.equal(failureClassOf('result' in next ? next.result : sigkill()), 'crash');
  });

  it('gives a SIGKILL with no sign the plain retry `--retries` allows for a crash', () => {
    const next = retries([], { retries: 1 }).afterFile(cpuStart, sigkill(), true);
    assert.ok('retry' in next);
    assert.equal(next.retry.needs.exclusive, false);
    assert.equal(evidence(next)?.alone, 'no-sign');
  });

  it('re-runs alone a SIGKILL with a sign, naming it', () => {
    const made = retries([oomKill]);
    const next = made.afterFile(cpuStart, sigkill(), true);
    assert.ok('retry' in next);
    assert.equal(next.retry.needs.exclusive, true);
    assert.deepEqual(evidence(next), { signs: [oomKill], alone: 'retried' });
    assert.equal(describeMemoryEvidence(evidence(next) as MemoryEvidence), 'retried alone: cgroup oom_kill +1');
    const after = made.afterFile(cpuStart, file('passed', [passing('parses')], { job: cpuJob, lane: 'cpu', gpuIndices: [] }), true);
    assert.ok('result' in after);
    assert.equal(after.result.status, 'passed-alone');
    assert.equal(after.result.coScheduled?.reason, 'killed by SIGKILL; cgroup oom_kill +1');
    assert.deepEqual(after.result.memoryEvidence, { signs: [oomKill], alone: 'retried' });
  });

  it('re-runs alone a CUDA out-of-memory message, the message its sign, whatever the counters show', () => {
    const next = retries([]).afterFile(start, file('failed', [failing('loads', 'Error', 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB')]), true);
    assert.ok('retry' in next);
    assert.deepEqual(evidence(next), { signs: [{ source: 'oom-message', resource: 'vram', detail: 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB' }], alone: 'retried' });
  });

  it('re-runs alone a file the memory guard stopped, the guard\'s figure its sign', () => {
    const stoppedByGuard = { resource: 'vram' as const, gpuIndex: 0, figure: 'GPU 0 VRAM at 98.5% of 24.00 GiB, over the 98% limit', curve: 't0 23.6 GiB' };
    const stopped = file('failed', [failing('loads', 'MemoryGuard', 'stopped')], { outcome: { exitCode: null, signal: 'SIGKILL', timedOut: false, isCanceled: false, durationMs: 1, stoppedByGuard } });
    const next = retries([]).afterFile(start, stopped, true);
    assert.ok('retry' in next);
    assert.equal(evidence(next)?.signs[0]?.detail, 'stopped by the memory guard: GPU 0 VRAM at 98.5% of 24.00 GiB, over the 98% limit');
  });

  it('records the signs but does not re-run alone when nothing ran beside it, or retries alone are off', () => {
    const alone = createFileRetries(() => null, resolvedConfig({ retries: 0 }), () => [oomKill]);
    alone.noteStart(cpuStart, []);
    assert.deepEqual(evidence(alone.afterFile(cpuStart, sigkill(), true)), { signs: [oomKill], alone: 'nothing-beside' });
    assert.deepEqual(evidence(retries([oomKill], { retryAlone: false }).afterFile(cpuStart, sigkill(), true)), { signs: [oomKill], alone: 'off' });
    assert.equal(failureClassOf({ ...sigkill(), memoryEvidence: { signs: [oomKill], alone: 'off' } }), 'oom');
  });

  it('leaves a failure memory cannot explain without evidence', () => {
    assert.equal(evidence(retries([oomKill]).afterFile(start, file('failed', [failing('a', 'AssertionError', "'cat' !== 'dog'")]), true)), undefined);
  });
});
