// A confirmed leak as a failed test of its own: its name per resource, one failure per leaking finding under
// `--leaks fail` (none for findings cleared or under `warn`), with the verdict's sentence as the MemoryLeak message.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leakCheckFailures, leakCheckName } from '../../../src/execute/job/leak-failures.js';
import type { LeakFinding } from '../../../src/results/run-result.js';
import { job } from '../../helpers/sample-run-result.js';

const MiB = 1024 * 1024;
const file = job('suites/vlm/cycles.test.mjs', 'vlm', ['gpu'], 'gpu', null, 5);

function finding(test: string, resource: LeakFinding['resource'], leaking: boolean): LeakFinding {
  return {
    test, line: 14, resource, metric: resource === 'metric' ? { name: 'kv_blocks', unit: null } : null, source: 'card',
    rechecked: true, recheck: null, series: [0, 64, 128, 192, 256].map((v) => v * MiB),
    verdict: {
      leaking, iterations: 4, perIteration: 64 * MiB, totalGrowth: 192 * MiB, rSquared: 1, threshold: 100 * MiB,
      reason: leaking ? `${resource} grew 64 MiB per iteration, confirmed by a re-run` : 'Not confirmed, so not a leak', pattern: 'steady', steps: null,
    },
  };
}

describe('leakCheckName', () => {
  it('names the check after the test and the resource, or the metric', () => {
    assert.equal(leakCheckName(finding('models > load and unload', 'vram', true)), 'models > load and unload [leak check: VRAM]');
    assert.equal(leakCheckName(finding('tokenize', 'ram', true)), 'tokenize [leak check: RAM]');
    assert.equal(leakCheckName(finding('serve', 'metric', true)), 'serve [leak check: metric kv_blocks]');
  });
});

describe('leakCheckFailures', () => {
  const leaks = [finding('models > load', 'vram', true), finding('models > load', 'ram', false), finding('tokenize', 'ram', true)];

  it('makes one failed test per leaking finding under --leaks fail, at the test\'s line, in the file', () => {
    const failures = leakCheckFailures(file, leaks, 'fail');
    assert.deepEqual(failures, [
      {
        name: 'models > load [leak check: VRAM]', fullName: 'models > load [leak check: VRAM]', nesting: 0, file: file.file, line: 14, column: null,
        status: 'failed', durationMs: 0, skipReason: null, failure: { type: 'MemoryLeak', message: 'vram grew 64 MiB per iteration, confirmed by a re-run', stack: null },
        window: null, repeat: null, metrics: [],
      },
      {
        name: 'tokenize [leak check: RAM]', fullName: 'tokenize [leak check: RAM]', nesting: 0, file: file.file, line: 14, column: null,
        status: 'failed', durationMs: 0, skipReason: null, failure: { type: 'MemoryLeak', message: 'ram grew 64 MiB per iteration, confirmed by a re-run', stack: null },
        window: null, repeat: null, metrics: [],
      },
    ]);
  });

  it('makes none under --leaks warn, nor for findings that are not leaks', () => {
    assert.deepEqual(leakCheckFailures(file, leaks, 'warn'), []);
    assert.deepEqual(leakCheckFailures(file, [finding('models > load', 'vram', false)], 'fail'), []);
    assert.deepEqual(leakCheckFailures(file, [], 'fail'), []);
  });
});
