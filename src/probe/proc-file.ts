// Reads a /proc file through a descriptor kept open. The harness reads the same few files at every test boundary
// (meminfo, PSI, the test process's statm and children); the kernel renders a proc file anew on each read from offset
// 0, so a pread on a kept descriptor gives what readFileSync would for a third to two thirds of its cost (no open,
// fstat, close; `BENCH_ONLY=read-cost npm run bench`).
// A descriptor of a process's file stays bound to that process: once it exits, reads fail, and the path is opened
// afresh, so a pid taken over by a new process is read as the new process, and a gone one fails as readFileSync does.

import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

/** Descriptors kept at once: the files of a few test processes' trees; the least recently read is closed first. */
const MAX_KEPT = 64;
const kept = new Map<string, number>();
let buffer = Buffer.allocUnsafe(16 * 1024);

// The whole file in one read from offset 0: a read that fills the buffer may have been cut short, so it is read again
// into a larger one.
function readWhole(fd: number): string {
  for (;;) {
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    if (length < buffer.length) return buffer.toString('latin1', 0, length);
    buffer = Buffer.allocUnsafe(buffer.length * 2);
  }
}

function forget(path: string): void {
  const fd = kept.get(path);
  if (fd === undefined) return;
  kept.delete(path);
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing is left to free.
  }
}

/** The text of `path` (the /proc files read here are ASCII); throws as readFileSync does. Other paths are read whole. */
export function readProcFile(path: string): string {
  if (!path.startsWith('/proc/')) return readFileSync(path, 'utf8');
  const fd = kept.get(path);
  if (fd !== undefined) {
    try {
      const text = readWhole(fd);
      // Most recently read last, so eviction takes the oldest.
      kept.delete(path);
      kept.set(path, fd);
      return text;
    } catch {
      forget(path); // Its process exited (ESRCH): opening the path again says whether a process has it now.
    }
  }
  const opened = openSync(path, 'r');
  let text: string;
  try {
    text = readWhole(opened);
  } catch (error) {
    closeSync(opened);
    throw error;
  }
  kept.set(path, opened);
  if (kept.size > MAX_KEPT) forget(kept.keys().next().value as string);
  return text;
}
