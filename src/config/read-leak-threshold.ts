// Config reader for `leakThreshold:`, top-level or a suite's: growth over a repeated test's iterations that is a leak.
//   leakThreshold: { vram: 16MiB, ram: 200MiB, metrics: { torch_allocated_bytes: 8MiB, kv_blocks_in_use: 4 } }

import { isMap, type Node } from 'yaml';
import type { ConfigChecker, MapEntry } from './config-checker.js';
import { describeValue, nodeValue } from './config-problems.js';
import { parseByteSize } from './parse-size.js';
import type { UserLeakThreshold } from './types.js';

const LEAK_THRESHOLD_KEYS = ['vram', 'ram', 'metrics'];
// As metric() accepts them: a metric the config names under another spelling could never be fitted.
const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
const METRICS_EXPECTED = 'a mapping of metric name to growth over the run such as `{ kv_blocks_in_use: 4, torch_allocated_bytes: 8MiB }`';

// A metric's threshold is in its own unit: a number as written (fractions kept), or a size read into bytes.
function readMetricThreshold(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  const parsed = parseByteSize(value);
  return 'bytes' in parsed ? parsed.bytes : null;
}

function readMetricThresholds(checker: ConfigChecker, entry: MapEntry): Record<string, number> | undefined {
  const map = checker.resolve(entry.value);
  if (!isMap(map)) {
    checker.expect(entry.value, entry.path, METRICS_EXPECTED, '', entry.keyNode);
    return undefined;
  }
  const thresholds: Record<string, number> = {};
  let good = true;
  for (const pair of map.items) {
    const name = nodeValue(checker.resolve(pair.key) as Node | null);
    if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
      good = false;
      const expected = 'metric names as `metric()` takes them (letters, digits, `_`, `.`, `:` or `-`, starting with a letter or `_`)';
      checker.report(pair.key, `keys of \`${entry.path}\` must be ${expected}, got ${describeValue(name)}`, pair.value);
      continue;
    }
    const threshold = readMetricThreshold(nodeValue(checker.resolve(pair.value) as Node | null));
    if (threshold === null) {
      good = false;
      checker.expect(pair.value, `${entry.path}.${name}`, 'a number >= 0 in the metric\'s unit such as `4`, or a size such as `8MiB`', '', pair.key);
      continue;
    }
    thresholds[name] = threshold;
  }
  return good ? thresholds : undefined;
}

/** `leakThreshold:` as written, sizes read into bytes; undefined after recording a problem. */
export function readLeakThreshold(checker: ConfigChecker, entry: MapEntry): UserLeakThreshold | undefined {
  const expected = 'a mapping of sizes such as `{ vram: 100MiB, ram: 200MiB }`';
  const problemsBefore = checker.count;
  const entries = checker.entries(entry.value, entry.path, LEAK_THRESHOLD_KEYS, expected, 'leakThreshold');
  if (!entries) return undefined;
  const threshold: UserLeakThreshold = {};
  for (const item of entries) {
    if (item.key === 'metrics') threshold.metrics = readMetricThresholds(checker, item);
    else if (item.key === 'vram') threshold.vramBytes = checker.size(item);
    else threshold.ramBytes = checker.size(item);
  }
  return checker.count > problemsBefore ? undefined : threshold;
}
