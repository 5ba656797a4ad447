// The memory guard's decision in a memory-limited cgroup: the cgroup's working set is judged against its limit by the
// RAM share, so a run in a 600 MiB container is stopped long before the host's 32 GiB fill; where the host is the
// tighter of the two, host RAM still decides; without cgroup readings nothing changes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideGuard, type GuardInput, type GuardJob, type GuardSample } from '../../src/measure/memory-guard.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const SETTINGS = { ramPercent: 95, swapPercent: 50, vramPercent: 98, horizonMs: 10_000 } as const;
const STEP_MS = 50;
const HOST_TOTAL = 32 * GiB;
const LIMIT = 600 * MiB;
const PATH = '/kubepods/pod-1';

/** 41 samples 50 ms apart ending at t=2000: host RAM and the cgroup's working set at sample i. */
function samples(at: (i: number) => { host?: number; cgroup: number | null }, limitBytes = LIMIT): GuardSample[] {
  return Array.from({ length: 41 }, (_, i) => {
    const levels = at(i);
    return {
      at: 2000 - (40 - i) * STEP_MS,
      hostUsedBytes: levels.host ?? 8 * GiB, hostTotalBytes: HOST_TOTAL,
      cgroup: { usedBytes: levels.cgroup, limitBytes, path: PATH },
      swapUsedBytes: 0, swapTotalBytes: 0, gpus: [],
    };
  });
}

function job(id: string, rss: readonly [number, number][] = []): GuardJob {
  return { id, lane: 'cpu', gpuIndices: [], rss: rss.map(([at, bytes]) => ({ at, bytes })) };
}

function decide(input: Partial<GuardInput> & Pick<GuardInput, 'samples'>): ReturnType<typeof decideGuard> {
  return decideGuard({ jobs: [job('grows.test.mjs')], settings: SETTINGS, ...input });
}

describe('decideGuard: a memory-limited cgroup', () => {
  it('stops a test once the working set is over the limit, naming the share, the limit and its cgroup, with host RAM at 25%', () => {
    const verdict = decide({ samples: samples((i) => ({ cgroup: i >= 39 ? 0.961 * LIMIT : 0.5 * LIMIT })) });
    assert.equal(verdict?.resource, 'cgroup');
    assert.equal(verdict?.reason, 'over');
    assert.equal(verdict?.jobId, 'grows.test.mjs');
    assert.equal(verdict?.figure, `cgroup memory at 96.1% of its 600 MiB limit (${PATH}), over the 95% limit`);
    assert.equal(verdict?.curve.at(-1)?.value, 0.961 * LIMIT);
  });

  it('predicts a steady rise to the limit within the horizon', () => {
    // 450 MiB rising 100 MiB/s: 95% of 600 MiB (570 MiB) in 1.2 s.
    const verdict = decide({ samples: samples((i) => ({ cgroup: 450 * MiB - (40 - i) * STEP_MS / 1000 * 100 * MiB })) });
    assert.equal(verdict?.resource, 'cgroup');
    assert.equal(verdict?.figure, `cgroup memory growing 100 MiB/s at 75.0% of its 600 MiB limit (${PATH}): at the 95% limit in 1.2 s, within the 10 s horizon`);
  });

  it('stops, of several tests, the one whose process tree grew most', () => {
    const jobs = [job('steady.test.mjs', [[0, 200 * MiB], [2000, 200 * MiB]]), job('grows.test.mjs', [[0, 50 * MiB], [2000, 250 * MiB]])];
    const verdict = decide({ jobs, samples: samples((i) => ({ cgroup: i >= 38 ? 0.97 * LIMIT : 0.9 * LIMIT })) });
    assert.equal(verdict?.jobId, 'grows.test.mjs');
  });

  it('leaves a working set under the limit alone, and one noisy reading over it', () => {
    assert.equal(decide({ samples: samples(() => ({ cgroup: 0.9 * LIMIT })) }), null);
    assert.equal(decide({ samples: samples((i) => ({ cgroup: i === 40 ? LIMIT : 0.6 * LIMIT })) }), null);
  });

  it('still guards host RAM where the host is tighter than the cgroup limit', () => {
    const verdict = decide({ samples: samples((i) => ({ host: i >= 39 ? 0.962 * HOST_TOTAL : 0.9 * HOST_TOTAL, cgroup: 0.962 * HOST_TOTAL }), 64 * GiB) });
    assert.equal(verdict?.resource, 'ram');
    assert.equal(verdict?.figure, 'host RAM at 96.2% of 32.00 GiB, over the 95% limit');
  });

  it('judges nothing of the cgroup without its readings: a failed read, or no limited cgroup', () => {
    assert.equal(decide({ samples: samples(() => ({ cgroup: null })) }), null);
    const outside = samples(() => ({ cgroup: LIMIT })).map((sample) => ({ ...sample, cgroup: null }));
    assert.equal(decide({ samples: outside }), null);
  });

  it('leaves alone a limit crossed before the guard started, until the run pushes it further', () => {
    const baseline = samples(() => ({ cgroup: 0.96 * LIMIT }))[0];
    assert.equal(decide({ samples: samples(() => ({ cgroup: 0.965 * LIMIT })), baseline }), null);
    const verdict = decide({ samples: samples(() => ({ cgroup: 0.98 * LIMIT })), baseline });
    assert.equal(verdict?.figure, `cgroup memory at 98.0% of its 600 MiB limit (${PATH}), over the 95% limit (96.0% when the guard started)`);
  });
});
