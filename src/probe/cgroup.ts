// The cgroup v2 memory limits of this process: in a container or systemd slice these, not the host's RAM,
// decide when the OOM killer strikes.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';
const PROC_SELF_CGROUP = '/proc/self/cgroup';

/** Memory limits and usage of one cgroup v2; a field is null where its file is absent or says `max` (no limit). */
export interface CgroupMemory {
  /** The cgroup's path as /proc/self/cgroup names it, such as `/user.slice/session-2.scope`. */
  readonly path: string;
  readonly maxBytes: number | null;
  readonly currentBytes: number | null;
  /** Above this the kernel throttles and reclaims hard, long before `max` kills. */
  readonly highBytes: number | null;
  readonly swapMaxBytes: number | null;
  readonly swapCurrentBytes: number | null;
  /** Times an allocation hit `max` and was about to fail (memory.events `oom`), since the cgroup was made. */
  readonly oomEvents: number | null;
  /** Processes of this cgroup killed by an OOM killer (memory.events `oom_kill`). */
  readonly oomKillEvents: number | null;
}

/** Where to look; both exist so tests can point at a fake tree. */
export interface CgroupMemoryOptions {
  /** Mount point of the cgroup v2 hierarchy; `/sys/fs/cgroup` unless given. */
  readonly root?: string;
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

/**
 * Reads this process's cgroup v2 memory files now. Null when there is nothing to read: no /proc/self/cgroup
 * (macOS), no v2 line (v1-only hosts), or none of the memory files (the root cgroup, or hybrid hosts where
 * the memory controller lives on v1).
 */
export function readCgroupMemory(options: CgroupMemoryOptions = {}): CgroupMemory | null {
  const listing = readOptional(options.procSelfCgroup ?? PROC_SELF_CGROUP);
  const path = listing === null ? null : parseCgroupPath(listing);
  if (path === null) return null;
  const dir = join(options.root ?? CGROUP_ROOT, path);
  const file = (name: string): { where: string; text: string } | null => {
    const where = join(dir, name);
    const text = readOptional(where);
    return text === null ? null : { where, text };
  };
  const files = {
    max: file('memory.max'),
    current: file('memory.current'),
    high: file('memory.high'),
    swapMax: file('memory.swap.max'),
    swapCurrent: file('memory.swap.current'),
    events: file('memory.events'),
  };
  if (Object.values(files).every((found) => found === null)) return null;
  const events = files.events === null ? null : parseEvents(files.events.where, files.events.text);
  return {
    path,
    maxBytes: parseLimit(files.max),
    currentBytes: parseLimit(files.current),
    highBytes: parseLimit(files.high),
    swapMaxBytes: parseLimit(files.swapMax),
    swapCurrentBytes: parseLimit(files.swapCurrent),
    oomEvents: events?.get('oom') ?? null,
    oomKillEvents: events?.get('oom_kill') ?? null,
  };
}

function parseLimit(file: { where: string; text: string } | null): number | null {
  if (file === null) return null;
  const value = file.text.trim();
  if (value === 'max') return null;
  if (!/^\d+$/.test(value)) throw new Error(`${file.where} must hold a byte count or \`max\`, got \`${value}\``);
  return Number(value);
}

function parseEvents(where: string, text: string): Map<string, number> {
  const counts = new Map<string, number>();
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const match = /^(\w+) (\d+)$/.exec(line.trim());
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new Error(`${where} line ${index + 1} must be \`name count\` such as \`oom_kill 0\`, got \`${line}\``);
    }
    counts.set(match[1], Number(match[2]));
  });
  return counts;
}

// A missing file is an answer ("not here"), not a failure; anything else (permissions, I/O) still throws.
function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}
