// "What changed since the baseline": the regressions and improvements of a comparison, new and vanished tests. At the
// top of report.md under `--baseline`, and the whole of what `gpu-test compare` prints.

import type { Comparison, FigureChange, TestRef } from '../results/ci-result.js';
import { failingRegressions } from '../results/verdict.js';
import { formatChange, formatFigure, plural } from '../units/format.js';
import { codeSpan, escapeCell, escapeInline, table } from './markdown-escape.js';

/** The most changes of each kind, and the most new or vanished tests, listed; the rest are counted. */
const LISTED = 50;

const FIGURE_LABEL: Readonly<Record<string, string>> = {
  duration: 'duration', peakVram: 'peak VRAM', peakRam: 'peak RSS', swap: 'swap growth', 'leak.vram': 'VRAM leak', 'leak.ram': 'RAM leak', status: 'status',
};

function figureLabel(figure: string): string {
  return FIGURE_LABEL[figure] ?? (figure.startsWith('metric.') ? `metric ${figure.slice('metric.'.length)}` : figure);
}

function subject(change: FigureChange): string {
  if (change.fileId === null) return `suite ${codeSpan(change.suite, true)}`;
  const where = change.line === null ? change.fileId : `${change.fileId}:${change.line}`;
  return `${escapeCell(change.test ?? '')} <sub>${escapeCell(where)}</sub>`;
}

function changeTable(changes: readonly FigureChange[]): string {
  const rows = changes.slice(0, LISTED).map((change) => [
    subject(change), figureLabel(change.figure),
    change.note === null ? formatFigure(change.base, change.unit) : '—',
    change.note === null ? formatFigure(change.current, change.unit) : escapeCell(change.note),
    formatChange(change.changePercent),
  ]);
  const more = changes.length > LISTED ? `\n\n… and ${changes.length - LISTED} more (every one is in results.json's \`comparison\`).` : '';
  return `${table(['Test', 'Figure', 'Baseline', 'Now', 'Change'], rows, ['l', 'l', 'r', 'r', 'r'])}${more}`;
}

function testList(title: string, tests: readonly TestRef[]): string | null {
  if (tests.length === 0) return null;
  const shown = tests.slice(0, LISTED).map((ref) => `- ${escapeInline(ref.test)} (${codeSpan(ref.fileId)})`);
  if (tests.length > LISTED) shown.push(`- … and ${tests.length - LISTED} more`);
  return `**${title}** (${tests.length}):\n\n${shown.join('\n')}`;
}

/** The section body (without its heading): a summary line, the regressions, the improvements, new and vanished tests. */
export function renderComparisonBody(comparison: Comparison): string {
  const regressions = comparison.changes.filter((change) => change.kind === 'regression');
  const improvements = comparison.changes.filter((change) => change.kind === 'improvement');
  const runs = comparison.baseline.runIds.length;
  const since = `${new Date(comparison.baseline.to).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const failing = failingRegressions(comparison) > 0 ? ' They fail the run (`--fail-on-regression`).' : '';
  const parts = [
    `Against ${runs === 1 ? `run ${codeSpan(comparison.baseline.runIds[0] ?? '')}` : `the median of ${runs} runs`} (ended ${since}): ` +
    `**${plural(regressions.length, 'regression')}**, ${plural(improvements.length, 'improvement')} in ${plural(comparison.compared, 'test')} found in both.${failing}`,
  ];
  if (regressions.length > 0) parts.push(`### 🔺 Regressions\n\n${changeTable(regressions)}`);
  if (improvements.length > 0) parts.push(`### 🔻 Improvements\n\n${changeTable(improvements)}`);
  if (comparison.changes.length === 0) parts.push('Every figure is within its threshold of the baseline.');
  parts.push(...[testList('New tests', comparison.newTests), testList('Vanished tests', comparison.vanishedTests)].filter((part): part is string => part !== null));
  return parts.join('\n\n');
}

/** The report.md section, or null without a comparison. */
export function renderComparison(comparison: Comparison | null): string | null {
  if (comparison === null) return null;
  return `## What changed since the baseline\n\n${renderComparisonBody(comparison)}`;
}

/** What `gpu-test compare` prints: the section as a document of its own. */
export function renderComparisonReport(comparison: Comparison, current: { readonly runId: string }): string {
  return `# gpu-test compare\n\nRun ${codeSpan(current.runId)} against its baseline.\n\n${renderComparisonBody(comparison)}\n`;
}
