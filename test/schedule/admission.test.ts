// pickStarts: declared VRAM shares a card by budget, undeclared GPU jobs keep a card to themselves (gpuConcurrency at
// once), multi-GPU jobs take the least-loaded cards, declared RAM is admitted against the host in both lanes, and an
// `exclusive` job waits for an empty host, blocks those behind it and runs alone; percent needs resolve against the
// card or host total. neverFits: the reason a job can never start. orderByDuration: longest first, unknown after.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SizeSpec } from '../../src/units/size.js';
import type { Job, JobNeeds } from '../../src/results/job.js';
import { neverFits, orderByDuration, pickStarts, type Placement } from '../../src/schedule/admission.js';
import type { CardCapacity, HostCapacity } from '../../src/schedule/capacity.js';

const GiB = 1024 ** 3;
const gib = (n: number): SizeSpec => ({ bytes: n * GiB });

type Needs = Partial<Omit<JobNeeds, 'vram' | 'ram'>> & { vram?: SizeSpec | number; ram?: SizeSpec | number };

/** A job in `lane` with these needs (numbers are GiB); gpu-lane jobs need one card unless told. */
function job(id: string, lane: 'cpu' | 'gpu', needs: Needs = {}): Job {
  const size = (value: SizeSpec | number | undefined): SizeSpec | null => (value === undefined ? null : typeof value === 'number' ? gib(value) : value);
  return {
    id, file: `/p/${id}`, suite: 's', tags: lane === 'gpu' ? ['gpu'] : [], lane, timeoutMs: 1000, repeat: 1,
    leakThreshold: { vramBytes: 0, ramBytes: 0, metrics: {} }, leakRepeatMax: 40,
    needs: { vram: size(needs.vram), ram: size(needs.ram), gpus: needs.gpus ?? (lane === 'gpu' ? 1 : 0), exclusive: needs.exclusive ?? false },
    skip: null,
  };
}
const gpuJob = (id: string, needs: Needs = {}): Job => job(id, 'gpu', needs);
const cpuJob = (id: string, needs: Needs = {}): Job => job(id, 'cpu', needs);

/** A card of `totalGiB` whose budget is the total less 1 GiB of headroom, unless given. */
function card(index: number, totalGiB = 24, budgetGiB = totalGiB - 1): CardCapacity {
  return { index, uuid: `GPU-${index}`, totalBytes: totalGiB * GiB, budgetBytes: budgetGiB * GiB };
}

function host(overrides: Partial<HostCapacity> = {}): HostCapacity {
  return { cpuSlots: 4, gpuConcurrency: 1, gpus: [card(0)], ramBytes: null, hostTotalBytes: null, ...overrides };
}

/** `[id, gpuIndices]` of each start, in order. */
const started = (starts: readonly Placement[]): [string, readonly number[]][] => starts.map((p) => [p.job.id, p.gpuIndices]);

describe('pickStarts: declared VRAM', () => {
  it('lets three 4 GiB jobs share a 24 GiB card while a 20 GiB one waits, and starts it once they end', () => {
    const small = ['s1', 's2', 's3'].map((id) => gpuJob(id, { vram: 4 }));
    const big = gpuJob('big', { vram: 20 });
    const first = pickStarts([...small, big], [], host());
    assert.deepEqual(started(first), [['s1', [0]], ['s2', [0]], ['s3', [0]]]);
    assert.deepEqual(first.map((p) => p.vramBytes), [4 * GiB, 4 * GiB, 4 * GiB]);
    // One small job ended: 8 + 20 GiB is still over the 23 GiB budget.
    assert.deepEqual(pickStarts([big], first.slice(1), host()), []);
    assert.deepEqual(started(pickStarts([big], [], host())), [['big', [0]]]);
  });

  it('passes over a job that does not fit and starts the ones behind it that do', () => {
    const running = pickStarts([gpuJob('big', { vram: 20 })], [], host());
    const starts = pickStarts([gpuJob('other-big', { vram: 20 }), gpuJob('tiny', { vram: 3 })], running, host());
    assert.deepEqual(started(starts), [['tiny', [0]]]);
  });

  it('fills a budget exactly, and not a byte beyond', () => {
    assert.equal(pickStarts([gpuJob('a', { vram: 11.5 }), gpuJob('b', { vram: 11.5 })], [], host()).length, 2);
    assert.equal(pickStarts([gpuJob('a', { vram: 11.5 }), gpuJob('b', { vram: { bytes: 11.5 * GiB + 1 } })], [], host()).length, 1);
  });

  it('spreads declared jobs over cards, the least loaded first (lowest index on ties)', () => {
    const capacity = host({ gpus: [card(0), card(1)] });
    const starts = pickStarts([gpuJob('a', { vram: 8 }), gpuJob('b', { vram: 4 }), gpuJob('c', { vram: 2 }), gpuJob('d', { vram: 2 })], [], capacity);
    // a -> 0 (both empty); b -> 1 (empty); c -> 1 (4/23 < 8/23); d -> 1 (6/23 < 8/23).
    assert.deepEqual(started(starts), [['a', [0]], ['b', [1]], ['c', [1]], ['d', [1]]]);
  });

  it('resolves a percent of VRAM against each card\'s total: two 50% jobs do not fit a budget below the total', () => {
    const starts = pickStarts([gpuJob('a', { vram: { percent: 50 } }), gpuJob('b', { vram: { percent: 50 } })], [], host());
    assert.deepEqual(started(starts), [['a', [0]]]);
    assert.equal(starts[0]?.vramBytes, 12 * GiB);
    const roomy = host({ gpus: [card(0, 24, 24)] });
    assert.equal(pickStarts([gpuJob('a', { vram: { percent: 50 } }), gpuJob('b', { vram: { percent: 50 } })], [], roomy).length, 2);
  });
});

describe('pickStarts: undeclared GPU jobs', () => {
  it('keep a card to themselves: with one card, one starts and the next waits', () => {
    const starts = pickStarts([gpuJob('u1'), gpuJob('u2')], [], host());
    assert.deepEqual(started(starts), [['u1', [0]]]);
    assert.equal(starts[0]?.vramBytes, null);
    assert.deepEqual(pickStarts([gpuJob('u2')], starts, host()), []);
  });

  it('never share a card with declared jobs, in either order', () => {
    const capacity = host({ gpus: [card(0), card(1)] });
    const starts = pickStarts([gpuJob('declared', { vram: 4 }), gpuJob('undeclared'), gpuJob('declared-2', { vram: 4 }), gpuJob('undeclared-2')], [], capacity);
    assert.deepEqual(started(starts), [['declared', [0]], ['undeclared', [1]], ['declared-2', [0]]]);
    // The undeclared job holds card 1; card 0 has declared jobs: a second undeclared job waits for a card of its own.
    assert.deepEqual(pickStarts([gpuJob('undeclared-2')], starts, capacity), []);
    // And a declared job never joins the undeclared one, even with room to spare.
    const onlyUndeclared = pickStarts([gpuJob('undeclared')], [], host());
    assert.deepEqual(pickStarts([gpuJob('declared', { vram: 1 })], onlyUndeclared, host()), []);
  });

  it('share a card gpuConcurrency at a time', () => {
    const capacity = host({ gpuConcurrency: 2 });
    const starts = pickStarts([gpuJob('u1'), gpuJob('u2'), gpuJob('u3')], [], capacity);
    assert.deepEqual(started(starts), [['u1', [0]], ['u2', [0]]]);
    assert.deepEqual(started(pickStarts([gpuJob('u3')], starts.slice(1), capacity)), [['u3', [0]]]);
  });

  it('spread over the cards before doubling up', () => {
    const capacity = host({ gpuConcurrency: 2, gpus: [card(0), card(1)] });
    assert.deepEqual(started(pickStarts([gpuJob('u1'), gpuJob('u2'), gpuJob('u3')], [], capacity)), [['u1', [0]], ['u2', [1]], ['u3', [0]]]);
  });

  it('start nowhere when the run has no GPU', () => {
    assert.deepEqual(pickStarts([gpuJob('u'), gpuJob('d', { vram: 1 })], [], host({ gpus: [] })), []);
  });
});

describe('pickStarts: several GPUs', () => {
  it('gives a 2-GPU job the two least-loaded cards, least loaded first', () => {
    const capacity = host({ gpus: [card(0), card(1), card(2)] });
    const running = [
      ...pickStarts([gpuJob('heavy', { vram: 12 })], [], capacity), // card 0
    ];
    running.push(...pickStarts([gpuJob('light', { vram: 2 })], running, capacity)); // card 1
    assert.deepEqual(started(running), [['heavy', [0]], ['light', [1]]]);
    const starts = pickStarts([gpuJob('split', { vram: 8, gpus: 2 })], running, capacity);
    assert.deepEqual(started(starts), [['split', [2, 1]]]);
    assert.equal(starts[0]?.vramBytes, 8 * GiB);
  });

  it('waits while fewer cards than it needs have room, and starts once they do', () => {
    const capacity = host({ gpus: [card(0), card(1)] });
    const running = pickStarts([gpuJob('big', { vram: 20 })], [], capacity);
    const split = gpuJob('split', { vram: 8, gpus: 2 });
    assert.deepEqual(pickStarts([split], running, capacity), []);
    assert.deepEqual(started(pickStarts([split], [], capacity)), [['split', [0, 1]]]);
  });

  it('gives an undeclared 2-GPU job two free cards only', () => {
    const capacity = host({ gpus: [card(0), card(1), card(2)] });
    const running = pickStarts([gpuJob('u')], [], capacity);
    assert.deepEqual(started(pickStarts([gpuJob('pair', { gpus: 2 })], running, capacity)), [['pair', [1, 2]]]);
    assert.deepEqual(pickStarts([gpuJob('pair', { gpus: 3 })], running, capacity), []);
  });
});

describe('pickStarts: declared RAM', () => {
  const capacity = host({ ramBytes: 32 * GiB, gpus: [card(0), card(1)] });

  it('never starts two jobs together whose declared RAM exceeds the host\'s, in the gpu lane', () => {
    const starts = pickStarts([gpuJob('flux-1', { vram: 4, ram: 20 }), gpuJob('flux-2', { vram: 4, ram: 20 })], [], capacity);
    assert.deepEqual(started(starts), [['flux-1', [0]]]);
    assert.equal(starts[0]?.ramBytes, 20 * GiB);
  });

  it('counts the cpu lane too, both ways', () => {
    assert.deepEqual(started(pickStarts([cpuJob('c1', { ram: 20 }), cpuJob('c2', { ram: 20 })], [], capacity)), [['c1', []]]);
    const gpuRunning = pickStarts([gpuJob('g', { ram: 20 })], [], capacity);
    assert.deepEqual(pickStarts([cpuJob('c', { ram: 20 })], gpuRunning, capacity), []);
    const cpuRunning = pickStarts([cpuJob('c', { ram: 20 })], [], capacity);
    assert.deepEqual(pickStarts([gpuJob('g', { ram: 20 })], cpuRunning, capacity), []);
    assert.deepEqual(started(pickStarts([cpuJob('c2', { ram: 12 })], cpuRunning, capacity)), [['c2', []]], 'what fits beside it still starts');
  });

  it('does not hold back jobs that declare no RAM', () => {
    const running = pickStarts([cpuJob('c1', { ram: 32 })], [], capacity);
    assert.deepEqual(started(pickStarts([cpuJob('c2'), gpuJob('g')], running, capacity)), [['c2', []], ['g', [0]]]);
  });

  it('resolves a percent of RAM against the host\'s total', () => {
    const shares = host({ ramBytes: 40 * GiB, hostTotalBytes: 64 * GiB });
    const starts = pickStarts([cpuJob('a', { ram: { percent: 25 } }), cpuJob('b', { ram: { percent: 25 } }), cpuJob('c', { ram: { percent: 25 } })], [], shares);
    assert.deepEqual(starts.map((p) => [p.job.id, p.ramBytes]), [['a', 16 * GiB], ['b', 16 * GiB]]);
  });

  it('admits declared RAM freely where the host\'s RAM is unknown', () => {
    assert.equal(pickStarts([cpuJob('a', { ram: 999 }), cpuJob('b', { ram: 999 })], [], host()).length, 2);
  });

  it('still respects cpuSlots in the cpu lane', () => {
    assert.deepEqual(started(pickStarts([cpuJob('a'), cpuJob('b'), cpuJob('c')], [], host({ cpuSlots: 2 }))), [['a', []], ['b', []]]);
  });
});

describe('pickStarts: exclusive jobs', () => {
  const exclusive = gpuJob('bench', { exclusive: true });

  it('waits for an empty host, and nothing behind it starts meanwhile', () => {
    const running = pickStarts([cpuJob('c')], [], host({ gpus: [card(0), card(1)] }));
    assert.deepEqual(pickStarts([exclusive, gpuJob('g'), cpuJob('c2')], running, host({ gpus: [card(0), card(1)] })), []);
  });

  it('stops the queue where it stands: jobs before it start, the rest wait', () => {
    const starts = pickStarts([cpuJob('before'), exclusive, cpuJob('after')], [], host());
    assert.deepEqual(started(starts), [['before', []]]);
  });

  it('runs alone once the host is empty: nothing starts beside it', () => {
    const capacity = host({ gpus: [card(0), card(1)] });
    const starts = pickStarts([exclusive, gpuJob('g'), cpuJob('c')], [], capacity);
    assert.deepEqual(started(starts), [['bench', [0]]]);
    assert.deepEqual(pickStarts([gpuJob('g'), cpuJob('c')], starts, capacity), []);
  });
});

describe('neverFits', () => {
  it('is null for what this host can run, now or later', () => {
    assert.equal(neverFits(gpuJob('a', { vram: 23, ram: 28, gpus: 2 }), host({ gpus: [card(0), card(1)], ramBytes: 28 * GiB })), null);
    assert.equal(neverFits(gpuJob('undeclared'), host()), null);
    assert.equal(neverFits(cpuJob('c', { ram: 100 }), host()), null, 'RAM unknown: it may fit');
  });

  it('names too many GPUs', () => {
    assert.equal(neverFits(gpuJob('a', { gpus: 3 }), host({ gpus: [card(0), card(1)] })), 'needs 3 GPUs; this run may use 2');
  });

  it('names too much VRAM, per card for a multi-GPU job', () => {
    assert.equal(neverFits(gpuJob('a', { vram: 30 }), host()), 'needs 30.0 GiB of VRAM; the most a card offers is 23.0 GiB (free VRAM less the headroom)');
    const mixed = host({ gpus: [card(0, 80), card(1, 24)] });
    assert.equal(neverFits(gpuJob('a', { vram: 40 }), mixed), null, 'one card is big enough');
    assert.equal(neverFits(gpuJob('a', { vram: 40, gpus: 2 }), mixed), 'needs 40.0 GiB of VRAM on each of 2 GPUs; the most a card offers is 79.0 GiB (free VRAM less the headroom)');
  });

  it('names too much RAM, in either lane', () => {
    const message = 'needs 40.0 GiB of host RAM; 28.0 GiB is available to tests (available RAM less the reserve)';
    assert.equal(neverFits(cpuJob('c', { ram: 40 }), host({ ramBytes: 28 * GiB })), message);
    assert.equal(neverFits(gpuJob('g', { ram: 40 }), host({ ramBytes: 28 * GiB })), message);
  });

  it('resolves percent needs before judging them', () => {
    assert.equal(neverFits(gpuJob('a', { vram: { percent: 100 } }), host()), 'needs 24.0 GiB of VRAM; the most a card offers is 23.0 GiB (free VRAM less the headroom)');
    assert.equal(neverFits(gpuJob('a', { vram: { percent: 90 } }), host()), null);
  });

  it('cannot judge VRAM on a card of unknown size', () => {
    const unknown: CardCapacity = { index: 0, uuid: 'GPU-0', totalBytes: null, budgetBytes: null };
    assert.equal(neverFits(gpuJob('a', { vram: 500 }), host({ gpus: [unknown] })), null);
  });
});

describe('orderByDuration', () => {
  const jobs = ['a', 'b', 'c', 'd', 'e'].map((id) => cpuJob(id));

  it('puts known jobs longest first, then the unknown ones in plan order', () => {
    assert.deepEqual(orderByDuration(jobs, { b: 100, d: 5000, e: 300 }).map((j) => j.id), ['d', 'e', 'b', 'a', 'c']);
  });

  it('keeps plan order on ties and without durations', () => {
    assert.deepEqual(orderByDuration(jobs, { c: 10, a: 10 }).map((j) => j.id), ['a', 'c', 'b', 'd', 'e']);
    assert.deepEqual(orderByDuration(jobs, {}).map((j) => j.id), ['a', 'b', 'c', 'd', 'e']);
  });
});
