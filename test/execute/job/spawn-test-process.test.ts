// What the harness takes from a test process's IPC channel for metrics: the channel is the test's to write, so a
// metric's name and unit are cut to 200 characters and a message that is not a metric is dropped.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NAME_LIMIT_CHARS } from '../../../src/units/cap-text.js';
import type { MetricMessage } from '../../../src/execute/child/protocol.js';
import { capMetricMessage } from '../../../src/execute/job/spawn-test-process.js';

const metric = (partial: Partial<Record<keyof MetricMessage, unknown>>): MetricMessage =>
  ({ gpuTest: 'metric', name: 'tokens_per_s', value: 41.5, unit: 'tok/s', test: 'generates', at: 1000, ...partial }) as MetricMessage;

describe('capMetricMessage', () => {
  it('passes a metric as recorded', () => {
    assert.deepEqual(capMetricMessage(metric({})), metric({}));
  });

  it('cuts a 1 MB name and unit to 200 characters, keeping their start and end, and leaves the test name whole', () => {
    const test = `t${'e'.repeat(1000)}`;
    const capped = capMetricMessage(metric({ name: `tok${'x'.repeat(1024 * 1024)}_end`, unit: `u${'y'.repeat(1024 * 1024)}`, test }));
    assert.equal(capped?.name.length, NAME_LIMIT_CHARS);
    assert.ok(capped?.name.startsWith('tokxxx') && capped.name.endsWith('xxx_end'));
    assert.equal(capped?.unit?.length, NAME_LIMIT_CHARS);
    assert.equal(capped?.test, test);
  });

  it('drops a message whose name or value a metric cannot have, and nulls a unit or test that is not a string', () => {
    assert.equal(capMetricMessage(metric({ name: 42 })), null);
    assert.equal(capMetricMessage(metric({ value: '5' })), null);
    assert.equal(capMetricMessage(metric({ value: Number.NaN })), null);
    assert.deepEqual(capMetricMessage(metric({ unit: 7, test: {} })), metric({ unit: null, test: null }));
  });
});
