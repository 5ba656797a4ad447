// A fake cgroup filesystem for the probe's tests: a v2 hierarchy, a v1 memory controller and /proc/self/cgroup under
// one temporary directory, holding only the files a test gives.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CgroupMemoryOptions } from '../../src/probe/cgroup.js';

/** Files by path inside each hierarchy, such as `ci/job/memory.max`. */
export interface FakeCgroupTree {
  readonly v2?: Readonly<Record<string, string>>;
  readonly v1?: Readonly<Record<string, string>>;
}

/** The options that point readCgroupMemory at a fake tree; `base` is removed by `removeFakeCgroups`. */
export interface FakeCgroupHost extends Required<CgroupMemoryOptions> {
  readonly base: string;
}

const made: string[] = [];

/** Writes the tree and `procSelfCgroup`; both hierarchies' roots exist even when empty. */
export function fakeCgroupHost(procSelfCgroup: string, tree: FakeCgroupTree): FakeCgroupHost {
  const base = mkdtempSync(join(tmpdir(), 'cgroup-'));
  made.push(base);
  const root = join(base, 'v2');
  const v1Root = join(base, 'v1-memory');
  for (const [mount, files] of [[root, tree.v2 ?? {}], [v1Root, tree.v1 ?? {}]] as const) {
    mkdirSync(mount, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(mount, name)), { recursive: true });
      writeFileSync(join(mount, name), text);
    }
  }
  writeFileSync(join(base, 'proc-self-cgroup'), procSelfCgroup);
  return { base, root, v1Root, procSelfCgroup: join(base, 'proc-self-cgroup') };
}

/** Removes every fake tree made so far. */
export function removeFakeCgroups(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
