// The Leaks section of report.md: the call on each repeated test's memory growth per iteration, then what files left
// behind once their process had exited (VRAM still held, processes still running) and the command that frees it.

import type { FileResidue, FileResult, LeakFinding, OrphanProcess, RunResult } from '../results/run-result.js';
import { formatBytes, formatBytesDelta, plural } from '../units/format.js';
import { formatLeakDelta, formatLeakValue } from '../results/leak-labels.js';
import { leakCall, leakCallLabel, leakIterationsLabel, leakLabel, leakPatternLabel, type LeakCall } from './leak-calls.js';
import { codeSpan, escapeCell, table } from './markdown-escape.js';
import { location } from './markdown-tests.js';

const NONE = '—';
const CALL_SYMBOL: Readonly<Record<LeakCall, string>> = { leak: '❌', 'not-confirmed': '⚠️', 'no-leak': '✅' };
// A command line can be kilobytes of arguments; the pid is what the fix needs, the start is enough to recognise it.
const COMMAND_CHARS = 120;

interface FoundLeak {
  readonly file: FileResult;
  readonly finding: LeakFinding;
}

/** Whether any file ran its tests more than once (`--repeat`, or a suite's `repeat:`). */
export function repeatWasUsed(result: RunResult): boolean {
  return result.config.repeat > 1 || result.files.some((file) => file.job.repeat > 1);
}

/** VRAM still in use on the file's GPUs after its process exited, against before it started; null where either is unknown. */
export function vramHeldAfterExit(residue: FileResidue): number | null {
  const { vramBeforeBytes: before, vramAfterBytes: after } = residue;
  return before === null || after === null ? null : after - before;
}

// VRAM on a card moves as other processes allocate, so held VRAM counts only above the growth the file's leak threshold
// already accepts from a repeated test; a process left running always counts.
function leftSomethingBehind(file: FileResult): boolean {
  if (file.residue === null) return false;
  const held = vramHeldAfterExit(file.residue);
  return file.residue.orphans.length > 0 || (held !== null && held > file.job.leakThreshold.vramBytes);
}

function noFitSentence(result: RunResult): string {
  if (!repeatWasUsed(result)) {
    return 'No test was repeated, so no leak was fitted: leak fitting needs `--repeat N` (N of 3 or more; 10 is a good start), '
      + 'which runs each test N times in its process and fits its memory growth per iteration.';
  }
  return 'Tests were repeated, but none ran the 3 iterations a fit needs, so no leak was fitted.';
}

function findingsIntro(result: RunResult, found: readonly FoundLeak[]): string {
  const count = (call: LeakCall): number => found.filter(({ finding }) => leakCall(finding) === call).length;
  const leaks = count('leak');
  const notConfirmed = count('not-confirmed');
  const clear = count('no-leak');
  const calls = [
    leaks > 0 ? `**${plural(leaks, 'leak')}**` : 'no leak',
    ...(notConfirmed > 0 ? [`${notConfirmed} flagged once but not confirmed by the re-run`] : []),
    ...(clear > 0 ? [`${clear} clear`] : []),
  ].join(', ');
  const mode = result.config.leaks === 'fail'
    ? 'A leak fails its test as `<test> [leak check: VRAM]` (or `RAM`, or `metric <name>`), listed under Failures; `--leaks warn` only reports it.'
    : 'With `--leaks warn`, leaks are reported here and do not fail the run.';
  return [
    `${calls} (${plural(found.length, 'call')}: one per repeated test and resource).`,
    'Each line is fitted through the reading after every iteration (VRAM of the file\'s own processes where NVML lists them, else of its GPUs; RAM is the test\'s process-tree RSS; a metric is the test\'s own figure).',
    'A leak is steady growth above the threshold over the run with a line that fits well (R²), or steps at a regular period that carry on (a caching allocator\'s staircase), and a first call of leak is re-run to confirm it.',
    'Growth that came in steps too few to read is re-run longer, up to `leakRepeatMax` iterations.',
    mode,
  ].join(' ');
}

// Which VRAM a call read: the file's own processes (NVML) or its cards; a metric by its name.
function memoryLabel(finding: LeakFinding): string {
  return finding.source === 'processes' ? 'VRAM (own processes)' : leakLabel(finding);
}

// Eight columns, so the table fits a page: where the test is sits under its name, R² beside the growth it qualifies,
// and each call's reason in a list below the table, where a long sentence does not stretch every row.
function findingsTable(result: RunResult, found: readonly FoundLeak[]): string {
  const rows = found.map(({ file, finding }) => {
    const { verdict } = finding;
    return [
      `${escapeCell(finding.test)}<br><sub>${codeSpan(location(result, file.job.file, finding.line), true)}</sub>`, escapeCell(memoryLabel(finding)),
      `${formatLeakDelta(finding, verdict.perIteration)} (R² ${verdict.rSquared.toFixed(2)})`, `${formatLeakDelta(finding, verdict.totalGrowth)} in ${verdict.iterations}`,
      formatLeakValue(finding, verdict.threshold), escapeCell(leakPatternLabel(finding)), leakIterationsLabel(finding),
      `${CALL_SYMBOL[leakCall(finding)]} ${leakCallLabel(finding)}`,
    ];
  });
  const header = ['Test', 'Memory', 'Growth / iteration', 'Growth over the run', 'Threshold', 'Pattern', 'Iterations run', 'Verdict'];
  return table(header, rows, ['l', 'l', 'r', 'r', 'r', 'l', 'r', 'l']);
}

// Each call's reason in words, in the table's order.
function reasonsList(found: readonly FoundLeak[]): string {
  const lines = found.map(({ finding }) => `- ${escapeCell(finding.test)}, ${escapeCell(memoryLabel(finding))}: ${escapeCell(finding.verdict.reason)}`);
  return ['**Why**, call by call:', ...lines].join('\n');
}

// Why each re-run repeated its test as often as it did: a leak to confirm, or steps to settle (up to the cap).
function rerunsList(found: readonly FoundLeak[]): string | null {
  const lines = found.flatMap(({ finding }) => (finding.recheck === null ? [] : [
    `- ${escapeCell(finding.test)}, ${escapeCell(memoryLabel(finding))}: ${escapeCell(finding.recheck.why)}.`,
  ]));
  return lines.length === 0 ? null : ['**Re-runs**, and why each ran as long as it did:', ...lines].join('\n');
}

function residueTable(files: readonly FileResult[]): string {
  const rows = files.map((file) => {
    const residue = file.residue as FileResidue;
    const killed = residue.orphans.filter((orphan) => orphan.killed).length;
    const orphans = residue.orphans.length === 0 ? NONE : `${residue.orphans.length}${killed > 0 ? ` (${killed} killed)` : ''}`;
    return [
      codeSpan(file.job.id, true), file.gpuIndices.length > 0 ? file.gpuIndices.join(', ') : NONE,
      formatBytes(residue.vramBeforeBytes), formatBytes(residue.vramAfterBytes), formatBytesDelta(vramHeldAfterExit(residue)), orphans,
    ];
  });
  return table(['File', 'GPUs', 'VRAM before it started', 'VRAM after it exited', 'Held', 'Processes left'], rows, ['l', 'l', 'r', 'r', 'r', 'r']);
}

function shortCommand(command: string): string {
  const chars = [...command];
  return chars.length <= COMMAND_CHARS ? command : `${chars.slice(0, COMMAND_CHARS - 1).join('')}…`;
}

function orphanRow(file: FileResult, orphan: OrphanProcess): string[] {
  const onGpu = orphan.gpuIndex !== null;
  return [
    codeSpan(file.job.id, true), String(orphan.pid), codeSpan(shortCommand(orphan.command), true),
    onGpu ? String(orphan.gpuIndex) : NONE,
    // A process on a GPU whose figure the driver hides (most containers) is not the same as one on no GPU.
    onGpu ? formatBytes(orphan.vramBytes) : NONE, formatBytes(orphan.rssBytes),
    orphan.killed ? 'killed by `--kill-orphans`' : '⚠️ still running',
    orphan.killed ? NONE : `${codeSpan(`kill ${orphan.pid}`, true)}, or run with \`--kill-orphans\``,
  ];
}

function orphansTable(files: readonly FileResult[]): string {
  const rows = files.flatMap((file) => (file.residue?.orphans ?? []).map((orphan) => orphanRow(file, orphan)));
  return table(['File', 'PID', 'Command', 'GPU', 'VRAM', 'RAM (RSS)', 'State', 'To free it'], rows, ['l', 'r', 'l', 'r', 'r', 'r', 'l', 'l']);
}

/** The Leaks section, or null when no file has leak calls and none left anything behind. */
export function renderLeaks(result: RunResult): string | null {
  const found = result.files.flatMap((file) => file.leaks.map((finding) => ({ file, finding })));
  const leftBehind = result.files.filter(leftSomethingBehind);
  if (found.length === 0 && leftBehind.length === 0) return null;
  const parts = ['## Leaks'];
  if (found.length > 0) parts.push(findingsIntro(result, found), findingsTable(result, found), reasonsList(found), ...[rerunsList(found)].filter((part): part is string => part !== null));
  else parts.push(noFitSentence(result));
  if (leftBehind.length > 0) {
    parts.push('### Left behind after the process exited',
      'Files whose GPUs held more VRAM after their process exited (and VRAM settled) than before it started, by more than the '
        + 'file\'s VRAM leak threshold, or that left a process they started running.',
      residueTable(leftBehind));
    if (leftBehind.some((file) => (file.residue?.orphans.length ?? 0) > 0)) parts.push(orphansTable(leftBehind));
  }
  return parts.join('\n\n');
}
