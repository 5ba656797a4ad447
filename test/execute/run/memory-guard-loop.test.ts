// The memory guard's loop with a fake sampler and fake launches: it follows the timeline, stops one test per decision
// through its launch, waits out the cooldown, leaves launches that are not running alone; and the guard's stop becomes a
// failed test of type MemoryGuard in collectResults.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResultRecord } from '../../../src/execute/child/protocol.js';
import { FILE_LEVEL_TEST } from '../../../src/results/failures.js';
import { collectResults, type BoundaryWindow } from '../../../src/execute/job/collect-results.js';
import { describeGuardStop, describeOutcome } from '../../../src/execute/job/describe-outcome.js';
import { startMemoryGuard, type GuardedLaunch } from '../../../src/execute/run/memory-guard-loop.js';
import type { GuardStop, ProcessOutcome } from '../../../src/results/run-result.js';
import type { ContinuousSampler, SampleSeries } from '../../../src/measure/continuous-sampler.js';
import type { GuardVerdict } from '../../../src/measure/memory-guard.js';
import { createSampleTimeline } from '../../../src/measure/sample-timeline.js';
import type { Job } from '../../../src/results/job.js';
import { sample } from '../../helpers/sample-run-result.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const SERIES: readonly SampleSeries[] = ['gpu0', 'hostUsed', 'swapUsed', 'cgroupUsed'];
const SETTINGS = { enabled: true, ramPercent: 95, swapPercent: 50, vramPercent: 98, horizonMs: 10_000 } as const;

function jobOf(id: string, lane: Job['lane']): Job {
  return {
    id, file: `/p/${id}`, suite: 'unit', tags: [], lane, timeoutMs: 5000, repeat: 1, leakThreshold: { vramBytes: 100 * MiB, ramBytes: 100 * MiB, metrics: {} }, leakRepeatMax: 40,
    needs: { vram: null, ram: null, gpus: lane === 'gpu' ? 1 : 0, exclusive: false }, skip: null,
  };
}

interface FakeLaunch extends GuardedLaunch {
  readonly verdicts: GuardVerdict[];
  pid: number | null;
}

function launch(id: string, gpuIndices: readonly number[], pid: number | null): FakeLaunch {
  const verdicts: GuardVerdict[] = [];
  const fake: FakeLaunch = {
    job: jobOf(id, gpuIndices.length > 0 ? 'gpu' : 'cpu'),
    verdicts,
    pid,
    runningProcess: () => (fake.pid === null ? null : { pid: fake.pid, gpuIndices }),
    stopByGuard: (verdict) => void verdicts.push(verdict),
  };
  return fake;
}

/** A guard over a hand-fed timeline and clock: `add` appends a reading 50 ms after the last and moves the clock there. */
function harness(launches: readonly FakeLaunch[], rssByPid: ReadonlyMap<number, () => number> = new Map(), cgroup: { limitBytes: number; path: string } | null = null) {
  const timeline = createSampleTimeline<SampleSeries>({ series: SERIES, maxPoints: 4000 });
  const sampler: ContinuousSampler = { intervalMs: 50, series: SERIES, timeline, warnings: () => [], sampleNow: () => Promise.resolve(), stop: () => {} };
  let clock = 10_000;
  const guard = startMemoryGuard({
    settings: SETTINGS, intervalMs: 60_000, sampler: () => sampler, launches: () => launches,
    capacity: () => ({ hostTotalBytes: 32 * GiB, cgroup, swapTotalBytes: 0, gpuTotalBytes: new Map([[0, 4 * GiB]]) }),
    readTreeRss: (pid) => Promise.resolve(rssByPid.get(pid)?.() ?? null),
    now: () => clock,
  });
  return {
    guard,
    async add(values: { gpu0?: number; hostUsed?: number; cgroupUsed?: number }): Promise<void> {
      clock += 50;
      timeline.add({ at: clock, values: { gpu0: values.gpu0 ?? 0, hostUsed: values.hostUsed ?? 4 * GiB, swapUsed: 0, cgroupUsed: values.cgroupUsed ?? null } });
      await guard.tick();
    },
    advance(ms: number): void {
      clock += ms;
    },
  };
}

describe('startMemoryGuard', () => {
  it('stops the test on the card once its VRAM is over the limit, one test per decision, then waits the cooldown', async () => {
    const onCard = launch('card.test.mjs', [0], 101);
    const cpu = launch('cpu.test.mjs', [], 102);
    const h = harness([onCard, cpu]);
    try {
      for (let i = 0; i < 5; i += 1) await h.add({ gpu0: GiB });
      assert.equal(onCard.verdicts.length, 0);
      await h.add({ gpu0: 4 * GiB });
      assert.equal(onCard.verdicts.length, 0, 'one reading over the limit is not enough');
      await h.add({ gpu0: 4 * GiB });
      assert.equal(onCard.verdicts.length, 1);
      assert.equal(onCard.verdicts[0]?.figure, 'GPU 0 VRAM at 100.0% of 4.00 GiB, over the 98% limit');
      assert.equal(cpu.verdicts.length, 0);
      // Within the cooldown nothing more is stopped, whatever the readings.
      for (let i = 0; i < 10; i += 1) await h.add({ gpu0: 4 * GiB, hostUsed: 31.9 * GiB });
      assert.equal(cpu.verdicts.length, 0);
      assert.equal(onCard.verdicts.length, 1, 'a stopped test is not stopped again');
      h.advance(2000);
      await h.add({ hostUsed: 31.9 * GiB });
      await h.add({ hostUsed: 31.9 * GiB });
      assert.equal(cpu.verdicts.length, 1);
      assert.equal(cpu.verdicts[0]?.resource, 'ram');
      assert.equal(h.guard.stops().length, 2);
    } finally {
      h.guard.stop();
    }
  });

  it('leaves a launch alone while its process is not running (booting, or waiting for its turn)', async () => {
    const waiting = launch('next.test.mjs', [0], null);
    const h = harness([waiting]);
    try {
      await h.add({ gpu0: 0 });
      for (let i = 0; i < 4; i += 1) await h.add({ gpu0: 4 * GiB });
      assert.equal(waiting.verdicts.length, 0);
      waiting.pid = 7;
      await h.add({ gpu0: 4 * GiB });
      await h.add({ gpu0: 4 * GiB });
      assert.equal(waiting.verdicts.length, 1);
    } finally {
      h.guard.stop();
    }
  });

  it('stops the test whose process tree grows when host RAM is about to run out', async () => {
    const steady = launch('steady.test.mjs', [], 201);
    const grower = launch('grower.test.mjs', [], 202);
    let grown = GiB;
    const h = harness([steady, grower], new Map([[201, () => 3 * GiB], [202, () => grown]]));
    try {
      // 26 GiB rising 1 GiB/s: 95% of 32 GiB is 4.4 s away.
      for (let i = 0; i < 20; i += 1) {
        grown += 50 * MiB;
        await h.add({ hostUsed: 26 * GiB + i * 0.05 * GiB });
        if (grower.verdicts.length > 0) break;
      }
      assert.equal(steady.verdicts.length, 0);
      assert.equal(grower.verdicts.length, 1);
      assert.match(grower.verdicts[0]?.figure ?? '', /^host RAM growing 1\.00 GiB\/s at .* of 32\.00 GiB: at the 95% limit in \d+\.\d s, within the 10 s horizon$/);
    } finally {
      h.guard.stop();
    }
  });

  it('judges the cgroup\'s working set against its limit, with host RAM far from full', async () => {
    const grower = launch('grower.test.mjs', [], 301);
    const h = harness([grower], new Map(), { limitBytes: 600 * MiB, path: '/ci/job' });
    try {
      await h.add({ cgroupUsed: 300 * MiB });
      await h.add({ cgroupUsed: 580 * MiB });
      assert.equal(grower.verdicts.length, 0, 'one reading over the limit never decides');
      await h.add({ cgroupUsed: 590 * MiB });
      assert.equal(grower.verdicts[0]?.resource, 'cgroup');
      assert.equal(grower.verdicts[0]?.figure, 'cgroup memory at 98.3% of its 600 MiB limit (/ci/job), over the 95% limit');
    } finally {
      h.guard.stop();
    }
  });
});

describe('sample timeline since()', () => {
  it('returns the points after a time, oldest first', () => {
    const timeline = createSampleTimeline<'a'>({ series: ['a'], maxPoints: 8 });
    for (let i = 0; i < 6; i += 1) timeline.add({ at: i * 10, values: { a: i } });
    assert.deepEqual(timeline.since(30).map((p) => [p.at, p.values.a]), [[40, 4], [50, 5]]);
    assert.deepEqual(timeline.since(50), []);
  });
});

describe('a guard stop in the results', () => {
  const job = jobOf('grows.test.mjs', 'gpu');
  const stop: GuardStop = { resource: 'vram', gpuIndex: 0, figure: 'GPU 0 VRAM at 99.0% of 4.00 GiB, over the 98% limit', curve: 't-0.10s 3.50 GiB, t0 4.00 GiB' };
  const killed: ProcessOutcome = { exitCode: null, signal: 'SIGKILL', timedOut: false, isCanceled: false, durationMs: 900, stoppedByGuard: stop };
  const message = 'stopped by the memory guard: GPU 0 VRAM at 99.0% of 4.00 GiB, over the 98% limit; recent curve: t-0.10s 3.50 GiB, t0 4.00 GiB';
  const record = (name: string, status: ResultRecord['status']): ResultRecord => ({
    name, fullName: name, nesting: 0, file: job.file, line: 1, column: 1, isSuite: false, status, durationMs: 5, skipReason: null,
    failure: status === 'failed' ? { type: 'AssertionError', message: 'no', stack: null } : null,
  });
  const open: BoundaryWindow = { name: 'fills the card', before: sample(1000, 0, 0, 0), after: null, peak: null };

  it('fails the test in flight with type MemoryGuard, the figure and the curve; the file is failed, not crashed', () => {
    assert.equal(describeGuardStop(stop), message);
    const { status, error, tests } = collectResults(job, [record('first', 'passed')], [open], killed, '', 1900);
    assert.equal(status, 'failed');
    assert.equal(error, null);
    assert.deepEqual(tests.map((t) => [t.name, t.status, t.failure?.type ?? null]), [['first', 'passed', null], ['fills the card', 'failed', 'MemoryGuard']]);
    assert.equal(tests[1]?.failure?.message, message);
  });

  it('fails a file-level test when no test was in flight, even after another test failed on its own', () => {
    const { status, tests } = collectResults(job, [record('broke', 'failed')], [], killed, 'stderr text\n', 1900);
    assert.equal(status, 'failed');
    assert.deepEqual(tests.map((t) => [t.name, t.failure?.type]), [['broke', 'AssertionError'], [FILE_LEVEL_TEST, 'MemoryGuard']]);
    assert.equal(tests[1]?.failure?.message, message);
  });

  it('describes the ending with the figure; an interrupt still reads as one', () => {
    assert.equal(describeOutcome(killed, 5000), 'was stopped by the memory guard (GPU 0 VRAM at 99.0% of 4.00 GiB, over the 98% limit)');
    const interrupted = { ...killed, isCanceled: true };
    assert.equal(collectResults(job, [], [open], interrupted, '', 1900).status, 'interrupted');
  });
});
