import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCgroupPath, readCgroupMemory } from '../../src/probe/cgroup.js';

const HYBRID = readFileSync(new URL('./fixtures/cgroup/proc-self-cgroup-hybrid.txt', import.meta.url), 'utf8');
const V1_ONLY = '4:memory:/user.slice\n3:cpuset:/\n1:name=systemd:/user.slice/session-2.scope\n';
const SLICE = '/gpu-test.slice/run-7.scope';
const EVENTS = 'low 0\nhigh 12\nmax 40\noom 3\noom_kill 1\noom_group_kill 0\n';

const temps: string[] = [];
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

// A fake /sys/fs/cgroup plus /proc/self/cgroup: only the files given exist.
function fakeHost(procSelfCgroup: string, files: Readonly<Record<string, string>>): { root: string; procSelfCgroup: string } {
  const base = mkdtempSync(join(tmpdir(), 'cgroup-'));
  temps.push(base);
  const root = join(base, 'sys-fs-cgroup');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, SLICE, name)), { recursive: true });
    writeFileSync(join(root, SLICE, name), text);
  }
  writeFileSync(join(base, 'proc-self-cgroup'), procSelfCgroup);
  return { root, procSelfCgroup: join(base, 'proc-self-cgroup') };
}

describe('parseCgroupPath', () => {
  it('finds the `0::` line of a pure v2 host and of a hybrid one', () => {
    assert.equal(parseCgroupPath(`0::${SLICE}\n`), SLICE);
    assert.equal(parseCgroupPath(HYBRID), '/');
  });

  it('keeps colons inside the path and gives null on v1-only hosts', () => {
    assert.equal(parseCgroupPath('0::/odd:name\n'), '/odd:name');
    assert.equal(parseCgroupPath(V1_ONLY), null);
    assert.equal(parseCgroupPath(''), null);
  });
});

describe('readCgroupMemory', () => {
  it('reads every file of a limited cgroup', () => {
    const host = fakeHost(`0::${SLICE}\n`, {
      'memory.max': '8589934592\n',
      'memory.current': '1048576\n',
      'memory.high': '6442450944\n',
      'memory.swap.max': '0\n',
      'memory.swap.current': '0\n',
      'memory.events': EVENTS,
    });
    assert.deepEqual(readCgroupMemory(host), {
      path: SLICE,
      maxBytes: 8589934592,
      currentBytes: 1048576,
      highBytes: 6442450944,
      swapMaxBytes: 0,
      swapCurrentBytes: 0,
      oomEvents: 3,
      oomKillEvents: 1,
    });
  });

  it('reads `max` as no limit (null)', () => {
    const host = fakeHost(`0::${SLICE}\n`, { 'memory.max': 'max\n', 'memory.high': 'max\n', 'memory.swap.max': 'max\n' });
    const memory = readCgroupMemory(host);
    assert.ok(memory !== null);
    assert.equal(memory.maxBytes, null);
    assert.equal(memory.highBytes, null);
    assert.equal(memory.swapMaxBytes, null);
  });

  it('gives null fields for missing files and missing event names', () => {
    const host = fakeHost(`0::${SLICE}\n`, { 'memory.current': '4096\n', 'memory.events': 'low 0\nhigh 0\n' });
    assert.deepEqual(readCgroupMemory(host), {
      path: SLICE,
      maxBytes: null,
      currentBytes: 4096,
      highBytes: null,
      swapMaxBytes: null,
      swapCurrentBytes: null,
      oomEvents: null,
      oomKillEvents: null,
    });
  });

  it('gives null with nothing to read: v1-only, no /proc/self/cgroup, no memory files (hybrid)', () => {
    assert.equal(readCgroupMemory(fakeHost(V1_ONLY, { 'memory.max': 'max\n' })), null);
    const host = fakeHost(`0::${SLICE}\n`, { 'memory.max': 'max\n' });
    assert.equal(readCgroupMemory({ ...host, procSelfCgroup: join(host.root, 'absent') }), null);
    assert.equal(readCgroupMemory(fakeHost(HYBRID, { 'memory.max': 'max\n' })), null);
  });

  it('names the file and line of malformed contents', () => {
    assert.throws(() => readCgroupMemory(fakeHost(`0::${SLICE}\n`, { 'memory.max': '8G\n' })),
      /memory\.max must hold a byte count or `max`, got `8G`/);
    assert.throws(() => readCgroupMemory(fakeHost(`0::${SLICE}\n`, { 'memory.events': 'low 0\noom: 2\n' })),
      /memory\.events line 2 must be `name count`.*got `oom: 2`/);
  });

  it('reads this host: null or numbers', () => {
    const memory = readCgroupMemory();
    if (memory === null) return;
    assert.match(memory.path, /^\//);
    for (const [key, value] of Object.entries(memory)) {
      if (key === 'path') continue;
      assert.ok(value === null || (Number.isInteger(value) && value >= 0), `${key}: ${String(value)}`);
    }
  });
});
