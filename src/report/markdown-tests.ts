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
function vram(result: RunResult, entry: MeasuredTest, value: number | null, format: (bytes: number | null) => string): string {
  if (!result.gpu.available) return 'no GPU';
  if (entry.file.lane === 'cpu' || entry.test.window === null) return NONE;
  return format(value);
}

function measured(test: TestResult, value: number | null, format: (bytes: number | null) => string): string {
  return test.window === null ? NONE : format(value);
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

/** One row per test: status, duration, VRAM before/after/peak/Δ, process-tree RSS Δ, host RAM before/after/peak/Δ, swap Δ. */
export function renderTestTable(result: RunResult, tests: readonly MeasuredTest[]): string {
  const rows = tests.map((entry) => {
    const { test, deltas: d } = entry;
    return [
      codeSpan(entry.file.job.id, true), testNameCell(test), testStatusLabel(test.status), formatDuration(test.durationMs),
      vram(result, entry, d.vramBeforeBytes, formatBytes), vram(result, entry, d.vramAfterBytes, formatBytes),
      vram(result, entry, d.vramPeakBytes, formatBytes), vram(result, entry, d.vramDeltaBytes, formatBytesDelta),
      measured(test, d.rssDeltaBytes, formatBytesDelta),
      measured(test, d.hostUsedBeforeBytes, formatBytes), measured(test, d.hostUsedAfterBytes, formatBytes),
      measured(test, d.hostUsedPeakBytes, formatBytes), measured(test, d.hostUsedDeltaBytes, formatBytesDelta),
      measured(test, d.swapDeltaBytes, formatBytesDelta),
    ];
  });
  const header = ['File', 'Test', 'Status', 'Duration', 'VRAM before', 'VRAM after', 'VRAM peak', 'VRAM Δ', 'RSS Δ',
    'RAM before', 'RAM after', 'RAM peak', 'RAM Δ', 'Swap Δ'];
  return table(header, rows, ['l', 'l', 'l', ...Array<'r'>(11).fill('r')]);
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
