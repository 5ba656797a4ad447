// --shard: the balanced split on synthetic durations (longest first, GPU files spread, N-GPU files only on shards
// that can run them), its determinism, round-robin as node --test-shard, and the weights of files never seen.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ShardSpec } from '../../src/config/ci-types.js';
import { splitShards, takeShard, weighJobs, type WeightedJob } from '../../src/plan/shard-jobs.js';
import type { Job } from '../../src/results/job.js';
import { job } from '../helpers/sample-run-result.js';
import { seededRandom } from '../helpers/seeded-random.js';

const balanced = (total: number, gpus: number[] | null = null): Pick<ShardSpec, 'total' | 'strategy' | 'gpus'> => ({ total, strategy: 'balanced', gpus });

function gpuJob(id: string, gpus = 1): Job {
  const base = job(id, 'gpu', ['gpu'], 'gpu');
  return { ...base, needs: { ...base.needs, gpus } };
}

/** 60 GPU files of 2 s to 15 min (log-uniform), every tenth needing two GPUs, and 40 CPU files of 1-30 s. */
function syntheticSuite(seed: number): WeightedJob[] {
  const random = seededRandom(seed);
  const gpu = Array.from({ length: 60 }, (_, i) => ({ job: gpuJob(`gpu/f${String(i).padStart(2, '0')}.test.ts`, i % 10 === 0 ? 2 : 1), expectedMs: 2000 * (450 ** random()) }));
  const cpu = Array.from({ length: 40 }, (_, i) => ({ job: job(`cpu/c${String(i).padStart(2, '0')}.test.ts`, 'unit', [], 'cpu'), expectedMs: 1000 + 29_000 * random() }));
  return [...gpu, ...cpu];
}

const ids = (jobs: readonly Job[]): string[] => jobs.map((j) => j.id);

describe('splitShards: balanced', () => {
  it('covers every file exactly once and keeps each lane within the longest file of the ideal', () => {
    const suite = syntheticSuite(7);
    const split = splitShards(suite, balanced(4));
    assert.deepEqual(split.shards.flatMap(ids).sort(), ids(suite.map((w) => w.job)).sort());
    for (const lane of ['gpu', 'cpu'] as const) {
      const weights = suite.filter((w) => w.job.lane === lane).map((w) => w.expectedMs * Math.max(1, w.job.needs.gpus));
      const loads = lane === 'gpu' ? split.gpuMs : split.cpuMs;
      const ideal = Math.max(Math.max(...weights), weights.reduce((a, b) => a + b, 0) / 4);
      // Longest-first greedy is within one file of the ideal, and far better than the spread of a blind split.
      assert.ok(Math.max(...loads) <= ideal + Math.max(...weights), `${lane}: ${loads.join(', ')} against ideal ${ideal}`);
      assert.ok(Math.max(...loads) - Math.min(...loads) <= Math.max(...weights), `${lane} spread ${loads.join(', ')}`);
    }
  });

  it('is deterministic: the same inputs in any order give the same split and fingerprint', () => {
    const suite = syntheticSuite(3);
    const a = splitShards(suite, balanced(4));
    const b = splitShards([...suite].reverse(), balanced(4));
    assert.deepEqual(a.shards.map(ids), b.shards.map(ids));
    assert.equal(a.fingerprint, b.fingerprint);
    const moved = suite.map((w, i) => (i === 0 ? { ...w, expectedMs: w.expectedMs + 60_000 } : w));
    assert.notEqual(splitShards(moved, balanced(4)).fingerprint, a.fingerprint, 'other durations, another split');
  });

  it('puts the longest files on different shards rather than behind one another', () => {
    const long = [15, 14, 13, 12].map((minutes, i) => ({ job: gpuJob(`gpu/long${i}.test.ts`), expectedMs: minutes * 60_000 }));
    const short = Array.from({ length: 8 }, (_, i) => ({ job: gpuJob(`gpu/short${i}.test.ts`), expectedMs: 2000 }));
    const split = splitShards([...short, ...long], balanced(4));
    for (const shard of split.shards) assert.equal(shard.filter((j) => j.id.includes('long')).length, 1, ids(shard).join(', '));
  });

  it('sends files that need two GPUs only to shards whose runners have two', () => {
    const suite = syntheticSuite(11);
    const split = splitShards(suite, balanced(4, [2, 1, 2, 1]));
    const twoGpu = (shard: readonly Job[]): number => shard.filter((j) => j.needs.gpus === 2).length;
    assert.deepEqual(split.shards.map(twoGpu).map((n) => n > 0), [true, false, true, false]);
    assert.equal(split.shards.reduce((sum, shard) => sum + twoGpu(shard), 0), 6);
    // A file no runner can take goes to the one with the most GPUs, whose run says why it is skipped.
    const four = splitShards([{ job: gpuJob('gpu/huge.test.ts', 4), expectedMs: 1000 }], balanced(3, [1, 2, 1]));
    assert.deepEqual(four.shards.map(ids), [[], ['gpu/huge.test.ts'], []]);
  });

  it('deals files out as round-robin does when nothing is known of their durations', () => {
    const files = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ job: job(`t/${name}.test.ts`, 'unit', [], 'cpu'), expectedMs: 1 }));
    assert.deepEqual(splitShards(files, balanced(2)).shards.map(ids), [['t/a.test.ts', 't/c.test.ts', 't/e.test.ts'], ['t/b.test.ts', 't/d.test.ts']]);
  });
});

describe('splitShards: round-robin', () => {
  it('takes every N-th file of the sorted list, as node --test-shard', () => {
    const files = ['e', 'a', 'd', 'b', 'c'].map((name) => ({ job: job(`t/${name}.test.ts`, 'unit', [], 'cpu'), expectedMs: name === 'a' ? 900_000 : 1 }));
    const split = splitShards(files, { total: 3, strategy: 'round-robin', gpus: null });
    assert.deepEqual(split.shards.map(ids), [['t/a.test.ts', 't/d.test.ts'], ['t/b.test.ts', 't/e.test.ts'], ['t/c.test.ts']]);
  });
});

describe('weighJobs and takeShard', () => {
  it('gives a file never seen its suite\'s median, and a gated file nothing', () => {
    const jobs = [job('s/a.test.ts', 'vlm', [], 'gpu'), job('s/b.test.ts', 'vlm', [], 'gpu'), job('s/c.test.ts', 'vlm', [], 'gpu'), job('s/new.test.ts', 'vlm', [], 'gpu'),
      job('u/new.test.ts', 'unit', [], 'cpu'), job('f/gated.test.ts', 'flux', [], 'gpu')];
    const weighed = weighJobs(jobs, { 's/a.test.ts': 1000, 's/b.test.ts': 5000, 's/c.test.ts': 60_000 }, (j) => j.id === 'f/gated.test.ts');
    assert.deepEqual(weighed.map((w) => w.expectedMs), [1000, 5000, 60_000, 5000, 5000, 0]);
  });

  it('returns this shard\'s files and what the reports say of the split', () => {
    const suite = syntheticSuite(5);
    const { jobs, plan } = takeShard(suite, { index: 2, total: 4, strategy: 'balanced', gpus: null }, 8);
    assert.deepEqual(ids(jobs), ids(splitShards(suite, balanced(4)).shards[1] ?? []));
    assert.equal(plan.suiteFiles, 100);
    assert.equal(plan.expectedMs.length, 4);
    assert.deepEqual(takeShard(suite, { index: 2, total: 4, strategy: 'balanced', gpus: null }, 8, false).plan.expectedMs, []);
  });
});
