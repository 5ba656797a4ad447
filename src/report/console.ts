// The console reporter: the plan in one line, a line per finished file with failure details, a live status
// line on a TTY, and a summary that says how to enable what was gated and where the reports went.

import { Chalk } from 'chalk';
import type { Lane } from '../results/job.js';
import { createLiveLine, formatLiveLine, printable, type LiveLine } from './console-live-line.js';
import type { LiveReadings, RunObserver } from '../results/observer.js';
import { describeSigns } from '../results/memory-evidence.js';
import { formatAnnotations, formatHeartbeat, groupStart, GROUP_END, testLines, type BeatingFile } from './console-ci.js';
import { formatFailures, formatFileLine, formatPlanLine, plural } from './console-format.js';
import { formatSummary } from './console-summary.js';
import { formatRecap } from './console-recap.js';
import type { ConsoleStyle } from './console-style.js';
import type { FileResult, TestStatus } from '../results/run-result.js';

export { CONSOLE_MESSAGE_LIMIT_BYTES } from './console-format.js';

/** Where and how the console reporter writes. */
export interface ConsoleReporterOptions {
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly color: boolean;
  /** spec (default): a line per finished file and its failures; dot: a character per test. */
  readonly style?: ConsoleStyle;
  /** Clock for the elapsed time and redraw throttling; tests pass a fixed one. */
  readonly now?: () => number;
  /** Paths show relative to this directory when that is shorter; defaults to the process's cwd. */
  readonly cwd?: string;
  /** On GitHub Actions: a `::group::` per file, `::error` annotations at the end, paths relative to `workspace`. */
  readonly github?: { readonly workspace: string } | null;
  /** Off a terminal, a file running this long gets a line saying so, and another each time as long again; 0: never. */
  readonly heartbeatMs?: number;
  /** Calls `tick` every `everyMs` until the returned function is called; tests pass one they drive by hand. */
  readonly every?: (tick: () => void, everyMs: number) => () => void;
}

/** A file running this long without a word gets a heartbeat line in a CI log. */
export const HEARTBEAT_MS = 60_000;
// How often the running files are looked at for a heartbeat: a line comes at most this late.
const HEARTBEAT_CHECK_MS = 5_000;

const DOT: Readonly<Record<TestStatus, string>> = { passed: '.', failed: 'X', skipped: '-', todo: '-', flaky: '!' };
// `--console-style dot`: a character per test; dots per line, so a CI log of thousands of tests stays readable.
const DOTS_PER_LINE = 80;

function unrefInterval(tick: () => void, everyMs: number): () => void {
  const timer = setInterval(tick, everyMs).unref();
  return () => clearInterval(timer);
}


/** The human-facing reporter: live progress while the run goes, then a recap of failures and a summary; never decides the exit code. */
export function createConsoleReporter(options: ConsoleReporterOptions): RunObserver {
  const { stream } = options;
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const now = options.now ?? Date.now;
  const cwd = options.cwd ?? process.cwd();
  const github = options.github ?? null;
  const dots = options.style === 'dot';
  const running = new Map<string, BeatingFile & { lastBeat: number }>();
  let lanes: Lane[] = [];
  let startedAt: number | null = null;
  let filesToRun = 0, filesDone = 0, filesFailed = 0, testsDone = 0;
  let readings: LiveReadings | null = null;
  // Tests counted live per file, to settle the count at the file's end: a crash reports tests that never sent an end.
  const countedLive = new Map<string, number>();
  // cpu-lane files start while the GPUs are still being listed (which can take seconds), so results can come before the
  // plan's line: a line says so first, rather than holding results back until the listing ends.
  let planned = false;
  let saidEarlyStart = false;
  let dotColumn = 0;

  const render = (columns: number): string => formatLiveLine({
    lanes: lanes.length > 0 ? lanes : [...new Set([...running.values()].map((file) => file.job.lane))].sort().reverse(),
    running: [...running.values()], filesDone, filesToRun: Math.max(filesToRun, filesDone + running.size),
    filesFailed, testsDone, elapsedMs: now() - (startedAt ?? now()),
  }, columns);
  // CI logs are not terminals: there a live line would be thousands of `\r`-joined fragments. Dots need the line to themselves.
  const live: LiveLine | null = stream.isTTY && !dots ? createLiveLine(stream, render, now) : null;
  const endDotLine = (): void => {
    if (dotColumn > 0) stream.write('\n');
    dotColumn = 0;
  };
  const write = (lines: readonly string[]): void => {
    if (lines.length === 0) return;
    endDotLine();
    if (live) live.print(lines.join('\n'));
    else stream.write(`${lines.join('\n')}\n`);
  };
  const print = (lines: readonly string[]): void => {
    if (!planned && !saidEarlyStart) {
      saidEarlyStart = true;
      write(['Listing the GPUs; cpu-lane files start meanwhile']);
    }
    write(lines);
  };
  const printDots = (file: FileResult): void => {
    print([]);
    for (const test of file.tests) {
      const dot = DOT[test.status];
      stream.write(test.status === 'failed' ? chalk.red(dot) : test.status === 'flaky' ? chalk.yellow(dot) : dot);
      dotColumn += 1;
      if (dotColumn >= DOTS_PER_LINE) endDotLine();
    }
  };

  // Off a terminal nothing moves while a 15-minute file runs: a heartbeat says what runs, how long, on how much VRAM.
  const heartbeatMs = stream.isTTY ? 0 : options.heartbeatMs ?? HEARTBEAT_MS;
  const beat = (): void => {
    const at = now();
    for (const file of running.values()) {
      if (at - file.startedAt < heartbeatMs || at - file.lastBeat < heartbeatMs) continue;
      file.lastBeat = at;
      const vram = readings && file.gpuIndices.length > 0 ? file.gpuIndices.reduce<number | null>((sum, index) => {
        const used = readings?.vramUsedBytes(index) ?? null;
        return used === null ? sum : (sum ?? 0) + used;
      }, null) : null;
      write([chalk.dim(formatHeartbeat(file, at, vram))]);
    }
  };
  let stopBeats: (() => void) | null = null;

  return {
    onPlan(plan) {
      startedAt ??= now();
      const toRun = plan.jobs.filter((job) => !job.skip);
      filesToRun = toRun.length;
      lanes = (['gpu', 'cpu'] as const).filter((lane) => toRun.some((job) => job.lane === lane));
      planned = true;
      write([formatPlanLine(plan), ...plan.notes.map((note) => chalk.yellow(`note: ${printable(note)}`))]);
    },
    onReadings(given) {
      readings = given;
    },
    onFileStart(job, gpuIndices) {
      startedAt ??= now();
      running.set(job.id, { job, gpuIndices, startedAt: now(), testsDone: 0, lastBeat: now() });
      if (heartbeatMs > 0) stopBeats ??= (options.every ?? unrefInterval)(beat, Math.min(HEARTBEAT_CHECK_MS, heartbeatMs));
      live?.request();
    },
    onTestEnd(job) {
      testsDone += 1;
      countedLive.set(job.id, (countedLive.get(job.id) ?? 0) + 1);
      const file = running.get(job.id);
      if (file) running.set(job.id, { ...file, testsDone: file.testsDone + 1 });
      live?.request();
    },
    onFileEnd(file) {
      running.delete(file.job.id);
      filesDone += 1;
      // The file's result is the count that holds: tests a crash cut short, or never reached, sent no end of their own.
      testsDone += file.tests.length - (countedLive.get(file.job.id) ?? 0);
      countedLive.delete(file.job.id);
      if (file.status !== 'passed' && file.status !== 'skipped' && file.status !== 'flaky') filesFailed += 1;
      if (dots) {
        printDots(file);
        return;
      }
      const line = formatFileLine(file, chalk);
      // On GitHub each file's tests fold under its line; its failures stay in view below.
      print(github ? [groupStart(line), ...testLines(file), GROUP_END, ...formatFailures(file, chalk, cwd)] : [line, ...formatFailures(file, chalk, cwd)]);
    },
    onFileRetry(failed, attempt, alone) {
      running.delete(failed.job.id);
      testsDone -= countedLive.get(failed.job.id) ?? 0;
      countedLive.delete(failed.job.id);
      const signs = failed.memoryEvidence?.signs ?? [];
      const why = alone
        ? `ran out of memory beside other files${signs.length > 0 ? ` (${printable(describeSigns(signs))})` : ''}: running it again alone`
        : `running it again (attempt ${attempt})`;
      print([chalk.yellow(`↻ ${failed.lane} ${printable(failed.job.id)} ${failed.status}: ${why}`), ...(dots ? [] : formatFailures(failed, chalk, cwd))]);
    },
    onInterrupt(signal, forced) {
      write([chalk.yellow.bold(forced
        ? `${printable(signal)} again: killing every test process now, writing reports…`
        : `Interrupted (${printable(signal)}): stopping ${plural(running.size, 'running file')}, writing reports… (again to kill at once)`)]);
    },
    onGpuWait(gpuIndex, holder) {
      print([chalk.yellow(`Waiting for GPU ${gpuIndex}: it is in use by ${printable(holder)}`)]);
    },
    onRunEnd(result, written, removed = []) {
      stopBeats?.();
      live?.stop();
      endDotLine();
      write([...formatRecap(result, chalk, cwd), ...formatSummary(result, written, chalk, cwd, removed)]);
      if (github) write(formatAnnotations(result, github.workspace));
    },
  };
}
