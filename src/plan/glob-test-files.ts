// Globs test files, keeping in view what a plain glob would drop without a word: FIFOs, sockets and devices named like
// test files, and symbolic links that lead nowhere. The plan then refuses each one by name instead of losing it.

import { readdir, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { glob } from 'tinyglobby';

type ReaddirCallback = (error: NodeJS.ErrnoException | null, entries?: Dirent[]) => void;

function resolvesToFileOrDirectory(path: string): boolean {
  try {
    const stats = statSync(path);
    return stats.isFile() || stats.isDirectory();
  } catch {
    return false;
  }
}

// fdir, under tinyglobby, keeps an entry only when it is a file, or a symbolic link it can resolve. Shown as a file,
// an odd entry goes through tinyglobby's own pattern and `exclude` matching, so it is reported exactly when a regular
// file of that name would have run.
function asRegularFile(entry: Dirent): Dirent {
  const shown = Object.create(Object.getPrototypeOf(entry) as object) as Dirent;
  return Object.assign(shown, entry, { isFile: () => true, isDirectory: () => false, isSymbolicLink: () => false });
}

function surface(directory: string, entry: Dirent): Dirent {
  if (entry.isFile() || entry.isDirectory()) return entry;
  if (entry.isSymbolicLink() && resolvesToFileOrDirectory(join(directory, entry.name))) return entry;
  return asRegularFile(entry);
}

function readdirSurfacing(path: string, options: { withFileTypes: true }, callback: ReaddirCallback): void {
  readdir(path, options, (error, entries) => callback(error, entries?.map((entry) => surface(path, entry))));
}

/**
 * Absolute paths of what `patterns` match under `cwd`, less `ignore`: regular files and links to them, and also FIFOs,
 * sockets, devices and dangling or looping links, which the header read then reports as what they are.
 */
export async function globTestFiles(patterns: readonly string[], cwd: string, ignore: readonly string[]): Promise<string[]> {
  return glob(patterns as string[], {
    cwd, ignore: ignore as string[], absolute: true, onlyFiles: true, dot: false,
    fs: { readdir: readdirSurfacing as unknown as typeof readdir },
  });
}
