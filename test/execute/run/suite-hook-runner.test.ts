// When a suite's hooks run around its files: `before` once ahead of the first, `after` once the last has ended (also
// after failures and interrupts), files of a suite whose `before` failed not started. Launches are stand-ins; the
// hook steps are real shell commands writing to a log.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SuiteHooks } from '../../../src/config/types.js';
import { createSuiteHookRunner, type SuiteHookRunner } from '../../../src/execute/run/suite-hook-runner.js';
import type { FileResult } from '../../../src/results/run-result.js';
import type { Job } from '../../../src/results/job.js';
import { resolvedConfig } from '../../helpers/resolved-config.js';
import { job } from '../../helpers/sample-run-result.js';

const dir = mkdtempSync(join(tmpdir(), 'gpu-test-hook-runner-'));
const log = join(dir, 'log');
after(() => rmSync(dir, { recursive: true, force: true }));

function readLog(): string[] {
  try {
    return readFileSync(log, 'utf8').split('\n').filter((line) => line !== '');
  } catch {
    return [];
  }
}

/** A shell step that appends `word` to the log. */
function note(word: string): { run: string; timeoutMs: number } {
  return { run: `echo ${word} >> "${log}"`, timeoutMs: 5000 };
}

/** A launch stand-in: records start and cancel; `end` gives it a result. */
function fakeLaunch(j: Job) {
  let resolve: (result: FileResult) => void = () => {};
  const done = new Promise<FileResult>((r) => (resolve = r));
  const result = (status: FileResult['status']): FileResult => ({
    job: j, status, skipReason: null, error: null, outcome: null, startedAt: null, endedAt: null, lane: j.lane, gpuIndices: [],
    tests: [], leaks: [], residue: null, gpuLoad: [], stdout: '', stderr: '',
  } as FileResult);
  const launch = {
    job: j, started: false, canceled: false, done,
    start() {
      launch.started = true;
      writeFileSync(log, `start ${j.id}\n`, { flag: 'a' });
    },
    cancel() {
      launch.canceled = true;
      resolve(result('interrupted'));
    },
    end(status: FileResult['status'] = 'passed') {
      writeFileSync(log, `end ${j.id}\n`, { flag: 'a' });
      resolve(result(status));
    },
  };
  return launch;
}

function runnerFor(hooks: SuiteHooks, jobs: readonly Job[], signal = new AbortController().signal): SuiteHookRunner {
  const config = resolvedConfig();
  const suites = config.suites.map((suite) => (suite.name === 'flux' ? { ...suite, hooks } : suite));
  return createSuiteHookRunner({ config: { rootDir: dir, suites }, env: process.env, interrupt: { stop: signal, now: new AbortController().signal }, jobs });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(10);
  assert.ok(condition(), what);
}

const fluxA = job('suites/flux/a.test.ts', 'flux', ['gpu'], 'cpu');
const fluxB = job('suites/flux/b.test.ts', 'flux', ['gpu'], 'cpu');
const unit = job('test/unit.test.ts', 'unit', [], 'cpu');

describe('createSuiteHookRunner', () => {
  beforeEach(() => rmSync(log, { force: true }));

  it('starts a file of a suite without hooks at once, without waiting a tick', async () => {
    const runner = runnerFor({ before: [note('before')] }, [unit, fluxA]);
    const launch = fakeLaunch(unit);
    const done = runner.startWhenReady(launch, () => launch.start());
    assert.equal(launch.started, true);
    launch.end();
    assert.equal((await done).status, 'passed');
    runner.fileEnded(unit);
    assert.deepEqual(await runner.finish(), []);
    assert.deepEqual(readLog(), ['start test/unit.test.ts', 'end test/unit.test.ts']);
  });

  it('runs `before` once ahead of the suite\'s first file and `after` once its last file has ended, failed or not', async () => {
    const runner = runnerFor({ before: [note('before')], healthcheck: { ...note('healthy'), waitMs: 1000, intervalMs: 50 }, after: [note('after')] }, [fluxA, fluxB]);
    const a = fakeLaunch(fluxA);
    const b = fakeLaunch(fluxB);
    const doneA = runner.startWhenReady(a, () => a.start());
    const doneB = runner.startWhenReady(b, () => b.start());
    assert.equal(a.started, false, 'waits for `before`');
    await until(() => a.started && b.started, 'both files start once `before` succeeded');
    a.end('failed');
    runner.fileEnded(fluxA);
    await sleep(100);
    assert.ok(!readLog().includes('after'), '`after` waits for the last file');
    // A later file of the suite (the round is open) starts at once.
    b.end('timed-out');
    await doneA;
    await doneB;
    runner.fileEnded(fluxB);
    const runs = await runner.finish();
    assert.deepEqual(readLog(), ['before', 'healthy', `start ${fluxA.id}`, `start ${fluxB.id}`, `end ${fluxA.id}`, `end ${fluxB.id}`, 'after']);
    assert.deepEqual(runs.map((run) => [run.suite, run.phase, run.ok]), [['flux', 'before', true], ['flux', 'healthcheck', true], ['flux', 'after', true]]);
  });

  it('starts a file at once once `before` has succeeded', async () => {
    const runner = runnerFor({ before: [note('before')] }, [fluxA, fluxB]);
    const a = fakeLaunch(fluxA);
    void runner.startWhenReady(a, () => a.start());
    await until(() => a.started, 'first file started');
    await sleep(10);
    const b = fakeLaunch(fluxB);
    void runner.startWhenReady(b, () => b.start());
    assert.equal(b.started, true);
    a.end();
    b.end();
    runner.fileEnded(fluxA);
    runner.fileEnded(fluxB);
    await runner.finish();
  });

  it('fails the suite\'s files with the hook\'s output when `before` fails, never starting them, and still runs `after`', async () => {
    const runner = runnerFor({ before: [{ run: 'echo "validation server: cannot unload, 2 requests in flight"; exit 5', timeoutMs: 5000 }], after: [note('after')] }, [fluxA, fluxB, unit]);
    const a = fakeLaunch(fluxA);
    const b = fakeLaunch(fluxB);
    const results = await Promise.all([runner.startWhenReady(a, () => a.start()), runner.startWhenReady(b, () => b.start())]);
    assert.equal(a.started || b.started, false);
    assert.equal(a.canceled && b.canceled, true, 'the booted processes are stopped');
    for (const result of results) {
      assert.equal(result.status, 'failed');
      assert.equal(result.tests.length, 1);
      assert.equal(result.tests[0]?.failure?.type, 'hook');
      assert.equal(result.error, result.tests[0]?.failure?.message);
      assert.match(result.error ?? '', /^not started: suite flux's `before` hook `echo .*` failed: exited with code 5; its output ended with:\nvalidation server: cannot unload, 2 requests in flight$/);
    }
    runner.fileEnded(fluxA);
    runner.fileEnded(fluxB);
    const runs = await runner.finish();
    assert.deepEqual(runs.map((run) => [run.phase, run.ok]), [['before', false], ['after', true]]);
    assert.deepEqual(readLog(), ['after']);
  });

  it('runs `after` at the end of an interrupted run for a suite whose files never all ended', async () => {
    const controller = new AbortController();
    const runner = runnerFor({ before: [note('before')], after: [note('after')] }, [fluxA, fluxB], controller.signal);
    const a = fakeLaunch(fluxA);
    void runner.startWhenReady(a, () => a.start());
    await until(() => a.started, 'first file started');
    controller.abort();
    a.end('interrupted');
    runner.fileEnded(fluxA);
    // fluxB never started: the run stopped before its turn.
    const runs = await runner.finish();
    assert.deepEqual(runs.map((run) => [run.phase, run.ok]), [['before', true], ['after', true]]);
    assert.deepEqual(readLog(), ['before', `start ${fluxA.id}`, `end ${fluxA.id}`, 'after']);
  });

  it('stops a waiting healthcheck on interrupt: the file is not started, `after` still runs', async () => {
    const controller = new AbortController();
    const runner = runnerFor({ healthcheck: { run: 'false', timeoutMs: 1000, waitMs: 60_000, intervalMs: 50 }, after: [note('after')] }, [fluxA], controller.signal);
    const a = fakeLaunch(fluxA);
    const done = runner.startWhenReady(a, () => a.start());
    setTimeout(() => controller.abort(), 200);
    const result = await done;
    assert.equal(a.started, false);
    assert.equal(result.status, 'skipped');
    assert.match(result.skipReason ?? '', /interrupted while suite flux's `before` hook ran/);
    runner.fileEnded(fluxA);
    const runs = await runner.finish();
    assert.deepEqual(runs.map((run) => [run.phase, run.ok]), [['healthcheck', false], ['after', true]]);
    assert.match(runs[0]?.error ?? '', /the run was interrupted/);
  });

  it('does not run `after` before the plan says the GPU files of the suite will not run', async () => {
    const gpuJob = job('suites/flux/gpu.test.ts', 'flux', ['gpu'], 'gpu');
    const runner = runnerFor({ after: [note('after')] }, [fluxA, gpuJob]);
    const a = fakeLaunch(fluxA);
    void runner.startWhenReady(a, () => a.start());
    await until(() => a.started, 'started');
    a.end();
    runner.fileEnded(fluxA);
    await sleep(100);
    assert.ok(!readLog().includes('after'), 'the GPU file may still run');
    runner.planKnown([fluxA, { ...gpuJob, skip: { code: 'no-gpu', message: 'no usable GPU', enableWith: null } }]);
    await runner.finish();
    assert.deepEqual(readLog(), [`start ${fluxA.id}`, `end ${fluxA.id}`, 'after']);
  });

  it('runs no hook for a suite none of whose files started', async () => {
    const runner = runnerFor({ before: [note('before')], after: [note('after')] }, [fluxA]);
    assert.deepEqual(await runner.finish(), []);
    assert.deepEqual(readLog(), []);
  });
});
