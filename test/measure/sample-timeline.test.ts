import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createSampleTimeline, type TimelinePoint } from '../../src/measure/sample-timeline.js';

const GIB = 1024 ** 3;
const T0 = Date.UTC(2025, 0, 1);
const SERIES = ['gpu0.vramBytes', 'gpu0.utilPercent', 'gpu1.vramBytes', 'gpu1.utilPercent', 'host.usedBytes', 'host.swapBytes'] as const;
type Series = (typeof SERIES)[number];

// An 8-hour run sampled every 50 ms: VRAM saw-tooths between 10 and 12 GiB, with one 300 ms spike (6 samples) in hour 3;
// gpu1 fails to read one sample in 97, and swap is never readable.
const STEP_MS = 50;
const TOTAL = (8 * 3600 * 1000) / STEP_MS;
const SPIKE_START = (3 * 3600 * 1000 + 17 * 60 * 1000) / STEP_MS;
const SPIKE_PEAK = 16 * GIB + 123_457;
const vramAt = (i: number): number => {
  if (i >= SPIKE_START && i < SPIKE_START + 6) return i === SPIKE_START + 3 ? SPIKE_PEAK : 15 * GIB + i;
  return 10 * GIB + ((i * 7919) % 4096) * (GIB / 2048);
};
const sampleAt = (i: number): TimelinePoint<Series> => ({
  at: T0 + i * STEP_MS,
  values: {
    'gpu0.vramBytes': vramAt(i),
    'gpu0.utilPercent': (i * 31) % 101,
    'gpu1.vramBytes': i % 97 === 0 ? null : 4 * GIB + (i % 1000),
    'gpu1.utilPercent': i % 97 === 0 ? null : 50,
    'host.usedBytes': 64 * GIB + (i % 5000) * 4096,
    'host.swapBytes': null,
  },
});

// Reads heap and typed-array memory after a full collection, so the figures are what is retained.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const retainedBytes = (): number => {
  collect();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};

describe('createSampleTimeline', () => {
  it('holds an 8-hour run at 50 ms in 2,000 points and keeps its spike exact', () => {
    const before = retainedBytes();
    const timeline = createSampleTimeline({ series: SERIES, maxPoints: 2000 });
    for (let i = 0; i < TOTAL; i += 1) {
      timeline.add(sampleAt(i));
      if (i % 50_000 === 0) assert.ok(timeline.stats().storedPoints <= 2000);
    }
    const grownBytes = retainedBytes() - before;
    const stats = timeline.stats();
    assert.equal(stats.pointsAdded, 576_000);
    assert.ok(stats.storedPoints <= 2000 && stats.storedPoints > 1500, `stored ${stats.storedPoints}`);
    // 2,000 rows of (3 + 2 x 6) doubles is 240,000 bytes.
    assert.ok(stats.bytesHeld < 256 * 1024, `bytesHeld ${stats.bytesHeld}`);
    // Loose: 576,000 raw samples as objects would be tens of MiB.
    assert.ok(grownBytes < 2 * 1024 * 1024, `retained ${grownBytes} bytes`);
    assert.equal(stats.merges, TOTAL - stats.storedPoints);
    assert.equal(stats.bucketSamples, 1024);

    const spikeAt = T0 + (SPIKE_START + 3) * STEP_MS;
    assert.deepEqual(timeline.peak('gpu0.vramBytes'), { value: SPIKE_PEAK, at: spikeAt, exact: true });
    assert.deepEqual(timeline.peak('gpu0.vramBytes', T0, T0 + TOTAL * STEP_MS), { value: SPIKE_PEAK, at: spikeAt, exact: true });
    assert.deepEqual(timeline.peak('gpu0.vramBytes', spikeAt - 3_600_000, spikeAt + 3_600_000), { value: SPIKE_PEAK, at: spikeAt, exact: true });
    const charted = timeline.points();
    assert.equal(Math.max(...charted.map((p) => p.values['gpu0.vramBytes'] ?? 0)), SPIKE_PEAK);
    assert.equal(charted.reduce((sum, p) => sum + p.samples, 0), TOTAL);
  });

  it('gives the exact peak, value and time, of a recent window', () => {
    const timeline = createSampleTimeline({ series: SERIES, maxPoints: 2000 });
    for (let i = 0; i < 200_000; i += 1) timeline.add(sampleAt(i));
    const from = 200_000 - 600;
    let truth = { value: -1, at: 0 };
    for (let i = from; i < 200_000; i += 1) if (vramAt(i) > truth.value) truth = { value: vramAt(i), at: T0 + i * STEP_MS };
    assert.deepEqual(timeline.peak('gpu0.vramBytes', T0 + from * STEP_MS, T0 + 200_000 * STEP_MS), { ...truth, exact: true });
  });

  it('skips failed reads in maxima and returns null for a series never read', () => {
    const timeline = createSampleTimeline({ series: ['a', 'b'], maxPoints: 8 });
    const values: [number | null, number | null][] = [[null, null], [3, null], [null, null], [Number.NaN, null], [2, null], [null, null]];
    values.forEach(([a, b], i) => timeline.add({ at: i, values: { a, b } }));
    for (let i = 6; i < 40; i += 1) timeline.add({ at: i, values: { a: null, b: null } });
    assert.deepEqual(timeline.peak('a'), { value: 3, at: 1, exact: true });
    assert.deepEqual(timeline.peak('a', 0, 39), { value: 3, at: 1, exact: true });
    assert.equal(timeline.peak('a', 20, 39), null);
    assert.equal(timeline.peak('b'), null);
    assert.ok(timeline.points().some((p) => p.samples > 1 && p.values.a === 3));
  });

  it('never misses a windowed peak, and is exact whenever it says so', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const timeline = createSampleTimeline({ series: ['v'], maxPoints: 64 });
    const truth: (number | null)[] = [];
    for (let i = 0; i < 10_000; i += 1) {
      const v = random() < 0.1 ? null : Math.floor(random() * 1000);
      truth.push(v);
      timeline.add({ at: i * 10, values: { v } });
    }
    let exactCount = 0;
    for (let q = 0; q < 2000; q += 1) {
      const a = Math.floor(random() * 10_000);
      const b = a + Math.floor(random() * 3000);
      let best: { value: number; at: number } | null = null;
      for (let i = a; i <= Math.min(b, 9999); i += 1) {
        const v = truth[i];
        if (v !== null && v !== undefined && (best === null || v > best.value)) best = { value: v, at: i * 10 };
      }
      const got = timeline.peak('v', a * 10, b * 10);
      if (best === null) continue;
      assert.ok(got !== null && got.value >= best.value, `window ${a}..${b}: ${JSON.stringify(got)} < ${best.value}`);
      if (got.exact) {
        exactCount += 1;
        assert.equal(got.value, best.value);
        assert.equal(truth[got.at / 10], best.value);
      }
    }
    assert.ok(exactCount > 1000, `exact ${exactCount}`);
  });

  it('clamps a clock that steps back and rejects unusable options', () => {
    const timeline = createSampleTimeline({ series: ['v'], maxPoints: 8 });
    timeline.add({ at: 1000, values: { v: 1 } });
    timeline.add({ at: 900, values: { v: 2 } });
    assert.deepEqual(timeline.points().map((p) => p.at), [1000, 1000]);
    assert.throws(() => timeline.add({ at: Number.NaN, values: { v: 1 } }), /`at` must be epoch milliseconds, got `NaN`/);
    assert.throws(() => createSampleTimeline({ series: ['v'], maxPoints: 5 }), /`maxPoints` must be a whole number of at least 8, got `5` \(number\)/);
    assert.throws(() => createSampleTimeline({ series: ['v', 'v'], maxPoints: 8 }), /`series` must be non-empty names without repeats/);
  });

  it('types series keys', () => {
    const timeline = createSampleTimeline({ series: ['vram', 'ram'] as const, maxPoints: 8 });
    // @ts-expect-error a point must give every series
    timeline.add({ at: 1, values: { vram: 1 } });
    // @ts-expect-error unknown series
    assert.throws(() => timeline.peak('swap'), /unknown series `swap`; known: vram, ram/);
    const first = timeline.points()[0];
    assert.equal(first?.values.vram, 1);
    assert.equal(first?.values.ram, null);
  });
});
