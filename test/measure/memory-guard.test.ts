// The memory guard's decision on synthetic series: each resource over its limit, growth that reaches the limit within
// the horizon or after it, noise that must not trigger a stop, a limit already crossed before the run, and whom it stops.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitLine, formatGuardCurve } from '../../src/measure/guard-figures.js';
import { CURVE_POINTS, decideGuard, type GuardInput, type GuardJob, type GuardSample } from '../../src/measure/memory-guard.js';
import { seededRandom } from '../helpers/seeded-random.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const SETTINGS = { ramPercent: 95, swapPercent: 50, vramPercent: 98, horizonMs: 10_000 } as const;
const STEP_MS = 50;
const HOST_TOTAL = 32 * GiB;
const SWAP_TOTAL = 8 * GiB;
const CARD = 80 * GiB;

interface Levels {
  readonly host?: number;
  readonly swap?: number;
  readonly gpu0?: number;
  readonly gpu1?: number;
}

/** 41 samples 50 ms apart ending at t=2000 (2 s): `at(i)` gives each series' used bytes at sample i. */
function samples(at: (i: number) => Levels, count = 41): GuardSample[] {
  return Array.from({ length: count }, (_, i) => {
    const levels = at(i);
    return {
      at: 2000 - (count - 1 - i) * STEP_MS,
      hostUsedBytes: levels.host ?? 8 * GiB, hostTotalBytes: HOST_TOTAL,
      swapUsedBytes: levels.swap ?? 0, swapTotalBytes: SWAP_TOTAL,
      gpus: [
        { index: 0, usedBytes: levels.gpu0 ?? 0, totalBytes: CARD },
        { index: 1, usedBytes: levels.gpu1 ?? 0, totalBytes: CARD },
      ],
    };
  });
}

function job(id: string, gpuIndices: readonly number[], rss: readonly [number, number][] = []): GuardJob {
  return { id, lane: gpuIndices.length > 0 ? 'gpu' : 'cpu', gpuIndices, rss: rss.map(([at, bytes]) => ({ at, bytes })) };
}

const JOBS: readonly GuardJob[] = [job('cpu.test.mjs', []), job('card0.test.mjs', [0]), job('card1.test.mjs', [1])];

function decide(input: Partial<GuardInput> & Pick<GuardInput, 'samples'>): ReturnType<typeof decideGuard> {
  return decideGuard({ jobs: JOBS, settings: SETTINGS, ...input });
}

describe('decideGuard: over a limit', () => {
  it('stops a test when host RAM is over its limit, naming the share, the total and the limit', () => {
    const verdict = decide({ samples: samples((i) => ({ host: i >= 39 ? 0.962 * HOST_TOTAL : 0.9 * HOST_TOTAL })) });
    assert.equal(verdict?.resource, 'ram');
    assert.equal(verdict?.reason, 'over');
    assert.equal(verdict?.gpuIndex, undefined);
    assert.equal(verdict?.figure, 'host RAM at 96.2% of 32.00 GiB, over the 95% limit');
  });

  it('stops a test when swap is over its limit', () => {
    const verdict = decide({ samples: samples((i) => ({ swap: i >= 38 ? 0.55 * SWAP_TOTAL : 0.2 * SWAP_TOTAL })) });
    assert.equal(verdict?.resource, 'swap');
    assert.equal(verdict?.figure, 'swap at 55.0% of 8.00 GiB, over the 50% limit');
  });

  it('stops the test on the card whose VRAM is over its limit, not one on another card', () => {
    const verdict = decide({ samples: samples((i) => ({ gpu0: 0.5 * CARD, gpu1: i >= 39 ? 0.99 * CARD : 0.5 * CARD })) });
    assert.equal(verdict?.resource, 'vram');
    assert.equal(verdict?.gpuIndex, 1);
    assert.equal(verdict?.jobId, 'card1.test.mjs');
    assert.equal(verdict?.figure, 'GPU 1 VRAM at 99.0% of 80.00 GiB, over the 98% limit');
  });

  it('does not act on one reading over the limit', () => {
    assert.equal(decide({ samples: samples((i) => ({ host: i === 40 ? 0.99 * HOST_TOTAL : 0.5 * HOST_TOTAL })) }), null);
    assert.equal(decide({ samples: samples((i) => ({ gpu0: i === 39 ? CARD : 0.5 * CARD })) }), null);
  });

  it('leaves alone a limit crossed before the guard started, until the run pushes it further', () => {
    const baseline = samples(() => ({ swap: 0.6 * SWAP_TOTAL }))[0];
    assert.equal(decide({ samples: samples(() => ({ swap: 0.605 * SWAP_TOTAL })), baseline }), null);
    const verdict = decide({ samples: samples((i) => ({ swap: i >= 30 ? 0.63 * SWAP_TOTAL : 0.6 * SWAP_TOTAL })), baseline });
    assert.equal(verdict?.figure, 'swap at 63.0% of 8.00 GiB, over the 50% limit (60.0% when the guard started)');
  });

  it('ignores a resource whose capacity is unknown or zero (no swap)', () => {
    const noSwap = samples(() => ({ swap: 0 })).map((s) => ({ ...s, swapTotalBytes: 0 }));
    assert.equal(decide({ samples: noSwap }), null);
    const unknownCard = samples(() => ({ gpu0: CARD })).map((s) => ({ ...s, gpus: [{ index: 0, usedBytes: CARD, totalBytes: null }] }));
    assert.equal(decide({ samples: unknownCard }), null);
  });
});

describe('decideGuard: growth', () => {
  it('stops a test whose card fills steadily and reaches the limit within the horizon', () => {
    // 60 GiB rising 2 GiB/s: 64 GiB now, 78.4 GiB (98%) in about 7.2 s.
    const verdict = decide({ samples: samples((i) => ({ gpu0: 60 * GiB + i * STEP_MS / 1000 * 2 * GiB })) });
    assert.equal(verdict?.resource, 'vram');
    assert.equal(verdict?.reason, 'growth');
    assert.equal(verdict?.jobId, 'card0.test.mjs');
    assert.equal(verdict?.figure, 'GPU 0 VRAM growing 2.00 GiB/s at 80.0% of 80.00 GiB: at the 98% limit in 7.2 s, within the 10 s horizon');
  });

  it('lets a growth run whose limit lies past the horizon', () => {
    // 0.5 GiB/s from 60 GiB: the limit is 28.8 s away.
    assert.equal(decide({ samples: samples((i) => ({ gpu0: 60 * GiB + i * STEP_MS / 1000 * 0.5 * GiB })) }), null);
  });

  it('predicts for host RAM and names the rate in MiB/s below 1 GiB/s', () => {
    // 28 GiB (87.5%) rising 512 MiB/s: 95% of 32 GiB (30.4 GiB) in about 4.8 s.
    const verdict = decide({ samples: samples((i) => ({ host: 27 * GiB + i * STEP_MS / 1000 * 512 * MiB })) });
    assert.equal(verdict?.resource, 'ram');
    assert.match(verdict?.figure ?? '', /^host RAM growing 512 MiB\/s at 87\.5% of 32\.00 GiB: at the 95% limit in 4\.8 s, within the 10 s horizon$/);
  });

  it('does not predict from low down: a fast model load onto an empty card is not a runaway', () => {
    // 10 GiB/s, but at 20 GiB of 80: below three quarters of the limit.
    assert.equal(decide({ samples: samples((i) => ({ gpu0: i * STEP_MS / 1000 * 10 * GiB })) }), null);
  });

  it('does not predict from one load step: up to 83% at once, then flat, is a model that loaded', () => {
    const step = decide({ samples: samples((i) => ({ gpu0: i < 30 ? 0 : 66 * GiB })) });
    assert.equal(step, null);
  });

  it('predicts from a runaway that allocates in steps: several rises make a trend', () => {
    // 2 GiB every 200 ms (every fourth 50 ms reading) from 50 GiB to 70 GiB: a staircase, not a smooth line.
    const verdict = decide({ samples: samples((i) => ({ gpu0: 50 * GiB + Math.floor(i / 4) * 2 * GiB })) });
    assert.equal(verdict?.reason, 'growth');
    assert.equal(verdict?.resource, 'vram');
  });

  it('does not act on noise around a steady level, nor on a single spike at the end', () => {
    const random = seededRandom(7);
    assert.equal(decide({ samples: samples(() => ({ gpu0: 0.9 * CARD + (random() * 2 - 1) * 2 * GiB })) }), null);
    assert.equal(decide({ samples: samples((i) => ({ gpu0: i === 40 ? 0.97 * CARD : 0.85 * CARD })) }), null);
    assert.equal(decide({ samples: samples((i) => ({ host: i === 40 ? 0.94 * HOST_TOTAL : 0.8 * HOST_TOTAL })) }), null);
  });

  it('needs enough readings: four rising ones are not a trend', () => {
    assert.equal(decide({ samples: samples((i) => ({ gpu0: 70 * GiB + i * 2 * GiB }), 4) }), null);
    assert.notEqual(decide({ samples: samples((i) => ({ gpu0: 70 * GiB + i * 0.5 * GiB }), 5) }), null);
  });

  it('only looks at the window: a rise that ended before it does not count', () => {
    const old = samples((i) => ({ gpu0: 60 * GiB + i * 0.4 * GiB }));
    const flat = samples(() => ({ gpu0: 76 * GiB })).map((s) => ({ ...s, at: s.at + 5000 }));
    assert.equal(decide({ samples: [...old, ...flat] }), null);
  });

  it('is off with a zero horizon', () => {
    const rising = samples((i) => ({ gpu0: 60 * GiB + i * STEP_MS / 1000 * 2 * GiB }));
    assert.equal(decide({ samples: rising, settings: { ...SETTINGS, horizonMs: 0 } }), null);
  });
});

describe('decideGuard: whom it stops', () => {
  const hostOver = samples((i) => ({ host: i >= 35 ? 0.97 * HOST_TOTAL : 0.9 * HOST_TOTAL }));

  it('for host RAM, the test whose process tree grew most over the window', () => {
    const jobs = [
      job('big.test.mjs', [], [[0, 6 * GiB], [2000, 6 * GiB]]),
      job('grower.test.mjs', [0], [[0, 1 * GiB], [1000, 2 * GiB], [2000, 3 * GiB]]),
      job('small.test.mjs', [], [[0, 100 * MiB], [2000, 300 * MiB]]),
    ];
    assert.equal(decide({ samples: hostOver, jobs })?.jobId, 'grower.test.mjs');
  });

  it('with no tree growing, the largest; with no RSS known, the first listed', () => {
    const flat = [job('a.test.mjs', [], [[0, GiB], [2000, GiB]]), job('b.test.mjs', [], [[0, 5 * GiB], [2000, 5 * GiB]])];
    assert.equal(decide({ samples: hostOver, jobs: flat })?.jobId, 'b.test.mjs');
    assert.equal(decide({ samples: hostOver, jobs: [job('x.test.mjs', []), job('y.test.mjs', [])] })?.jobId, 'x.test.mjs');
  });

  it('counts only the growth inside the window', () => {
    const jobs = [
      job('grew-long-ago.test.mjs', [], [[-10_000, 0], [-5000, 8 * GiB], [500, 8 * GiB], [2000, 8 * GiB]]),
      job('grows-now.test.mjs', [], [[500, GiB], [2000, 1.5 * GiB]]),
    ];
    assert.equal(decide({ samples: hostOver, jobs })?.jobId, 'grows-now.test.mjs');
  });

  it('for a card shared by several tests, the one whose tree grew most', () => {
    const over = samples((i) => ({ gpu0: i >= 39 ? 0.99 * CARD : 0.5 * CARD }));
    const jobs = [job('cpu.test.mjs', [], [[0, 0], [2000, 9 * GiB]]), job('calm.test.mjs', [0], [[0, GiB], [2000, GiB]]), job('loader.test.mjs', [0], [[0, GiB], [2000, 2 * GiB]])];
    assert.equal(decide({ samples: over, jobs })?.jobId, 'loader.test.mjs');
  });

  it('passes over a card no test of the run is on, and still acts on the next finding', () => {
    const both = samples((i) => ({ gpu1: 0.99 * CARD, host: i >= 39 ? 0.96 * HOST_TOTAL : 0.5 * HOST_TOTAL }));
    const jobs = [job('card0.test.mjs', [0])];
    assert.equal(decide({ samples: samples(() => ({ gpu1: 0.99 * CARD })), jobs }), null);
    assert.equal(decide({ samples: both, jobs })?.resource, 'ram');
  });

  it('puts a limit crossed now before a prediction', () => {
    const both = samples((i) => ({ gpu0: 60 * GiB + i * STEP_MS / 1000 * 2 * GiB, swap: 0.7 * SWAP_TOTAL }));
    assert.equal(decide({ samples: both })?.resource, 'swap');
  });

  it('acts on nothing without running tests or samples', () => {
    assert.equal(decide({ samples: hostOver, jobs: [] }), null);
    assert.equal(decide({ samples: [] }), null);
  });
});

describe('the verdict curve', () => {
  it('keeps at most ten points spread over the window, the latest last', () => {
    const verdict = decide({ samples: samples((i) => ({ gpu0: 60 * GiB + i * STEP_MS / 1000 * 2 * GiB })) });
    const curve = verdict?.curve ?? [];
    assert.equal(curve.length, CURVE_POINTS);
    assert.deepEqual(curve[0], { at: 0, value: 60 * GiB });
    assert.deepEqual(curve[CURVE_POINTS - 1], { at: 2000, value: 64 * GiB });
    assert.ok(curve.every((p, i) => i === 0 || p.at > (curve[i - 1]?.at ?? 0)));
  });

  it('reads as times before the last point and sizes in one unit', () => {
    assert.equal(formatGuardCurve([{ at: 1000, value: 2 * GiB }, { at: 1500, value: 2.5 * GiB }, { at: 1900, value: 4 * GiB }]), 't-0.90s 2.00 GiB, t-0.40s 2.50 GiB, t0 4.00 GiB');
    assert.equal(formatGuardCurve([{ at: 0, value: 256 * MiB }, { at: 100, value: 768 * MiB }]), 't-0.10s 256 MiB, t0 768 MiB');
    assert.equal(formatGuardCurve([]), 'no readings');
  });
});

describe('fitLine', () => {
  it('fits a straight line exactly, in bytes per second', () => {
    const fit = fitLine([{ at: 0, value: 10 }, { at: 1000, value: 20 }, { at: 2000, value: 30 }], 2000);
    assert.ok(fit);
    assert.equal(fit.slope, 10);
    assert.equal(fit.atNow, 30);
    assert.equal(fit.r2, 1);
  });

  it('gives a flat series R² 0 and a single instant no line', () => {
    assert.equal(fitLine([{ at: 0, value: 5 }, { at: 50, value: 5 }], 50)?.r2, 0);
    assert.equal(fitLine([{ at: 0, value: 5 }, { at: 0, value: 6 }], 0), null);
  });
});
