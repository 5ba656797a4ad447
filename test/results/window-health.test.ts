import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GpuTestError } from '../../src/errors.js';
import { thinTimeline } from '../../src/measure/run-pressure.js';
import { hasHealth, healthSeries, isHealthSeries, windowHealth } from '../../src/results/window-health.js';
import type { GpuMemory, HostMemory } from '../../src/results/machine.js';
import type { GpuHealth, GpuReader } from '../../src/probe/types.js';
import { start } from '../helpers/started-samplers.js';

const GiB = 1024 ** 3;
const host = (): HostMemory => ({ totalBytes: 64 * GiB, usedBytes: 8 * GiB, availableBytes: 56 * GiB, swapTotalBytes: 0, swapUsedBytes: 0 });
const memory = (index: number): GpuMemory => ({ index, uuid: `GPU-${index}`, usedBytes: GiB, totalBytes: 80 * GiB });

/** An NVML-like reader whose health the test sets per read. */
function healthReader(health: () => readonly GpuHealth[] | Error): GpuReader {
  return {
    backend: 'nvml',
    readMemory: async () => [memory(0), memory(1)],
    readHealth: async () => {
      const next = health();
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

describe('continuous sampling of GPU health', () => {
  it('adds utilization, temperature, power and the running utilization sums per GPU after the memory series', async () => {
    let clock = 0;
    let util = 50;
    const sampler = start({
      gpuReader: healthReader(() => [
        { index: 0, utilizationPercent: util, temperatureC: 60 + util / 10, powerWatts: 300.5 },
        { index: 1, utilizationPercent: null, temperatureC: 40, powerWatts: null },
      ]),
      gpuIndices: [0, 1], intervalMs: 60_000, now: () => clock, readHost: host,
    });
    await sampler.sampleNow();
    assert.deepEqual(sampler.series, [
      'gpu0', 'gpu1', 'hostUsed', 'swapUsed',
      'util0', 'utilAcc0', 'utilMs0', 'temp0', 'power0',
      'util1', 'utilAcc1', 'utilMs1', 'temp1', 'power1',
    ]);
    clock = 100;
    util = 100;
    await sampler.sampleNow();
    clock = 400;
    util = 0;
    await sampler.sampleNow();
    const last = sampler.timeline.points().at(-1)?.values;
    // 100 % for the 100 ms up to the second sample, 0 % for the 300 ms up to the third.
    assert.deepEqual(last && [last.util0, last.utilAcc0, last.utilMs0, last.temp0, last.power0], [0, 100 * 100, 400, 60, 300.5]);
    assert.deepEqual(last && [last.util1, last.utilAcc1, last.utilMs1, last.temp1, last.power1], [null, 0, 0, 40, null]);
    assert.equal(sampler.timeline.peak('temp0')?.value, 70);
    assert.deepEqual(sampler.warnings(), []);
  });

  it('keeps a failing health read as one warning and still samples memory', async () => {
    let clock = 0;
    const sampler = start({
      gpuReader: healthReader(() => new GpuTestError('GPU_READ', 'GPU 1 is lost')), gpuIndices: [0, 1], intervalMs: 60_000, now: () => clock, readHost: host,
    });
    await sampler.sampleNow();
    clock = 50;
    await sampler.sampleNow();
    assert.deepEqual(sampler.warnings(), ['continuous GPU health sampling: GPU 1 is lost; utilization, temperature and power have gaps there']);
    assert.equal(sampler.timeline.peak('gpu0')?.value, GiB);
    assert.equal(sampler.timeline.peak('temp0'), null);
  });

  it('samples no health from a reader without readHealth, or one that pushes its readings', async () => {
    const plain: GpuReader = { backend: 'nvml', readMemory: async () => [memory(0)] };
    assert.deepEqual(start({ gpuReader: plain, gpuIndices: [0], intervalMs: 60_000, readHost: host }).series, ['gpu0', 'hostUsed', 'swapUsed']);
    const stream: GpuReader = { ...healthReader(() => []), backend: 'nvidia-smi-stream', subscribe: () => () => {} };
    assert.deepEqual(start({ gpuReader: stream, gpuIndices: [0], intervalMs: 60_000, readHost: host }).series, ['gpu0', 'hostUsed', 'swapUsed']);
  });
});

describe('windowHealth', () => {
  it('gives the exact time-weighted mean utilization even on a timeline thinned to bucket maxima', async () => {
    let clock = 0;
    let index = 0;
    // 100 % one sample in four, 0 % otherwise: a mean of 25 %, while every bucket of 4+ samples has a maximum of 100.
    const sampler = start({
      gpuReader: healthReader(() => [{ index: 0, utilizationPercent: index % 4 === 0 ? 100 : 0, temperatureC: 50 + (index === 30 ? 40 : 0), powerWatts: 400 }]),
      gpuIndices: [0], intervalMs: 60_000, now: () => clock, readHost: host,
    });
    for (index = 0; index <= 80; index += 1) {
      clock = index * 50;
      await sampler.sampleNow();
    }
    const thinned = thinTimeline(sampler, 10);
    assert.ok(thinned && thinned.points.length <= 10);
    assert.ok(thinned.points.every((point) => point.values.util0 === 100), 'each thinned point keeps its bucket maximum');
    const health = windowHealth(thinned, 0, 0, 80 * 50);
    assert.equal(health.meanUtilizationPercent, 25);
    assert.deepEqual([health.maxTemperatureC, health.maxPowerWatts], [90, 400]);
    // The raw timeline agrees, over any window.
    const raw = thinTimeline(sampler, 1000);
    assert.ok(raw);
    assert.equal(windowHealth(raw, 0, 50, 250).meanUtilizationPercent, 25);
    assert.equal(windowHealth(raw, 0, 1600, 1600 + 400).maxTemperatureC, 50, 'a window after the hot sample does not see it');
  });

  it('is null where no sample falls in the window, and falls back to plain readings without the running sums', () => {
    const timeline = {
      intervalMs: 50, series: ['util0', 'temp0', 'power0'],
      points: [0, 1, 2, 3].map((i) => ({ at: 1000 + i * 100, values: { util0: i * 10, temp0: 60 + i, power0: null } })),
    };
    assert.deepEqual(windowHealth(timeline, 0, 1100, 1300), { gpuIndex: 0, meanUtilizationPercent: 20, maxTemperatureC: 63, maxPowerWatts: null });
    assert.deepEqual(windowHealth(timeline, 0, 5000, 6000), { gpuIndex: 0, meanUtilizationPercent: null, maxTemperatureC: null, maxPowerWatts: null });
    assert.equal(hasHealth(timeline, 0), true);
    assert.equal(hasHealth(timeline, 1), false);
    assert.equal(hasHealth(null, 0), false);
    assert.deepEqual(Object.values(healthSeries(3)).map(isHealthSeries), [true, true, true, true, true]);
    assert.deepEqual(['gpu3', 'hostUsed', 'swapUsed'].map(isHealthSeries), [false, false, false]);
  });
});
