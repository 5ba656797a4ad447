// The run's verdict and exit code, decided in one place: interrupted beats everything, then any failed test, failed
// file or failed hook step fails the run; the exit code is the interrupting signal's, else the verdict's.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideVerdict, EXIT, exitCodeOf } from '../../src/results/verdict.js';

const clean = { interrupted: false, counts: { failed: 0, filesFailed: 0 }, hooks: [{ ok: true }] };

describe('decideVerdict', () => {
  it('passes a run with nothing failed', () => {
    assert.equal(decideVerdict(clean), 'passed');
  });

  it('fails on a failed test, a failed file or a failed hook step alone', () => {
    assert.equal(decideVerdict({ ...clean, counts: { failed: 1, filesFailed: 0 } }), 'failed');
    assert.equal(decideVerdict({ ...clean, counts: { failed: 0, filesFailed: 1 } }), 'failed');
    assert.equal(decideVerdict({ ...clean, hooks: [{ ok: true }, { ok: false }] }), 'failed');
  });

  it('passes a flaky test unless failOnFlaky, and a merged run fails when one of its machines failed', () => {
    assert.equal(decideVerdict({ ...clean, counts: { failed: 0, filesFailed: 0, flaky: 2 } }), 'passed');
    assert.equal(decideVerdict({ ...clean, counts: { failed: 0, filesFailed: 0, flaky: 2 }, failOnFlaky: true }), 'failed');
    assert.equal(decideVerdict({ ...clean, machines: [{ verdict: 'passed' }, { verdict: 'failed' }] }), 'failed');
  });

  it('calls an interrupted run interrupted, whatever else failed', () => {
    assert.equal(decideVerdict({ interrupted: true, counts: { failed: 3, filesFailed: 1 }, hooks: [{ ok: false }] }), 'interrupted');
  });
});

describe('exitCodeOf', () => {
  it('gives 0 for passed and 1 for failed', () => {
    assert.equal(exitCodeOf({ verdict: 'passed', interruption: null }), EXIT.passed);
    assert.equal(exitCodeOf({ verdict: 'failed', interruption: null }), EXIT.failed);
  });

  it('gives 128 + the signal for an interrupted run: 130 SIGINT, 143 SIGTERM, 129 SIGHUP', () => {
    assert.deepEqual((['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => exitCodeOf({ verdict: 'interrupted', interruption: { signal } })), [130, 143, 129]);
  });
});
