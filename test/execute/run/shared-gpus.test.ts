import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GpuLocks, LockHolder } from '../../../src/execute/run/gpu-locks.js';
import { createSharedGpus } from '../../../src/execute/run/shared-gpus.js';
import type { HostCapacity } from '../../../src/schedule/capacity.js';

const CAPACITY: HostCapacity = {
  cpuSlots: 2,
  gpuConcurrency: 1,
  gpus: [
    { index: 0, uuid: 'GPU-a', totalBytes: 80, budgetBytes: 80 },
    { index: 1, uuid: 'GPU-b', totalBytes: 80, budgetBytes: 80 },
  ],
  ramBytes: null,
  hostTotalBytes: null,
};

const OTHER_RUN: LockHolder = { pid: 4242, startTime: null, runId: 'other', cwd: '/elsewhere', since: 0 };

/** Locks where another run holds `held`, counting how often a card's lock file is looked at. */
function locksHolding(held: readonly string[]): GpuLocks & { looks: number } {
  const locks = {
    looks: 0,
    holderOf(uuid: string) {
      locks.looks += 1;
      return held.includes(uuid) ? OTHER_RUN : null;
    },
    acquire: () => true,
    release: () => {},
    releaseAll: () => {},
  };
  return locks;
}

describe('createSharedGpus().available', () => {
  it('leaves out the cards another run holds while GPU files wait, and says so once per card and run', () => {
    const locks = locksHolding(['GPU-b']);
    const warnings: string[] = [];
    const waits: number[] = [];
    const shared = createSharedGpus(locks, { onGpuWait: (index) => void waits.push(index) }, (message) => void warnings.push(message));
    const first = shared.available(CAPACITY, true);
    assert.equal(first.blocked, true);
    assert.deepEqual(first.capacity.gpus.map((card) => card.uuid), ['GPU-a']);
    shared.available(CAPACITY, true);
    assert.deepEqual(waits, [1]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /GPU 1 was in use by another gpu-test run .*pid 4242/);
  });

  it('reads no lock file while no GPU file waits: only GPU files are placed on cards', () => {
    const locks = locksHolding(['GPU-a', 'GPU-b']);
    const shared = createSharedGpus(locks, {}, () => assert.fail('nothing to say while no GPU file waits'));
    const free = shared.available(CAPACITY, false);
    assert.equal(locks.looks, 0);
    assert.equal(free.blocked, false);
    assert.equal(free.capacity, CAPACITY);
  });
});
