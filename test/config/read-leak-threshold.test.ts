// `leakThreshold:` and `leakRepeatMax:`, top-level and per suite: per-metric thresholds kept in the metric's own unit
// (a number as written, a size in bytes), and every problem at its file:line:column.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { includes, invalidMessage, validateText } from '../helpers/validate-config-text.js';

describe('readLeakThreshold and leakRepeatMax', () => {
  it('reads leakRepeatMax and per-metric thresholds, a size in bytes and a number as written', async () => {
    const { config } = await validateText([
      'leakRepeatMax: 60',
      'leakThreshold: { vram: 16MiB, metrics: { torch_allocated_bytes: 8MiB, kv_blocks_in_use: 0.5 } }',
      'suites:',
      '  - name: a',
      '    files: ["*.test.ts"]',
      '    leakRepeatMax: 80',
      '',
    ].join('\n'));
    assert.equal(config.leakRepeatMax, 60);
    assert.equal(config.suites?.[0]?.leakRepeatMax, 80);
    assert.deepEqual(config.leakThreshold, { vramBytes: 16 * 1024 ** 2, metrics: { torch_allocated_bytes: 8 * 1024 ** 2, kv_blocks_in_use: 0.5 } });
  });

  it('rejects a bad leakRepeatMax, metric name or metric threshold, each at its file:line:column', async () => {
    const message = await invalidMessage(validateText([
      'leakRepeatMax: 0',
      'leakThreshold:',
      '  metrics: { "1st": 4, kv_blocks: -2, rss: lots }',
      'suites:',
      '  - name: a',
      '    files: ["*.test.ts"]',
      '    leakThreshold: { metrics: [kv_blocks] }',
      '',
    ].join('\n')));
    assert.equal(message.split('\n')[0], 'gpu-test.config.yaml: 5 problems');
    includes(
      message,
      'gpu-test.config.yaml:1:16: `leakRepeatMax` must be a positive whole number such as `40`, got `0` (number)',
      'gpu-test.config.yaml:3:14: keys of `leakThreshold.metrics` must be metric names as `metric()` takes them',
      'gpu-test.config.yaml:3:35: `leakThreshold.metrics.kv_blocks` must be a number >= 0 in the metric\'s unit such as `4`, or a size such as `8MiB`, got `-2` (number)',
      'gpu-test.config.yaml:3:44: `leakThreshold.metrics.rss` must be a number >= 0',
      'gpu-test.config.yaml:7:31: `suites[0].leakThreshold.metrics` must be a mapping of metric name to growth over the run',
    );
  });
});
