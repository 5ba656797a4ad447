// The kernel's counters of memory trouble, read at a test file's start and end: OOM kills on the whole host
// (/proc/vmstat `oom_kill`), OOM kills and limit hits in the run's memory cgroup (v2 memory.events, v1
// memory.oom_control and memory.failcnt), and memory stall time (PSI). Three small files a read; the per-sample path
// never reads them.

import { join } from 'node:path';
import { locateMemoryCgroup, type CgroupMemoryOptions } from './cgroup.js';
import { parseCounts, readCgroupFile, readOptional, type WorkingSetSource } from './cgroup-files.js';
import { readMemoryPressure, type MemoryPressure } from './pressure.js';

const VMSTAT_PATH = '/proc/vmstat';
const PRESSURE_PATH = '/proc/pressure/memory';

/** The counters at one moment; each null where the host does not have it (an old kernel, no memory cgroup, macOS). */
export interface OomCounters {
  /** Processes any OOM killer ended on the host since boot (/proc/vmstat `oom_kill`, kernel 4.13+). */
  readonly hostOomKills: number | null;
  /** Processes of the run's memory cgroup ended by an OOM killer (memory.events or v1 memory.oom_control `oom_kill`). */
  readonly cgroupOomKills: number | null;
  /** Times the cgroup's usage reached its limit and the kernel had to reclaim (memory.events `max`, v1 memory.failcnt). */
  readonly cgroupLimitHits: number | null;
  readonly psi: MemoryPressure | null;
}

/** Where the counters are: found once a run (locateOomCounters), read at each file's start and end. */
export interface OomCounterSource {
  readonly vmstat: string;
  readonly pressure: string;
  readonly cgroup: WorkingSetSource | null;
}

/** Finds the counters' files; each option exists so tests can point at a fake tree. */
export function locateOomCounters(options: CgroupMemoryOptions & { readonly vmstat?: string; readonly pressure?: string } = {}): OomCounterSource {
  let cgroup: WorkingSetSource | null = null;
  try {
    cgroup = locateMemoryCgroup(options);
  } catch {
    // Unreadable /proc/self/cgroup: no cgroup counters, the host's still count.
  }
  return { vmstat: options.vmstat ?? VMSTAT_PATH, pressure: options.pressure ?? PRESSURE_PATH, cgroup };
}

/** `name` from a `name value` listing, or null where the file or the line is missing or unreadable. */
function countOf(read: () => Map<string, number> | null, name: string): number | null {
  try {
    return read()?.get(name) ?? null;
  } catch {
    return null;
  }
}

/** Reads the counters now; never throws (what cannot be read is null). */
export function readOomCounters(source: OomCounterSource): OomCounters {
  let psi: MemoryPressure | null = null;
  try {
    psi = readMemoryPressure({ path: source.pressure });
  } catch {
    // A malformed PSI file: no stall figures for this file, the counters still count.
  }
  const cgroup = source.cgroup;
  if (cgroup?.version === 2) {
    const events = ((): Map<string, number> | null => {
      try {
        return parseCounts(readCgroupFile(cgroup.dir, 'memory.events'));
      } catch {
        return null;
      }
    })();
    return { hostOomKills: hostOomKills(source.vmstat), cgroupOomKills: events?.get('oom_kill') ?? null, cgroupLimitHits: events?.get('max') ?? null, psi };
  }
  return {
    hostOomKills: hostOomKills(source.vmstat),
    cgroupOomKills: cgroup ? countOf(() => parseCounts(readCgroupFile(cgroup.dir, 'memory.oom_control')), 'oom_kill') : null,
    cgroupLimitHits: failcnt(cgroup),
    psi,
  };
}

// /proc/vmstat holds some 170 lines: only the one is looked for, so a line a later kernel writes differently does no harm.
function hostOomKills(path: string): number | null {
  try {
    const found = /^oom_kill (\d+)$/m.exec(readOptional(path) ?? '')?.[1];
    return found === undefined ? null : Number(found);
  } catch {
    return null;
  }
}

function failcnt(cgroup: WorkingSetSource | null): number | null {
  if (cgroup === null) return null;
  try {
    const text = readOptional(join(cgroup.dir, 'memory.failcnt'))?.trim();
    return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}
