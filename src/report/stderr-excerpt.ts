// The part of a test process's stderr a failure shows: when a process dies (an exit code, a signal, a timeout) its test
// rarely says why, and the end of stderr usually does. The lines that name the error (`torch.OutOfMemoryError: CUDA out
// of memory`) often sit above a screen of cleanup output, so they are brought along even when the tail misses them.
// Shared by the console and report.md, so both show the same lines.

import { CUT_SHORT_FAILURES, FAILURE } from '../results/failures.js';
import type { FileResult, TestResult } from '../results/run-result.js';

/** Lines that say what went wrong: an error or exception name, running out of memory, a fatal signal's words. */
export const TELLING_LINE = /\b\w*(?:Error|Exception)\b|out of memory|\bOOM\b|\bfatal\b|\bpanic\b|segmentation fault|core dumped|\bAborted\b|\bKilled\b/i;
// How far from the end a telling line is looked for: an error printed long before the end is seldom the cause.
const TELLING_WINDOW_LINES = 200;
const TELLING_MAX = 3;

/** Lines of stderr to show: telling lines from above the tail (in order), a gap marker, then the tail. */
export interface StderrExcerpt {
  /** The lines to show, in the order they were printed. */
  readonly lines: readonly string[];
  /** Indexes into `lines` of the telling lines (also those inside the tail), for a console to highlight. */
  readonly telling: ReadonlySet<number>;
  /** Lines of stderr in all (trailing blank lines not counted). */
  readonly totalLines: number;
  /** How many of the last lines `lines` ends with. */
  readonly tailLines: number;
  /** Telling lines brought along from above the tail. */
  readonly tellingAbove: number;
}

/** The excerpt of `stderr` for a failure: its last `tailLines` lines, preceded by up to three telling lines above them. */
export function excerptStderr(stderr: string, tailLines: number): StderrExcerpt {
  const all = stderr.replace(/\s+$/, '').split(/\r\n|\r|\n/);
  if (all.length === 1 && all[0] === '') return { lines: [], telling: new Set(), totalLines: 0, tailLines: 0, tellingAbove: 0 };
  const tailStart = Math.max(0, all.length - tailLines);
  const tail = all.slice(tailStart);
  const above: { index: number; line: string }[] = [];
  for (let index = tailStart - 1; index >= Math.max(0, all.length - TELLING_WINDOW_LINES) && above.length < TELLING_MAX; index -= 1) {
    const line = all[index] ?? '';
    if (TELLING_LINE.test(line)) above.unshift({ index, line });
  }
  const lines: string[] = [];
  const telling = new Set<number>();
  let next = 0;
  for (const { index, line } of above) {
    if (index > next) lines.push(gapLine(index - next));
    telling.add(lines.length);
    lines.push(line);
    next = index + 1;
  }
  if (tailStart > next) lines.push(gapLine(tailStart - next));
  for (const line of tail) {
    if (TELLING_LINE.test(line)) telling.add(lines.length);
    lines.push(line);
  }
  return { lines, telling, totalLines: all.length, tailLines: tail.length, tellingAbove: above.length };
}

function gapLine(count: number): string {
  return `… (${count} ${count === 1 ? 'line' : 'lines'})`;
}

/**
 * The stderr a failed test's report shows, or null: the file's, for a test its process's end cut short (a crash, an
 * exit code, a timeout, an interrupt, the memory guard). An assertion's own message and stack say more than stderr.
 */
export function failureStderr(file: FileResult, test: TestResult): string | null {
  const type = test.failure?.type ?? '';
  if (!CUT_SHORT_FAILURES.has(type) && type !== FAILURE.memoryGuard) return null;
  return file.stderr.trim() === '' ? null : file.stderr;
}

/**
 * The sentence of a cut-short failure, less the clause that introduced the stderr tail the harness appended
 * (`…; its stderr ended with:` and the lines after it): the excerpt shows stderr instead.
 */
export function cutShortSentence(message: string): string {
  const marker = message.indexOf('; its stderr ended with:');
  return (marker === -1 ? message : message.slice(0, marker)).trimEnd();
}
