// Reads the result file a test process's reporter wrote: one JSON object per line.

import { readFile } from 'node:fs/promises';
import type { ResultRecord } from './child/protocol.js';

/** The records in `path`; a missing file or a line cut short by a crash yields what was whole. */
export async function readResultRecords(path: string): Promise<ResultRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: ResultRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as ResultRecord);
    } catch {
      // A process killed mid-write leaves a partial last line: what came before it is still good.
      break;
    }
  }
  return records;
}
