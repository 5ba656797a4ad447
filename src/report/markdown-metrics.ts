// The Metrics section of report.md: every figure a test recorded with `metric()`, one row per test and figure (per
// iteration for a repeated test), in run order.

import type { RunResult } from '../execute/types.js';
import { codeSpan, escapeCell, table } from './markdown-escape.js';
import { testNameCell } from './markdown-tests.js';

// Enough digits for any figure a person compares by eye; 0.1 + 0.2 should not print as 0.30000000000000004.
const SIGNIFICANT_DIGITS = 6;

/** A metric's value as reports print it: integers whole, fractions to six significant digits. */
export function formatMetricValue(value: number): string {
  return Number.isInteger(value) || !Number.isFinite(value) ? String(value) : String(Number(value.toPrecision(SIGNIFICANT_DIGITS)));
}

/** The Metrics section, or null when no test recorded one. */
export function renderMetrics(result: RunResult): string | null {
  const rows = result.files.flatMap((file) => file.tests.flatMap((test) => test.metrics.map((metric) => [
    codeSpan(file.job.id, true), testNameCell(test), codeSpan(metric.name, true), formatMetricValue(metric.value),
    metric.unit === null ? '—' : escapeCell(metric.unit),
  ])));
  if (rows.length === 0) return null;
  return `## Metrics\n\nFigures the tests recorded with \`metric()\`.\n\n${table(['File', 'Test', 'Metric', 'Value', 'Unit'], rows, ['l', 'l', 'l', 'r', 'l'])}`;
}
