// Reading cgroup memory files: byte counts, `max` or a near-2^63 "unlimited", and `name value` listings
// (memory.stat, memory.events, memory.oom_control). Also the per-sample read of a cgroup's working set, which the
// sampler calls every interval: two small files, nothing else.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A cgroup file read: where it is (for messages) and what it held. */
export interface CgroupFile {
  readonly where: string;
  readonly text: string;
}

/**
 * cgroup v1 writes "no limit" as the largest page count in bytes: 9223372036854771712 with 4 KiB pages, a little less
 * with larger pages. Anything from 2^62 up is no limit; no host has that much memory.
 */
export const V1_UNLIMITED_BYTES = 2 ** 62;

/** The text of a file, or null where it does not exist; anything else (permissions, I/O) throws. */
export function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

/** `name` in `dir` as a CgroupFile, or null where it does not exist. */
export function readCgroupFile(dir: string, name: string): CgroupFile | null {
  const where = join(dir, name);
  const text = readOptional(where);
  return text === null ? null : { where, text };
}

/** A byte count, or null for no limit (`max`, or v1's huge value) or no file. */
export function parseBytes(file: CgroupFile | null): number | null {
  if (file === null) return null;
  const value = file.text.trim();
  if (value === 'max') return null;
  if (!/^\d+$/.test(value)) throw new Error(`${file.where} must hold a byte count or \`max\`, got \`${value}\``);
  const bytes = Number(value);
  return bytes >= V1_UNLIMITED_BYTES ? null : bytes;
}

/** The `name value` lines of memory.stat, memory.events or memory.oom_control, by name. */
export function parseCounts(file: CgroupFile | null): Map<string, number> | null {
  if (file === null) return null;
  const counts = new Map<string, number>();
  file.text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const match = /^(\w+) (\d+)$/.exec(line.trim());
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new Error(`${file.where} line ${index + 1} must be \`name count\` such as \`oom_kill 0\`, got \`${line}\``);
    }
    counts.set(match[1], Number(match[2]));
  });
  return counts;
}

/** Where a cgroup's working set is read: its directory and its version's file names. */
export interface WorkingSetSource {
  readonly version: 1 | 2;
  readonly dir: string;
}

/** The usage file and the memory.stat key of the inactive file cache, per version (v1's `total_` counts descendants). */
const WORKING_SET_FILES = {
  1: { usage: 'memory.usage_in_bytes', inactiveFile: 'total_inactive_file', line: /^total_inactive_file (\d+)$/m },
  2: { usage: 'memory.current', inactiveFile: 'inactive_file', line: /^inactive_file (\d+)$/m },
} as const;

/**
 * The cgroup's working set now, bytes: its usage less the inactive file cache, as the kubelet and cAdvisor count it. The
 * kernel reclaims that cache before its OOM killer acts, so it is not memory the tests are short of. Throws when a file
 * is missing or malformed (the cgroup went away, or is not a memory cgroup).
 */
export function readCgroupWorkingSet(source: WorkingSetSource): number {
  const files = WORKING_SET_FILES[source.version];
  const usageAt = join(source.dir, files.usage);
  const usage = readFileSync(usageAt, 'utf8').trim();
  if (!/^\d+$/.test(usage)) throw new Error(`${usageAt} must hold a byte count, got \`${usage}\``);
  const statAt = join(source.dir, 'memory.stat');
  const inactive = files.line.exec(readFileSync(statAt, 'utf8'))?.[1];
  if (inactive === undefined) throw new Error(`${statAt} has no \`${files.inactiveFile}\` line`);
  return Math.max(0, Number(usage) - Number(inactive));
}
