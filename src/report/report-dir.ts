// The report directory: checked before the first test file starts (a run of hours must not find out at its end that
// its reports cannot be written), cleared of temp files a killed run left, and locked while a set of reports is put in
// place, so two runs sharing it never leave report.md of one beside results.json of the other.

import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GpuTestError } from '../errors.js';

/** The file names gpu-test writes into the report directory, by format. */
export const REPORT_FILE_NAMES = { markdown: 'report.md', junit: 'junit.xml', json: 'results.json' } as const;

/** A temp file of ours: `<report name>.<pid>.tmp`, renamed into place once the whole set is written. */
const TEMP_FILE = /^(?:report\.md|junit\.xml|results\.json)\.(\d+)\.tmp$/;
const LOCK_FILE = '.gpu-test-reports.lock';
/** Less free space than this and a run of any size could not write its reports. */
const MIN_FREE_BYTES = 16 * 1024 * 1024;

/** The temp name a report is written to before the set is put in place. */
export function tempPathOf(path: string): string {
  return `${path}.${process.pid}.tmp`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fail(reportDir: string, what: string, cause: unknown): never {
  throw new GpuTestError('REPORT_WRITE', `the report directory ${reportDir} ${what}; fix it or pass --report-dir to write elsewhere (checked before any test ran)`, { cause });
}

/** The closest folder of `path` that exists (where a `mkdir -p` would start). */
function nearestExisting(path: string): string {
  let dir = resolve(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Why `dir` cannot be written to, in words; null when it can. */
function whyNotWritable(dir: string): string | null {
  try {
    accessSync(dir, constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EROFS' ? `${dir} is on a read-only file system` : `${dir} is not writable by this user (${code ?? 'denied'})`;
  }
}

/** Throws REPORT_WRITE (exit 2) unless `reportDir` is a directory gpu-test can create, write and has room in. */
export function checkReportDir(reportDir: string): void {
  try {
    mkdirSync(reportDir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') fail(reportDir, 'is a file (or lies under one), not a directory', error);
    fail(reportDir, `cannot be created: ${whyNotWritable(nearestExisting(reportDir)) ?? code ?? (error as Error).message}`, error);
  }
  if (!statSync(reportDir).isDirectory()) fail(reportDir, 'is a file, not a directory', null);
  const probe = join(reportDir, `.gpu-test-write-check.${process.pid}`);
  try {
    writeFileSync(probe, 'gpu-test checks that its reports can be written here\n');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'is on a read-only file system' : code === 'ENOSPC' ? 'is on a full disk' : code === 'EACCES' || code === 'EPERM' ? 'is not writable by this user' : `cannot be written (${code ?? (error as Error).message})`;
    fail(reportDir, why, error);
  } finally {
    rmSync(probe, { force: true });
  }
  const space = statfsSync(reportDir);
  const freeBytes = space.bavail * space.bsize;
  if (freeBytes < MIN_FREE_BYTES) fail(reportDir, `is on a disk with ${freeBytes} bytes free (gpu-test wants at least ${MIN_FREE_BYTES})`, null);
  removeStaleTempFiles(reportDir);
}

/** Removes temp files that a run killed while writing left behind (their process is gone). */
export function removeStaleTempFiles(reportDir: string): void {
  let names: string[];
  try {
    names = readdirSync(reportDir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = TEMP_FILE.exec(name)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) rmSync(join(reportDir, name), { force: true });
  }
}

const sleepSync = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Runs `work` holding the report directory's lock: another run putting its reports in place waits (the renames take
 * microseconds). A lock whose process is gone is taken over. Synchronous, so no signal handler can run in between.
 */
export function withReportDirLock<T>(reportDir: string, work: () => T): T {
  const lock = join(reportDir, LOCK_FILE);
  for (let attempt = 0; ; attempt += 1) {
    try {
      closeSync(openSync(lock, 'wx'));
      writeFileSync(lock, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(lock, 'utf8'));
      } catch {
        continue; // Released between our tries.
      }
      // A holder that died, or one that has held it for seconds (hung), must not block this run's reports forever.
      if ((Number.isInteger(holder) && holder > 0 && !isAlive(holder)) || attempt > 500) rmSync(lock, { force: true });
      else sleepSync(10);
    }
  }
  try {
    return work();
  } finally {
    rmSync(lock, { force: true });
  }
}
