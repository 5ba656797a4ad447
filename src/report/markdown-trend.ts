// What `gpu-test trend` prints: per suite, a Mermaid line chart of each figure over the runs (GitHub renders them), and
// the tests whose figures moved most from the first runs to the last.

import type { Trend, TrendSeries } from '../results/ci-result.js';
import { formatChange, formatFigure, formatMetricValue } from '../units/format.js';
import { codeSpan, escapeCell, escapeInline, table } from './markdown-escape.js';

const GIB = 1024 ** 3;
const FIGURE_TITLE: Readonly<Record<string, string>> = { peakVram: 'peak VRAM of a test', duration: 'time of its files', leaks: 'confirmed leaks' };

/** The axis unit and the scale the values are drawn in: GiB for bytes, minutes or seconds for time. */
function scaleOf(series: TrendSeries): { readonly unit: string; readonly factor: number } {
  if (series.unit === 'bytes') return { unit: 'GiB', factor: 1 / GIB };
  if (series.unit === 'ms') {
    const longest = Math.max(0, ...series.values.map((v) => v ?? 0));
    return longest >= 120_000 ? { unit: 'min', factor: 1 / 60_000 } : { unit: 's', factor: 1 / 1000 };
  }
  return { unit: series.unit ?? (series.figure === 'leaks' ? 'leaks' : 'value'), factor: 1 };
}

// Mermaid's xychart takes quoted labels and plain numbers; a run without the figure is drawn at 0 and said below.
function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '')}"`;
}

function chart(series: TrendSeries, labels: readonly string[]): string {
  const { unit, factor } = scaleOf(series);
  const values = series.values.map((value) => (value === null ? 0 : Number((value * factor).toPrecision(4))));
  const top = Math.max(1, ...values) * 1.1;
  const title = series.figure.startsWith('metric.') ? `metric ${series.figure.slice(7)}` : FIGURE_TITLE[series.figure] ?? series.figure;
  const missing = series.values.flatMap((value, index) => (value === null ? [labels[index] ?? ''] : []));
  return [
    '```mermaid',
    'xychart-beta',
    `  title ${quote(`${series.suite}: ${title}`)}`,
    `  x-axis [${labels.map(quote).join(', ')}]`,
    `  y-axis ${quote(unit)} 0 --> ${formatMetricValue(Number(top.toPrecision(3)))}`,
    `  line [${values.join(', ')}]`,
    '```',
    ...(missing.length > 0 ? ['', `Not measured (drawn at 0): ${missing.map((label) => escapeInline(label)).join(', ')}.`] : []),
  ].join('\n');
}

/** The whole trend report. */
export function renderTrend(trend: Trend): string {
  const labels = trend.runs.map((run) => run.label);
  const first = trend.runs[0];
  const last = trend.runs[trend.runs.length - 1];
  const span = first && last ? `${trend.runs.length} runs, ${first.label} to ${last.label}` : 'no runs';
  const parts = [`# gpu-test trend\n\n${span}.`];
  for (const suite of [...new Set(trend.series.map((series) => series.suite))]) {
    parts.push(`## ${escapeInline(suite)}`, ...trend.series.filter((series) => series.suite === suite).map((series) => chart(series, labels)));
  }
  if (trend.movers.length > 0) {
    const rows = trend.movers.map((mover) => [
      `${escapeCell(mover.test)} <sub>${escapeCell(mover.fileId)}</sub>`, codeSpan(mover.figure, true),
      formatFigure(mover.first, mover.unit), formatFigure(mover.last, mover.unit), formatChange(mover.changePercent),
    ]);
    parts.push('## Tests that moved most', 'First and last are each the median of up to three runs at that end; moves within the comparison thresholds are left out.',
      table(['Test', 'Figure', 'First', 'Last', 'Change'], rows, ['l', 'l', 'r', 'r', 'r']));
  } else {
    parts.push('## Tests that moved most', 'No test moved past its threshold from the first runs to the last.');
  }
  const runs = trend.runs.map((run) => [escapeCell(run.label), codeSpan(run.runId, true)]);
  parts.push('## Runs', table(['Run', 'Id'], runs));
  return `${parts.join('\n\n')}\n`;
}
