// Writes the file reports into the report directory as one set: every report is written to a temp file first, and only
// when all of them are written are they renamed into place together, under the directory's lock. A reader never sees
// half a report, a set never mixes two runs, and a write that fails half-way leaves no stale set looking current.
// Synchronous from the first write to the last rename, so a signal is handled after the set is in place, not between.

import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../results/run-result.js';
import { REPORT_FILE_NAMES, tempPathOf, withReportDirLock } from './report-dir.js';
import type { WrittenReport } from '../results/observer.js';

type Render = (result: RunResult) => string;
type Format = WrittenReport['format'];

/**
 * The file reporters: name -> renderer. Loaded when the run ends, not at start-up: they are a good part of the CLI's
 * modules, and every millisecond before the first test process starts is on the run's critical path.
 */
export const FILE_REPORTERS: Readonly<Record<Format, () => Promise<Render>>> = {
  markdown: async () => (await import('./markdown.js')).renderMarkdown,
  junit: async () => (await import('./junit.js')).renderJunit,
  json: async () => (await import('./json.js')).renderJson,
};

const FORMATS: readonly Format[] = ['markdown', 'junit', 'json'];

/** Whether the file at `path` was written by gpu-test (so it may be removed as another run's leftover). */
function isOurs(path: string): boolean {
  let head: string;
  try {
    head = readFileSync(path, 'utf8').slice(0, 4096);
  } catch {
    return false;
  }
  return head.startsWith('# gpu-test report') || head.includes('<testsuites name="gpu-test"') || head.includes('"generatedBy": "gpu-test ');
}

/** What writeReports did: the reports in place, and sentences for what failed (each names the path and the fix). */
export interface WriteOutcome {
  readonly written: WrittenReport[];
  readonly failures: string[];
  /** Reports an earlier run wrote that this run's reporters did not replace, removed so they cannot pass for this run's. */
  readonly removed: string[];
}

/** Writes every selected file report for `result` into `reportDir` (checked by checkReportDir at the run's start). */
export async function writeReports(result: RunResult, reportDir: string, reporters: readonly string[]): Promise<WriteOutcome> {
  const formats = FORMATS.filter((format) => reporters.includes(format));
  const renderers = await Promise.all(formats.map(async (format) => ({ format, render: await FILE_REPORTERS[format]() })));
  return writeSet(result, reportDir, renderers);
}

function writeSet(result: RunResult, reportDir: string, renderers: readonly { format: Format; render: Render }[]): WriteOutcome {
  // The console alone writes no file: without a report directory there is no earlier run's report to remove either.
  if (renderers.length === 0 && !existsSync(reportDir)) return { written: [], failures: [], removed: [] };
  const staged: WrittenReport[] = [];
  const failures: string[] = [];
  for (const { format, render } of renderers) {
    const path = join(reportDir, REPORT_FILE_NAMES[format]);
    try {
      writeFileSync(tempPathOf(path), render(result), 'utf8');
      staged.push({ format, path });
    } catch (error) {
      rmSync(tempPathOf(path), { force: true });
      failures.push(`cannot write ${path}: ${(error as Error).message}; check the disk and its permissions, or pass --report-dir`);
    }
  }
  const previous = FORMATS.map((format) => join(reportDir, REPORT_FILE_NAMES[format]));
  if (failures.length > 0) {
    // Half a set would sit beside the last run's other reports, looking current: drop this set's temps and that run's.
    for (const { path } of staged) rmSync(tempPathOf(path), { force: true });
    const removed = previous.filter((path) => existsSync(path) && isOurs(path));
    for (const path of removed) rmSync(path, { force: true });
    if (removed.length > 0) failures.push(`removed the previous run's ${removed.join(', ')}: beside this run's they would have looked current`);
    return { written: [], failures, removed: [] };
  }
  const removed: string[] = [];
  withReportDirLock(reportDir, () => {
    for (const { path } of staged) renameSync(tempPathOf(path), path);
    // A report this run did not write is an earlier run's: left there, it would read as this run's. Only files gpu-test
    // wrote go; one of the same name that a person or another tool wrote stays.
    for (const path of previous) {
      if (staged.some((report) => report.path === path) || !existsSync(path) || !isOurs(path)) continue;
      rmSync(path, { force: true });
      removed.push(path);
    }
  });
  return { written: staged, failures, removed };
}
