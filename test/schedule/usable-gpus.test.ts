// cardsInMask reads a CUDA_VISIBLE_DEVICES-style list as CUDA does (indices, UUIDs, unique UUID prefixes, stopping at
// the first entry that names no card or repeats one); selectUsableGpus narrows the inventory by an outer mask and
// --gpus, refuses a --gpus entry outside it with the usable cards listed, and turns an empty result into "no GPU".

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GpuInfo, GpuInventory } from '../../src/results/machine.js';
import { cardsInMask, selectUsableGpus } from '../../src/schedule/usable-gpus.js';

const UUIDS = [
  'GPU-aaaa1111-0000-0000-0000-000000000000',
  'GPU-aaaa2222-0000-0000-0000-000000000000',
  'GPU-bbbb3333-0000-0000-0000-000000000000',
  'MIG-cccc4444-0000-0000-0000-000000000000',
];
const GPUS: GpuInfo[] = UUIDS.map((uuid, index) => ({ index, uuid, name: 'NVIDIA H100', totalBytes: 80 * 1024 ** 3 }));
const INVENTORY: GpuInventory = { available: true, reason: null, driverVersion: '550.54', cudaVersion: '12.4', gpus: GPUS, warnings: [] };

const indices = (gpus: readonly GpuInfo[]): number[] => gpus.map((gpu) => gpu.index);

describe('cardsInMask', () => {
  it('reads indices in the mask\'s order, trimming spaces', () => {
    assert.deepEqual(indices(cardsInMask(GPUS, '2,0')), [2, 0]);
    assert.deepEqual(indices(cardsInMask(GPUS, ' 1 , 3 ')), [1, 3]);
  });

  it('reads full UUIDs and unique UUID prefixes, MIG ones included', () => {
    assert.deepEqual(indices(cardsInMask(GPUS, `${UUIDS[2]},${UUIDS[0]}`)), [2, 0]);
    assert.deepEqual(indices(cardsInMask(GPUS, 'GPU-bbbb,GPU-aaaa2,MIG-cc')), [2, 1, 3]);
  });

  it('stops at the first entry that names no card, as CUDA does', () => {
    assert.deepEqual(indices(cardsInMask(GPUS, '1,7,0')), [1], 'an index past the last card');
    assert.deepEqual(indices(cardsInMask(GPUS, '0,-1,2')), [0], '-1, the usual "no GPU"');
    assert.deepEqual(indices(cardsInMask(GPUS, '0,GPU-aaaa,2')), [0], 'a prefix that matches two cards');
    assert.deepEqual(indices(cardsInMask(GPUS, '0,GPU-ffff,2')), [0], 'a UUID of no card');
    assert.deepEqual(indices(cardsInMask(GPUS, '0,nvidia0,2')), [0], 'neither an index nor a UUID');
  });

  it('stops at a card named twice', () => {
    assert.deepEqual(indices(cardsInMask(GPUS, `1,0,${UUIDS[1]},2`)), [1, 0]);
  });

  it('names no card for an empty mask or one that starts with a bad entry', () => {
    assert.deepEqual(cardsInMask(GPUS, ''), []);
    assert.deepEqual(cardsInMask(GPUS, '-1,0'), []);
  });
});

describe('selectUsableGpus', () => {
  it('keeps every card without an outer mask or --gpus', () => {
    assert.deepEqual(selectUsableGpus(INVENTORY, undefined, null), INVENTORY);
  });

  it('keeps only the cards an outer CUDA_VISIBLE_DEVICES allows, in its order', () => {
    const usable = selectUsableGpus(INVENTORY, '3,1', null);
    assert.equal(usable.available, true);
    assert.deepEqual(indices(usable.gpus), [3, 1]);
    assert.equal(usable.driverVersion, '550.54');
  });

  it('narrows by --gpus inside the outer mask, by index or UUID prefix, once each', () => {
    assert.deepEqual(indices(selectUsableGpus(INVENTORY, '1,2,3', ['2', 'GPU-aaaa2', '2']).gpus), [2, 1]);
    assert.deepEqual(indices(selectUsableGpus(INVENTORY, undefined, ['0']).gpus), [0]);
  });

  it('refuses a --gpus entry outside the outer mask with USAGE, listing the usable cards', () => {
    assert.throws(() => selectUsableGpus(INVENTORY, '1,2', ['0']), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'USAGE');
      assert.equal(error.message, `--gpus: \`0\` names no usable GPU inside CUDA_VISIBLE_DEVICES=1,2; usable: 1 (${UUIDS[1]}), 2 (${UUIDS[2]})`);
      return true;
    });
  });

  it('refuses a --gpus entry that names no card at all', () => {
    assert.throws(() => selectUsableGpus(INVENTORY, undefined, ['0', '9']), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'USAGE');
      assert.match(error.message, /^--gpus: `9` names no usable GPU; usable: 0 \(GPU-aaaa1111-[^)]+\), 1 \(/);
      return true;
    });
    assert.throws(() => selectUsableGpus(INVENTORY, undefined, ['GPU-aaaa']), /--gpus: `GPU-aaaa` names no usable GPU/, 'an ambiguous prefix');
  });

  it('says why no GPU is usable when the outer mask leaves none', () => {
    assert.deepEqual(selectUsableGpus(INVENTORY, '', null), { ...INVENTORY, available: false, reason: 'CUDA_VISIBLE_DEVICES=(empty) leaves no GPU to use', gpus: [] });
    const none = selectUsableGpus(INVENTORY, '-1', null);
    assert.equal(none.available, false);
    assert.equal(none.reason, 'CUDA_VISIBLE_DEVICES=-1 leaves no GPU to use');
  });

  it('lists no usable card when --gpus meets an empty outer mask', () => {
    assert.throws(() => selectUsableGpus(INVENTORY, '', ['0']), { code: 'USAGE', message: '--gpus: `0` names no usable GPU inside CUDA_VISIBLE_DEVICES=; usable: none' });
  });

  it('passes an inventory without GPUs through untouched, whatever the mask', () => {
    const missing: GpuInventory = { available: false, reason: 'nvidia-smi was not found on PATH', driverVersion: null, cudaVersion: null, gpus: [], warnings: [] };
    assert.equal(selectUsableGpus(missing, '0', ['0']), missing);
  });
});
