// The failures once more, just above the summary: by the end of a long run the per-file lines have scrolled away, and
// under `--console-style dot` there were none. A few lines each: name, where, the message's start, and for a test its
// process's end cut short, the stderr lines that say why.

import type { ChalkInstance } from 'chalk';
import type { RunResult } from '../results/run-result.js';
import { firstLines, indent, name, plural, stderrLines, testLocation } from './console-format.js';
import { printable } from './console-live-line.js';
import { cutShortSentence, failureStderr } from './stderr-excerpt.js';

/** Failures recapped one by one; the rest are counted (report.md lists them all). */
export const RECAP_MAX = 20;
const RECAP_MESSAGE_LINES = 2;
const RECAP_STDERR_LINES = 3;

/** The recap's lines: a heading and a few lines per failed test; none when nothing failed. */
export function formatRecap(result: RunResult, chalk: ChalkInstance, cwd: string): string[] {
  const failed = result.files.flatMap((file) => file.tests.filter((test) => test.status === 'failed').map((test) => ({ file, test })));
  if (failed.length === 0) return [];
  const lines = ['', chalk.red.bold(`Failures (${failed.length}):`)];
  failed.slice(0, RECAP_MAX).forEach(({ file, test }, index) => {
    lines.push(`  ${chalk.red(`${index + 1})`)} ${chalk.bold(name(test.fullName))}  ${chalk.dim(printable(testLocation(test, cwd)))}`);
    const stderr = failureStderr(file, test);
    const message = test.failure?.message ?? 'failed without a message';
    // Blank lines say nothing in two lines of a message (an assertion's diff starts with one).
    const said = (stderr === null ? message : cutShortSentence(message)).split('\n').filter((line) => line.trim() !== '').join('\n');
    lines.push(...indent(firstLines(said, RECAP_MESSAGE_LINES), '     '));
    if (stderr !== null) {
      // The lines naming the error even when far above the end, then the last few.
      lines.push(...indent(stderrLines(stderr, RECAP_STDERR_LINES, chalk).map((line) => `${chalk.dim('stderr │')} ${line}`), '     '));
    }
  });
  if (failed.length > RECAP_MAX) lines.push(`  … and ${plural(failed.length - RECAP_MAX, 'more failure')} (report.md lists them all)`);
  return lines;
}
