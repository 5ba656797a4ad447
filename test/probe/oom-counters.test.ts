// The kernel's memory-trouble counters on fake trees: the host's OOM kills from /proc/vmstat, the cgroup's OOM kills
// and limit hits from v2 memory.events or v1 memory.oom_control and memory.failcnt, PSI; and nulls, never a throw,
// where a file is missing or malformed.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { locateOomCounters, readOomCounters } from '../../src/probe/oom-counters.js';
import { fakeCgroupHost, removeFakeCgroups, type FakeCgroupHost } from '../helpers/fake-cgroup.js';

after(removeFakeCgroups);

const VMSTAT = 'nr_free_pages 812345\npgfault 99\noom_kill 4\nnr_unstable 0\n';
const PSI = 'some avg10=12.50 avg60=4.00 avg300=1.00 total=9000000\nfull avg10=3.25 avg60=1.00 avg300=0.10 total=1200000\n';

/** A host with /proc/vmstat and /proc/pressure/memory beside the fake cgroup tree. */
function host(procSelfCgroup: string, tree: Parameters<typeof fakeCgroupHost>[1], files: { vmstat?: string; psi?: string } = {}): FakeCgroupHost & { vmstat: string; pressure: string } {
  const made = fakeCgroupHost(procSelfCgroup, tree);
  const vmstat = join(made.base, 'vmstat');
  const pressure = join(made.base, 'pressure-memory');
  if (files.vmstat !== undefined) writeFileSync(vmstat, files.vmstat);
  if (files.psi !== undefined) writeFileSync(pressure, files.psi);
  return { ...made, vmstat, pressure };
}

describe('readOomCounters', () => {
  it('reads the host\'s OOM kills, a v2 cgroup\'s oom_kill and max counts, and PSI', () => {
    const at = host('0::/ci/job\n', { v2: { 'ci/job/memory.events': 'low 0\nhigh 12\nmax 40\noom 3\noom_kill 2\noom_group_kill 0\n' } }, { vmstat: VMSTAT, psi: PSI });
    const counters = readOomCounters(locateOomCounters(at));
    assert.deepEqual([counters.hostOomKills, counters.cgroupOomKills, counters.cgroupLimitHits], [4, 2, 40]);
    assert.equal(counters.psi?.some.totalMicroseconds, 9000000);
  });

  it('reads a v1 cgroup\'s oom_kill from memory.oom_control and its limit hits from memory.failcnt', () => {
    const at = host('4:memory:/runner/job\n', { v1: { 'runner/job/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n', 'runner/job/memory.failcnt': '17\n' } });
    const counters = readOomCounters(locateOomCounters(at));
    assert.deepEqual([counters.cgroupOomKills, counters.cgroupLimitHits], [1, 17]);
  });

  it('gives null for what is missing: no vmstat line, no cgroup files, no PSI', () => {
    const at = host('0::/\n', {}, { vmstat: 'nr_free_pages 1\n' });
    assert.deepEqual(readOomCounters(locateOomCounters(at)), { hostOomKills: null, cgroupOomKills: null, cgroupLimitHits: null, psi: null });
  });

  it('gives null rather than throwing for malformed files, and keeps what it could read', () => {
    const at = host('0::/ci\n', { v2: { 'ci/memory.events': 'oom_kill lots\n' } }, { vmstat: VMSTAT, psi: 'garbage\n' });
    assert.deepEqual(readOomCounters(locateOomCounters(at)), { hostOomKills: 4, cgroupOomKills: null, cgroupLimitHits: null, psi: null });
  });
});
