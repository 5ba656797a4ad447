import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../../src/plan/types.js';
import { createSlots, pickStarts, releaseSlot } from '../../src/schedule/lanes.js';

function job(id: string, lane: 'cpu' | 'gpu'): Job {
  return { id, file: `/p/${id}`, suite: 's', tags: lane === 'gpu' ? ['gpu'] : [], lane, timeoutMs: 1000, repeat: 1, leakThreshold: { vramBytes: 0, ramBytes: 0 }, skip: null };
}

describe('pickStarts', () => {
  it('starts one gpu file per GPU and fills the cpu lane beside it', () => {
    const waiting = [job('g1', 'gpu'), job('g2', 'gpu'), job('c1', 'cpu'), job('c2', 'cpu'), job('c3', 'cpu')];
    const { starts, slots } = pickStarts(waiting, createSlots(2, [0], 1));
    assert.deepEqual(starts.map((s) => [s.job.id, s.gpuIndex]), [['g1', 0], ['c1', null], ['c2', null]]);
    assert.equal(slots.cpu, 0);
    assert.equal(slots.gpus.get(0), 0);
  });

  it('never starts a second gpu file on a full GPU, and resumes once it is released', () => {
    const first = pickStarts([job('g1', 'gpu'), job('g2', 'gpu')], createSlots(4, [0], 1));
    assert.equal(first.starts.length, 1);
    const again = pickStarts([job('g2', 'gpu')], first.slots);
    assert.equal(again.starts.length, 0);
    const start = first.starts[0];
    assert.ok(start);
    const after = pickStarts([job('g2', 'gpu')], releaseSlot(first.slots, start));
    assert.deepEqual(after.starts.map((s) => [s.job.id, s.gpuIndex]), [['g2', 0]]);
  });

  it('spreads gpu files over GPUs, and allows N per GPU with --gpu-concurrency N', () => {
    const jobs = [job('a', 'gpu'), job('b', 'gpu'), job('c', 'gpu'), job('d', 'gpu'), job('e', 'gpu')];
    const twoGpus = pickStarts(jobs, createSlots(1, [0, 1], 2));
    assert.deepEqual(twoGpus.starts.map((s) => s.gpuIndex), [0, 1, 0, 1]);
  });

  it('starts no gpu file when there is no GPU', () => {
    assert.equal(pickStarts([job('g', 'gpu')], createSlots(2, [], 1)).starts.length, 0);
  });

  it('releasing a cpu start frees a cpu slot only', () => {
    const slots = releaseSlot(createSlots(0, [0], 0), { job: job('c', 'cpu'), gpuIndex: null });
    assert.equal(slots.cpu, 1);
    assert.equal(slots.gpus.get(0), 0);
  });
});
