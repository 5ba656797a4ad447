// A real memory-limited cgroup for end-to-end tests: made beside or under this process's own memory cgroup (v1 or v2),
// with a command line that starts a program inside it, its OOM-kill counter, and its removal. Where none can be made
// (not Linux, not root, a read-only cgroupfs, no memory controller) it says why, for the test's skip reason.

import { appendFileSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** A memory cgroup this test made. */
export interface MemoryCgroup {
  readonly version: 1 | 2;
  /** Its directory in the cgroup filesystem. */
  readonly dir: string;
  /** Its path as /proc/self/cgroup of a process inside names it. */
  readonly path: string;
  /** `argv` wrapped so that it runs inside the cgroup: a shell moves itself in, then execs it. */
  wrap(argv: readonly string[]): readonly string[];
  /** Processes its OOM killer ended so far (v1 memory.oom_control, v2 memory.events `oom_kill`). */
  oomKills(): number;
  /** Removes it once its processes are gone. */
  remove(): Promise<void>;
}

const V1_MEMORY = '/sys/fs/cgroup/memory';
const V2_ROOT = '/sys/fs/cgroup';

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function countOf(text: string | null, name: string): number {
  const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(text ?? '');
  if (match?.[1] === undefined) throw new Error(`no \`${name}\` count in ${JSON.stringify(text)}`);
  return Number(match[1]);
}

/** Where a new memory cgroup can go: its parent directory, the parent's path, and the version. */
function placement(): { version: 1 | 2; parentDir: string; parentPath: string } | string {
  const listing = read('/proc/self/cgroup');
  if (listing === null) return 'no /proc/self/cgroup: cgroups are Linux only';
  const v1 = /^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:(\/.*)$/m.exec(listing)?.[1];
  if (v1 !== undefined && existsSync(join(V1_MEMORY, v1, 'memory.limit_in_bytes'))) return { version: 1, parentDir: join(V1_MEMORY, v1), parentPath: v1 };
  const v2 = /^0::(\/.*)$/m.exec(listing)?.[1];
  if (v2 === undefined) return 'this process is in no cgroup v1 memory controller and no cgroup v2 hierarchy';
  const own = join(V2_ROOT, v2);
  if (!(read(join(own, 'cgroup.controllers')) ?? '').split(/\s+/).includes('memory')) {
    return `the cgroup v2 ${own} has no memory controller, and there is no cgroup v1 one`;
  }
  // A v2 cgroup other than the root may not hold processes and enable controllers for children: go beside it.
  return v2 === '/' ? { version: 2, parentDir: own, parentPath: '/' } : { version: 2, parentDir: dirname(own), parentPath: dirname(v2) };
}

/** Makes cgroup `name` limited to `limitBytes` of memory (and no swap where that can be set), or says why it cannot. */
export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroup | string {
  const where = placement();
  if (typeof where === 'string') return where;
  const { version, parentDir, parentPath } = where;
  const dir = join(parentDir, name);
  try {
    if (version === 2 && parentPath === '/' && !(read(join(parentDir, 'cgroup.subtree_control')) ?? '').includes('memory')) {
      appendFileSync(join(parentDir, 'cgroup.subtree_control'), '+memory');
    }
    mkdirSync(dir);
  } catch (error) {
    return `cannot make a memory cgroup at ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)} (it needs root, or a cgroup delegated to this user, on a writable cgroupfs)`;
  }
  const set = (file: string, value: string): void => writeFileSync(join(dir, file), value);
  if (version === 1) {
    set('memory.limit_in_bytes', String(limitBytes));
    // Without swap accounting the file is absent: the limit then holds memory alone, which is what the test needs.
    if (existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) set('memory.memsw.limit_in_bytes', String(limitBytes));
  } else {
    set('memory.max', String(limitBytes));
    if (existsSync(join(dir, 'memory.swap.max'))) set('memory.swap.max', '0');
  }
  return {
    version, dir,
    path: join(parentPath, name),
    wrap: (argv) => ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', join(dir, 'cgroup.procs'), ...argv],
    oomKills: () => countOf(read(join(dir, version === 1 ? 'memory.oom_control' : 'memory.events')), 'oom_kill'),
    async remove() {
      // The kernel lets go of a cgroup a moment after its last process has exited.
      for (let attempt = 0; existsSync(dir); attempt += 1) {
        try {
          rmdirSync(dir);
        } catch (error) {
          if (attempt >= 100) throw error;
          await delay(100);
        }
      }
    },
  };
}
