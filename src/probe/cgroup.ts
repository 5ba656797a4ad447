// The memory cgroup of this process, v2 or v1: in a container, a CI job or a systemd slice its limit, not the host's
// RAM, decides when the OOM killer strikes. The limit may be set on a parent (Kubernetes puts one on the pod, Docker on
// the container above a process's own cgroup), so the tightest one on the path to the root is the one that counts.

import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseBytes, parseCounts, readCgroupFile, readOptional, type WorkingSetSource } from './cgroup-files.js';

const CGROUP_ROOT = '/sys/fs/cgroup';
const CGROUP_V1_MEMORY_ROOT = '/sys/fs/cgroup/memory';
const PROC_SELF_CGROUP = '/proc/self/cgroup';

/** The tightest memory limit over this process: where it is set and how much; its working set is read from `dir`. */
export interface CgroupLimit extends WorkingSetSource {
  /** The cgroup that sets it, as /proc/self/cgroup names cgroups: the process's own or one of its parents. */
  readonly path: string;
  readonly bytes: number;
}

/** Memory figures of this process's cgroup; a field is null where its file is absent or says there is no limit. */
export interface CgroupMemory {
  readonly version: 1 | 2;
  /** The cgroup's path as /proc/self/cgroup names it, such as `/user.slice/session-2.scope`. */
  readonly path: string;
  /** Its own limit (v2 `memory.max`, v1 `memory.limit_in_bytes`); a parent's may be tighter: see `limit`. */
  readonly maxBytes: number | null;
  readonly currentBytes: number | null;
  /** File cache the kernel reclaims first (memory.stat `inactive_file`, v1 `total_inactive_file`). */
  readonly inactiveFileBytes: number | null;
  /** Above this the kernel throttles and reclaims hard, long before `max` kills (v2 only). */
  readonly highBytes: number | null;
  /** v2 memory.swap.*; on v1 what memory.memsw.* (memory and swap together) allow and hold beyond memory alone. */
  readonly swapMaxBytes: number | null;
  readonly swapCurrentBytes: number | null;
  /** Times an allocation hit `max` and was about to fail (memory.events `oom`, v2 only), since the cgroup was made. */
  readonly oomEvents: number | null;
  /** Processes of this cgroup killed by an OOM killer (memory.events or v1 memory.oom_control `oom_kill`). */
  readonly oomKillEvents: number | null;
  /** The tightest limit readable on the path from this cgroup to the root; null where none is set. */
  readonly limit: CgroupLimit | null;
}

/** Where to look; each exists so tests can point at a fake tree. */
export interface CgroupMemoryOptions {
  /** Mount point of the cgroup v2 hierarchy; `/sys/fs/cgroup` unless given. */
  readonly root?: string;
  /** Mount point of the cgroup v1 memory controller; `/sys/fs/cgroup/memory` unless given. */
  readonly v1Root?: string;
  /** Path of the file listing this process's cgroups; `/proc/self/cgroup` unless given. */
  readonly procSelfCgroup?: string;
}

/** The cgroup v2 path from the text of /proc/self/cgroup (its `0::/path` line); null on cgroup v1-only hosts. */
export function parseCgroupPath(procSelfCgroupText: string): string | null {
  for (const line of procSelfCgroupText.split('\n')) {
    // Everything after `0::` is the path, colons included: a cgroup's own name may contain one.
    const match = /^0::(\/.*)$/.exec(line.trimEnd());
    if (match?.[1] !== undefined) return match[1];
  }
  return null;
}

/** The cgroup v1 memory controller's path from /proc/self/cgroup (`4:memory:/path`); null where it has none. */
export function parseCgroupV1Path(procSelfCgroupText: string): string | null {
  for (const line of procSelfCgroupText.split('\n')) {
    const match = /^\d+:([^:]*):(\/.*)$/.exec(line.trimEnd());
    if (match?.[1]?.split(',').includes('memory') && match[2] !== undefined) return match[2];
  }
  return null;
}

/**
 * Reads this process's memory cgroup now, v2 first, then v1. Null when there is nothing to read: no /proc/self/cgroup
 * (macOS), or no memory files where it points (the v2 root cgroup, a hybrid host whose v2 has no memory controller
 * and no v1 one either).
 */
export function readCgroupMemory(options: CgroupMemoryOptions = {}): CgroupMemory | null {
  const listing = readOptional(options.procSelfCgroup ?? PROC_SELF_CGROUP);
  if (listing === null) return null;
  const v2 = parseCgroupPath(listing);
  const found = v2 === null ? null : readV2(options.root ?? CGROUP_ROOT, v2);
  if (found) return found;
  const v1 = parseCgroupV1Path(listing);
  return v1 === null ? null : readV1(options.v1Root ?? CGROUP_V1_MEMORY_ROOT, v1);
}

/** Where this process's memory cgroup keeps its files, v2 first, then v1; null where there is none (see readCgroupMemory). */
export function locateMemoryCgroup(options: CgroupMemoryOptions = {}): WorkingSetSource | null {
  const listing = readOptional(options.procSelfCgroup ?? PROC_SELF_CGROUP);
  if (listing === null) return null;
  const v2 = parseCgroupPath(listing);
  if (v2 !== null) {
    const { dir } = cgroupDir(options.root ?? CGROUP_ROOT, v2);
    if (existsSync(join(dir, 'memory.events'))) return { version: 2, dir };
  }
  const v1 = parseCgroupV1Path(listing);
  if (v1 === null) return null;
  const { dir } = cgroupDir(options.v1Root ?? CGROUP_V1_MEMORY_ROOT, v1);
  return existsSync(join(dir, 'memory.oom_control')) || existsSync(join(dir, 'memory.failcnt')) ? { version: 1, dir } : null;
}

/**
 * The directory of cgroup `path` under `mount`. Without a cgroup namespace, a container sees its own cgroup mounted at
 * the hierarchy's root while /proc/self/cgroup still names its path on the host: then the mount itself is its cgroup.
 */
function cgroupDir(mount: string, path: string): { dir: string; ancestors: boolean } {
  const dir = join(mount, path);
  return existsSync(dir) ? { dir, ancestors: true } : { dir: mount, ancestors: false };
}

function readV2(mount: string, path: string): CgroupMemory | null {
  const { dir, ancestors } = cgroupDir(mount, path);
  const file = (name: string) => readCgroupFile(dir, name);
  const files = {
    max: file('memory.max'), current: file('memory.current'), high: file('memory.high'),
    swapMax: file('memory.swap.max'), swapCurrent: file('memory.swap.current'), events: file('memory.events'),
  };
  if (Object.values(files).every((found) => found === null)) return null;
  const events = parseCounts(files.events);
  return {
    version: 2, path,
    maxBytes: parseBytes(files.max),
    currentBytes: parseBytes(files.current),
    inactiveFileBytes: parseCounts(file('memory.stat'))?.get('inactive_file') ?? null,
    highBytes: parseBytes(files.high),
    swapMaxBytes: parseBytes(files.swapMax),
    swapCurrentBytes: parseBytes(files.swapCurrent),
    oomEvents: events?.get('oom') ?? null,
    oomKillEvents: events?.get('oom_kill') ?? null,
    limit: tightestLimit(2, mount, path, dir, ancestors),
  };
}

function readV1(mount: string, path: string): CgroupMemory | null {
  const { dir, ancestors } = cgroupDir(mount, path);
  const file = (name: string) => readCgroupFile(dir, name);
  const limit = file('memory.limit_in_bytes');
  const usage = file('memory.usage_in_bytes');
  if (limit === null && usage === null) return null;
  const maxBytes = parseBytes(limit);
  const currentBytes = parseBytes(usage);
  const memswMax = parseBytes(file('memory.memsw.limit_in_bytes'));
  const memswCurrent = parseBytes(file('memory.memsw.usage_in_bytes'));
  return {
    version: 1, path, maxBytes, currentBytes,
    inactiveFileBytes: parseCounts(file('memory.stat'))?.get('total_inactive_file') ?? null,
    highBytes: null,
    swapMaxBytes: memswMax !== null && maxBytes !== null ? Math.max(0, memswMax - maxBytes) : null,
    swapCurrentBytes: memswCurrent !== null && currentBytes !== null ? Math.max(0, memswCurrent - currentBytes) : null,
    oomEvents: null,
    oomKillEvents: parseCounts(file('memory.oom_control'))?.get('oom_kill') ?? null,
    limit: tightestLimit(1, mount, path, dir, ancestors),
  };
}

/**
 * The smallest limit from the cgroup up to the root; a level that cannot be read is passed over. On v1 a parent with
 * `memory.use_hierarchy` 0 (old kernels only) does not count its children's memory, so its limit does not bound them.
 * Equal limits: the nearest wins.
 */
function tightestLimit(version: 1 | 2, mount: string, path: string, dir: string, ancestors: boolean): CgroupLimit | null {
  const levels = [{ path, dir }];
  for (let level = path; ancestors && level !== '/';) {
    level = posix.dirname(level);
    levels.push({ path: level, dir: join(mount, level) });
  }
  let tightest: CgroupLimit | null = null;
  for (const [index, level] of levels.entries()) {
    try {
      if (version === 1 && index > 0 && readOptional(join(level.dir, 'memory.use_hierarchy'))?.trim() === '0') continue;
      const bytes = parseBytes(readCgroupFile(level.dir, version === 2 ? 'memory.max' : 'memory.limit_in_bytes'));
      if (bytes !== null && (tightest === null || bytes < tightest.bytes)) tightest = { version, ...level, bytes };
    } catch {
      // Unreadable (permissions, a malformed file): that level's limit is not known, the others still are.
    }
  }
  return tightest;
}
