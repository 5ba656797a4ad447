// The fault matrix, interruption part: each way users stop a run (Ctrl-C to the group, `kill -INT`, a CI cancel, a
// closed terminal) in each phase a GPU file goes through (booting, running a top-level or a nested test, waiting for
// its turn, waiting for its VRAM to settle), with both GPU backends. Every case must exit with the signal's code,
// write all three reports marked interrupted with every file and test accounted for, and leave no process behind.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeNvmlSkipReason } from '../probe/fake-nvml-build.js';
import { assertInterruptedRun, fileOf } from './fault-assertions.js';
import { DELIVERIES, FAULT_TEST_TIMEOUT_MS, startFaultRun, type Backend, type Delivery, type FaultRun } from './fault-run.js';
import { waitForProcessOf } from './fault-processes.js';

/** A phase of a GPU file, how to reach it, and what each file must show once the run is interrupted there. */
interface Phase {
  readonly name: string;
  readonly files: readonly string[];
  readonly args?: readonly string[];
  /** Resolves once the run is in the phase. */
  readonly reached: (run: FaultRun) => Promise<unknown>;
  /** File id -> its status, and the tests it must list (name -> status). */
  readonly expect: Readonly<Record<string, { status: string; tests: Readonly<Record<string, string>> }>>;
}

const NOT_STARTED = { status: 'skipped', tests: {} };

const PHASES: readonly Phase[] = [
  {
    name: 'boots (its model loads at import time)',
    files: ['gpu/boot.test.mjs', 'cpu/quick.test.mjs'],
    reached: (run) => Promise.all([run.waitForMark('booting'), run.waitForOutput('cpu/quick.test.mjs  1 passed')]),
    expect: {
      'gpu/boot.test.mjs': { status: 'interrupted', tests: { '(file-level error)': 'failed' } },
      'cpu/quick.test.mjs': { status: 'passed', tests: { 'cpu work': 'passed' } },
    },
  },
  {
    name: 'runs a top-level test',
    files: ['gpu/run-top.test.mjs', 'cpu/quick.test.mjs'],
    reached: (run) => Promise.all([run.waitForMark('running'), run.waitForOutput('cpu/quick.test.mjs  1 passed')]),
    expect: {
      'gpu/run-top.test.mjs': { status: 'interrupted', tests: { 'warms up': 'passed', generates: 'failed', 'after the interrupt': 'skipped' } },
      'cpu/quick.test.mjs': { status: 'passed', tests: { 'cpu work': 'passed' } },
    },
  },
  {
    name: 'runs a nested subtest',
    files: ['gpu/run-nested.test.mjs'],
    reached: (run) => run.waitForMark('running-nested'),
    expect: { 'gpu/run-nested.test.mjs': { status: 'interrupted', tests: { generates: 'failed', decodes: 'failed' } } },
  },
  {
    name: 'waits for its turn (booted while another file holds the GPU)',
    files: ['gpu/run-top.test.mjs', 'gpu/waits-turn.test.mjs'],
    reached: async (run) => {
      await run.waitForMark('running');
      await waitForProcessOf(run, 'waits-turn.test.mjs');
    },
    expect: {
      'gpu/run-top.test.mjs': { status: 'interrupted', tests: { generates: 'failed' } },
      'gpu/waits-turn.test.mjs': NOT_STARTED,
    },
  },
  {
    name: 'waits for its VRAM to settle',
    files: ['gpu/settle.test.mjs'],
    args: ['--settle-timeout', '600000'],
    reached: (run) => run.waitForMark('settling'),
    expect: { 'gpu/settle.test.mjs': { status: 'interrupted', tests: { 'leaves VRAM moving': 'failed' } } },
  },
];

function caseFor(phase: Phase, delivery: Delivery, backend: Backend) {
  return async () => {
    const run = startFaultRun({ project: 'matrix', args: ['run', ...(phase.args ?? []), ...phase.files], backend });
    await phase.reached(run);
    run.deliver(delivery);
    const result = await run.finished;
    const json = await assertInterruptedRun(run, result, delivery);
    for (const [id, expected] of Object.entries(phase.expect)) {
      const file = fileOf(json, id);
      assert.equal(file.status, expected.status, `${id}: ${JSON.stringify(file)}`);
      for (const [name, status] of Object.entries(expected.tests)) {
        assert.equal(file.tests.find((test) => test.name === name)?.status, status, `${id} › ${name}: ${JSON.stringify(file.tests)}`);
      }
      if (expected === NOT_STARTED) assert.match(file.skipReason ?? '', /not started: the run was interrupted/);
    }
    // A file whose turn never came ran none of its tests.
    if (phase.expect['gpu/waits-turn.test.mjs'] === NOT_STARTED) assert.equal(existsSync(join(run.markDir, 'waited-file-ran')), false);
  };
}

for (const backend of ['nvml', 'nvidia-smi'] as const) {
  const skip = backend === 'nvml' ? fakeNvmlSkipReason() : false;
  describe(`interrupting a run (${backend} backend)`, { concurrency: 4, skip }, () => {
    for (const phase of PHASES) {
      for (const delivery of DELIVERIES) it(`${delivery} while a GPU file ${phase.name}`, { timeout: FAULT_TEST_TIMEOUT_MS }, caseFor(phase, delivery, backend));
    }
  });
}
