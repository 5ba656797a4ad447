// Writes the file reports into the report directory, each atomically (a temp file renamed into place), so a
// reader never sees half a report, even when the run is interrupted while writing.

import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReporterName } from '../config/types.js';
import { GpuTestError } from '../errors.js';
import type { RunResult } from '../execute/types.js';
import type { WrittenReport } from './types.js';

type Render = (result: RunResult) => string;

/**
 * The file reporters: name -> file name and renderer. Loaded when the run ends, not at start-up: they are a good part
 * of the CLI's modules, and every millisecond before the first test process starts is on the run's critical path.
 */
export const FILE_REPORTERS: Readonly<Record<WrittenReport['format'], { fileName: string; load: () => Promise<Render> }>> = {
  markdown: { fileName: 'report.md', load: async () => (await import('./markdown.js')).renderMarkdown },
  junit: { fileName: 'junit.xml', load: async () => (await import('./junit.js')).renderJunit },
  json: { fileName: 'results.json', load: async () => (await import('./json.js')).renderJson },
};

/** Writes `content` to `path` through a temp file in the same directory and a rename. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content, 'utf8');
  await rename(temp, path);
}

/** Writes every selected file report for `result` into `reportDir`; returns what was written and what failed (sentences). */
export async function writeReports(result: RunResult, reportDir: string, reporters: readonly ReporterName[]): Promise<{ written: WrittenReport[]; failures: string[] }> {
  try {
    await mkdir(reportDir, { recursive: true });
  } catch (error) {
    throw new GpuTestError('REPORT_WRITE', `cannot create the report directory ${reportDir}: ${(error as Error).message}; pass --report-dir to write elsewhere`, { cause: error });
  }
  // Each report is tried even when another fails: a broken writer must not cost the others.
  const written: WrittenReport[] = [];
  const failures: string[] = [];
  for (const format of ['markdown', 'junit', 'json'] as const) {
    if (!reporters.includes(format)) continue;
    const { fileName, load } = FILE_REPORTERS[format];
    const path = join(reportDir, fileName);
    try {
      await writeFileAtomic(path, (await load())(result));
      written.push({ format, path });
    } catch (error) {
      failures.push(`cannot write ${path}: ${(error as Error).message}; check permissions or pass --report-dir`);
    }
  }
  return { written, failures };
}
