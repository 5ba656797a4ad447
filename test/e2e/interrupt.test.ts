// End to end: Ctrl-C in the middle of a run stops every process it started and still writes every report.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from './run-cli.js';
import { isRunning } from '../../src/probe/process-tree.js';


describe('SIGINT during a run', () => {
  it('exits 130, leaves no process behind and writes every report', async () => {
    let pids: { test: number; grandchild: number } | null = null;
    const run = await runCli({
      project: 'interrupt',
      // One at a time: quick.test.mjs has finished before slow.test.mjs starts and is interrupted.
      args: ['run', '--concurrency', '1'],
      onSpawn: (child, timelineDir) => {
        void (async () => {
          const path = join(timelineDir, 'pids.json');
          for (let i = 0; i < 200 && !existsSync(path); i++) await sleep(50);
          pids = JSON.parse(readFileSync(path, 'utf8')) as { test: number; grandchild: number };
          child.kill('SIGINT');
        })();
      },
    });
    assert.equal(run.code, 130, run.stderr);
    assert.ok(pids, 'the slow test started');
    const { test, grandchild } = pids as { test: number; grandchild: number };
    assert.equal(isRunning(test), false, 'the test process is gone');
    assert.equal(isRunning(grandchild), false, 'the process the test started is gone');
    assert.equal(run.json?.verdict, 'interrupted');
    assert.equal(run.json?.files.find((f) => f.id === 'slow.test.mjs')?.status, 'interrupted');
    assert.equal(run.json?.files.find((f) => f.id === 'quick.test.mjs')?.status, 'passed');
    assert.match(run.markdown ?? '', /interrupted/i);
    assert.match(run.junit ?? '', /waits for Ctrl-C with a child process/);
    assert.match(run.stderr, /Interrupted \(SIGINT\)/);
  });
});
