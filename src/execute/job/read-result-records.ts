// Reads the result file a test process's reporter wrote: one JSON object per line. The file is the test process's to
// write, so nothing in it is trusted: a line that is not a record is skipped and the rest are still read, and every
// record is capped again (capRecord) whatever the child claims to have done.

import { readFile } from 'node:fs/promises';
import { capName } from '../../units/cap-text.js';
import { capRecord } from '../child/cap-record.js';
import type { ResultRecord } from '../child/protocol.js';

/** The records of one result file, and what was wrong with the lines that were skipped. */
export interface ReadRecords {
  readonly records: ResultRecord[];
  /** Sentences for the run's warnings; a last line cut short by the process's end is expected and not among them. */
  readonly warnings: string[];
}

const STATUSES: ReadonlySet<unknown> = new Set(['passed', 'failed', 'skipped', 'todo']);
// Line numbers named in one warning; the rest are counted.
const LINES_NAMED = 5;

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function failureOf(value: unknown): ResultRecord['failure'] {
  if (typeof value !== 'object' || value === null) return null;
  const failure = value as Record<string, unknown>;
  return { type: stringOrNull(failure.type) ?? 'Error', message: stringOrNull(failure.message) ?? 'test failed', stack: stringOrNull(failure.stack) };
}

/** The record a parsed line holds, its fields checked one by one; null when it is not one. */
function toRecord(value: unknown): ResultRecord | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || !STATUSES.has(v.status)) return null;
  const status = v.status as ResultRecord['status'];
  return capRecord({
    name: v.name, fullName: stringOrNull(v.fullName) ?? v.name, nesting: numberOrNull(v.nesting) ?? 0,
    file: stringOrNull(v.file), line: numberOrNull(v.line), column: numberOrNull(v.column), isSuite: v.isSuite === true, status,
    durationMs: numberOrNull(v.durationMs) ?? 0, skipReason: stringOrNull(v.skipReason),
    failure: status === 'failed' ? failureOf(v.failure) ?? { type: 'Error', message: 'test failed', stack: null } : null,
  });
}

function parseLine(line: string): ResultRecord | null {
  try {
    return toRecord(JSON.parse(line));
  } catch {
    return null;
  }
}

/** The records in `path` (none when the file is missing); a line that is not a record is skipped, not the rest. */
export async function readResultRecords(path: string): Promise<ReadRecords> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], warnings: [] };
    throw error;
  }
  const lines = text.split('\n');
  const records: ResultRecord[] = [];
  const bad: { number: number; line: string }[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const record = parseLine(line);
    if (record) records.push(record);
    // A process killed mid-write leaves a partial last line, with no newline after it: its crash is reported anyway.
    else if (index < lines.length - 1) bad.push({ number: index + 1, line });
  });
  if (bad.length === 0) return { records, warnings: [] };
  const named = bad.slice(0, LINES_NAMED).map((entry) => entry.number).join(', ');
  const more = bad.length > LINES_NAMED ? ` and ${bad.length - LINES_NAMED} more` : '';
  const one = bad.length === 1;
  const first = JSON.stringify(capName(bad[0]?.line ?? '', 80));
  return {
    records,
    warnings: [`skipped ${one ? 'a line' : `${bad.length} lines`} of the test results file that ${one ? 'is' : 'are'} not a test record `
      + `(line ${named}${more}; ${one ? 'it' : 'the first'} reads ${first}) and kept the records after ${one ? 'it' : 'them'}: something in the test process `
      + 'wrote to the file named in GPU_TEST_RESULTS_FILE, which only gpu-test\'s reporter should write'],
  };
}
