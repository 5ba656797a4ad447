// Run-wide pressure figures: thinTimeline's buckets (each series' maximum, nulls kept apart, the point cap) and
// summarizePressure's peaks per GPU and host, PSI stall deltas and peaks, the cgroup's OOM kills during the run,
// and nulls wherever a counter is missing. readPressureCounters never throws on this host.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContinuousSampler, SampleSeries } from '../../src/measure/continuous-sampler.js';
import { readPressureCounters, summarizePressure, thinTimeline, type PressureCounters } from '../../src/measure/run-pressure.js';
import { createSampleTimeline } from '../../src/measure/sample-timeline.js';
import type { CgroupMemory } from '../../src/probe/cgroup.js';
import type { MemoryPressure } from '../../src/probe/pressure.js';
import type { GpuInventory } from '../../src/results/machine.js';

const GiB = 1024 ** 3;
const SERIES: readonly SampleSeries[] = ['gpu0', 'hostUsed', 'swapUsed'];

/** A stopped sampler whose timeline holds `rows` of [gpu0, hostUsed, swapUsed], 50 ms apart from t=1000. */
function samplerWith(rows: readonly (readonly (number | null)[])[]): ContinuousSampler {
  const timeline = createSampleTimeline<SampleSeries>({ series: SERIES, maxPoints: 4000 });
  rows.forEach(([gpu0 = null, hostUsed = null, swapUsed = null], i) => timeline.add({ at: 1000 + i * 50, values: { gpu0, hostUsed, swapUsed, cgroupUsed: null } }));
  return { intervalMs: 50, series: SERIES, timeline, warnings: () => [], sampleNow: () => Promise.resolve(), stop: () => {} };
}

const INVENTORY: GpuInventory = {
  available: true, reason: null, driverVersion: '580.159.04', cudaVersion: '13.0', warnings: [],
  gpus: [{ index: 0, uuid: 'GPU-0', name: 'NVIDIA H100 80GB HBM3', totalBytes: 80 * GiB }],
};
const HOST = { totalBytes: 64 * GiB, usedBytes: 20 * GiB, availableBytes: 44 * GiB, swapTotalBytes: 8 * GiB, swapUsedBytes: 0 };

function psi(someTotalUs: number, someAvg10: number, full: [totalUs: number, avg10: number] | null): MemoryPressure {
  return {
    some: { avg10: someAvg10, avg60: 0, avg300: 0, totalMicroseconds: someTotalUs },
    full: full && { avg10: full[1], avg60: 0, avg300: 0, totalMicroseconds: full[0] },
  };
}

function cgroup(maxBytes: number | null, oomKillEvents: number | null, limitPath = '/ci.slice/job'): CgroupMemory {
  return {
    version: 2, path: '/ci.slice/job', maxBytes, currentBytes: GiB, inactiveFileBytes: 0, highBytes: null, swapMaxBytes: null, swapCurrentBytes: null,
    oomEvents: oomKillEvents, oomKillEvents, limit: maxBytes === null ? null : { version: 2, path: limitPath, dir: `/sys/fs/cgroup${limitPath}`, bytes: maxBytes },
  };
}

const NOTHING: PressureCounters = { psi: null, cgroup: null };

describe('thinTimeline', () => {
  it('is null without a sampler or without samples', () => {
    assert.equal(thinTimeline(null), null);
    assert.equal(thinTimeline(samplerWith([])), null);
  });

  it('keeps every point under the cap', () => {
    const timeline = thinTimeline(samplerWith([[1, 2, 3], [4, 5, null]]));
    assert.deepEqual(timeline, {
      intervalMs: 50,
      series: ['gpu0', 'hostUsed', 'swapUsed'],
      points: [{ at: 1000, values: { gpu0: 1, hostUsed: 2, swapUsed: 3 } }, { at: 1050, values: { gpu0: 4, hostUsed: 5, swapUsed: null } }],
    });
  });

  it('cuts to at most maxPoints buckets, each at its first time with every series\' maximum, null only where all were', () => {
    const rows = [[1, 10, null], [9, 5, null], [2, 7, null], [3, 1, 4], [null, 2, null], [5, 3, null], [0, 0, null], [6, 8, null], [7, 9, null], [8, null, 1]];
    const timeline = thinTimeline(samplerWith(rows), 4);
    assert.deepEqual(timeline?.points, [
      { at: 1000, values: { gpu0: 9, hostUsed: 10, swapUsed: null } },
      { at: 1150, values: { gpu0: 5, hostUsed: 3, swapUsed: 4 } },
      { at: 1300, values: { gpu0: 7, hostUsed: 9, swapUsed: null } },
      { at: 1450, values: { gpu0: 8, hostUsed: null, swapUsed: 1 } },
    ]);
  });

  it('never exceeds the default cap of a chart', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => [i, i, 0]);
    const timeline = thinTimeline(samplerWith(rows));
    assert.ok((timeline?.points.length ?? 0) <= 240, `${timeline?.points.length} points`);
    assert.equal(Math.max(...(timeline?.points ?? []).map((p) => p.values['gpu0'] ?? 0)), 999, 'the run\'s peak survives thinning');
  });
});

describe('summarizePressure', () => {
  it('takes each GPU\'s and the host\'s peak from the sampler, against the capacity', () => {
    const summary = summarizePressure({ sampler: samplerWith([[10 * GiB, 20 * GiB, 0], [70 * GiB, 30 * GiB, GiB], [5 * GiB, 25 * GiB, 0]]), gpu: INVENTORY, hostAtEnd: HOST, start: NOTHING, end: NOTHING });
    assert.deepEqual(summary, {
      gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', totalBytes: 80 * GiB, peakUsedBytes: 70 * GiB }],
      host: { totalBytes: 64 * GiB, peakUsedBytes: 30 * GiB, swapTotalBytes: 8 * GiB, peakSwapUsedBytes: GiB },
      psi: null,
      cgroup: null,
    });
  });

  it('gives nulls without a sampler or a host reading', () => {
    const summary = summarizePressure({ sampler: null, gpu: INVENTORY, hostAtEnd: null, start: NOTHING, end: NOTHING });
    assert.equal(summary.gpus[0]?.peakUsedBytes, null);
    assert.deepEqual(summary.host, { totalBytes: null, peakUsedBytes: null, swapTotalBytes: null, peakSwapUsedBytes: null });
  });

  it('turns PSI totals into stall time during the run, and keeps the highest avg10 seen', () => {
    const start = { psi: psi(1_000_000, 1.5, [400_000, 0.5]), cgroup: null };
    const end = { psi: psi(3_500_000, 2, [900_000, 0.25]), cgroup: null };
    const summary = summarizePressure({ sampler: null, gpu: INVENTORY, hostAtEnd: HOST, start, end, peakSomeAvg10: 7.5, peakFullAvg10: 0.1 });
    assert.deepEqual(summary.psi, { someStallMs: 2500, fullStallMs: 500, peakSomeAvg10: 7.5, peakFullAvg10: 0.5 });
    const quiet = summarizePressure({ sampler: null, gpu: INVENTORY, hostAtEnd: HOST, start, end });
    assert.equal(quiet.psi?.peakSomeAvg10, 2, 'without polled peaks, the larger of start and end');
  });

  it('has no `full` figures where the kernel prints only `some`, and no PSI without both readings', () => {
    const someOnly = summarizePressure({ sampler: null, gpu: INVENTORY, hostAtEnd: HOST, start: { psi: psi(0, 0, null), cgroup: null }, end: { psi: psi(2000, 0, null), cgroup: null } });
    assert.deepEqual(someOnly.psi, { someStallMs: 2, fullStallMs: null, peakSomeAvg10: 0, peakFullAvg10: null });
    const noStart = summarizePressure({ sampler: null, gpu: INVENTORY, hostAtEnd: HOST, start: NOTHING, end: { psi: psi(2000, 0, null), cgroup: null } });
    assert.equal(noStart.psi, null);
  });

  it('counts the cgroup\'s OOM kills during the run, and keeps its limit', () => {
    const summary = summarizePressure({ sampler: null, gpu: INVENTORY, hostAtEnd: HOST, start: { psi: null, cgroup: cgroup(16 * GiB, 1) }, end: { psi: null, cgroup: cgroup(16 * GiB, 3) } });
    assert.deepEqual(summary.cgroup, { version: 2, path: '/ci.slice/job', maxBytes: 16 * GiB, limitPath: '/ci.slice/job', peakWorkingSetBytes: null, oomKillsDuringRun: 2 });
  });

  it('has no OOM count without both readings, and no cgroup section with neither a limit nor a count', () => {
    const noStart = summarizePressure({ sampler: null, gpu: INVENTORY, hostAtEnd: HOST, start: NOTHING, end: { psi: null, cgroup: cgroup(16 * GiB, 3) } });
    assert.deepEqual(noStart.cgroup, { version: 2, path: '/ci.slice/job', maxBytes: 16 * GiB, limitPath: '/ci.slice/job', peakWorkingSetBytes: null, oomKillsDuringRun: null });
    const unlimited = summarizePressure({ sampler: null, gpu: INVENTORY, hostAtEnd: HOST, start: { psi: null, cgroup: cgroup(null, null) }, end: { psi: null, cgroup: cgroup(null, null) } });
    assert.equal(unlimited.cgroup, null);
    const unlimitedCounting = summarizePressure({ sampler: null, gpu: INVENTORY, hostAtEnd: HOST, start: { psi: null, cgroup: cgroup(null, 0) }, end: { psi: null, cgroup: cgroup(null, 0) } });
    assert.deepEqual(unlimitedCounting.cgroup, { version: 2, path: '/ci.slice/job', maxBytes: null, limitPath: null, peakWorkingSetBytes: null, oomKillsDuringRun: 0 });
  });

  it('gives the limit set on a parent and the peak working set the sampler saw against it', () => {
    const series: readonly SampleSeries[] = ['hostUsed', 'swapUsed', 'cgroupUsed'];
    const timeline = createSampleTimeline<SampleSeries>({ series, maxPoints: 4000 });
    [1, 3, 2].forEach((gib, i) => timeline.add({ at: 1000 + i * 50, values: { hostUsed: 20 * GiB, swapUsed: 0, cgroupUsed: gib * GiB } }));
    const sampler: ContinuousSampler = { intervalMs: 50, series, timeline, warnings: () => [], sampleNow: () => Promise.resolve(), stop: () => {} };
    const counters = { psi: null, cgroup: cgroup(4 * GiB, 0, '/ci.slice') };
    const summary = summarizePressure({ sampler, gpu: { ...INVENTORY, gpus: [] }, hostAtEnd: HOST, start: counters, end: counters });
    assert.deepEqual(summary.cgroup, { version: 2, path: '/ci.slice/job', maxBytes: 4 * GiB, limitPath: '/ci.slice', peakWorkingSetBytes: 3 * GiB, oomKillsDuringRun: 0 });
    // A limit first seen at the end: the sampler never read the cgroup, so there is no peak.
    const late = summarizePressure({ sampler: samplerWith([[0, GiB, 0]]), gpu: INVENTORY, hostAtEnd: HOST, start: NOTHING, end: counters });
    assert.equal(late.cgroup?.peakWorkingSetBytes, null);
    assert.equal(late.cgroup?.maxBytes, 4 * GiB);
  });
});

describe('readPressureCounters', () => {
  it('reads this host\'s counters without throwing, null where it has none', () => {
    const counters = readPressureCounters();
    assert.deepEqual(Object.keys(counters).sort(), ['cgroup', 'psi']);
    if (counters.psi !== null) assert.ok(counters.psi.some.totalMicroseconds >= 0);
  });
});
