// One host, one scheduler: a lock file per GPU (by UUID), shared by every gpu-test run on the host, so two runs never
// put files on one card at once. A run holds a card's lock while any of its files is on the card; another run's files
// for that card wait (its cpu lane goes on). A lock whose process is gone (a run killed outright) is taken over.

import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, chmodSync, linkSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStartTime } from '../../probe/process-tree.js';

/** Where the lock files live: one folder per host, shared by every user's runs. */
export const LOCK_DIR_ENV = 'GPU_TEST_LOCK_DIR';

/** Who holds a card: enough to tell the user whom their run waits for. */
export interface LockHolder {
  readonly pid: number;
  /** /proc start time of `pid`, so a reused pid does not look like the holder. */
  readonly startTime: number | null;
  readonly runId: string;
  /** The project the holding run was started in. */
  readonly cwd: string;
  /** Epoch ms when it took the card. */
  readonly since: number;
}

/** The locks of one run. */
export interface GpuLocks {
  /** The run holding `uuid` when it is another, live run; null when the card is free or this run's. */
  holderOf(uuid: string): LockHolder | null;
  /** Takes every card of `uuids` (all or none); false when another run holds one of them. */
  acquire(uuids: readonly string[]): boolean;
  /** Gives back one use of each card; the lock goes when this run's last file on the card has ended. */
  release(uuids: readonly string[]): void;
  /** Gives back every card this run holds. */
  releaseAll(): void;
}

/** The folder of lock files: GPU_TEST_LOCK_DIR, else a folder in the system's temp directory. */
export function lockDirOf(env: NodeJS.ProcessEnv): string {
  return env[LOCK_DIR_ENV] ?? join(tmpdir(), 'gpu-test-locks');
}

function isAlive(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Another process now has the pid: the holder is gone.
  const now = readStartTime(holder.pid);
  return holder.startTime === null || now === null || now === holder.startTime;
}

function readHolder(path: string): LockHolder | null | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : 'unreadable';
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    return Number.isInteger(holder.pid) ? holder : 'unreadable';
  } catch {
    return 'unreadable'; // Being written this very moment, or damaged: treated as held, looked at again later.
  }
}

/** The lock file of each card, created on first use. */
export function createGpuLocks(options: { readonly runId: string; readonly dir: string }): GpuLocks {
  const { runId, dir } = options;
  const held = new Map<string, number>();
  const me: LockHolder = { pid: process.pid, startTime: readStartTime(process.pid), runId, cwd: process.cwd(), since: 0 };
  let dirReady = false;
  const pathOf = (uuid: string): string => join(dir, `${uuid.replace(/[^A-Za-z0-9_.-]/g, '_')}.lock`);
  const ensureDir = (): void => {
    if (dirReady) return;
    mkdirSync(dir, { recursive: true });
    // Shared by every user of the host, as /tmp is: anyone may add a lock, only its owner remove it.
    try {
      chmodSync(dir, 0o1777);
    } catch {
      // Someone else's folder: its mode is theirs to set.
    }
    dirReady = true;
  };

  /** Removes a dead holder's lock, unless someone replaced it meanwhile. */
  const breakStale = (path: string, stale: LockHolder): void => {
    const aside = `${path}.${process.pid}.stale`;
    try {
      renameSync(path, aside);
    } catch {
      return; // Another run broke it first.
    }
    const moved = readHolder(aside);
    if (moved !== null && moved !== 'unreadable' && (moved.pid !== stale.pid || moved.runId !== stale.runId)) {
      // A live lock was taken between our read and the rename: put it back.
      try {
        linkSync(aside, path);
      } catch {
        // The card was locked again meanwhile; that lock stands.
      }
    }
    rmSync(aside, { force: true });
  };

  const takeOne = (uuid: string): boolean => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const path = pathOf(uuid);
      try {
        const fd = openSync(path, 'wx', 0o644);
        try {
          writeSync(fd, JSON.stringify({ ...me, since: Date.now() }));
        } finally {
          closeSync(fd);
        }
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readHolder(path);
      if (holder === 'unreadable') return false;
      if (holder !== null && isAlive(holder)) return holder.runId === runId;
      if (holder !== null) breakStale(path, holder);
    }
    return false;
  };

  return {
    holderOf(uuid) {
      if (held.has(uuid)) return null;
      const holder = readHolder(pathOf(uuid));
      if (holder === null || holder === 'unreadable') return null;
      return holder.runId !== runId && isAlive(holder) ? holder : null;
    },
    acquire(uuids) {
      ensureDir();
      const taken: string[] = [];
      for (const uuid of uuids) {
        if (held.has(uuid)) continue;
        if (!takeOne(uuid)) {
          for (const undo of taken) rmSync(pathOf(undo), { force: true });
          for (const undo of taken) held.delete(undo);
          return false;
        }
        taken.push(uuid);
        held.set(uuid, 0);
      }
      for (const uuid of uuids) held.set(uuid, (held.get(uuid) ?? 0) + 1);
      return true;
    },
    release(uuids) {
      for (const uuid of uuids) {
        const uses = (held.get(uuid) ?? 0) - 1;
        if (uses > 0) {
          held.set(uuid, uses);
          continue;
        }
        held.delete(uuid);
        rmSync(pathOf(uuid), { force: true });
      }
    },
    releaseAll() {
      for (const uuid of held.keys()) rmSync(pathOf(uuid), { force: true });
      held.clear();
    },
  };
}

/** The holder as a user reads it: `gpu-test pid 4242 (run started 12:01:02 in /home/ada/vision)`. */
export function describeHolder(holder: LockHolder): string {
  return `another gpu-test run on ${hostname()} (pid ${holder.pid}, holding it since ${new Date(holder.since).toISOString()}, in ${holder.cwd})`;
}
