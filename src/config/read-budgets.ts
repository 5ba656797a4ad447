// Config reader for a suite's budgets: limits on what its tests measured that fail a test in every report.
//   budgets: { peakVram: 6GiB, peakRam: 30GiB, swap: 0, leak: 100MiB, gpuUtilMin: 40, tempMax: 85, powerMax: 700,
//              metrics: { tokens_per_s: ">= 40", latency_p99_ms: "< 2000" } }

import { isMap, type Node } from 'yaml';
import type { ConfigChecker, MapEntry } from './config-checker.js';
import { nodeValue } from './config-problems.js';
import { readSizeSpec } from './read-needs.js';
import type { Budgets, MetricBound } from './types.js';

const BOUND = /^\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;
const BUDGET_KEYS = ['peakVram', 'peakRam', 'swap', 'leak', 'gpuUtilMin', 'tempMax', 'powerMax', 'metrics'];

/** `">= 40"` as a bound; null when it is not one. */
export function parseMetricBound(text: string): MetricBound | null {
  const match = BOUND.exec(text);
  return match ? { op: match[1] as MetricBound['op'], value: Number(match[2]) } : null;
}

function readNumber(checker: ConfigChecker, entry: MapEntry, example: string, max?: number): number | undefined {
  const value = nodeValue(checker.resolve(entry.value) as Node | null);
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && (max === undefined || value <= max)) return value;
  checker.expect(entry.value, entry.path, `a number such as \`${example}\``, '', entry.keyNode);
  return undefined;
}

function readMetricBounds(checker: ConfigChecker, entry: MapEntry): Record<string, MetricBound> | undefined {
  const map = checker.resolve(entry.value);
  if (!isMap(map)) {
    checker.expect(entry.value, entry.path, 'a mapping of metric name to bound such as `{ tokens_per_s: ">= 40" }`', '', entry.keyNode);
    return undefined;
  }
  const bounds: Record<string, MetricBound> = {};
  let good = true;
  for (const pair of map.items) {
    const name = nodeValue(checker.resolve(pair.key) as Node | null);
    const text = nodeValue(checker.resolve(pair.value) as Node | null);
    const bound = typeof text === 'string' ? parseMetricBound(text) : null;
    if (typeof name !== 'string' || bound === null) {
      good = false;
      checker.expect(pair.value, `${entry.path}.${String(name)}`, 'a bound such as `">= 40"` or `"< 2000"` (quoted: YAML reads `>` as a block)', '', pair.key);
      continue;
    }
    bounds[name] = bound;
  }
  return good ? bounds : undefined;
}

/** A suite's `budgets:`; undefined after recording a problem. */
export function readBudgets(checker: ConfigChecker, entry: MapEntry): Budgets | undefined {
  const before = checker.count;
  const entries = checker.entries(entry.value, entry.path, BUDGET_KEYS, 'a mapping such as `{ peakVram: 6GiB, tempMax: 85 }`', 'budgets');
  if (!entries) return undefined;
  const budgets: Record<string, unknown> = {};
  for (const item of entries) {
    if (item.key === 'metrics') budgets['metrics'] = readMetricBounds(checker, item);
    else if (item.key === 'gpuUtilMin') budgets['gpuUtilMin'] = readNumber(checker, item, '40', 100);
    else if (item.key === 'tempMax') budgets['tempMax'] = readNumber(checker, item, '85');
    else if (item.key === 'powerMax') budgets['powerMax'] = readNumber(checker, item, '700');
    else budgets[item.key] = readSizeSpec(checker, item);
  }
  return checker.count > before ? undefined : (budgets as Budgets);
}
