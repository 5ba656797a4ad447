// The cgroup v2 side of the probe, on fake trees: which line of /proc/self/cgroup names the cgroup, every memory file
// of a limited cgroup, `max` as no limit, missing files, the tightest limit on the path to the root (a parent's, as
// Kubernetes and systemd set them), and a container whose own cgroup is mounted at the root.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCgroupPath, parseCgroupV1Path, readCgroupMemory } from '../../src/probe/cgroup.js';
import { fakeCgroupHost, removeFakeCgroups } from '../helpers/fake-cgroup.js';

const HYBRID = readFileSync(new URL('./fixtures/cgroup/proc-self-cgroup-hybrid.txt', import.meta.url), 'utf8');
const V1_ONLY = '4:memory:/user.slice\n3:cpuset:/\n1:name=systemd:/user.slice/session-2.scope\n';
const SLICE = '/gpu-test.slice/run-7.scope';
const EVENTS = 'low 0\nhigh 12\nmax 40\noom 3\noom_kill 1\noom_group_kill 0\n';
const STAT = 'anon 700000000\nfile 300000000\nactive_file 100000000\ninactive_file 200000000\n';

after(removeFakeCgroups);

/** Files of the v2 cgroup SLICE, by name. */
function slice(files: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([name, text]) => [`${SLICE}/${name}`, text]));
}

describe('parseCgroupPath and parseCgroupV1Path', () => {
  it('finds the `0::` line of a pure v2 host and of a hybrid one', () => {
    assert.equal(parseCgroupPath(`0::${SLICE}\n`), SLICE);
    assert.equal(parseCgroupPath(HYBRID), '/');
  });

  it('keeps colons inside the path and gives null on v1-only hosts', () => {
    assert.equal(parseCgroupPath('0::/odd:name\n'), '/odd:name');
    assert.equal(parseCgroupPath(V1_ONLY), null);
    assert.equal(parseCgroupPath(''), null);
  });

  it('finds the v1 memory controller\'s line, alone or sharing a hierarchy, and null without one', () => {
    assert.equal(parseCgroupV1Path(HYBRID), '/runner/job-7f3a');
    assert.equal(parseCgroupV1Path('7:cpu,memory:/ci/job\n'), '/ci/job');
    assert.equal(parseCgroupV1Path('5:name=memory:/x\n0::/\n'), null);
    assert.equal(parseCgroupV1Path(`0::${SLICE}\n`), null);
  });
});

describe('readCgroupMemory: cgroup v2', () => {
  it('reads every file of a limited cgroup', () => {
    const host = fakeCgroupHost(`0::${SLICE}\n`, {
      v2: slice({
        'memory.max': '8589934592\n', 'memory.current': '1048576000\n', 'memory.high': '6442450944\n',
        'memory.swap.max': '0\n', 'memory.swap.current': '0\n', 'memory.events': EVENTS, 'memory.stat': STAT,
      }),
    });
    assert.deepEqual(readCgroupMemory(host), {
      version: 2, path: SLICE, maxBytes: 8589934592, currentBytes: 1048576000, inactiveFileBytes: 200000000,
      highBytes: 6442450944, swapMaxBytes: 0, swapCurrentBytes: 0, oomEvents: 3, oomKillEvents: 1,
      limit: { version: 2, path: SLICE, dir: join(host.root, SLICE), bytes: 8589934592 },
    });
  });

  it('reads `max` as no limit (null)', () => {
    const host = fakeCgroupHost(`0::${SLICE}\n`, { v2: slice({ 'memory.max': 'max\n', 'memory.high': 'max\n', 'memory.swap.max': 'max\n' }) });
    const memory = readCgroupMemory(host);
    assert.ok(memory !== null);
    assert.deepEqual([memory.maxBytes, memory.highBytes, memory.swapMaxBytes, memory.limit], [null, null, null, null]);
  });

  it('gives null fields for missing files and missing names', () => {
    const host = fakeCgroupHost(`0::${SLICE}\n`, { v2: slice({ 'memory.current': '4096\n', 'memory.events': 'low 0\nhigh 0\n' }) });
    assert.deepEqual(readCgroupMemory(host), {
      version: 2, path: SLICE, maxBytes: null, currentBytes: 4096, inactiveFileBytes: null, highBytes: null,
      swapMaxBytes: null, swapCurrentBytes: null, oomEvents: null, oomKillEvents: null, limit: null,
    });
  });

  it('takes the tightest limit on the path to the root: a parent\'s when it is smaller, the nearest of equal ones', () => {
    const tree = (own: string, parent: string) => ({
      v2: { 'gpu-test.slice/memory.max': parent, ...slice({ 'memory.max': own, 'memory.current': '1\n' }) },
    });
    const parentTighter = fakeCgroupHost(`0::${SLICE}\n`, tree('max\n', '2147483648\n'));
    const memory = readCgroupMemory(parentTighter);
    assert.equal(memory?.maxBytes, null, 'the cgroup\'s own limit stays its own');
    assert.deepEqual(memory?.limit, { version: 2, path: '/gpu-test.slice', dir: join(parentTighter.root, 'gpu-test.slice'), bytes: 2147483648 });
    const ownTighter = fakeCgroupHost(`0::${SLICE}\n`, tree('1073741824\n', '2147483648\n'));
    assert.deepEqual(readCgroupMemory(ownTighter)?.limit, { version: 2, path: SLICE, dir: join(ownTighter.root, SLICE), bytes: 1073741824 });
    const equal = fakeCgroupHost(`0::${SLICE}\n`, tree('1073741824\n', '1073741824\n'));
    assert.equal(readCgroupMemory(equal)?.limit?.path, SLICE);
  });

  it('passes over a level whose limit cannot be read', () => {
    const host = fakeCgroupHost(`0::${SLICE}\n`, { v2: { 'gpu-test.slice/memory.max': 'lots\n', ...slice({ 'memory.max': '1073741824\n' }) } });
    assert.equal(readCgroupMemory(host)?.limit?.bytes, 1073741824);
  });

  it('reads a container\'s own cgroup at the mount\'s root when the path /proc/self/cgroup names is not there', () => {
    const host = fakeCgroupHost('0::/docker/3f2a9c\n', { v2: { 'memory.max': '536870912\n', 'memory.current': '1\n' } });
    const memory = readCgroupMemory(host);
    assert.equal(memory?.path, '/docker/3f2a9c');
    assert.deepEqual(memory?.limit, { version: 2, path: '/docker/3f2a9c', dir: host.root, bytes: 536870912 });
  });

  it('gives null with nothing to read: no /proc/self/cgroup, no memory files in v2 nor a v1 memory line', () => {
    const host = fakeCgroupHost(`0::${SLICE}\n`, { v2: slice({ 'memory.max': 'max\n' }) });
    assert.equal(readCgroupMemory({ ...host, procSelfCgroup: join(host.base, 'absent') }), null);
    assert.equal(readCgroupMemory(fakeCgroupHost('0::/\n', { v2: { 'cgroup.procs': '1\n' } })), null);
    assert.equal(readCgroupMemory(fakeCgroupHost('1:cpu:/\n', {})), null);
  });

  it('names the file and line of malformed contents', () => {
    assert.throws(() => readCgroupMemory(fakeCgroupHost(`0::${SLICE}\n`, { v2: slice({ 'memory.max': '8G\n' }) })),
      /memory\.max must hold a byte count or `max`, got `8G`/);
    assert.throws(() => readCgroupMemory(fakeCgroupHost(`0::${SLICE}\n`, { v2: slice({ 'memory.events': 'low 0\noom: 2\n' }) })),
      /memory\.events line 2 must be `name count`.*got `oom: 2`/);
  });

  it('reads this host: null or numbers', () => {
    const memory = readCgroupMemory();
    if (memory === null) return;
    assert.match(memory.path, /^\//);
    assert.ok(memory.version === 1 || memory.version === 2);
    for (const [key, value] of Object.entries(memory)) {
      if (key === 'path' || key === 'version' || key === 'limit') continue;
      assert.ok(value === null || (Number.isInteger(value) && value >= 0), `${key}: ${String(value)}`);
    }
  });
});
