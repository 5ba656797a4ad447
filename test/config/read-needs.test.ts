// The value parsers behind `requires:`, `admission:`, `budgets:` and file headers: parseSizeSpec reads a size or a
// share (`40%`, above 0 and at most 100), parseMetricBound reads a budget bound such as `">= 40"`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMetricBound } from '../../src/config/convert-config.js';
import { parseSizeSpec } from '../../src/config/parse-size.js';

describe('parseSizeSpec', () => {
  it('reads sizes as bytes, and numbers as bytes', () => {
    assert.deepEqual(parseSizeSpec('10GiB'), { spec: { bytes: 10 * 1024 ** 3 } });
    assert.deepEqual(parseSizeSpec('1.5 MiB'), { spec: { bytes: 1.5 * 1024 ** 2 } });
    assert.deepEqual(parseSizeSpec(4096), { spec: { bytes: 4096 } });
    assert.deepEqual(parseSizeSpec(0), { spec: { bytes: 0 } });
  });

  it('reads shares above 0% and up to 100%, spaces allowed', () => {
    assert.deepEqual(parseSizeSpec('40%'), { spec: { percent: 40 } });
    assert.deepEqual(parseSizeSpec(' 12.5 % '), { spec: { percent: 12.5 } });
    assert.deepEqual(parseSizeSpec('100%'), { spec: { percent: 100 } });
  });

  it('refuses shares out of range, with the value', () => {
    assert.deepEqual(parseSizeSpec('0%'), { problem: 'a share must be above 0% and at most 100%, got `0%`' });
    assert.deepEqual(parseSizeSpec('100.5%'), { problem: 'a share must be above 0% and at most 100%, got `100.5%`' });
  });

  it('passes on the size parser\'s problem for anything else', () => {
    assert.deepEqual(parseSizeSpec('10GB'), { problem: 'unknown unit `GB` in `10GB`: units are B, KiB, MiB, GiB, TiB; write `10GiB`' });
    assert.deepEqual(parseSizeSpec('-5%'), { problem: '`-5%` is not a size; write a number and a unit such as `100MiB`' });
    assert.deepEqual(parseSizeSpec(true), { problem: 'a size must be a number of bytes or a string such as `100MiB`' });
  });
});

describe('parseMetricBound', () => {
  it('reads every operator, with or without spaces, and signed or exponent values', () => {
    assert.deepEqual(parseMetricBound('>= 40'), { op: '>=', value: 40 });
    assert.deepEqual(parseMetricBound('<2000'), { op: '<', value: 2000 });
    assert.deepEqual(parseMetricBound(' <= 1e-3 '), { op: '<=', value: 0.001 });
    assert.deepEqual(parseMetricBound('> -1.5'), { op: '>', value: -1.5 });
    assert.deepEqual(parseMetricBound('== 0'), { op: '==', value: 0 });
  });

  it('is null for anything that is not an operator and a number', () => {
    for (const text of ['40', '=> 40', '>=', '>= forty', '!= 3', '>= 40 tokens', '']) assert.equal(parseMetricBound(text), null, text);
  });
});
