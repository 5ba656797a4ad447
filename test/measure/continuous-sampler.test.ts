import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { GpuTestError } from '../../src/errors.js';
import { startContinuousSampler } from '../../src/measure/continuous-sampler.js';
import { NO_GPU_READER } from '../../src/probe/gpu-presence.js';
import type { GpuMemory, HostMemory } from '../../src/results/machine.js';
import type { GpuReader } from '../../src/probe/types.js';
import { start } from '../helpers/started-samplers.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function host(usedBytes: number, swapUsedBytes = 0): HostMemory {
  return { totalBytes: 64 * GiB, usedBytes, availableBytes: 64 * GiB - usedBytes, swapTotalBytes: 8 * GiB, swapUsedBytes };
}

function gpu(index: number, usedBytes: number | null): GpuMemory {
  return { index, uuid: `GPU-${index}`, usedBytes, totalBytes: 80 * GiB };
}

/** A reader whose readings the test sets; `reads` counts calls, `hold` keeps the next reads pending until released. */
function fakeReader(initial: readonly GpuMemory[]) {
  let gpus = initial;
  let failure: Error | null = null;
  let held: (() => void)[] | null = null;
  const state = { reads: 0 };
  const reader: GpuReader = {
    backend: 'nvml',
    async readMemory() {
      state.reads += 1;
      if (held) await new Promise<void>((resolve) => held?.push(resolve));
      if (failure) throw failure;
      return gpus;
    },
  };
  return {
    reader, state,
    set: (next: readonly GpuMemory[]) => { gpus = next; },
    fail: (error: Error | null) => { failure = error; },
    hold: () => { held = []; },
    release: () => { const waiting = held ?? []; held = null; waiting.forEach((resolve) => resolve()); },
  };
}

describe('startContinuousSampler', () => {
  it('records every GPU given, host RAM used and swap used, on the injected clock', async () => {
    const fake = fakeReader([gpu(0, GiB), gpu(1, 2 * GiB)]);
    let clock = 1000;
    let hostUsed = 10 * GiB;
    // A long interval: the test drives the samples itself, so timing cannot make it flaky.
    const sampler = start({ gpuReader: fake.reader, gpuIndices: [0, 1], intervalMs: 60_000, now: () => clock, readHost: () => host(hostUsed, 5 * MiB) });
    await sampler.sampleNow();
    assert.deepEqual(sampler.series, ['gpu0', 'gpu1', 'hostUsed', 'swapUsed']);
    clock = 1050;
    fake.set([gpu(0, 21 * GiB), gpu(1, 2 * GiB)]);
    hostUsed = 30 * GiB;
    await sampler.sampleNow();
    clock = 1100;
    fake.set([gpu(0, 11 * GiB), gpu(1, 2 * GiB)]);
    hostUsed = 12 * GiB;
    await sampler.sampleNow();
    assert.deepEqual(sampler.timeline.peak('gpu0', 1000, 1100), { value: 21 * GiB, at: 1050, exact: true });
    assert.equal(sampler.timeline.peak('hostUsed', 1000, 1100)?.value, 30 * GiB);
    assert.equal(sampler.timeline.peak('swapUsed')?.value, 5 * MiB);
    assert.equal(sampler.timeline.peak('gpu0', 1075, 1100)?.value, 11 * GiB, 'a window after the spike does not see it');
    assert.deepEqual(sampler.warnings(), []);
  });

  it('samples on its own timer at the interval, and stops', async () => {
    const fake = fakeReader([gpu(0, GiB)]);
    const sampler = start({ gpuReader: fake.reader, gpuIndices: [0], intervalMs: 10, readHost: () => host(GiB) });
    await delay(120);
    sampler.stop();
    const taken = sampler.timeline.stats().pointsAdded;
    assert.ok(taken >= 4, `only ${taken} samples in 120 ms at a 10 ms interval`);
    await delay(50);
    assert.equal(sampler.timeline.stats().pointsAdded, taken, 'sampled after stop()');
  });

  it('never overlaps reads: ticks while one is in flight are skipped', async () => {
    const fake = fakeReader([gpu(0, GiB)]);
    fake.hold();
    const sampler = start({ gpuReader: fake.reader, gpuIndices: [0], intervalMs: 5, readHost: () => host(GiB) });
    await delay(60);
    assert.equal(fake.state.reads, 1, 'a second read started while the first was in flight');
    fake.release();
    await delay(30);
    sampler.stop();
    assert.ok(fake.state.reads >= 2, 'sampling did not resume once the slow read ended');
  });

  it('keeps a failing read as one warning, never throws, and still records host memory', async () => {
    const fake = fakeReader([gpu(0, GiB)]);
    fake.fail(new GpuTestError('GPU_READ', 'GPU 0 is lost'));
    let calls = 0;
    const sampler = start({
      gpuReader: fake.reader, gpuIndices: [0], intervalMs: 60_000, now: () => 5000 + calls,
      readHost: () => { calls += 1; return host(3 * GiB); },
    });
    await sampler.sampleNow();
    await sampler.sampleNow();
    assert.deepEqual(sampler.warnings(), ['continuous VRAM sampling: GPU 0 is lost; per-test VRAM peaks fall back to the boundary samples']);
    assert.equal(sampler.timeline.peak('gpu0'), null);
    assert.equal(sampler.timeline.peak('hostUsed')?.value, 3 * GiB);
  });

  it('keeps an unreadable host as a warning too', async () => {
    const sampler = start({ gpuReader: NO_GPU_READER, intervalMs: 60_000, readHost: () => { throw new Error('/proc/meminfo has no readable `MemTotal:` line'); } });
    await sampler.sampleNow();
    assert.equal(sampler.warnings().length, 1);
    assert.match(sampler.warnings()[0] ?? '', /continuous RAM sampling: .*MemTotal/);
    assert.equal(sampler.timeline.peak('hostUsed'), null);
  });

  it('records the cgroup\'s working set where it is given a reader, a failed read as a gap and one warning', async () => {
    let clock = 1000;
    let workingSet: number | null = 300 * MiB;
    const readCgroup = (): number => {
      if (workingSet === null) throw new Error('/sys/fs/cgroup/ci/memory.current: ENOENT');
      return workingSet;
    };
    const sampler = start({ gpuReader: NO_GPU_READER, intervalMs: 60_000, now: () => clock, readHost: () => host(GiB), readCgroup });
    assert.deepEqual(sampler.series, ['hostUsed', 'swapUsed', 'cgroupUsed']);
    await sampler.sampleNow();
    clock = 1050;
    workingSet = 550 * MiB;
    await sampler.sampleNow();
    clock = 1100;
    workingSet = null;
    await sampler.sampleNow();
    assert.deepEqual(sampler.timeline.points().map((point) => point.values.cgroupUsed), [300 * MiB, 550 * MiB, null]);
    assert.equal(sampler.timeline.peak('hostUsed')?.value, GiB, 'host RAM is still sampled');
    assert.equal(sampler.warnings().length, 1);
    assert.match(sampler.warnings()[0] ?? '', /^continuous cgroup memory sampling: .*ENOENT; the memory guard cannot judge the cgroup's limit while it fails$/);
    assert.deepEqual(start({ gpuReader: NO_GPU_READER, intervalMs: 60_000, readHost: () => host(GiB), readCgroup: null }).series, ['hostUsed', 'swapUsed']);
  });

  it('samples no GPU series with the none backend, whatever indices it is given', () => {
    const sampler = start({ gpuReader: NO_GPU_READER, gpuIndices: [0, 1], intervalMs: 60_000, readHost: () => host(GiB) });
    assert.deepEqual(sampler.series, ['hostUsed', 'swapUsed']);
  });

  it('refuses an interval that is not a positive whole number', () => {
    assert.throws(() => startContinuousSampler({ gpuReader: NO_GPU_READER, intervalMs: 0 }), /`intervalMs` must be a positive whole number, got `0`/);
  });
});
