// How far node:test got in a test process: whether its reporter reached the end of the file, and which tests it had
// queued. Read from the files the child's reporter writes beside its results file.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { RESULTS_END_SUFFIX, RESULTS_QUEUE_SUFFIX, type QueuedTest } from '../child/protocol.js';
import type { FileProgress } from './collect-results.js';

/** The progress recorded beside `resultsFile`; a line cut short by a kill is skipped. */
export async function readFileProgress(resultsFile: string): Promise<Required<FileProgress>> {
  const finished = existsSync(`${resultsFile}${RESULTS_END_SUFFIX}`);
  let text = '';
  try {
    text = await readFile(`${resultsFile}${RESULTS_QUEUE_SUFFIX}`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const queued: QueuedTest[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      queued.push(JSON.parse(line) as QueuedTest);
    } catch {
      // A process killed mid-write leaves a partial line: the others are still good.
    }
  }
  return { finished, queued };
}
