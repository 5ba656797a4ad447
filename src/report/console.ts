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

export { CONSOLE_MESSAGE_LIMIT_BYTES } from './console-format.js';

/** Where and how the console reporter writes. */
export interface ConsoleReporterOptions {
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly color: boolean;
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

function unrefInterval(tick: () => void, everyMs: number): () => void {
  const timer = setInterval(tick, everyMs).unref();
  return () => clearInterval(timer);
}


/** The human-facing reporter: live progress while the run goes, then a summary; never decides the exit code. */
export function createConsoleReporter(options: ConsoleReporterOptions): RunObserver {
  const { stream } = options;
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const now = options.now ?? Date.now;
  const cwd = options.cwd ?? process.cwd();
  const github = options.github ?? null;
  const running = new Map<string, BeatingFile & { lastBeat: number }>();
  let lanes: Lane[] = [];
  let startedAt: number | null = null;
  let filesToRun = 0, filesDone = 0, filesFailed = 0, testsDone = 0;
  let readings: LiveReadings | null = null;

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

  // Off a terminal nothing moves while a 15-minute file runs: a heartbeat says what runs, how long, on how much VRAM.
  const heartbeatMs = live ? 0 : options.heartbeatMs ?? HEARTBEAT_MS;
  const beat = (): void => {
    const at = now();
    for (const file of running.values()) {
      if (at - file.startedAt < heartbeatMs || at - file.lastBeat < heartbeatMs) continue;
      file.lastBeat = at;
      const vram = readings && file.gpuIndices.length > 0 ? file.gpuIndices.reduce<number | null>((sum, index) => {
        const used = readings?.vramUsedBytes(index) ?? null;
        return used === null ? sum : (sum ?? 0) + used;
      }, null) : null;
      print([chalk.dim(formatHeartbeat(file, at, vram))]);
    }
  };
  let stopBeats: (() => void) | null = null;

  return {
    onPlan(plan) {
      startedAt ??= now();
      const toRun = plan.jobs.filter((job) => !job.skip);
      filesToRun = toRun.length;
      lanes = (['gpu', 'cpu'] as const).filter((lane) => toRun.some((job) => job.lane === lane));
      print([formatPlanLine(plan), ...plan.notes.map((note) => chalk.yellow(`note: ${printable(note)}`))]);
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
      const file = running.get(job.id);
      if (file) running.set(job.id, { ...file, testsDone: file.testsDone + 1 });
      live?.request();
    },
    onFileEnd(file) {
      running.delete(file.job.id);
      filesDone += 1;
      if (file.status !== 'passed' && file.status !== 'skipped' && file.status !== 'flaky') filesFailed += 1;
      const line = formatFileLine(file, chalk);
      // On GitHub each file's tests fold under its line; its failures stay in view below.
      print(github ? [groupStart(line), ...testLines(file), GROUP_END, ...formatFailures(file, chalk, cwd)] : [line, ...formatFailures(file, chalk, cwd)]);
    },
    onFileRetry(failed, attempt, alone) {
      running.delete(failed.job.id);
      const signs = failed.memoryEvidence?.signs ?? [];
      const why = alone
        ? `ran out of memory beside other files${signs.length > 0 ? ` (${printable(describeSigns(signs))})` : ''}: running it again alone`
        : `running it again (attempt ${attempt})`;
      print([chalk.yellow(`↻ ${failed.lane} ${printable(failed.job.id)} ${failed.status}: ${why}`), ...formatFailures(failed, chalk, cwd)]);
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
      stopBeats?.();
      live?.stop();
      print(formatSummary(result, written, chalk, cwd));
      if (github) print(formatAnnotations(result, github.workspace));
    },
  };
}
