// junit.xml for runs in CI: a flaky test is a passed testcase with Surefire's record of its first failure (valid
// against the schema, counted in neither failures nor errors), and a merged run names each file's machine as host.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderJunit } from '../../src/report/junit.js';
import { countResults } from '../../src/results/counts.js';
import type { FileResult, RunResult } from '../../src/results/run-result.js';
import { sampleRunResult, test } from '../helpers/sample-run-result.js';
import { validateJunit } from './validate-junit.js';

function flakyRun(): RunResult {
  const base = sampleRunResult();
  const vlm = base.files[1] as FileResult;
  const flakyFile: FileResult = {
    ...vlm, status: 'flaky',
    tests: [test({ name: 'gen', fullName: 'gen', file: vlm.job.file, line: 3, status: 'flaky', failure: { type: 'crash', message: 'killed by SIGSEGV', stack: null } })],
    attempts: [{ status: 'crashed', failureClass: 'crash', error: 'killed by SIGSEGV', durationMs: 900, failedTests: ['gen'] }],
  };
  const files = [flakyFile];
  return { ...base, files, counts: countResults(files), verdict: 'passed' };
}

describe('renderJunit in CI', () => {
  it('writes a flaky test as passed with its first failure in a Surefire rerun record, valid against the schema', async () => {
    const xml = renderJunit(flakyRun());
    assert.match(xml, /<testsuites name="gpu-test" tests="1" failures="0" errors="0"/);
    assert.match(xml, /<testcase name="gen"[^>]*>\n {6}<flakyError type="crash" message="killed by SIGSEGV"><stackTrace>killed by SIGSEGV<\/stackTrace><\/flakyError>/);
    assert.match(xml, /<property name="gen :: flaky" value="true"\/>/);
    assert.match(xml, /<property name="attempt.1" value="crashed \(crash\): killed by SIGSEGV"\/>/);
    assert.deepEqual(await validateJunit(xml), []);
  });

  it('names the machine that ran each file of a merged run as its testsuite\'s host', () => {
    const base = sampleRunResult();
    const machine = (hostname: string) => ({ runId: hostname, shard: null, host: { ...base.host, hostname }, gpu: base.gpu, startedAt: 0, endedAt: 0, verdict: 'passed' as const, counts: base.counts, pressure: base.pressure, toolVersion: '0.1.0' });
    const merged = { ...base, machines: [machine('gpu-a'), machine('gpu-b')], files: base.files.map((file, index) => ({ ...file, machine: index % 2 })) };
    const hosts = [...renderJunit({ ...merged, warnings: [] }).matchAll(/<testsuite name="([^"]+)"[^>]* hostname="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(hosts, [['suites/unit/math.test.ts', 'gpu-a'], ['suites/vlm/ensemble.test.ts', 'gpu-b'], ['suites/flux/flux.test.ts', 'gpu-a'], ['suites/unit/crash.test.mjs', 'gpu-b']]);
  });
});
