import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseMeminfo, readHostMemory } from '../../src/probe/meminfo.js';

const FIXTURE = new URL('../../fixtures/nvidia-smi/h100-80gb/proc-meminfo.txt', import.meta.url);

describe('parseMeminfo', () => {
  it('reads the H100 host: 131981020 kB total, no swap', () => {
    const memory = parseMeminfo(readFileSync(FIXTURE, 'utf8'));
    assert.deepEqual(memory, {
      totalBytes: 131981020 * 1024,
      usedBytes: (131981020 - 131476200) * 1024,
      availableBytes: 131476200 * 1024,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    });
  });

  it('counts swap in use as SwapTotal - SwapFree', () => {
    const text = 'MemTotal: 1000 kB\nMemFree: 10 kB\nMemAvailable: 400 kB\nSwapTotal: 2048 kB\nSwapFree: 1024 kB\n';
    const memory = parseMeminfo(text);
    assert.equal(memory.usedBytes, 600 * 1024);
    assert.equal(memory.swapUsedBytes, 1024 * 1024);
    assert.equal(memory.swapTotalBytes, 2048 * 1024);
  });

  it('ignores the `free -b` table that follows in the fixture and lines without kB', () => {
    const text = 'MemTotal: 1000 kB\nMemAvailable: 400 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\nHugePages_Total: 0\n' +
      '               total        used\nMem:      135148564480  517054464\n';
    assert.equal(parseMeminfo(text).totalBytes, 1000 * 1024);
  });

  it('names the missing field of a malformed file', () => {
    assert.throws(() => parseMeminfo('MemTotal: 1000 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n'), /`MemAvailable:`/);
    assert.throws(() => parseMeminfo('MemTotal: lots\n'), /`MemTotal:`/);
    assert.throws(() => parseMeminfo(''), (error: unknown) => error instanceof Error && error.name === 'Error');
  });
});

describe('readHostMemory', () => {
  it('reads this host on Linux and null elsewhere', () => {
    const memory = readHostMemory();
    if (process.platform !== 'linux') {
      assert.equal(memory, null);
      return;
    }
    assert.ok(memory !== null);
    assert.ok(memory.totalBytes > 0);
    assert.ok(memory.usedBytes <= memory.totalBytes);
    assert.equal(memory.usedBytes + memory.availableBytes, memory.totalBytes);
  });
});
