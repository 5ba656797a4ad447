// parseByteSize: plain byte counts, binary units with and without a space or a fraction, and the sentences it
// returns for negative numbers, non-sizes and unknown units (a decimal unit gets the binary one as a hint).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseByteSize } from '../../src/config/parse-size.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

function problemOf(value: unknown): string {
  const parsed = parseByteSize(value);
  assert.ok('problem' in parsed, `expected a problem for ${JSON.stringify(value)}, got ${JSON.stringify(parsed)}`);
  return parsed.problem;
}

describe('parseByteSize', () => {
  it('reads numbers as bytes, rounded', () => {
    assert.deepEqual(parseByteSize(0), { bytes: 0 });
    assert.deepEqual(parseByteSize(1048576), { bytes: MiB });
    assert.deepEqual(parseByteSize(10.6), { bytes: 11 });
  });

  it('reads every binary unit, with or without a space, a fraction or a bare number string', () => {
    assert.deepEqual(parseByteSize('512'), { bytes: 512 });
    assert.deepEqual(parseByteSize('512B'), { bytes: 512 });
    assert.deepEqual(parseByteSize('4KiB'), { bytes: 4 * KiB });
    assert.deepEqual(parseByteSize('100MiB'), { bytes: 100 * MiB });
    assert.deepEqual(parseByteSize('1.5 GiB'), { bytes: 1.5 * GiB });
    assert.deepEqual(parseByteSize('2TiB'), { bytes: 2 * 1024 ** 4 });
    assert.deepEqual(parseByteSize('  64 MiB  '), { bytes: 64 * MiB });
    assert.deepEqual(parseByteSize('0.1KiB'), { bytes: 102 });
  });

  it('rejects decimal units, naming the binary unit to write instead', () => {
    assert.equal(problemOf('100MB'), 'unknown unit `MB` in `100MB`: units are B, KiB, MiB, GiB, TiB; write `100MiB`');
    assert.match(problemOf('2GB'), /; write `2GiB`$/);
    assert.match(problemOf('1.5 G'), /; write `1\.5GiB`$/);
    assert.match(problemOf('8kb'), /; write `8KiB`$/);
    assert.match(problemOf('3 TB'), /; write `3TiB`$/);
  });

  it('rejects units it does not know without a hint, and units in the wrong case', () => {
    assert.equal(problemOf('5 bananas'), 'unknown unit `bananas` in `5 bananas`: units are B, KiB, MiB, GiB, TiB');
    assert.match(problemOf('5mib'), /^unknown unit `mib` in `5mib`/);
  });

  it('rejects negative, non-finite and malformed values, and other types', () => {
    assert.equal(problemOf(-1), 'a size must be a number of bytes >= 0');
    assert.equal(problemOf(Number.NaN), 'a size must be a number of bytes >= 0');
    assert.equal(problemOf(Number.POSITIVE_INFINITY), 'a size must be a number of bytes >= 0');
    assert.equal(problemOf('-5MiB'), '`-5MiB` is not a size; write a number and a unit such as `100MiB`');
    assert.match(problemOf(''), /^`` is not a size/);
    assert.match(problemOf('MiB'), /^`MiB` is not a size/);
    assert.match(problemOf('1e3'), /^`1e3` is not a size/);
    assert.match(problemOf('1,5GiB'), /is not a size/);
    assert.equal(problemOf(true), 'a size must be a number of bytes or a string such as `100MiB`');
    assert.equal(problemOf(null), 'a size must be a number of bytes or a string such as `100MiB`');
  });
});
