// What the console writes for CI logs: GitHub Actions' workflow commands (`::error file=,line=::` annotations for
// failing tests, `::group::` around each file's lines) and, in any log that is not a terminal, a heartbeat line for a
// file that has run a minute or more without a word. Pure: the reporter decides when to print them.

import { isAbsolute, relative, sep } from 'node:path';
import { capText } from '../units/cap-text.js';
import type { FileResult, RunResult, TestResult } from '../results/run-result.js';
import { formatBytes, formatDuration } from '../units/format.js';
import { formatClock, printable, type RunningFile } from './console-live-line.js';

/** GitHub shows at most 10 error and 10 warning annotations per step: the rest are counted in a notice. */
export const ANNOTATION_LIMIT = 10;
/** The most of a failure message an annotation carries; report.md has the rest. */
const ANNOTATION_MESSAGE_BYTES = 4 * 1024;

/** A workflow command's message: `%`, CR and LF escaped as the runner reads them back. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command's property value: as escapeData, and `:` and `,`, which end a property. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `path` relative to the repository (`GITHUB_WORKSPACE`), `/`-separated; null when it lies outside. */
function repoPath(path: string, workspace: string): string | null {
  const inside = isAbsolute(path) ? relative(workspace, path) : path;
  return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? null : inside.split(sep).join('/');
}

function command(kind: 'error' | 'warning' | 'notice', properties: Readonly<Record<string, string | number | null>>, message: string): string {
  const props = Object.entries(properties).filter(([, value]) => value !== null).map(([key, value]) => `${key}=${escapeProperty(String(value))}`);
  return `::${kind}${props.length > 0 ? ` ${props.join(',')}` : ''}::${escapeData(capText(message, ANNOTATION_MESSAGE_BYTES))}`;
}

function testAnnotation(kind: 'error' | 'warning', test: TestResult, file: FileResult, where: { workspace: string; rootDir: string }, title: string, message: string): string {
  // A merged run's files ran on other machines, under other paths: then the path within the project is the best guess.
  const path = repoPath(test.file, where.workspace) ?? repoPath(file.job.file, where.workspace) ?? repoPath(test.file, where.rootDir);
  return command(kind, { file: path, line: path === null ? null : test.line, col: path === null ? null : test.column, title }, message);
}

/**
 * The annotations of a finished run: an error per failing test (at its file and line), a warning per flaky test and
 * per regression against the baseline (an error when it fails the run), at most ANNOTATION_LIMIT of each kind.
 */
export function formatAnnotations(result: RunResult, workspace: string): string[] {
  const errors: string[] = [];
  const warnings: string[] = [];
  const where = { workspace, rootDir: result.config.rootDir };
  for (const file of result.files) {
    for (const test of file.tests) {
      const first = (test.failure?.message ?? 'failed without a message').split('\n').slice(0, 20).join('\n');
      if (test.status === 'failed') errors.push(testAnnotation('error', test, file, where, `${test.fullName} (${test.failure?.type ?? 'failed'})`, first));
      if (test.status === 'flaky') warnings.push(testAnnotation('warning', test, file, where, `flaky: ${test.fullName}`, `failed, then passed on a retry; the first failure: ${first}`));
    }
  }
  for (const change of result.comparison?.changes ?? []) {
    if (change.kind !== 'regression') continue;
    const what = change.test === null ? `suite ${change.suite}` : `${change.test} (${change.fileId})`;
    const moved = change.note ?? `${change.base} → ${change.current} (${change.changePercent === null ? 'n/a' : `${change.changePercent.toFixed(0)}%`})`;
    (result.comparison?.failOnRegression ? errors : warnings).push(command(result.comparison?.failOnRegression ? 'error' : 'warning', { title: `regression: ${change.figure}` }, `${what}: ${moved}`));
  }
  const more = Math.max(0, errors.length - ANNOTATION_LIMIT) + Math.max(0, warnings.length - ANNOTATION_LIMIT);
  const lines = [...errors.slice(0, ANNOTATION_LIMIT), ...warnings.slice(0, ANNOTATION_LIMIT)];
  if (more > 0) lines.push(command('notice', { title: 'more in report.md' }, `${more} more failures, flaky tests or regressions are in report.md`));
  return lines;
}

/** A group's first line: its title, shown folded in the GitHub log. */
export function groupStart(title: string): string {
  return `::group::${escapeData(title)}`;
}

/** A group's last line. */
export const GROUP_END = '::endgroup::';

/** One line per test of a finished file, for its group in the log: symbol, name, time, VRAM peak. */
export function testLines(file: FileResult): string[] {
  const symbol = { passed: '✔', failed: '✖', skipped: '﹣', todo: '﹣', flaky: '↻' } as const;
  return file.tests.map((test) => {
    const peak = test.window?.peak?.vramBytes;
    const vram = peak === null || peak === undefined ? '' : `  VRAM peak ${formatBytes(peak)}`;
    return `  ${symbol[test.status]} ${printable(capText(test.fullName, 1024))}  ${formatDuration(test.durationMs)}${vram}`;
  });
}

/** A file still running, for its heartbeat: when it started and how many of its tests have ended. */
export interface BeatingFile extends RunningFile {
  readonly startedAt: number;
  readonly testsDone: number;
}

/** `… still running gpu suites/flux/gen.test.ts (GPU 0): 5:00 elapsed, 3 tests done, VRAM 12.3 GiB`. */
export function formatHeartbeat(file: BeatingFile, now: number, vramBytes: number | null): string {
  const gpus = file.gpuIndices.length > 0 ? ` (GPU ${file.gpuIndices.join(', ')})` : '';
  const vram = vramBytes === null ? '' : `, VRAM ${formatBytes(vramBytes)}`;
  const tests = `${file.testsDone} ${file.testsDone === 1 ? 'test' : 'tests'} done`;
  return `… still running ${file.job.lane} ${printable(file.job.id)}${gpus}: ${formatClock(now - file.startedAt)} elapsed, ${tests}${vram}`;
}
