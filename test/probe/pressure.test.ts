import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parsePressure, readMemoryPressure, type PressureStall } from '../../src/probe/pressure.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/proc/${name}`, import.meta.url), 'utf8');

describe('parsePressure', () => {
  it('reads both lines of a real idle host', () => {
    const idle = { avg10: 0, avg60: 0, avg300: 0, totalMicroseconds: 0 };
    assert.deepEqual(parsePressure(fixture('pressure-memory.txt')), { some: idle, full: idle });
  });

  it('reads an older kernel that prints only `some`, with full null', () => {
    assert.deepEqual(parsePressure(fixture('pressure-memory-some-only.txt')), {
      some: { avg10: 1.53, avg60: 0.87, avg300: 0.25, totalMicroseconds: 3215687 },
      full: null,
    });
  });

  it('keeps full apart from some and ignores keys a later kernel may add', () => {
    const text = 'some avg10=12.50 avg60=4.00 avg300=1.00 total=9000000\n' +
      'full avg10=3.25 avg60=1.00 avg300=0.10 total=1200000 peak=7\n';
    const pressure = parsePressure(text);
    assert.equal(pressure.some.avg10, 12.5);
    assert.deepEqual(pressure.full, { avg10: 3.25, avg60: 1, avg300: 0.1, totalMicroseconds: 1200000 });
  });

  it('names the bad line of malformed input', () => {
    const good = 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0';
    assert.throws(() => parsePressure(`${good}\npartial avg10=0.00 avg60=0.00 avg300=0.00 total=0\n`),
      /line 2 must start with `some` or `full`.*got `partial avg10/);
    assert.throws(() => parsePressure('some avg10=0.00 avg60=0.00 total=0\n'), /line 1 lacks `avg300=`/);
    assert.throws(() => parsePressure('some avg10=lots avg60=0.00 avg300=0.00 total=0\n'),
      /line 1 has `avg10=lots` where a `key=number` pair belongs/);
    assert.throws(() => parsePressure(`${good}\n${good}\n`), /line 2 repeats the `some` line/);
    assert.throws(() => parsePressure('full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n'), /has no `some` line/);
    assert.throws(() => parsePressure(''), (error: unknown) => error instanceof Error && /no `some` line/.test(error.message));
    // Well-formed lines with something after them are still read line by line.
    assert.throws(() => parsePressure(`${good}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n\nbogus\n`), /line 4 must start with `some` or `full`/);
  });
});

describe('readMemoryPressure', () => {
  it('gives null where the file does not exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pressure-'));
    try {
      assert.equal(readMemoryPressure({ path: join(dir, 'memory') }), null);
      assert.equal(readMemoryPressure({ path: join(dir, 'no-dir', 'memory') }), null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads this host: null or numbers', () => {
    const pressure = readMemoryPressure();
    if (pressure === null) return;
    const check = (stall: PressureStall): void => {
      for (const value of Object.values(stall)) assert.ok(Number.isFinite(value) && value >= 0, `${value}`);
      assert.ok(stall.avg10 <= 100);
    };
    check(pressure.some);
    if (pressure.full !== null) check(pressure.full);
  });
});
