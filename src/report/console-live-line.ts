// The TTY status line: what each lane is running and how far the run has got, rewritten in place.
// Redraws are throttled because a suite of fast tests would otherwise repaint thousands of times a second.

import { basename } from 'node:path';
import type { Job, Lane } from '../results/job.js';

const CLEAR_LINE = '\r\x1b[2K';
const MIN_REDRAW_MS = 100;
const CLOCK_TICK_MS = 1000;
const DEFAULT_COLUMNS = 80;
const MIN_LANE_COLUMNS = 20;
const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A file in flight, as the live line names it. */
export interface RunningFile {
  readonly job: Job;
  readonly gpuIndices: readonly number[];
}

/** The progress the live line shows. */
export interface LiveState {
  /** Lanes with files to run: an idle lane is shown only when it has work planned. */
  readonly lanes: readonly Lane[];
  readonly running: readonly RunningFile[];
  readonly filesDone: number;
  readonly filesToRun: number;
  readonly filesFailed: number;
  readonly testsDone: number;
  readonly elapsedMs: number;
}

/** A line kept at the bottom of a TTY, with permanent lines printed above it. */
export interface LiveLine {
  /** Redraw soon: now, or within ~100 ms when the last redraw was more recent. */
  request(): void;
  /** Prints `text` (one or more lines, no trailing newline) above the live line. */
  print(text: string): void;
  /** Erases the live line for good; later prints are plain lines. */
  stop(): void;
}

/** `42_000` -> `0:42`, `3_723_000` -> `1:02:03`. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const seconds = String(total % 60).padStart(2, '0');
  const minutes = Math.floor(total / 60) % 60;
  const hours = Math.floor(total / 3600);
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Shows control characters as escapes (`\x1b`, `\x07`), so a test name cannot move the cursor, recolor or beep. */
export function printable(text: string, keepNewlines = false): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
    if (keepNewlines && char === '\n') return char;
    return ESCAPES[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** Cuts `text` to at most `columns` code points, ending in `…` when cut. */
export function truncateToWidth(text: string, columns: number): string {
  const chars = [...text];
  if (chars.length <= columns) return text;
  return columns <= 0 ? '' : `${chars.slice(0, columns - 1).join('')}…`;
}

function describeLane(lane: Lane, running: readonly RunningFile[]): string {
  const inLane = running.filter((file) => file.job.lane === lane);
  const gpu = (file: RunningFile): string => (file.gpuIndices.length > 0 ? ` (GPU ${file.gpuIndices.join(', ')})` : '');
  const [only] = inLane;
  if (!only) return `${lane} ▸ idle`;
  if (inLane.length === 1) return `${lane} ▸ ${printable(only.job.id)}${gpu(only)}`;
  const names = inLane.map((file) => `${printable(basename(file.job.id))}${gpu(file)}`);
  return `${lane} ▸ ${inLane.length} running: ${names.join(', ')}`;
}

/** The status line's text, cut to `columns`: file names give way first, so progress and clock stay in view. */
export function formatLiveLine(state: LiveState, columns: number): string {
  const lanes = state.lanes.map((lane) => describeLane(lane, state.running)).join(' │ ');
  const tests = `${state.testsDone} ${state.testsDone === 1 ? 'test' : 'tests'} done`;
  const failed = state.filesFailed > 0 ? `, ${state.filesFailed} ${state.filesFailed === 1 ? 'file' : 'files'} failed` : '';
  const tail = `${state.filesDone}/${state.filesToRun} files, ${tests}${failed} │ ${formatClock(state.elapsedMs)}`;
  if (!lanes) return truncateToWidth(tail, columns);
  const room = columns - [...tail].length - ' │ '.length;
  if (room < MIN_LANE_COLUMNS) return truncateToWidth(`${lanes} │ ${tail}`, columns);
  return `${truncateToWidth(lanes, room)} │ ${tail}`;
}

/** Draws `render(columns)` on a TTY stream, throttled; a clock tick keeps the elapsed time moving between events. */
export function createLiveLine(
  stream: NodeJS.WritableStream & { columns?: number },
  render: (columns: number) => string,
  now: () => number,
): LiveLine {
  let visible = false;
  let stopped = false;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let pending: NodeJS.Timeout | null = null;
  let ticker: NodeJS.Timeout | null = null;

  // One column short of the width: writing into the last column wraps on some terminals, and `\r` then
  // returns to the wrong row.
  const current = (): string => render(Math.max(1, (stream.columns ?? DEFAULT_COLUMNS) - 1));
  const cancelPending = (): void => {
    if (pending) clearTimeout(pending);
    pending = null;
  };
  let shown = '';
  const draw = (): void => {
    cancelPending();
    if (stopped) return;
    const text = current();
    // The clock tick and bursts of events often leave the text unchanged: writing it again only flickers.
    if (!visible || text !== shown) stream.write(CLEAR_LINE + text);
    shown = text;
    visible = true;
    lastDraw = now();
  };

  return {
    request() {
      if (stopped) return;
      // Timers are unref'd: a live line must never keep the process alive.
      ticker ??= setInterval(draw, CLOCK_TICK_MS).unref();
      const since = now() - lastDraw;
      if (since >= MIN_REDRAW_MS) draw();
      else pending ??= setTimeout(draw, MIN_REDRAW_MS - since).unref();
    },
    print(text) {
      if (stopped || !visible) {
        stream.write(`${text}\n`);
        return;
      }
      // One write for clear, text and redraw, so the terminal never shows the line half gone.
      cancelPending();
      shown = current();
      stream.write(`${CLEAR_LINE}${text}\n${shown}`);
      lastDraw = now();
    },
    stop() {
      cancelPending();
      if (ticker) clearInterval(ticker);
      ticker = null;
      if (visible && !stopped) stream.write(CLEAR_LINE);
      stopped = true;
    },
  };
}
