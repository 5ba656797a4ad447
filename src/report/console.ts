// The console reporter: the plan in one line, a line per finished file with failure details, a live status
// line on a TTY, and a summary that says how to enable what was gated and where the reports went.

import { Chalk, type ChalkInstance } from 'chalk';
import { isAbsolute, relative } from 'node:path';
import { capName, capText } from '../units/cap-text.js';
import type { FileResult, FileStatus, HookRun, LeakFinding, RunResult, TestResult } from '../results/run-result.js';
import type { Lane, Plan } from '../results/job.js';
import { createLiveLine, formatLiveLine, printable, type LiveLine, type RunningFile } from './console-live-line.js';
import { formatBytes, formatBytesDelta, formatDuration } from '../units/format.js';
import { measureTests, topGrowth, type MeasuredTest } from './growth.js';
import { formatLeakDelta, formatLeakValue } from '../results/leak-labels.js';
import { leakLabel } from './leak-calls.js';
import type { RunObserver, WrittenReport } from '../results/observer.js';

/** Where and how the console reporter writes. */
export interface ConsoleReporterOptions {
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly color: boolean;
  /** Clock for the elapsed time and redraw throttling; tests pass a fixed one. */
  readonly now?: () => number;
  /** Paths show relative to this directory when that is shorter; defaults to the process's cwd. */
  readonly cwd?: string;
}

const MESSAGE_LINES = 6;
const STDERR_LINES = 5;
/**
 * The most of a failure message (and of a crashed file's stderr tail) the console shows, in UTF-8 bytes: the first and
 * the last KiB, then at most MESSAGE_LINES lines of that. report.md, junit.xml and results.json keep 64 KiB.
 */
export const CONSOLE_MESSAGE_LIMIT_BYTES = 2 * 1024;
const STATUS_WORD: Readonly<Record<FileStatus, string>> = {
  passed: '', failed: '', skipped: 'skipped', crashed: 'crashed', 'timed-out': 'timed out', interrupted: 'interrupted',
  'passed-alone': 'passed alone, fails co-scheduled',
};
const SKIP_WORD = { gated: 'gated', 'no-gpu': 'no GPU', deselected: 'deselected' } as const;

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

// Test names, steps and the like come from the project: cut to NAME_LIMIT_CHARS, then made safe for a terminal.
function name(text: string): string {
  return printable(capName(text));
}

function displayPath(path: string, cwd: string): string {
  if (!isAbsolute(path)) return path;
  const fromCwd = relative(cwd, path);
  return fromCwd.length < path.length ? fromCwd : path;
}

function formatPlanLine(plan: Plan): string {
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

function formatTestCounts(tests: readonly TestResult[], chalk: ChalkInstance): string {
  const count = (status: TestResult['status']): number => tests.filter((test) => test.status === status).length;
  const parts = [`${count('passed')} passed`, `${count('failed')} failed`, `${count('skipped')} skipped`, `${count('todo')} todo`]
    .filter((part) => !part.startsWith('0 '))
    .map((part) => (part.endsWith(' failed') ? chalk.red(part) : part));
  return parts.length > 0 ? parts.join(', ') : 'no tests';
}

function fileSymbol(status: FileStatus, chalk: ChalkInstance): string {
  if (status === 'passed') return chalk.green('✔');
  if (status === 'passed-alone') return chalk.yellow('⚠');
  if (status === 'skipped' || status === 'interrupted') return chalk.yellow('﹣');
  return chalk.red('✖');
}

function formatFileLine(file: FileResult, chalk: ChalkInstance): string {
  const gpu = file.gpuIndices.length > 0 ? ` (GPU ${file.gpuIndices.join(', ')})` : '';
  const word = STATUS_WORD[file.status];
  const durationMs = file.outcome?.durationMs ?? (file.startedAt !== null && file.endedAt !== null ? file.endedAt - file.startedAt : null);
  const duration = durationMs === null ? '' : `  ${chalk.dim(formatDuration(durationMs))}`;
  const status = word ? `${chalk.red(word)}: ` : '';
  return `${fileSymbol(file.status, chalk)} ${file.lane} ${printable(file.job.id)}${gpu}  ${status}${formatTestCounts(file.tests, chalk)}${duration}`;
}

function firstLines(text: string, max: number): string[] {
  const lines = printable(capText(text, CONSOLE_MESSAGE_LIMIT_BYTES), true).split('\n').map((line) => line.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length <= max) return lines;
  return [...lines.slice(0, max), `… (${plural(lines.length - max, 'more line')})`];
}

function indent(lines: readonly string[], by: string): string[] {
  return lines.map((line) => (line === '' ? '' : by + line));
}

function formatFailures(file: FileResult, chalk: ChalkInstance, cwd: string): string[] {
  if (file.status !== 'failed' && file.status !== 'crashed' && file.status !== 'timed-out') return [];
  const failed = file.tests.filter((test) => test.status === 'failed');
  const lines: string[] = [];
  if (file.error && !failed.some((test) => test.failure?.message === file.error)) lines.push(`  ${chalk.red(printable(capText(file.error, CONSOLE_MESSAGE_LIMIT_BYTES)))}`);
  for (const test of failed) {
    const where = test.line === null ? displayPath(test.file, cwd) : `${displayPath(test.file, cwd)}:${test.line}`;
    lines.push(`  ${chalk.red('✖')} ${chalk.bold(name(test.fullName))}`);
    lines.push(`    ${chalk.dim(printable(where))}`);
    lines.push(...indent(firstLines(test.failure?.message ?? 'failed without a message', MESSAGE_LINES), '    '));
  }
  // A crash or a timeout seldom says why in the test's message; the tail of stderr usually does.
  const stderr = file.status === 'failed' ? [] : firstLines(file.stderr.split('\n').slice(-STDERR_LINES - 1).join('\n'), STDERR_LINES);
  if (stderr.length > 0) lines.push(`  ${chalk.dim('stderr:')}`, ...indent(stderr, '    '));
  return lines;
}

function formatSkipGroups(files: readonly FileResult[], gated: boolean): string[] {
  const groups = new Map<string, string[]>();
  for (const file of files) {
    if (file.status !== 'skipped' || (file.job.skip?.code === 'gated') !== gated) continue;
    const reason = file.skipReason ?? 'skipped';
    groups.set(reason, [...(groups.get(reason) ?? []), printable(file.job.id)]);
  }
  return [...groups].map(([reason, ids]) => {
    const shown = ids.length > 3 ? [...ids.slice(0, 3), `${ids.length - 3} more`] : ids;
    return `${printable(reason)} (${shown.join(', ')})`;
  });
}

// The test that grew VRAM most and, when another, the one whose VRAM peaked highest: a spike freed before the test
// ended shows only in its peak.
function formatTopVram(result: RunResult): string[] {
  const tests = measureTests(result);
  const [grew] = topGrowth(tests, 'vramDeltaBytes', 1);
  const [peaked] = topGrowth(tests, 'vramPeakBytes', 1);
  const named = ({ test, file }: MeasuredTest): string => {
    const gpu = file.gpuIndices.length > 0 ? ` on GPU ${file.gpuIndices.join(', ')}` : '';
    const where = test.line === null ? file.job.id : `${file.job.id}:${test.line}`;
    return `${name(test.fullName)} (${printable(where)})${gpu}`;
  };
  const lines: string[] = [];
  if (grew) {
    const peak = grew.deltas.vramPeakBytes === null ? '' : `, peak ${formatBytes(grew.deltas.vramPeakBytes)}`;
    lines.push(`${formatBytesDelta(grew.deltas.vramDeltaBytes)} in ${named(grew)}, ${formatBytes(grew.deltas.vramAfterBytes)} in use after${peak}`);
  }
  if (peaked && peaked.test !== grew?.test) lines.push(`peak ${formatBytes(peaked.deltas.vramPeakBytes)} in ${named(peaked)}`);
  return lines;
}

// Named in the summary; the rest are counted, and report.md lists them all.
const SUMMARY_NAMES = 3;

function firstFew(items: readonly string[]): string {
  return items.length > SUMMARY_NAMES ? `${items.slice(0, SUMMARY_NAMES).join('; ')}; ${items.length - SUMMARY_NAMES} more` : items.join('; ');
}

// A staircase's steps say where its figure came from: a caching allocator's segments, not every iteration.
function staircase(leak: LeakFinding): string {
  const steps = leak.verdict.steps;
  if (leak.verdict.pattern !== 'staircase' || steps === null) return '';
  return ` (steps of ${formatLeakValue(leak, steps.height)} every ${steps.period ?? '?'} iterations)`;
}

// One line for the leaks the final call confirmed; nothing when there are none (cleared calls are report.md's business).
function formatLeaks(result: RunResult): string[] {
  const leaks = result.files.flatMap((file) => file.leaks.filter((leak) => leak.verdict.leaking).map((leak) =>
    `${printable(file.job.id)} › ${name(leak.test)}: ${leakLabel(leak)} ${formatLeakDelta(leak, leak.verdict.perIteration)}/iteration${staircase(leak)}`));
  if (leaks.length === 0) return [];
  const confirmed = result.files.every((file) => file.leaks.every((leak) => !leak.verdict.leaking || leak.rechecked));
  const warnOnly = result.config.leaks === 'warn' ? ', reported only (--leaks warn)' : '';
  return [`${leaks.length} ${confirmed ? 'confirmed' : 'found'}${warnOnly} (${firstFew(leaks)})`];
}

// One line for processes files left behind, with what to run for those still alive.
function formatOrphans(result: RunResult): string[] {
  const orphans = result.files.flatMap((file) => file.residue?.orphans ?? []);
  if (orphans.length === 0) return [];
  const running = orphans.filter((orphan) => !orphan.killed);
  const each = orphans.map((orphan) => {
    const where = orphan.gpuIndex === null ? '' : ` on GPU ${orphan.gpuIndex}${orphan.vramBytes === null ? '' : `, ${formatBytes(orphan.vramBytes)}`}`;
    return `pid ${orphan.pid}${where}, ${orphan.killed ? 'killed' : 'still running'}`;
  });
  const fix = running.length === 0 ? '' : `: kill ${running.map((orphan) => orphan.pid).join(' ')} or run with --kill-orphans`;
  return [`${orphans.length} left running after their file (${firstFew(each)})${fix}`];
}

// One line per failed hook step; report.md has its output.
function formatHooks(result: RunResult): string[] {
  return result.hooks.filter((run) => !run.ok).map((run: HookRun) =>
    `${printable(run.suite)} ${run.phase} \`${name(run.step)}\` failed: ${printable(run.error ?? 'failed')}`);
}

// One line per budget breach: they are found after the files end, so the per-file lines above do not show them.
function formatBudgets(result: RunResult): string[] {
  return result.budgets.flatMap((check) => check.breaches.map((breach) => `${name(breach.testName)}: ${printable(capText(breach.message, CONSOLE_MESSAGE_LIMIT_BYTES))}`));
}

function formatSummary(result: RunResult, written: readonly WrittenReport[], chalk: ChalkInstance, cwd: string): string[] {
  const { counts } = result;
  const verdict = result.verdict === 'passed' ? chalk.green.bold('✔ PASSED')
    : result.verdict === 'failed' ? chalk.red.bold('✖ FAILED') : chalk.yellow.bold('﹣ INTERRUPTED');
  const failed = (text: string, count: number): string => (count > 0 ? chalk.red(text) : text);
  const filesPassed = counts.files - counts.filesSkipped - counts.filesFailed;
  const lines = [
    '',
    `${verdict} in ${formatDuration(result.endedAt - result.startedAt)}`,
    `Tests:    ${counts.passed} passed, ${failed(`${counts.failed} failed`, counts.failed)}, ${counts.skipped} skipped, ${counts.todo} todo (${counts.tests} in all)`,
    `Files:    ${filesPassed} passed, ${failed(`${counts.filesFailed} failed`, counts.filesFailed)}, ${counts.filesSkipped} skipped (${counts.files} in all)`,
  ];
  const section = (label: string, items: readonly string[], paint: (text: string) => string = (text) => text): void => {
    items.forEach((item, index) => lines.push(`${index === 0 ? label.padEnd(10) : ' '.repeat(10)}${paint(item)}`));
  };
  section('Gated:', formatSkipGroups(result.files, true), chalk.yellow);
  section('Skipped:', formatSkipGroups(result.files, false));
  section('Top VRAM:', formatTopVram(result));
  section('Hooks:', formatHooks(result), chalk.red);
  section('Budgets:', formatBudgets(result), chalk.red);
  section('Leaks:', formatLeaks(result), chalk.red);
  section('Orphans:', formatOrphans(result), chalk.yellow);
  section('Warnings:', result.warnings.map((warning) => printable(capText(warning, CONSOLE_MESSAGE_LIMIT_BYTES))), chalk.yellow);
  section('Reports:', written.map((report) => `${report.format.padEnd(10)}${displayPath(report.path, cwd)}`));
  return lines;
}

/** The human-facing reporter: live progress while the run goes, then a summary; never decides the exit code. */
export function createConsoleReporter(options: ConsoleReporterOptions): RunObserver {
  const { stream } = options;
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const now = options.now ?? Date.now;
  const cwd = options.cwd ?? process.cwd();
  const running = new Map<string, RunningFile>();
  let lanes: Lane[] = [];
  let startedAt: number | null = null;
  let filesToRun = 0, filesDone = 0, filesFailed = 0, testsDone = 0;

  const render = (columns: number): string => formatLiveLine({
    lanes: lanes.length > 0 ? lanes : [...new Set([...running.values()].map((file) => file.job.lane))].sort().reverse(),
    running: [...running.values()], filesDone, filesToRun: Math.max(filesToRun, filesDone + running.size),
    filesFailed, testsDone, elapsedMs: now() - (startedAt ?? now()),
  }, columns);
  // CI logs are not terminals: there a live line would be thousands of `\r`-joined fragments.
  const live: LiveLine | null = stream.isTTY ? createLiveLine(stream, render, now) : null;
  const print = (lines: readonly string[]): void => {
    if (lines.length === 0) return;
    if (live) live.print(lines.join('\n'));
    else stream.write(`${lines.join('\n')}\n`);
  };

  return {
    onPlan(plan) {
      startedAt ??= now();
      const toRun = plan.jobs.filter((job) => !job.skip);
      filesToRun = toRun.length;
      lanes = (['gpu', 'cpu'] as const).filter((lane) => toRun.some((job) => job.lane === lane));
      print([formatPlanLine(plan), ...plan.notes.map((note) => chalk.yellow(`note: ${printable(note)}`))]);
    },
    onFileStart(job, gpuIndices) {
      startedAt ??= now();
      running.set(job.id, { job, gpuIndices });
      live?.request();
    },
    onTestEnd() {
      testsDone += 1;
      live?.request();
    },
    onFileEnd(file) {
      running.delete(file.job.id);
      filesDone += 1;
      if (file.status !== 'passed' && file.status !== 'skipped') filesFailed += 1;
      print([formatFileLine(file, chalk), ...formatFailures(file, chalk, cwd)]);
    },
    onInterrupt(signal, forced) {
      print([chalk.yellow.bold(forced
        ? `${printable(signal)} again: killing every test process now, writing reports…`
        : `Interrupted (${printable(signal)}): stopping ${plural(running.size, 'running file')}, writing reports… (again to kill at once)`)]);
    },
    onGpuWait(gpuIndex, holder) {
      print([chalk.yellow(`Waiting for GPU ${gpuIndex}: it is in use by ${printable(holder)}`)]);
    },
    onRunEnd(result, written) {
      live?.stop();
      print(formatSummary(result, written, chalk, cwd));
    },
  };
}
