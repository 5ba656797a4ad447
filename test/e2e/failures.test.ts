// End to end: a crash, a hang, a failing assertion and a broken import each show in every report, and the rest runs.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { validateJunit } from '../report/validate-junit.js';
import { runCli, type CliRun } from './run-cli.js';

describe('gpu-test run on files that crash, hang and fail', () => {
  let run: CliRun;
  before(async () => {
    run = await runCli({ project: 'broken', args: ['run', '--concurrency', '4'] });
  });

  it('exits 1', () => {
    assert.equal(run.code, 1, run.stderr);
  });

  it('reports the crashed file with its signal and names the test it was in, keeping the finished test', () => {
    const crash = run.json?.files.find((f) => f.id === 'crash.test.mjs');
    assert.equal(crash?.status, 'crashed');
    assert.match(crash?.error ?? '', /SIGSEGV/);
    assert.deepEqual(crash?.tests.map((t) => [t.name, t.status]), [['finishes before the crash', 'passed'], ['segfaults', 'failed']]);
    assert.match(crash?.tests[1]?.failure?.message ?? '', /killed by SIGSEGV while "segfaults" was running/);
    assert.match(run.markdown ?? '', /SIGSEGV/);
    assert.match(run.junit ?? '', /segfaults/);
  });

  it('kills the hanging file at its header timeout and names the test', () => {
    const hang = run.json?.files.find((f) => f.id === 'hang.test.mjs');
    assert.equal(hang?.status, 'timed-out');
    assert.match(hang?.tests[0]?.failure?.message ?? '', /timed out after 1500 ms .* while "hangs forever" was running/);
  });

  it('runs the other files: the assertion failure is reported with its message and stack', () => {
    const ok = run.json?.files.find((f) => f.id === 'ok.test.mjs');
    assert.equal(ok?.status, 'failed');
    assert.deepEqual(ok?.tests.map((t) => t.status), ['passed', 'failed']);
    assert.match(run.junit ?? '', /<failure type="AssertionError" message="arithmetic &lt;&amp;&gt; &quot;broke&quot; \]\]&gt;&#10;/);
    assert.match(run.junit ?? '', /ok\.test\.mjs:5:\d+/);
  });

  it('reports a file that cannot even import as a failed file-level test with the error', () => {
    const bad = run.json?.files.find((f) => f.id === 'bad-import.test.mjs');
    assert.equal(bad?.status, 'crashed');
    assert.match(bad?.tests[0]?.failure?.message ?? '', /does-not-exist\.mjs/);
  });

  it('shows the stderr line that names the error of a test whose process exited 1, in the console and report.md', () => {
    const oom = run.json?.files.find((f) => f.id === 'oom-exit.test.mjs');
    assert.match(oom?.tests[0]?.failure?.message ?? '', /exited with code 1 while "loads the big model" was running/);
    // The error sits 25 lines above the end: above the tail either report keeps, and brought along all the same.
    const error = 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 GiB.';
    const failure = (run.markdown ?? '').split('### ❌ loads the big model')[1]?.split('\n### ')[0] ?? assert.fail('no failure for the test in report.md');
    assert.ok(failure.includes(error), failure);
    assert.match(failure, /releasing cache block 24\n/);
    const recap = run.stderr.slice(run.stderr.lastIndexOf('Failures ('));
    assert.ok(recap.includes(error), run.stderr);
  });

  it('still writes a schema-valid JUnit file', async () => {
    assert.deepEqual(await validateJunit(run.junit ?? ''), []);
  });
});
