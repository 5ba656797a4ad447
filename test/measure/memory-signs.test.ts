// The signs of memory pressure around one file's run, each source alone: the cgroup's and the host's OOM-kill counters,
// the cgroup reaching its limit, the memory guard stopping another file, PSI stalls (over the run and in avg10), and
// host RAM, the cgroup or a card near full at its peak; and none on a quiet host.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findMemorySigns, type MemorySignInput } from '../../src/measure/memory-signs.js';
import type { OomCounters } from '../../src/probe/oom-counters.js';

const GiB = 1024 ** 3;
const stall = (avg10: number, totalMicroseconds: number) => ({ avg10, avg60: 0, avg300: 0, totalMicroseconds });
const counters = (extra: Partial<OomCounters> = {}): OomCounters => ({
  hostOomKills: 7, cgroupOomKills: 2, cgroupLimitHits: 40, psi: { some: stall(0, 1_000_000), full: stall(0, 500_000) }, ...extra,
});

/** A quiet 2-second run on a 64 GiB host with one 24 GiB card: no sign at all. */
function quiet(extra: Partial<MemorySignInput> = {}): MemorySignInput {
  return {
    startedAt: 10_000, endedAt: 12_000, before: counters(), after: counters(), guardStops: [],
    hostRam: { usedBytes: 20 * GiB, totalBytes: 64 * GiB }, cgroup: { usedBytes: null, totalBytes: null },
    cards: [{ index: 0, usedBytes: 12 * GiB, totalBytes: 24 * GiB }], ...extra,
  };
}

const details = (input: MemorySignInput): string[] => findMemorySigns(input).map((sign) => `${sign.source} ${sign.resource}: ${sign.detail}`);

describe('findMemorySigns', () => {
  it('finds none on a host with free memory and still counters', () => {
    assert.deepEqual(findMemorySigns(quiet()), []);
  });

  it('finds none when the counters were not read', () => {
    assert.deepEqual(findMemorySigns(quiet({ before: null, after: null })), []);
  });

  it('counts the cgroup\'s OOM kills, and the host\'s only where the cgroup\'s are not read', () => {
    assert.deepEqual(details(quiet({ after: counters({ cgroupOomKills: 3, hostOomKills: 8 }) })), ['cgroup-oom-kill ram: cgroup oom_kill +1']);
    // A kill elsewhere on the host, outside the run's cgroup: not this file's trouble.
    assert.deepEqual(findMemorySigns(quiet({ after: counters({ hostOomKills: 9 }) })), []);
    const noCgroup = counters({ cgroupOomKills: null });
    assert.deepEqual(details(quiet({ before: noCgroup, after: { ...noCgroup, hostOomKills: 9 } })), ['host-oom-kill ram: host oom_kill +2']);
  });

  it('counts the cgroup reaching its limit', () => {
    assert.deepEqual(details(quiet({ after: counters({ cgroupLimitHits: 43 }) })), ['cgroup-limit ram: cgroup memory limit reached 3×']);
  });

  it('counts the memory guard stopping another file while it ran', () => {
    const guardStops = [{ jobId: 'big.test.mjs', resource: 'ram', figure: 'host RAM at 96.0% of 64.00 GiB, over the 95% limit' }];
    assert.deepEqual(details(quiet({ guardStops })), ['guard ram: the memory guard stopped big.test.mjs (host RAM at 96.0% of 64.00 GiB, over the 95% limit)']);
  });

  it('counts memory stalls over the run, or in the last 10 s at its end', () => {
    // 0.4 s stalled of a 2 s run: 20%.
    const over = counters({ psi: { some: stall(0, 1_400_000), full: stall(0, 500_000) } });
    assert.deepEqual(details(quiet({ after: over })), ['psi ram: PSI memory some 20% of the file\'s run']);
    const recent = counters({ psi: { some: stall(15.5, 1_000_000), full: null } });
    assert.deepEqual(details(quiet({ after: recent })), ['psi ram: PSI memory some avg10 15.5%']);
    const light = counters({ psi: { some: stall(2, 1_100_000), full: null } });
    assert.deepEqual(findMemorySigns(quiet({ after: light })), []);
  });

  it('counts host RAM, the cgroup or a card near full at its peak, and not a card a model filled to 90%', () => {
    assert.deepEqual(details(quiet({ hostRam: { usedBytes: 60 * GiB, totalBytes: 64 * GiB } })), ['near-full ram: host RAM at 94% of 64.00 GiB at peak']);
    assert.deepEqual(details(quiet({ cgroup: { usedBytes: 590 * 1024 ** 2, totalBytes: 600 * 1024 ** 2 } })), ['near-full ram: cgroup memory at 98% of its 600 MiB limit at peak']);
    assert.deepEqual(details(quiet({ cards: [{ index: 1, usedBytes: 23.5 * GiB, totalBytes: 24 * GiB }] })), ['near-full vram: GPU 1 VRAM at 98% of 24.00 GiB at peak']);
    assert.deepEqual(findMemorySigns(quiet({ cards: [{ index: 0, usedBytes: 21.6 * GiB, totalBytes: 24 * GiB }] })), []);
  });
});
