// End to end: the conventions users bring from node --test, Vitest, Jest and pytest: --bail, globs as arguments,
// --last-failed, a per-test --test-timeout, and `list --tests`.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from './run-cli.js';

const project = 'conventions';
const statuses = (run: Awaited<ReturnType<typeof runCli>>): Record<string, string> =>
  Object.fromEntries((run.json?.files ?? []).map((file) => [file.id, file.status]));

describe('gpu-test run: conventions of other test runners', () => {
  it('expands a quoted glob given as an argument, and says so when it matches nothing', async () => {
    const run = await runCli({ project, args: ['run', '*-passes.test.mjs'] });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(statuses(run), { 'b-passes.test.mjs': 'passed', 'c-passes.test.mjs': 'passed' });
    const none = await runCli({ project, args: ['run', 'src/**/*.test.ts'] });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /the glob `src\/\*\*\/\*\.test\.ts` matches no file under /);
  });

  it('--bail starts no file after the first failure and reports the rest as not run, with every report written', async () => {
    const run = await runCli({ project, args: ['run', '*.test.mjs', '--bail', '--concurrency', '1'] });
    assert.equal(run.code, 1);
    assert.deepEqual(statuses(run), { 'a-fails.test.mjs': 'failed', 'b-passes.test.mjs': 'skipped', 'c-passes.test.mjs': 'skipped' });
    const notRun = run.json?.files.find((file) => file.id === 'b-passes.test.mjs');
    assert.equal(notRun?.skipReason, 'not run: --bail stopped the run after `a-fails.test.mjs` failed');
    assert.match(run.markdown ?? '', /--bail stopped the run/);
    assert.match(run.junit ?? '', /--bail stopped the run/);
  });

  it('--last-failed runs again only the files that failed in the report directory\'s results.json', async () => {
    const reportDir = mkdtempSync(join(tmpdir(), 'gpu-test-last-failed-'));
    const first = await runCli({ project, reportDir, args: ['run', '*.test.mjs'] });
    assert.equal(first.code, 1);
    assert.equal(Object.keys(statuses(first)).length, 3);
    const again = await runCli({ project, reportDir, args: ['run', '--last-failed'] });
    assert.equal(again.code, 1);
    assert.deepEqual(statuses(again), { 'a-fails.test.mjs': 'failed' });
    assert.match(again.stderr, /--last-failed: running the 1 file\(s\) that failed in /);
  });

  it('--test-timeout fails a test that runs longer, and the tests after it still run', async () => {
    const run = await runCli({ project, args: ['run', 'slow/hang.test.mjs', '--test-timeout', '300'] });
    assert.equal(run.code, 1);
    const tests = run.json?.files[0]?.tests ?? [];
    assert.deepEqual(tests.map((test) => [test.name, test.status]), [['waits 4 s', 'failed'], ['after the wait', 'passed'], ['sets its own timeout', 'passed']]);
    assert.match(tests[0]?.failure?.message ?? '', /timed out after 300ms/);
  });
});

describe('gpu-test list --tests', () => {
  it('lists each file\'s tests in declaration order without running a test body or a hook', async () => {
    const list = await runCli({ project, args: ['list', '--tests', 'nested'] });
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, [
      'nested/declared.test.mjs (3 tests)',
      '  model',
      '    loads',
      '    captions',
      '      describes a cat',
      '  top-level test',
      '',
      '3 tests in 1 file (subtests a test makes in its body are not listed)',
      '',
    ].join('\n'));
    assert.equal(existsSync(join(list.timelineDir, 'before-ran')), false, 'a before hook ran');
    assert.equal(existsSync(join(list.timelineDir, 'body-ran')), false, 'a test body ran');
  });
});
