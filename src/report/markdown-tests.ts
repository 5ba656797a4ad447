// The measurement tables of report.md: files, every test with its VRAM/RAM/swap window, and the top growers.

import { isAbsolute, relative } from 'node:path';
import type { FileResult, FileStatus, RunResult, TestResult, TestStatus } from '../results/run-result.js';
import { formatBytes, formatBytesDelta, formatDuration } from '../units/format.js';
import { topGrowth, type MeasuredTest } from './growth.js';
import { codeSpan, escapeCell, table } from './markdown-escape.js';
import { iterationLabel, plainFullName } from '../results/repeat-names.js';

const TEST_STATUS: Readonly<Record<TestStatus, string>> = { passed: '✅ passed', failed: '❌ failed', skipped: '⏭️ skipped', todo: '📝 todo', flaky: '🔁 flaky' };
const FILE_STATUS: Readonly<Record<FileStatus, string>> = {
  passed: '✅ passed', failed: '❌ failed', skipped: '⏭️ skipped', crashed: '💥 crashed', 'timed-out': '⏱️ timed out', interrupted: '⏹️ interrupted',
  'passed-alone': '⚠️ passed alone, fails co-scheduled', flaky: '🔁 flaky, passed on a retry',
};
const NONE = '—';

/** A status word with its symbol, for tests. */
export function testStatusLabel(status: TestStatus): string {
  return TEST_STATUS[status];
}

/** A status word with its symbol, for files. */
export function fileStatusLabel(status: FileStatus): string {
  return FILE_STATUS[status];
}

/** A test's name for a table cell: an iteration of `--repeat` as its own name with the iteration set small beside it. */
export function testNameCell(test: TestResult): string {
  if (test.repeat === null) return escapeCell(test.fullName);
  return `${escapeCell(plainFullName(test))} <sub>repeat ${iterationLabel(test.repeat)}</sub>`;
}

/** `path` relative to the project root when it lies inside it, with `:line` when known. */
export function location(result: RunResult, path: string, line: number | null): string {
  const fromRoot = isAbsolute(path) ? relative(result.config.rootDir, path) : path;
  const shown = fromRoot !== '' && !fromRoot.startsWith('..') && !isAbsolute(fromRoot) ? fromRoot : path;
  return line === null ? shown : `${shown}:${line}`;
}

/** A file's wall time: the process's own when it ran, else from its start and end. */
export function fileDurationMs(file: FileResult): number | null {
  if (file.outcome) return file.outcome.durationMs;
  return file.startedAt !== null && file.endedAt !== null ? file.endedAt - file.startedAt : null;
}

// Which of the three "no figure" cases a VRAM cell is in, so a reader never mistakes one for a zero.
function vram(result: RunResult, entry: MeasuredTest, text: () => string): string {
  if (!result.gpu.available) return 'no GPU';
  if (entry.file.lane === 'cpu' || entry.test.window === null) return NONE;
  return text();
}

function measured(test: TestResult, text: () => string): string {
  return test.window === null ? NONE : text();
}

/**
 * `9.0 → 11.0 GiB (+2.0 GiB)`: before and after with their change, the unit written once when both share it, so the
 * per-test table fits a page without a horizontal scrollbar.
 */
export function formatBeforeAfter(before: number | null, after: number | null, delta: number | null): string {
  const from = formatBytes(before);
  const to = formatBytes(after);
  const [fromValue, fromUnit] = from.split(' ');
  const [, toUnit] = to.split(' ');
  const range = fromUnit !== undefined && fromUnit === toUnit ? `${fromValue} → ${to}` : `${from} → ${to}`;
  return delta === null ? range : `${range} (${formatBytesDelta(delta)})`;
}

/** One row per file: lane, GPUs, status, test counts and wall time. */
export function renderFileTable(result: RunResult): string {
  const rows = result.files.map((file) => {
    const count = (status: TestStatus): number => file.tests.filter((test) => test.status === status).length;
    const tests = file.tests.length === 0 ? NONE : `${count('passed')} / ${count('failed')} / ${count('skipped') + count('todo')}`;
    const duration = fileDurationMs(file);
    return [
      codeSpan(file.job.id, true), file.lane, file.gpuIndices.length > 0 ? file.gpuIndices.join(', ') : NONE,
      fileStatusLabel(file.status), tests, duration === null ? NONE : formatDuration(duration),
    ];
  });
  return table(['File', 'Lane', 'GPUs', 'Status', 'Passed / failed / skipped', 'Duration'], rows, ['l', 'l', 'l', 'l', 'r', 'r']);
}

const TEST_SYMBOL: Readonly<Record<TestStatus, string>> = { passed: '✅', failed: '❌', skipped: '⏭️', todo: '📝', flaky: '🔁' };

// One file's tests: VRAM columns only for a gpu-lane file, swap only when it moved, status as a symbol before the name.
function fileTestTable(result: RunResult, entries: readonly MeasuredTest[]): string {
  const onGpu = entries.some((entry) => entry.file.lane === 'gpu');
  const swapMoved = entries.some((entry) => (entry.deltas.swapDeltaBytes ?? 0) !== 0);
  const header = ['Test', 'Time', ...(onGpu ? ['VRAM before → after (Δ)', 'VRAM peak'] : []), 'RAM before → after (Δ)', 'RAM peak', 'RSS Δ', ...(swapMoved ? ['Swap Δ'] : [])];
  const rows = entries.map((entry) => {
    const { test, deltas: d } = entry;
    return [
      `${TEST_SYMBOL[test.status]} ${testNameCell(test)}`, formatDuration(test.durationMs),
      ...(onGpu ? [
        vram(result, entry, () => formatBeforeAfter(d.vramBeforeBytes, d.vramAfterBytes, d.vramDeltaBytes)),
        vram(result, entry, () => formatBytes(d.vramPeakBytes)),
      ] : []),
      measured(test, () => formatBeforeAfter(d.hostUsedBeforeBytes, d.hostUsedAfterBytes, d.hostUsedDeltaBytes)),
      measured(test, () => formatBytes(d.hostUsedPeakBytes)),
      measured(test, () => formatBytesDelta(d.rssDeltaBytes)),
      ...(swapMoved ? [measured(test, () => formatBytesDelta(d.swapDeltaBytes))] : []),
    ];
  });
  return table(header, rows, ['l', ...Array<'r'>(header.length - 1).fill('r')]);
}

/**
 * The tests grouped per file, a small table each: status and name, time, VRAM and host RAM before → after (Δ) and
 * peak, the process tree's RSS change, and swap when it moved.
 */
export function renderTestTables(result: RunResult, tests: readonly MeasuredTest[]): string {
  const parts: string[] = [];
  for (const file of result.files) {
    const entries = tests.filter((entry) => entry.file === file);
    if (entries.length === 0) continue;
    const gpus = file.gpuIndices.length > 0 ? `, GPU ${file.gpuIndices.join(', ')}` : '';
    parts.push(`${codeSpan(file.job.id)} · ${file.lane} lane${gpus} · ${fileStatusLabel(file.status)}`, fileTestTable(result, entries));
  }
  return parts.join('\n\n');
}

/** The top tests by VRAM growth and by process-tree RSS growth; empty when nothing grew. */
export function renderTopGrowth(result: RunResult, tests: readonly MeasuredTest[]): string[] {
  const sections: string[] = [];
  const top = (title: string, key: 'vramDeltaBytes' | 'rssDeltaBytes', after: 'vramAfterBytes' | 'rssAfterBytes', unit: string): void => {
    const ranked = topGrowth(tests, key);
    if (ranked.length === 0) return;
    const rows = ranked.map((entry, index) => [
      String(index + 1), testNameCell(entry.test), codeSpan(location(result, entry.test.file, entry.test.line), true),
      formatBytesDelta(entry.deltas[key]), formatBytes(entry.deltas[after]),
    ]);
    sections.push(`## ${title}\n\n${table(['#', 'Test', 'Where', `${unit} Δ`, `${unit} after`], rows, ['r', 'l', 'l', 'r', 'r'])}`);
  };
  if (result.gpu.available) top('Top tests by VRAM growth', 'vramDeltaBytes', 'vramAfterBytes', 'VRAM');
  top('Top tests by RAM (RSS) growth', 'rssDeltaBytes', 'rssAfterBytes', 'RSS');
  return sections;
}
