// The simulated caching allocator must round memory as PyTorch's CUDA allocator does (2 MiB blocks up to 1 MiB, 20 MiB
// segments for 1-10 MiB, larger ones rounded up to 2 MiB, freed memory kept and reused until emptyCache), or the
// staircases the leak fit reads in the tests and the benchmark are not the ones real cards show.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, it } from 'node:test';
import { createCachingAllocator, createFakeTorch } from '../../fixtures/fake-gpu/caching-allocator.mjs';
import { allocated, setAllocationOf } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { FAKE_SMI, restoreFakeGpu, useFakeGpu } from './fake-gpu-state.js';

/** An allocator over a driver that only counts: what the card would show, in MiB. */
function counted(): { allocator: ReturnType<typeof createCachingAllocator>; driver: () => number } {
  let held = 0;
  const allocator = createCachingAllocator({ reserve: (mib) => void (held += mib), release: (mib) => void (held -= mib) });
  return { allocator, driver: () => held };
}

afterEach(restoreFakeGpu);

describe('createCachingAllocator', () => {
  it('shows a 2 MiB-per-iteration leak as a 20 MiB step every 10 iterations', () => {
    const { allocator, driver } = counted();
    const seen = Array.from({ length: 25 }, () => {
      allocator.malloc(2);
      return driver();
    });
    assert.deepEqual(seen, [...Array(10).fill(20), ...Array(10).fill(40), ...Array(5).fill(60)]);
    assert.equal(allocator.allocatedMiB(), 50);
  });

  it('serves tensors of at most 1 MiB from 2 MiB blocks, and rounds ones of 10 MiB and more up to 2 MiB', () => {
    const { allocator, driver } = counted();
    allocator.malloc(0.5);
    allocator.malloc(1);
    assert.equal(driver(), 2, 'a 0.5 and a 1 MiB tensor share one 2 MiB block');
    allocator.malloc(1);
    assert.equal(driver(), 4, 'the next 1 MiB does not fit the 0.5 MiB left');
    allocator.malloc(11);
    assert.equal(driver(), 4 + 12);
  });

  it('keeps freed memory reserved and reuses it, until emptyCache hands whole free segments back', () => {
    const { allocator, driver } = counted();
    const activations = allocator.malloc(8);
    allocator.free(activations);
    allocator.free(allocator.malloc(8));
    assert.equal(driver(), 20, 'the second 8 MiB came from the cached segment');
    const kept = allocator.malloc(64);
    allocator.free(allocator.malloc(4));
    assert.equal(driver(), 20 + 64);
    allocator.free(kept);
    allocator.emptyCache();
    assert.equal(driver(), 0);
    assert.equal(allocator.reservedMiB(), 0);
  });

  it('refuses a size that is not a positive number, and a free of nothing', () => {
    const { allocator } = counted();
    assert.throws(() => allocator.malloc(0), /positive number of MiB, got 0/);
    assert.throws(() => allocator.free(99), /free\(99\): no such allocation/);
  });
});

describe('createFakeTorch', () => {
  it('holds its context and its segments on the simulated GPU, as nvidia-smi shows them', () => {
    useFakeGpu();
    const torch = createFakeTorch({ contextMiB: 500 });
    torch.malloc(2);
    assert.deepEqual(allocated(), { 0: 520 });
    const used = execFileSync(FAKE_SMI, ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], { encoding: 'utf8' });
    assert.match(used, new RegExp(`^${process.pid}, 520$`, 'm'));
  });
});

describe('setAllocationOf', () => {
  it('sets what another process holds, and frees it at 0', () => {
    useFakeGpu();
    setAllocationOf(process.ppid, 300);
    const used = (): string => execFileSync(FAKE_SMI, ['--query-gpu=memory.used', '--format=csv,noheader,nounits'], { encoding: 'utf8' }).trim();
    assert.equal(used(), '300');
    setAllocationOf(process.ppid, 0);
    assert.equal(used(), '0');
  });
});
