// buildCapacity: each card's budget is its total less the VRAM in use before the run less the headroom (bytes or a
// percent of the card), host RAM for declared jobs is what was available less the reserve (bytes or a percent of the
// total), and unknown totals or readings give null rather than a guess. sizeInBytes: bytes as they are, shares of a
// known capacity.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Admission } from '../../src/config/types.js';
import type { GpuInfo, HostMemory } from '../../src/results/machine.js';
import { sizeInBytes } from '../../src/units/size.js';
import { buildCapacity } from '../../src/schedule/capacity.js';

const GiB = 1024 ** 3;
const DEFAULT_ADMISSION: Admission = { vramHeadroom: { bytes: GiB }, ramReserve: { bytes: 4 * GiB } };
const gpu = (index: number, totalGiB: number | null): GpuInfo => ({ index, uuid: `GPU-${index}`, name: 'NVIDIA L4', totalBytes: totalGiB === null ? null : totalGiB * GiB });
const HOST: HostMemory = { totalBytes: 64 * GiB, usedBytes: 24 * GiB, availableBytes: 40 * GiB, swapTotalBytes: 8 * GiB, swapUsedBytes: 0 };

function build(options: { admission?: Admission; gpus?: GpuInfo[]; usedBefore?: [number, number | null][]; host?: HostMemory | null } = {}) {
  return buildCapacity({
    cpuSlots: 8,
    gpuConcurrency: 2,
    admission: options.admission ?? DEFAULT_ADMISSION,
    gpus: options.gpus ?? [gpu(0, 24)],
    usedBefore: new Map(options.usedBefore ?? []),
    host: options.host === undefined ? HOST : options.host,
  });
}

describe('sizeInBytes', () => {
  it('keeps bytes, and takes a rounded share of a known capacity', () => {
    assert.equal(sizeInBytes({ bytes: 123 }, null), 123);
    assert.equal(sizeInBytes({ percent: 25 }, 64 * GiB), 16 * GiB);
    assert.equal(sizeInBytes({ percent: 33.3 }, 1000), 333);
    assert.equal(sizeInBytes({ percent: 25 }, null), null);
  });
});

describe('buildCapacity', () => {
  it('passes cpu slots and gpuConcurrency through', () => {
    const capacity = build();
    assert.equal(capacity.cpuSlots, 8);
    assert.equal(capacity.gpuConcurrency, 2);
  });

  it('budgets each card as its total less what was used before the run less the headroom', () => {
    const capacity = build({ gpus: [gpu(0, 24), gpu(1, 80)], usedBefore: [[0, 2 * GiB], [1, 0]] });
    assert.deepEqual(capacity.gpus, [
      { index: 0, uuid: 'GPU-0', totalBytes: 24 * GiB, budgetBytes: 21 * GiB },
      { index: 1, uuid: 'GPU-1', totalBytes: 80 * GiB, budgetBytes: 79 * GiB },
    ]);
  });

  it('counts a card without a reading before the run (or a null one) as empty', () => {
    const capacity = build({ gpus: [gpu(0, 24), gpu(1, 24)], usedBefore: [[1, null]] });
    assert.deepEqual(capacity.gpus.map((card) => card.budgetBytes), [23 * GiB, 23 * GiB]);
  });

  it('takes a percent headroom of each card\'s own total', () => {
    const admission: Admission = { vramHeadroom: { percent: 10 }, ramReserve: { bytes: 0 } };
    const capacity = build({ admission, gpus: [gpu(0, 80), gpu(1, 20)] });
    assert.deepEqual(capacity.gpus.map((card) => card.budgetBytes), [72 * GiB, 18 * GiB]);
  });

  it('never budgets below zero on a card already fuller than the headroom allows', () => {
    assert.equal(build({ usedBefore: [[0, 23.5 * GiB]] }).gpus[0]?.budgetBytes, 0);
  });

  it('leaves the budget unknown for a card of unknown size', () => {
    assert.deepEqual(build({ gpus: [gpu(3, null)], usedBefore: [[3, GiB]] }).gpus, [{ index: 3, uuid: 'GPU-3', totalBytes: null, budgetBytes: null }]);
  });

  it('gives declared jobs the RAM available before the run less the reserve, and the host total for shares', () => {
    const capacity = build();
    assert.equal(capacity.ramBytes, 36 * GiB);
    assert.equal(capacity.hostTotalBytes, 64 * GiB);
  });

  it('takes a percent reserve of the host\'s total RAM, not of what is available', () => {
    const admission: Admission = { vramHeadroom: { bytes: 0 }, ramReserve: { percent: 25 } };
    assert.equal(build({ admission }).ramBytes, 24 * GiB);
  });

  it('never gives less than no RAM', () => {
    assert.equal(build({ host: { ...HOST, availableBytes: 2 * GiB } }).ramBytes, 0);
  });

  it('leaves RAM unknown without a host reading', () => {
    const capacity = build({ host: null });
    assert.equal(capacity.ramBytes, null);
    assert.equal(capacity.hostTotalBytes, null);
  });

  it('has no cards on a run without GPUs', () => {
    assert.deepEqual(build({ gpus: [] }).gpus, []);
  });
});
