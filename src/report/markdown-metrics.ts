// The Metrics section of report.md: every figure a test recorded with `metric()`, one row per test and figure (per
// iteration for a repeated test), in run order.

import type { RunResult } from '../results/run-result.js';
import { formatMetricValue } from '../units/format.js';
import { codeSpan, escapeCell, table } from './markdown-escape.js';
import { testNameCell } from './markdown-tests.js';

/** The Metrics section, or null when no test recorded one. */
export function renderMetrics(result: RunResult): string | null {
  const rows = result.files.flatMap((file) => file.tests.flatMap((test) => test.metrics.map((metric) => [
    codeSpan(file.job.id, true), testNameCell(test), codeSpan(metric.name, true), formatMetricValue(metric.value),
    metric.unit === null ? '—' : escapeCell(metric.unit),
  ])));
  if (rows.length === 0) return null;
  return `## Metrics\n\nFigures the tests recorded with \`metric()\`.\n\n${table(['File', 'Test', 'Metric', 'Value', 'Unit'], rows, ['l', 'l', 'l', 'r', 'l'])}`;
}
