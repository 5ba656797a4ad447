// A test process and everything it started: listing, summed RSS and killing, from /proc.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readProcFile } from './proc-file.js';

// Read once: every sample asks, and the answer cannot change while the harness runs.
const hasProcfs = existsSync('/proc/self/statm');

/** The ppid of a process from its /proc/<pid>/stat, or null when it is gone or unreadable. */
export function readParentPid(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // It exited between listing /proc and reading it: not part of the tree any more.
  }
  // The command name is in parentheses and may hold spaces or `)`, so fields are counted after the last `)`.
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

function listPids(): number[] | null {
  try {
    return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return null; // No procfs (macOS and the like): descendants cannot be found this way.
  }
}

/** Whether a process exists (signal 0 checks without sending anything). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How often every thread of a process is checked for children; in between, only its main thread and known forkers. */
const FULL_THREAD_SCAN_MS = 1000;
const threadScans = new Map<number, { at: number; forkers: Set<string> }>();

/**
 * The children of `pid` from /proc/<pid>/task/<tid>/children. Any thread may fork, but reading every thread's file
 * (a Node process has ten or more) at every test boundary was most of the harness's cost per test: the main thread
 * (where Node and Python usually spawn) and threads that have forked before are read every time, all threads once
 * a second. [] when it has none, 'gone' when it exited, null when the kernel has no children files.
 */
function readChildren(pid: number, now = Date.now()): number[] | null | 'gone' {
  const previous = threadScans.get(pid);
  const full = previous === undefined || now - previous.at >= FULL_THREAD_SCAN_MS;
  let tids: string[];
  if (full) {
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      threadScans.delete(pid);
      return 'gone'; // Exited (procfs itself was checked once at start-up).
    }
  } else {
    tids = [String(pid), ...(previous?.forkers ?? [])];
  }
  const forkers = full ? new Set<string>() : (previous?.forkers ?? new Set<string>());
  const children: number[] = [];
  for (const tid of tids) {
    let text: string;
    try {
      text = readProcFile(`/proc/${pid}/task/${tid}/children`);
    } catch (error) {
      if (tid !== String(pid)) continue; // That thread ended while we read.
      threadScans.delete(pid);
      return (error as NodeJS.ErrnoException).code === 'ENOENT' && existsSync(`/proc/${pid}`) ? null : 'gone';
    }
    let found = false;
    for (const field of text.split(' ')) {
      if (field.trim() === '') continue;
      children.push(Number(field));
      found = true;
    }
    if (found && tid !== String(pid)) forkers.add(tid);
  }
  threadScans.set(pid, { at: full ? now : (previous?.at ?? now), forkers });
  // Processes that exited unseen leave entries behind: drop the stale ones now and then, so a long run stays small.
  if (threadScans.size > 1000) {
    for (const [known, scan] of threadScans) if (now - scan.at > 10 * FULL_THREAD_SCAN_MS) threadScans.delete(known);
  }
  return children;
}

/** The tree by walking children files: a few reads instead of one per process on the host. */
function walkChildren(rootPid: number): number[] | null {
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i += 1) {
    const children = readChildren(tree[i] as number);
    if (children === null) return null;
    if (children === 'gone') {
      if (i === 0) return [];
      continue; // A descendant that exited while we walked.
    }
    for (const child of children) if (!tree.includes(child)) tree.push(child);
  }
  return tree;
}

/** `rootPid` and all its descendants, root first; [] when the root is gone; just the root where there is no /proc. */
export function listProcessTree(rootPid: number): number[] {
  // Called at every test boundary: the children files cost a few reads, the full scan one read per process.
  if (hasProcfs) {
    const walked = walkChildren(rootPid);
    if (walked !== null) return walked;
  }
  const pids = listPids();
  if (pids === null) return isAlive(rootPid) ? [rootPid] : [];
  const children = new Map<number, number[]>();
  let rootSeen = false;
  for (const pid of pids) {
    const ppid = readParentPid(pid);
    if (ppid === null) continue;
    if (pid === rootPid) rootSeen = true;
    const siblings = children.get(ppid);
    if (siblings === undefined) children.set(ppid, [pid]);
    else siblings.push(pid);
  }
  if (!rootSeen) return [];
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i += 1) {
    const pid = tree[i];
    if (pid !== undefined) tree.push(...(children.get(pid) ?? []).filter((child) => !tree.includes(child)));
  }
  return tree;
}

/**
 * When a process started (clock ticks since boot, /proc/<pid>/stat field 22), or null when it is gone: with the
 * pid it names one process, where a pid alone may be reused by a later one.
 */
export function readStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const value = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/** Whether `pid` runs: exists and is not a zombie (an exited child its parent has not reaped yet). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return !existsSync('/proc/self') && isAlive(pid); // Gone, or no procfs where signal 0 is all there is.
  }
}

/** A process's command line from /proc, or null when it is gone or hidden. */
export function readCommandLine(pid: number): string | null {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
    return text === '' ? null : text;
  } catch {
    return null;
  }
}

let pageSize: number | undefined;

/** The kernel's page size, from this process's first mapping in /proc/self/smaps (4 KiB where it cannot be read). */
function kernelPageSize(): number {
  if (pageSize !== undefined) return pageSize;
  try {
    const match = /KernelPageSize:\s+(\d+) kB/.exec(readFileSync('/proc/self/smaps', 'utf8').slice(0, 4096));
    pageSize = match ? Number(match[1]) * 1024 : 4096;
  } catch {
    pageSize = 4096;
  }
  return pageSize;
}

// /proc/<pid>/statm costs ~25 µs a process where pidusage costs ~260 µs (it reads stat, uptime and keeps history):
// at two samples a test, that is most of the harness's cost per test. pidusage stays for hosts without /proc.
function readStatmRss(pid: number): number | null {
  try {
    const resident = Number(readProcFile(`/proc/${pid}/statm`).split(' ')[1]);
    return Number.isFinite(resident) ? resident * kernelPageSize() : null;
  } catch {
    return null;
  }
}


/** The RSS of one process in bytes, or null when it is gone. */
export async function readProcessRss(pid: number): Promise<number | null> {
  if (hasProcfs) return readStatmRss(pid);
  try {
    // Only off Linux, so loaded only there.
    const pidusage = createRequire(import.meta.url)('pidusage') as typeof import('pidusage');
    return (await pidusage(pid)).memory;
  } catch {
    return null;
  }
}

/** The summed RSS in bytes of `rootPid` and its descendants; null when the root has exited. */
export async function readProcessTreeRss(rootPid: number, onPids?: (pids: readonly number[]) => void): Promise<number | null> {
  const pids = listProcessTree(rootPid);
  onPids?.(pids);
  if (pids.length === 0) return null;
  // Each process on its own: a child exiting mid-read must not lose the whole sum, only its own share.
  const sizes = await Promise.all(pids.map((pid) => readProcessRss(pid)));
  if (sizes[0] === null || sizes[0] === undefined) return null;
  return sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0);
}

function signalIgnoringGone(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Signals every descendant of `rootPid`, the root, and the root's process group; processes already gone are ignored. */
export function killProcessTree(rootPid: number, signal: NodeJS.Signals): void {
  const tree = listProcessTree(rootPid);
  // Children first, so that none is orphaned to init and missed; the group catches what /proc no longer links to the root.
  for (const pid of tree.slice(1).reverse()) signalIgnoringGone(pid, signal);
  signalIgnoringGone(rootPid, signal);
  signalIgnoringGone(-rootPid, signal);
}
