// settleVram with scripted readings and a fake clock: no wait when VRAM did not change (or the wait is off), done
// when two readings agree within the tolerance, and giving up at the timeout (or on a failed read) with
// settled: false and the last reading.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settleVram, type SettleOptions } from '../../src/measure/settle-vram.js';
import type { GpuMemory } from '../../src/results/machine.js';

const MiB = 1024 * 1024;
const OPTIONS: SettleOptions = { timeoutMs: 1000, pollMs: 1, toleranceBytes: 2 * MiB };

function gpus(usedMiB: number): GpuMemory[] {
  return [{ index: 0, uuid: 'GPU-0', usedBytes: usedMiB * MiB, totalBytes: 80 * 1024 * MiB }];
}

/** Reads that return `script` in turn (then keep returning the last), and a clock that moves `stepMs` per look. */
function scripted(script: readonly (number | null)[], stepMs = 100): { read: () => Promise<GpuMemory[] | null>; now: () => number; reads: () => number } {
  let reads = 0;
  let time = 0;
  return {
    read: () => {
      const value = script[Math.min(reads, script.length - 1)];
      reads += 1;
      return Promise.resolve(value === null || value === undefined ? null : gpus(value));
    },
    now: () => (time += stepMs),
    reads: () => reads,
  };
}

describe('settleVram', () => {
  it('reads nothing more when VRAM is where it was before the test, within the tolerance', async () => {
    const fake = scripted([999]);
    const result = await settleVram(fake.read, gpus(501), 500 * MiB, OPTIONS, fake.now);
    assert.deepEqual(result, { gpus: gpus(501), waitedMs: 0, settled: true });
    assert.equal(fake.reads(), 0);
  });

  it('reads nothing more with the wait off, or with no reading to start from', async () => {
    const fake = scripted([999]);
    assert.equal((await settleVram(fake.read, gpus(800), 500 * MiB, { ...OPTIONS, timeoutMs: 0 }, fake.now)).settled, true);
    assert.deepEqual(await settleVram(fake.read, null, 500 * MiB, OPTIONS, fake.now), { gpus: null, waitedMs: 0, settled: true });
    assert.equal(fake.reads(), 0);
  });

  it('settles once two readings in a row agree, returning the later one', async () => {
    const fake = scripted([900, 700, 701, 400]);
    const result = await settleVram(fake.read, gpus(1000), 500 * MiB, OPTIONS, fake.now);
    assert.equal(result.settled, true);
    assert.deepEqual(result.gpus, gpus(701));
    assert.equal(fake.reads(), 3);
    assert.ok(result.waitedMs > 0 && result.waitedMs < OPTIONS.timeoutMs, `waited ${result.waitedMs} ms`);
  });

  it('waits when "before" is unknown, settling on the first agreeing reading', async () => {
    const fake = scripted([1000]);
    const result = await settleVram(fake.read, gpus(1000), null, OPTIONS, fake.now);
    assert.equal(result.settled, true);
    assert.equal(fake.reads(), 1);
  });

  it('gives up at the timeout with settled: false and the last reading', async () => {
    let next = 1000;
    let reads = 0;
    const read = (): Promise<GpuMemory[]> => {
      reads += 1;
      next -= 100;
      return Promise.resolve(gpus(next));
    };
    let time = 0;
    const now = (): number => (time += 100);
    const result = await settleVram(read, gpus(1000), 0, OPTIONS, now);
    assert.equal(result.settled, false);
    assert.ok(result.waitedMs >= OPTIONS.timeoutMs, `waited ${result.waitedMs} ms`);
    assert.deepEqual(result.gpus, gpus(next), 'the last reading taken');
    assert.ok(reads >= 2 && reads <= 10, `${reads} reads in a 1000 ms budget at 100 ms a look`);
  });

  it('stops at a failed read with the reading before it', async () => {
    const fake = scripted([900, null]);
    const result = await settleVram(fake.read, gpus(1000), 0, OPTIONS, fake.now);
    assert.equal(result.settled, false);
    assert.deepEqual(result.gpus, gpus(900));
    assert.equal(fake.reads(), 2);
  });
});
