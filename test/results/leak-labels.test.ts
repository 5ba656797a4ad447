// How a leak call names what it is about and prints its figures: VRAM and RAM in bytes, a metric by its name in its
// own unit, and a metric recorded in bytes as a size.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLeakDelta, formatLeakValue, leakLabel } from '../../src/results/leak-labels.js';

const vram = { resource: 'vram', metric: null } as const;
const blocks = { resource: 'metric', metric: { name: 'kv_blocks', unit: 'blocks' } } as const;
const bytes = { resource: 'metric', metric: { name: 'torch_allocated_bytes', unit: 'B' } } as const;

describe('leak labels', () => {
  it('names the resource, or the metric', () => {
    assert.deepEqual([leakLabel(vram), leakLabel({ resource: 'ram', metric: null }), leakLabel(blocks)], ['VRAM', 'RAM', 'metric kv_blocks']);
  });

  it('prints memory and a metric in bytes as sizes, any other metric in its unit, growth with a plus', () => {
    assert.deepEqual([formatLeakValue(vram, 2 * 1024 ** 2), formatLeakValue(bytes, 2 * 1024 ** 2), formatLeakValue(blocks, 2.5)], ['2.0 MiB', '2.0 MiB', '2.5 blocks']);
    assert.deepEqual([formatLeakDelta(vram, 1024), formatLeakDelta(blocks, 3), formatLeakDelta(blocks, -1), formatLeakDelta(vram, 0)], ['+1.0 KiB', '+3 blocks', '-1 blocks', '0 B']);
  });
});
