// Reads the start of a file that must be a readable regular file (a config file, a test file's header), and says
// in words what it is instead: a dangling symbolic link, a FIFO, a file it may not read, one that has gone.

import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, statSync, type Stats } from 'node:fs';

/** Why a path could not be read: picks the fix a message offers. */
export type UnreadableReason = 'missing' | 'permission' | 'not-regular' | 'other';

/** The start of a regular file, or why it could not be read. */
export type RegularFileRead =
  | { readonly ok: true; readonly bytes: Buffer; readonly size: number }
  | { readonly ok: false; readonly reason: UnreadableReason; readonly problem: string; readonly cause?: unknown };

/** How a file is opened; a parameter so tests can make it fail as a file system would. */
export type OpenFile = (path: string, flags: number) => number;

/** `a FIFO (named pipe)`, `a directory`: what a non-regular file is, for messages. */
export function describeFileType(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** The problem an error of open/stat stands for; `missing` reads "does not exist" unless the caller says better. */
function fromError(error: unknown): Extract<RegularFileRead, { ok: false }> {
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'missing', problem: 'does not exist', cause: error };
  if (code === 'EACCES' || code === 'EPERM') return { ok: false, reason: 'permission', problem: `cannot be read: permission denied (${code})`, cause: error };
  if (code === 'ELOOP') return { ok: false, reason: 'not-regular', problem: 'is a loop of symbolic links (ELOOP)', cause: error };
  const why = error instanceof Error ? error.message : String(error);
  return { ok: false, reason: 'other', problem: `cannot be read (${why})`, cause: error };
}

function linkTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '(unreadable target)';
  }
}

// The type is checked before the file is opened: opening a FIFO waits for a writer, and opening a device can act on it.
function checkType(path: string): Extract<RegularFileRead, { ok: false }> | null {
  let own: Stats;
  try {
    own = lstatSync(path);
  } catch (error) {
    return fromError(error);
  }
  if (own.isFile()) return null;
  if (!own.isSymbolicLink()) return { ok: false, reason: 'not-regular', problem: `is not a regular file: it is ${describeFileType(own)}` };
  const target = linkTarget(path);
  let pointed: Stats;
  try {
    pointed = statSync(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'not-regular', problem: `is a dangling symbolic link to \`${target}\` (nothing is there)`, cause: error };
    if (code === 'ELOOP') return { ok: false, reason: 'not-regular', problem: `is a symbolic link to \`${target}\` that loops back on itself (ELOOP)`, cause: error };
    const failed = fromError(error);
    return { ...failed, problem: `is a symbolic link to \`${target}\`, which ${failed.problem}` };
  }
  if (pointed.isFile()) return null;
  return { ok: false, reason: 'not-regular', problem: `is a symbolic link to \`${target}\`, which is ${describeFileType(pointed)}, not a regular file` };
}

/**
 * Up to `maxBytes` from the start of the regular file at `path` (symbolic links followed), and its size. Never opens
 * a FIFO or a device, and opens non-blocking, so one swapped in after the check cannot hang the read either.
 */
export function readRegularFile(path: string, maxBytes: number, open: OpenFile = openSync): RegularFileRead {
  const wrongType = checkType(path);
  if (wrongType) return wrongType;
  let fd: number;
  try {
    fd = open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return fromError(error);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { ok: false, reason: 'not-regular', problem: `is not a regular file: it is ${describeFileType(stats)}` };
    // Bounded by `maxBytes`, not by the size: a file that grows after fstat is still never read past the limit.
    const buffer = Buffer.alloc(maxBytes);
    let filled = 0;
    while (filled < buffer.length) {
      const read = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return { ok: true, bytes: buffer.subarray(0, filled), size: stats.size };
  } catch (error) {
    return fromError(error);
  } finally {
    closeSync(fd);
  }
}
