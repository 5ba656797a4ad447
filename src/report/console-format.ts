// The console's lines for the plan and for each finished file: symbol, lane, name, counts, time, and a failed file's
// failures and stderr tail, cut and made safe for a terminal.

import type { ChalkInstance } from 'chalk';
import { isAbsolute, relative } from 'node:path';
import { capName, capText } from '../units/cap-text.js';
import type { FileResult, FileStatus, TestResult } from '../results/run-result.js';
import { describeMemoryEvidence } from '../results/memory-evidence.js';
import type { Lane, Plan } from '../results/job.js';
import { printable } from './console-live-line.js';
import { formatDuration } from '../units/format.js';
import { cutShortSentence, excerptStderr, failureStderr } from './stderr-excerpt.js';

const MESSAGE_LINES = 6;
const STDERR_LINES = 5;
/**
 * The most of a failure message (and of a crashed file's stderr tail) the console shows, in UTF-8 bytes: the first and
 * the last KiB, then at most MESSAGE_LINES lines of that. report.md, junit.xml and results.json keep 64 KiB.
 */
export const CONSOLE_MESSAGE_LIMIT_BYTES = 2 * 1024;
const STATUS_WORD: Readonly<Record<FileStatus, string>> = {
  passed: '', failed: '', skipped: 'skipped', crashed: 'crashed', 'timed-out': 'timed out', interrupted: 'interrupted',
  'passed-alone': 'passed alone, fails co-scheduled', flaky: 'flaky, passed on a retry',
};
const SKIP_WORD = { gated: 'gated', 'no-gpu': 'no GPU', deselected: 'deselected' } as const;

/** `1 file`, `2 files`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A test name or step from the project: cut to NAME_LIMIT_CHARS, then made safe for a terminal. */
export function name(text: string): string {
  return printable(capName(text));
}

/** `path` relative to `cwd` when that is shorter. */
export function displayPath(path: string, cwd: string): string {
  if (!isAbsolute(path)) return path;
  const fromCwd = relative(cwd, path);
  return fromCwd.length < path.length ? fromCwd : path;
}

/** The plan in one line: files per lane, and how many are skipped and why. */
export function formatPlanLine(plan: Plan): string {
  const runs = (lane: Lane): number => plan.jobs.filter((job) => !job.skip && job.lane === lane).length;
  const skipped = plan.jobs.filter((job) => job.skip);
  const why = (Object.keys(SKIP_WORD) as (keyof typeof SKIP_WORD)[])
    .map((code) => ({ code, count: skipped.filter((job) => job.skip?.code === code).length }))
    .filter(({ count }) => count > 0)
    .map(({ code, count }) => `${count} ${SKIP_WORD[code]}`);
  const skipText = skipped.length > 0 ? `; ${skipped.length} skipped (${why.join(', ')})` : '';
  const toRun = runs('gpu') + runs('cpu');
  return `Running ${plural(toRun, 'file')}: ${runs('gpu')} in the gpu lane, ${runs('cpu')} in the cpu lane${skipText}`;
}

/** A file's test counts: `3 passed, 1 failed`. */
export function formatTestCounts(tests: readonly TestResult[], chalk: ChalkInstance): string {
  const count = (status: TestResult['status']): number => tests.filter((test) => test.status === status).length;
  const parts = [`${count('passed')} passed`, `${count('failed')} failed`, `${count('flaky')} flaky`, `${count('skipped')} skipped`, `${count('todo')} todo`]
    .filter((part) => !part.startsWith('0 '))
    .map((part) => (part.endsWith(' failed') ? chalk.red(part) : part));
  return parts.length > 0 ? parts.join(', ') : 'no tests';
}

/** The symbol a file's line starts with. */
export function fileSymbol(status: FileStatus, chalk: ChalkInstance): string {
  if (status === 'passed') return chalk.green('✔');
  if (status === 'passed-alone') return chalk.yellow('⚠');
  if (status === 'flaky') return chalk.yellow('↻');
  if (status === 'skipped' || status === 'interrupted') return chalk.yellow('﹣');
  return chalk.red('✖');
}

/** One line per finished file: symbol, lane, id, GPUs, status, counts, time. */
export function formatFileLine(file: FileResult, chalk: ChalkInstance): string {
  const gpu = file.gpuIndices.length > 0 ? ` (GPU ${file.gpuIndices.join(', ')})` : '';
  const word = STATUS_WORD[file.status];
  const durationMs = file.outcome?.durationMs ?? (file.startedAt !== null && file.endedAt !== null ? file.endedAt - file.startedAt : null);
  const duration = durationMs === null ? '' : `  ${chalk.dim(formatDuration(durationMs))}`;
  const status = word ? `${chalk.red(word)}: ` : '';
  return `${fileSymbol(file.status, chalk)} ${file.lane} ${printable(file.job.id)}${gpu}  ${status}${formatTestCounts(file.tests, chalk)}${duration}`;
}

/** The first `max` lines of `text`, capped and made printable, with a count of the rest. */
export function firstLines(text: string, max: number): string[] {
  const lines = printable(capText(text, CONSOLE_MESSAGE_LIMIT_BYTES), true).split('\n').map((line) => line.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length <= max) return lines;
  return [...lines.slice(0, max), `… (${plural(lines.length - max, 'more line')})`];
}

/** Each non-empty line indented by `by`. */
export function indent(lines: readonly string[], by: string): string[] {
  return lines.map((line) => (line === '' ? '' : by + line));
}

/** Where a test is: `file:line`, the file relative to `cwd` when that is shorter. */
export function testLocation(test: TestResult, cwd: string): string {
  return test.line === null ? displayPath(test.file, cwd) : `${displayPath(test.file, cwd)}:${test.line}`;
}

/**
 * The excerpt of a process's stderr for the console: the last `tail` lines, after any line above them that names the
 * error, cut and made printable; telling lines in red.
 */
export function stderrLines(stderr: string, tail: number, chalk: ChalkInstance): string[] {
  const excerpt = excerptStderr(capText(stderr, CONSOLE_MESSAGE_LIMIT_BYTES), tail);
  return excerpt.lines.map((line, index) => {
    const shown = printable(line).trimEnd();
    return excerpt.telling.has(index) ? chalk.red(shown) : shown;
  });
}

/**
 * A failed file's failures (name, where, message) and, when its process's end cut a test short or the file ended
 * early, the end of its stderr, once: the lines there usually say why (`CUDA out of memory`), the test's message does not.
 */
export function formatFailures(file: FileResult, chalk: ChalkInstance, cwd: string): string[] {
  if (file.status !== 'failed' && file.status !== 'crashed' && file.status !== 'timed-out') return [];
  const failed = file.tests.filter((test) => test.status === 'failed');
  const lines: string[] = [];
  // The file's error repeats the start of the message of the test it cut short: said once.
  const error = file.error;
  if (error && !failed.some((test) => test.failure?.message.startsWith(error))) lines.push(`  ${chalk.red(printable(capText(error, CONSOLE_MESSAGE_LIMIT_BYTES)))}`);
  // A failure memory could explain that was not re-run alone says why: a SIGKILL with no sign of memory pressure.
  if (file.memoryEvidence && file.memoryEvidence.alone !== 'retried') lines.push(`  ${chalk.dim(printable(capText(describeMemoryEvidence(file.memoryEvidence), CONSOLE_MESSAGE_LIMIT_BYTES)))}`);
  let stderr = file.status === 'failed' ? null : file.stderr;
  for (const test of failed) {
    lines.push(`  ${chalk.red('✖')} ${chalk.bold(name(test.fullName))}`);
    lines.push(`    ${chalk.dim(printable(testLocation(test, cwd)))}`);
    const cutShort = failureStderr(file, test);
    const message = test.failure?.message ?? 'failed without a message';
    lines.push(...indent(firstLines(cutShort === null ? message : cutShortSentence(message), MESSAGE_LINES), '    '));
    stderr ??= cutShort;
  }
  const shown = stderr === null ? [] : stderrLines(stderr, STDERR_LINES, chalk);
  if (shown.length > 0) lines.push(`  ${chalk.dim('stderr:')}`, ...indent(shown, '    '));
  return lines;
}
