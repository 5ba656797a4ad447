// The per-sample read of a cgroup's working set (usage less the inactive file cache, per version), and the parsers
// every cgroup file goes through: byte counts, `max` and v1's huge "no limit", `name value` listings.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseBytes, parseCounts, readCgroupWorkingSet } from '../../src/probe/cgroup-files.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function cgroupDir(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cgroup-files-'));
  dirs.push(dir);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('readCgroupWorkingSet', () => {
  it('v2: memory.current less memory.stat inactive_file', () => {
    const dir = cgroupDir({ 'memory.current': '1000000000\n', 'memory.stat': 'anon 600000000\nactive_file 100000000\ninactive_file 300000000\n' });
    assert.equal(readCgroupWorkingSet({ version: 2, dir }), 700000000);
  });

  it('v1: memory.usage_in_bytes less total_inactive_file, which counts the children too', () => {
    const dir = cgroupDir({ 'memory.usage_in_bytes': '1000000000\n', 'memory.stat': 'inactive_file 5\ntotal_inactive_file 250000000\n' });
    assert.equal(readCgroupWorkingSet({ version: 1, dir }), 750000000);
  });

  it('is never below zero (the two files are read a moment apart)', () => {
    const dir = cgroupDir({ 'memory.current': '100\n', 'memory.stat': 'inactive_file 4096\n' });
    assert.equal(readCgroupWorkingSet({ version: 2, dir }), 0);
  });

  it('throws, naming the file, where a file or the line is missing or a count malformed', () => {
    assert.throws(() => readCgroupWorkingSet({ version: 2, dir: cgroupDir({ 'memory.stat': 'inactive_file 1\n' }) }), /memory\.current/);
    assert.throws(() => readCgroupWorkingSet({ version: 1, dir: cgroupDir({ 'memory.usage_in_bytes': '1\n', 'memory.stat': 'inactive_file 1\n' }) }),
      /memory\.stat has no `total_inactive_file` line/);
    assert.throws(() => readCgroupWorkingSet({ version: 2, dir: cgroupDir({ 'memory.current': 'max\n', 'memory.stat': 'inactive_file 1\n' }) }),
      /memory\.current must hold a byte count, got `max`/);
  });
});

describe('parseBytes and parseCounts', () => {
  const file = (text: string) => ({ where: '/cg/memory.max', text });

  it('reads bytes; `max`, the v1 huge value and no file are no limit', () => {
    assert.equal(parseBytes(file('629145600\n')), 629145600);
    assert.equal(parseBytes(file('max\n')), null);
    assert.equal(parseBytes(file('9223372036854771712\n')), null);
    assert.equal(parseBytes(null), null);
  });

  it('reads `name value` lines by name, and names the line that is not one', () => {
    assert.deepEqual(parseCounts(file('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n')), new Map([['oom_kill_disable', 0], ['under_oom', 0], ['oom_kill', 3]]));
    assert.equal(parseCounts(null), null);
    assert.throws(() => parseCounts(file('a 1\nb two\n')), /\/cg\/memory\.max line 2 must be `name count`/);
  });
});
