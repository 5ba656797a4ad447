// The console's summary once the run has ended: verdict and counts, then a line or a few for each thing worth a look
// (gated and skipped files, the top VRAM test, failed hooks, budgets, leaks, orphans, flaky tests, warnings) and where
// the reports went.

import type { ChalkInstance } from 'chalk';
import { capText } from '../units/cap-text.js';
import type { FileResult, HookRun, LeakFinding, RunResult } from '../results/run-result.js';
import type { WrittenReport } from '../results/observer.js';
import { formatBytes, formatBytesDelta, formatChange, formatDuration } from '../units/format.js';
import { failingRegressions } from '../results/verdict.js';
import { printable } from './console-live-line.js';
import { CONSOLE_MESSAGE_LIMIT_BYTES, displayPath, name } from './console-format.js';
import { measureTests, topGrowth, type MeasuredTest } from './growth.js';
import { formatLeakDelta, formatLeakValue } from '../results/leak-labels.js';
import { leakLabel } from './leak-calls.js';

function formatSkipGroups(files: readonly FileResult[], gated: boolean): string[] {
  const groups = new Map<string, string[]>();
  for (const file of files) {
    if (file.status !== 'skipped' || (file.job.skip?.code === 'gated') !== gated) continue;
    // The label says "Gated:" already; the reason's own `gated: ` would say it twice.
    const reason = (file.skipReason ?? 'skipped').replace(gated ? /^gated:\s*/ : /^$/, '');
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

// One line for the tests that failed and passed on a retry.
function formatFlaky(result: RunResult): string[] {
  const flaky = result.files.flatMap((file) => file.tests.filter((test) => test.status === 'flaky').map((test) => `${printable(file.job.id)} › ${name(test.fullName)}`));
  return flaky.length === 0 ? [] : [`${flaky.length} passed on a retry (${firstFew(flaky)})`];
}

// One line for the comparison with a baseline: how many figures moved which way, the worst regressions named.
function formatComparison(result: RunResult): string[] {
  const comparison = result.comparison;
  if (comparison === null) return [];
  const regressions = comparison.changes.filter((change) => change.kind === 'regression');
  const named = regressions.map((change) => `${change.test === null ? `suite ${change.suite}` : name(change.test)} ${change.figure} ${change.note ?? formatChange(change.changePercent)}`);
  const improvements = comparison.changes.length - regressions.length;
  return [`${regressions.length} regression${regressions.length === 1 ? '' : 's'}, ${improvements} improvement${improvements === 1 ? '' : 's'}${named.length > 0 ? ` (${firstFew(named)})` : ''}`];
}

/** The summary's lines. */
export function formatSummary(result: RunResult, written: readonly WrittenReport[], chalk: ChalkInstance, cwd: string, removed: readonly string[] = []): string[] {
  const { counts } = result;
  const verdict = result.verdict === 'passed' ? chalk.green.bold('✔ PASSED')
    : result.verdict === 'failed' ? chalk.red.bold('✖ FAILED') : chalk.yellow.bold('﹣ INTERRUPTED');
  const failed = (text: string, count: number): string => (count > 0 ? chalk.red(text) : text);
  const filesPassed = counts.files - counts.filesSkipped - counts.filesFailed;
  const lines = [
    '',
    `${verdict} in ${formatDuration(result.endedAt - result.startedAt)}`,
    `Tests:    ${counts.passed} passed, ${failed(`${counts.failed} failed`, counts.failed)}${counts.flaky > 0 ? `, ${chalk.yellow(`${counts.flaky} flaky`)}` : ''}, ${counts.skipped} skipped, ${counts.todo} todo (${counts.tests} in all)`,
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
  section('Flaky:', formatFlaky(result), chalk.yellow);
  section('Baseline:', formatComparison(result), (text) => (failingRegressions(result.comparison) > 0 ? chalk.red(text) : text));
  section('Warnings:', result.warnings.map((warning) => printable(capText(warning, CONSOLE_MESSAGE_LIMIT_BYTES))), chalk.yellow);
  section('Reports:', written.map((report) => `${report.format.padEnd(10)}${displayPath(report.path, cwd)}`));
  // An earlier run's report beside this run's would read as current: gone, and said so, since the user may look for it.
  section('Removed:', removed.length === 0 ? [] : [`${removed.map((path) => displayPath(path, cwd)).join(', ')}: an earlier run's, not written by this run's reporters`], chalk.dim);
  return lines;
}
