import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeUnreadable, isUnreadable, labelGpu, parseMiBToBytes, parseSmiNumber } from '../../src/probe/smi-fields.js';

describe('smi-fields', () => {
  it('recognises every marker nvidia-smi prints instead of a value', () => {
    for (const value of ['[N/A]', '[Not Supported]', '[Unknown Error]', '[Insufficient Permissions]', '[GPU requires reset]', 'N/A', ' ']) {
      assert.equal(isUnreadable(value), true, value);
    }
    for (const value of ['0', '81559 MiB', 'NVIDIA H100 80GB HBM3']) assert.equal(isUnreadable(value), false, value);
  });

  it('parses numbers with or without units, null for markers and NaN for garbage', () => {
    assert.equal(parseSmiNumber('121.74 W'), 121.74);
    assert.equal(parseSmiNumber('0 %'), 0);
    assert.equal(parseSmiNumber('2619'), 2619);
    assert.equal(parseSmiNumber('[N/A]'), null);
    assert.ok(Number.isNaN(parseSmiNumber('12 34')));
    assert.equal(parseMiBToBytes('12900 MiB'), 12900 * 1024 * 1024);
    assert.equal(parseMiBToBytes('N/A'), null);
  });

  it('labels GPUs and words warnings', () => {
    assert.equal(labelGpu({ index: 2, uuid: '' }), 'GPU 2');
    assert.equal(labelGpu({ index: 0, uuid: 'GPU-x' }), 'GPU 0 (GPU-x)');
    assert.equal(
      describeUnreadable({ index: 0, uuid: 'GPU-x' }, 'memory.total', '[Unknown Error]'),
      'GPU 0 (GPU-x) reports memory.total as [Unknown Error]: VRAM for this GPU is not measured; on MIG or vGPU devices use the per-instance figures',
    );
    assert.match(describeUnreadable({ index: 0, uuid: '' }, 'fb_memory_usage.used', ''), /as an empty value: VRAM/);
  });
});
