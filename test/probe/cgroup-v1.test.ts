// The cgroup v1 side of the probe, on fake trees: the memory controller's files, its near-2^63 "no limit", a limit on
// a parent (a Kubernetes pod above its container), a parent that does not count its children (use_hierarchy 0), a
// hybrid host whose v2 has no memory controller, and a container whose own cgroup is mounted at the root.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readCgroupMemory } from '../../src/probe/cgroup.js';
import { fakeCgroupHost, removeFakeCgroups } from '../helpers/fake-cgroup.js';

const HYBRID = readFileSync(new URL('./fixtures/cgroup/proc-self-cgroup-hybrid.txt', import.meta.url), 'utf8');
const JOB = '/runner/job-7f3a';
const UNLIMITED = '9223372036854771712\n';
// `inactive_file` counts this cgroup alone, `total_inactive_file` its children too: the latter is the one that counts.
const STAT = 'cache 300000000\nrss 700000000\ninactive_file 1000\nactive_file 100000000\ntotal_inactive_file 200000000\ntotal_active_file 100000000\n';
const OOM_CONTROL = 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n';

after(removeFakeCgroups);

/** Files of the v1 cgroup `path`, by name. */
function at(path: string, files: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([name, text]) => [`${path}/${name}`, text]));
}

describe('readCgroupMemory: cgroup v1', () => {
  it('reads every file of a limited cgroup, on a hybrid host whose v2 has no memory controller', () => {
    const host = fakeCgroupHost(HYBRID, {
      v2: { 'cgroup.procs': '1\n' },
      v1: at(JOB, {
        'memory.limit_in_bytes': '1073741824\n', 'memory.usage_in_bytes': '1000000000\n',
        'memory.memsw.limit_in_bytes': '2147483648\n', 'memory.memsw.usage_in_bytes': '1000004096\n',
        'memory.stat': STAT, 'memory.oom_control': OOM_CONTROL,
      }),
    });
    assert.deepEqual(readCgroupMemory(host), {
      version: 1, path: JOB, maxBytes: 1073741824, currentBytes: 1000000000, inactiveFileBytes: 200000000, highBytes: null,
      swapMaxBytes: 1073741824, swapCurrentBytes: 4096, oomEvents: null, oomKillEvents: 2,
      limit: { version: 1, path: JOB, dir: join(host.v1Root, JOB), bytes: 1073741824 },
    });
  });

  it('reads the near-2^63 value, with 4 KiB or 64 KiB pages, as no limit', () => {
    for (const huge of [UNLIMITED, '9223372036854710272\n']) {
      const host = fakeCgroupHost(`4:memory:${JOB}\n`, { v1: at(JOB, { 'memory.limit_in_bytes': huge, 'memory.memsw.limit_in_bytes': huge, 'memory.usage_in_bytes': '1\n' }) });
      const memory = readCgroupMemory(host);
      assert.deepEqual([memory?.maxBytes, memory?.swapMaxBytes, memory?.limit], [null, null, null]);
    }
  });

  it('gives null fields for missing files', () => {
    const host = fakeCgroupHost(`4:memory:${JOB}\n`, { v1: at(JOB, { 'memory.usage_in_bytes': '4096\n' }) });
    assert.deepEqual(readCgroupMemory(host), {
      version: 1, path: JOB, maxBytes: null, currentBytes: 4096, inactiveFileBytes: null, highBytes: null,
      swapMaxBytes: null, swapCurrentBytes: null, oomEvents: null, oomKillEvents: null, limit: null,
    });
  });

  it('takes a parent\'s limit when it is the tightest: a pod\'s above its container', () => {
    const pod = '/kubepods/burstable/pod-41d2';
    const container = `${pod}/c0ffee`;
    const host = fakeCgroupHost(`11:memory:${container}\n`, {
      v1: {
        'memory.limit_in_bytes': UNLIMITED,
        ...at('/kubepods', { 'memory.limit_in_bytes': '4294967296\n', 'memory.use_hierarchy': '1\n' }),
        ...at(pod, { 'memory.limit_in_bytes': '629145600\n', 'memory.use_hierarchy': '1\n' }),
        ...at(container, { 'memory.limit_in_bytes': UNLIMITED, 'memory.usage_in_bytes': '1\n', 'memory.use_hierarchy': '1\n' }),
      },
    });
    const memory = readCgroupMemory(host);
    assert.equal(memory?.maxBytes, null);
    assert.deepEqual(memory?.limit, { version: 1, path: pod, dir: join(host.v1Root, pod), bytes: 629145600 });
  });

  it('passes over a parent that does not count its children (use_hierarchy 0)', () => {
    const host = fakeCgroupHost(`4:memory:${JOB}\n`, {
      v1: {
        ...at('/runner', { 'memory.limit_in_bytes': '1048576\n', 'memory.use_hierarchy': '0\n' }),
        ...at(JOB, { 'memory.limit_in_bytes': '1073741824\n', 'memory.usage_in_bytes': '1\n', 'memory.use_hierarchy': '0\n' }),
      },
    });
    assert.equal(readCgroupMemory(host)?.limit?.path, JOB);
  });

  it('reads a container\'s own cgroup at the mount\'s root when the path /proc/self/cgroup names is not there', () => {
    const host = fakeCgroupHost('4:memory:/docker/3f2a9c\n', { v1: { 'memory.limit_in_bytes': '536870912\n', 'memory.usage_in_bytes': '1\n' } });
    assert.deepEqual(readCgroupMemory(host)?.limit, { version: 1, path: '/docker/3f2a9c', dir: host.v1Root, bytes: 536870912 });
  });

  it('prefers v2 where its memory files are there', () => {
    const host = fakeCgroupHost('4:memory:/a\n0::/b\n', { v2: at('/b', { 'memory.max': '1048576\n' }), v1: at('/a', { 'memory.limit_in_bytes': '2097152\n' }) });
    assert.deepEqual([readCgroupMemory(host)?.version, readCgroupMemory(host)?.limit?.bytes], [2, 1048576]);
  });

  it('names the file of a malformed limit', () => {
    const host = fakeCgroupHost(`4:memory:${JOB}\n`, { v1: at(JOB, { 'memory.limit_in_bytes': '-1\n' }) });
    assert.throws(() => readCgroupMemory(host), /runner\/job-7f3a\/memory\.limit_in_bytes must hold a byte count or `max`, got `-1`/);
  });
});
