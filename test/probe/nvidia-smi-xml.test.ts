import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSmiLogInventory } from '../../src/probe/nvidia-smi-xml.js';

const MiB = 1024 * 1024;

// The shapes xml2js gives with `explicitArray: false, trim: true`, as node-nvidia-smi calls it.
const gpu = (uuid: string, total: string, used = '0 MiB'): Record<string, unknown> => ({
  $: { id: '00000000:00:06.0' },
  product_name: 'NVIDIA H100 80GB HBM3',
  uuid,
  minor_number: '7',
  fb_memory_usage: { total, reserved: '480 MiB', used, free: '81079 MiB' },
  processes: '',
});

describe('readSmiLogInventory', () => {
  it('reads one GPU given as an object', () => {
    const inventory = readSmiLogInventory({
      nvidia_smi_log: { driver_version: '580.159.04', cuda_version: '13.0', attached_gpus: '1', gpu: gpu('GPU-a', '81559 MiB') },
    });
    assert.deepEqual(inventory, {
      driverVersion: '580.159.04',
      cudaVersion: '13.0',
      gpus: [{ index: 0, uuid: 'GPU-a', name: 'NVIDIA H100 80GB HBM3', totalBytes: 81559 * MiB }],
      warnings: [],
    });
  });

  it('reads several GPUs given as an array, indexed by position rather than minor_number', () => {
    const inventory = readSmiLogInventory({
      nvidia_smi_log: { driver_version: '580.159.04', cuda_version: '13.0', gpu: [gpu('GPU-a', '10 MiB'), gpu('GPU-b', '20 MiB')] },
    });
    assert.deepEqual(inventory.gpus.map((entry) => [entry.index, entry.uuid, entry.totalBytes]), [[0, 'GPU-a', 10 * MiB], [1, 'GPU-b', 20 * MiB]]);
  });

  it('gives null memory and warnings for N/A and [N/A]', () => {
    const inventory = readSmiLogInventory({ nvidia_smi_log: { gpu: gpu('GPU-a', 'N/A', '[N/A]') } });
    assert.equal(inventory.gpus[0]?.totalBytes, null);
    assert.deepEqual(inventory.warnings, [
      'GPU 0 (GPU-a) reports fb_memory_usage.used as [N/A]: VRAM for this GPU is not measured; on MIG or vGPU devices use the per-instance figures',
      'GPU 0 (GPU-a) reports fb_memory_usage.total as N/A: VRAM for this GPU is not measured; on MIG or vGPU devices use the per-instance figures',
    ]);
  });

  it('treats missing versions and names as unknown, and no gpu element as no GPU', () => {
    const inventory = readSmiLogInventory({ nvidia_smi_log: { driver_version: 'N/A', attached_gpus: '0' } });
    assert.deepEqual(inventory, { driverVersion: null, cudaVersion: null, gpus: [], warnings: [] });
    const unnamed = readSmiLogInventory({ nvidia_smi_log: { gpu: { fb_memory_usage: { total: '1 MiB', used: '0 MiB' } } } });
    assert.deepEqual(unnamed.gpus, [{ index: 0, uuid: '', name: 'unnamed GPU', totalBytes: MiB }]);
  });

  it('reads text of elements that carry attributes', () => {
    const inventory = readSmiLogInventory({ nvidia_smi_log: { driver_version: { _: '580.159.04', $: { x: '1' } } } });
    assert.equal(inventory.driverVersion, '580.159.04');
  });

  it('throws on a document without nvidia_smi_log', () => {
    assert.throws(() => readSmiLogInventory({ other: {} }), /without an <nvidia_smi_log> root/);
    assert.throws(() => readSmiLogInventory(null), /without an <nvidia_smi_log> root/);
  });
});
