// Memory pressure stall information (PSI) from /proc/pressure/memory: how long tasks waited on memory,
// which shows a host thrashing before anything is killed.

import { readProcFile } from './proc-file.js';

const PRESSURE_PATH = '/proc/pressure/memory';
const EXAMPLE_LINE = 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0';
const REQUIRED_KEYS = ['avg10', 'avg60', 'avg300', 'total'] as const;

/** One PSI line: the share of wall time stalled, averaged over three windows, and the running total. */
export interface PressureStall {
  /** Percent of the last 10 s (0–100). */
  readonly avg10: number;
  readonly avg60: number;
  readonly avg300: number;
  /** Microseconds stalled since boot; a counter, so per-test figures are differences. */
  readonly totalMicroseconds: number;
}

/** Memory pressure of the host: `some` (at least one task stalled) and `full` (all non-idle tasks stalled). */
export interface MemoryPressure {
  readonly some: PressureStall;
  /** Null on kernels that print only the `some` line. */
  readonly full: PressureStall | null;
}

// The file as every kernel with PSI writes it, read at every test boundary: matched whole before the line-by-line
// parse, which names what is wrong.
const USUAL_LINE = /^(some|full) avg10=(\d+\.\d+) avg60=(\d+\.\d+) avg300=(\d+\.\d+) total=(\d+)$/;

function parseUsual(text: string): MemoryPressure | null {
  const lines = text.split('\n');
  const [first = '', second = '', last = ''] = lines;
  const some = USUAL_LINE.exec(first);
  const full = second === '' ? null : USUAL_LINE.exec(second);
  if (lines.length > 3 || last !== '' || some?.[1] !== 'some' || (second !== '' && full?.[1] !== 'full')) return null;
  const stall = (match: RegExpExecArray): PressureStall =>
    ({ avg10: Number(match[2]), avg60: Number(match[3]), avg300: Number(match[4]), totalMicroseconds: Number(match[5]) });
  return { some: stall(some), full: full ? stall(full) : null };
}

/** Parses the text of /proc/pressure/memory; throws an Error naming the first line it cannot read. */
export function parsePressure(text: string): MemoryPressure {
  const usual = parseUsual(text);
  if (usual) return usual;
  const stalls = new Map<string, PressureStall>();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${PRESSURE_PATH} line ${index + 1}`;
    const [kind, ...pairs] = line.trim().split(/\s+/);
    if (kind !== 'some' && kind !== 'full') {
      throw new Error(`${where} must start with \`some\` or \`full\` like \`${EXAMPLE_LINE}\`, got \`${line}\``);
    }
    if (stalls.has(kind)) throw new Error(`${where} repeats the \`${kind}\` line, got \`${line}\``);
    stalls.set(kind, parseStall(pairs, line, where));
  });
  const some = stalls.get('some');
  if (some === undefined) {
    throw new Error(`${PRESSURE_PATH} has no \`some\` line like \`${EXAMPLE_LINE}\`, got \`${text.trim()}\``);
  }
  return { some, full: stalls.get('full') ?? null };
}

function parseStall(pairs: readonly string[], line: string, where: string): PressureStall {
  const values = new Map<string, number>();
  for (const pair of pairs) {
    const match = /^(\w+)=(\d+(?:\.\d+)?)$/.exec(pair);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new Error(`${where} has \`${pair}\` where a \`key=number\` pair belongs, in \`${line}\``);
    }
    values.set(match[1], Number(match[2]));
  }
  // Later kernels may add keys; only a missing one is an error.
  const value = (key: (typeof REQUIRED_KEYS)[number]): number => {
    const found = values.get(key);
    if (found === undefined) throw new Error(`${where} lacks \`${key}=\` (expected \`${EXAMPLE_LINE}\`), got \`${line}\``);
    return found;
  };
  return { avg10: value('avg10'), avg60: value('avg60'), avg300: value('avg300'), totalMicroseconds: value('total') };
}

/** Reads memory pressure now; null where the kernel has no PSI (older or `psi=0` kernels, macOS). */
export function readMemoryPressure(options: { readonly path?: string } = {}): MemoryPressure | null {
  const path = options.path ?? PRESSURE_PATH;
  let text: string;
  try {
    text = readProcFile(path);
  } catch (error) {
    // A kernel booted with psi=0 may keep the file but refuse to read it: that is "no PSI" too.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return null;
    throw error;
  }
  return parsePressure(text);
}
