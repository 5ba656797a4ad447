// End to end: a suite's coordination hooks around its files. `after` runs once the suite's last file has ended,
// also when a file failed and when the run is interrupted; a failing `before` leaves the suite's files failed with
// the hook's output; a failing `after` fails the run without hiding the test results.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { validateJunit } from '../report/validate-junit.js';
import { runCli, type CliRun, type ResultsJson } from './run-cli.js';

interface HookJson {
  readonly suite: string;
  readonly phase: string;
  readonly step: string;
  readonly ok: boolean;
  readonly attempts: number;
  readonly error: string | null;
  readonly output: string;
}

function hooksOf(json: ResultsJson | null): HookJson[] {
  return (json as unknown as { hooks?: HookJson[] } | null)?.hooks ?? [];
}

function fileOf(run: CliRun, id: string): ResultsJson['files'][number] {
  return run.json?.files.find((file) => file.id === id) ?? assert.fail(`no file ${id} in results.json`);
}

function readLog(run: CliRun): string[] {
  return readFileSync(join(run.timelineDir, 'hooks.log'), 'utf8').split('\n').filter((line) => line !== '');
}

describe('gpu-test run with suite hooks: a failing test file, a failing `before`, a suite without hooks', () => {
  let run: CliRun;
  before(async () => {
    run = await runCli({ project: 'hooks', args: ['run', 'flux', 'guarded', 'plain', '--concurrency', '4'] });
  });

  it('exits 1 and runs the suite without hooks as before', () => {
    assert.equal(run.code, 1, run.stderr);
    assert.equal(fileOf(run, 'plain/ok.test.mjs').status, 'passed');
  });

  it('runs `before` and the healthcheck ahead of the suite\'s files, and `after` once, after its failing file ended', () => {
    const log = readLog(run);
    assert.equal(log[0], 'before');
    assert.deepEqual([...log.slice(1, 3)].sort(), ['test fails', 'test passes']);
    assert.equal(log[3], 'after');
    assert.equal(log.length, 4);
    assert.ok(existsSync(join(run.timelineDir, 'after-flux')));
    assert.equal(fileOf(run, 'flux/fails.test.mjs').status, 'failed');
    assert.equal(fileOf(run, 'flux/passes.test.mjs').status, 'passed');
    const flux = hooksOf(run.json).filter((hook) => hook.suite === 'flux');
    assert.deepEqual(flux.map((hook) => [hook.phase, hook.ok, hook.attempts]), [['before', true, 1], ['healthcheck', true, 2], ['after', true, 1]]);
    assert.equal(flux[0]?.output, 'unloading validation models\n');
  });

  it('never starts the files of a suite whose `before` failed: they fail with the hook\'s output, and `after` still runs', () => {
    assert.equal(existsSync(join(run.timelineDir, 'guarded-ran')), false, 'the test file never loaded');
    const guarded = fileOf(run, 'guarded/never.test.mjs');
    assert.equal(guarded.status, 'failed');
    assert.equal(guarded.tests.length, 1);
    assert.equal(guarded.tests[0]?.failure?.type, 'hook');
    assert.match(guarded.tests[0]?.failure?.message ?? '', /^not started: suite guarded's `before` hook `echo .*; exit 7` failed: exited with code 7; its output ended with:\nvalidation server refused to unload: 2 requests in flight$/);
    assert.ok(existsSync(join(run.timelineDir, 'after-guarded')));
    const hooks = hooksOf(run.json).filter((hook) => hook.suite === 'guarded');
    assert.deepEqual(hooks.map((hook) => [hook.phase, hook.ok, hook.error]), [['before', false, 'exited with code 7'], ['after', true, null]]);
  });

  it('shows the hooks in report.md, junit.xml (schema-valid) and the console', async () => {
    assert.match(run.markdown ?? '', /## Hooks/);
    assert.match(run.markdown ?? '', /### ❌ guarded · before: `echo "validation server refused to unload: 2 requests in flight"; exit 7`/);
    assert.match(run.markdown ?? '', /```text\nvalidation server refused to unload: 2 requests in flight\n```/);
    assert.match(run.junit ?? '', /<testcase name="guarded \[hook before: echo &quot;validation server refused to unload: 2 requests in flight&quot;; exit 7\]" classname="guarded \[hooks\]"/);
    assert.match(run.junit ?? '', /<error type="hook" message="not started: suite guarded/);
    assert.deepEqual(await validateJunit(run.junit ?? ''), []);
    assert.match(run.stderr, /Hooks: {4}guarded before `echo .*` failed: exited with code 7/);
  });
});

describe('gpu-test run with a failing `after` hook', () => {
  it('fails the run (exit 1) and keeps every test result', async () => {
    const run = await runCli({ project: 'hooks', args: ['run', 'reload', 'plain'] });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.json?.verdict, 'failed');
    assert.deepEqual(run.json?.files.map((file) => [file.id, file.status]), [['plain/ok.test.mjs', 'passed'], ['reload/ok.test.mjs', 'passed']]);
    const [hook] = hooksOf(run.json);
    assert.deepEqual([hook?.suite, hook?.phase, hook?.ok, hook?.error, hook?.output], ['reload', 'after', false, 'exited with code 2', 'reload failed: CUDA out of memory\n']);
    assert.match(run.markdown ?? '', /\*\*❌ Failed\*\*: 2 passed, 0 failed/);
    assert.match(run.junit ?? '', /<testcase name="reload \[hook after: echo &quot;reload failed: CUDA out of memory&quot; &gt;&amp;2; exit 2\]"/);
    assert.match(run.stderr, /✖ FAILED/);
  });
});

describe('SIGINT during a suite with hooks', () => {
  it('runs the suite\'s `after` before writing the reports, and exits 130', async () => {
    const run = await runCli({
      project: 'hooks',
      args: ['run', 'slow'],
      onSpawn: (child, timelineDir) => {
        void (async () => {
          const path = join(timelineDir, 'pids.json');
          for (let i = 0; i < 200 && !existsSync(path); i++) await sleep(50);
          child.kill('SIGINT');
        })();
      },
    });
    assert.equal(run.code, 130, run.stderr);
    assert.ok(existsSync(join(run.timelineDir, 'pids.json')), 'the slow test started');
    assert.ok(existsSync(join(run.timelineDir, 'after-slow')), 'the `after` hook ran to its end');
    assert.equal(run.json?.verdict, 'interrupted');
    assert.equal(fileOf(run, 'slow/waits.test.mjs').status, 'interrupted');
    assert.deepEqual(hooksOf(run.json).map((hook) => [hook.suite, hook.phase, hook.ok]), [['slow', 'before', true], ['slow', 'after', true]]);
    assert.match(run.markdown ?? '', /## Hooks/);
  });
});
