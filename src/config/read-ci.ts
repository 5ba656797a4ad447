// Config readers for gpu-test in CI: `shard:`, `retryOn:` and `compare:`. Each records positioned problems through the
// ConfigChecker, as the other readers do.

import { isSeq, type Node } from 'yaml';
import { FAILURE_CLASSES, type FailureClass } from '../results/failures.js';
import { VARIABLE_PATTERN, type ConfigChecker, type ItemCheck, type MapEntry } from './config-checker.js';
import { closestName, nodeValue } from './config-problems.js';
import { parseByteSize } from './parse-size.js';
import { SHARD_STRATEGIES, type CompareThresholds, type MetricCompare, type ShardVariables, type Threshold, type UserCompare, type UserShard } from './ci-types.js';

const checkFailureClass: ItemCheck = (checker, node, path) => {
  const value = nodeValue(checker.resolve(node) as Node | null);
  if (typeof value === 'string' && (FAILURE_CLASSES as readonly string[]).includes(value)) return value;
  const suggestion = typeof value === 'string' ? closestName(value, FAILURE_CLASSES) : undefined;
  checker.expect(node, path, `one of ${FAILURE_CLASSES.map((name) => `\`${name}\``).join(', ')}`, suggestion ? `; did you mean \`${suggestion}\`?` : '');
  return undefined;
};

/** `retryOn: [timeout, crash, gpu]`. */
export function readRetryOn(checker: ConfigChecker, entry: MapEntry): FailureClass[] | undefined {
  return checker.list(entry, checkFailureClass, 'a list of failure classes such as `[timeout, crash, gpu]`') as FailureClass[] | undefined;
}

/** `retries: 2` (0 turns retries off). */
export function readRetries(checker: ConfigChecker, entry: MapEntry): number | undefined {
  const value = nodeValue(checker.resolve(entry.value) as Node | null);
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  checker.expect(entry.value, entry.path, 'a whole number >= 0 such as `2` (0 turns retries off)', '', entry.keyNode);
  return undefined;
}

function readVariables(checker: ConfigChecker, entry: MapEntry): ShardVariables | undefined {
  const before = checker.count;
  const entries = checker.entries(entry.value, entry.path, ['index', 'total', 'base'], 'a mapping such as `{ index: CI_NODE_INDEX, total: CI_NODE_TOTAL, base: 1 }`', 'shard.auto');
  if (!entries) return undefined;
  const out: { index?: string; total?: string; base: 0 | 1 } = { base: 1 };
  for (const item of entries) {
    const value = nodeValue(checker.resolve(item.value) as Node | null);
    if (item.key === 'base') {
      if (value === 0 || value === 1) out.base = value;
      else checker.expect(item.value, item.path, '`0` or `1`: the index of the first shard', '', item.keyNode);
    } else if (typeof value === 'string' && VARIABLE_PATTERN.test(value)) {
      out[item.key as 'index' | 'total'] = value;
    } else {
      checker.expect(item.value, item.path, 'an environment variable name such as `CI_NODE_INDEX`', '', item.keyNode);
    }
  }
  for (const key of ['index', 'total'] as const) {
    if (out[key] === undefined && checker.count === before) checker.report(entry.value, `\`${entry.path}\` has no \`${key}\`; name the variable that holds the shard's ${key}`, entry.keyNode);
  }
  return checker.count > before || out.index === undefined || out.total === undefined ? undefined : { index: out.index, total: out.total, base: out.base };
}

/** `shard: { strategy: balanced, gpus: [2, 1, 1, 1], auto: { index: SHARD, total: SHARDS } }`. */
export function readShard(checker: ConfigChecker, entry: MapEntry): UserShard | undefined {
  const before = checker.count;
  const entries = checker.entries(entry.value, entry.path, ['strategy', 'gpus', 'auto'], 'a mapping such as `{ strategy: balanced, gpus: [2, 1, 1, 1] }`', 'shard');
  if (!entries) return undefined;
  const out: UserShard = {};
  for (const item of entries) {
    if (item.key === 'strategy') out.strategy = checker.choice(item, SHARD_STRATEGIES);
    else if (item.key === 'auto') out.auto = readVariables(checker, item);
    else {
      const seq = checker.resolve(item.value);
      const values = isSeq(seq) ? seq.items.map((node) => nodeValue(checker.resolve(node) as Node | null)) : [];
      if (isSeq(seq) && values.length > 0 && values.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) out.gpus = values as number[];
      else checker.expect(item.value, item.path, 'a list with the GPUs of each shard\'s runner such as `[2, 1, 1, 1]`', '', item.keyNode);
    }
  }
  return checker.count > before ? undefined : out;
}

const THRESHOLD_NAMES: readonly (keyof CompareThresholds)[] = ['duration', 'peakVram', 'peakRam', 'swap', 'leak', 'metric'];
const PERCENT = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;

// The absolute bound in the figure's unit: milliseconds for durations, a size for memory, a number for metrics.
function readAbsolute(checker: ConfigChecker, item: MapEntry, figure: string): number | undefined {
  const value = nodeValue(checker.resolve(item.value) as Node | null);
  if (figure === 'duration' || figure === 'metric' || figure === 'metrics') {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    const unit = figure === 'duration' ? 'milliseconds such as `1000`' : 'the metric\'s unit such as `2.5`';
    checker.expect(item.value, item.path, `a number >= 0 of ${unit}`, '', item.keyNode);
    return undefined;
  }
  const parsed = parseByteSize(value);
  if ('bytes' in parsed) return parsed.bytes;
  checker.expect(item.value, item.path, 'a size such as `256MiB`', `: ${parsed.problem}`, item.keyNode);
  return undefined;
}

function readThreshold(checker: ConfigChecker, entry: MapEntry, figure: string, extra: readonly string[] = []): Partial<MetricCompare> | undefined {
  const before = checker.count;
  const entries = checker.entries(entry.value, entry.path, ['relative', 'absolute', ...extra], 'a mapping such as `{ relative: 10%, absolute: 256MiB }`', 'threshold');
  if (!entries) return undefined;
  const out: { relativePercent?: number; absolute?: number; better?: 'higher' | 'lower' } = {};
  for (const item of entries) {
    if (item.key === 'absolute') out.absolute = readAbsolute(checker, item, figure);
    else if (item.key === 'better') out.better = checker.choice(item, ['higher', 'lower'] as const);
    else {
      const value = nodeValue(checker.resolve(item.value) as Node | null);
      const match = typeof value === 'string' ? PERCENT.exec(value) : null;
      if (match) out.relativePercent = Number(match[1]);
      else checker.expect(item.value, item.path, 'a share such as `10%`', '', item.keyNode);
    }
  }
  return checker.count > before ? undefined : out;
}

/** `compare: { failOnRegression, thresholds: { duration: { relative: 20%, absolute: 1000 } }, metrics: { … } }`. */
export function readCompare(checker: ConfigChecker, entry: MapEntry, suite: boolean): UserCompare | undefined {
  const before = checker.count;
  const keys = suite ? ['thresholds', 'metrics'] : ['failOnRegression', 'thresholds', 'metrics'];
  const entries = checker.entries(entry.value, entry.path, keys, 'a mapping such as `{ thresholds: { peakVram: { relative: 10%, absolute: 256MiB } } }`', 'compare');
  if (!entries) return undefined;
  const out: UserCompare = {};
  for (const item of entries) {
    if (item.key === 'failOnRegression') out.failOnRegression = checker.flag(item);
    else if (item.key === 'thresholds') {
      const thresholds: Record<string, Partial<Threshold>> = {};
      for (const figure of checker.entries(item.value, item.path, THRESHOLD_NAMES, 'a mapping of figures such as `{ duration: { relative: 20% } }`', 'compare.thresholds') ?? []) {
        const read = readThreshold(checker, figure, figure.key);
        if (read) thresholds[figure.key] = read;
      }
      out.thresholds = thresholds;
    } else {
      const metrics: Record<string, Partial<MetricCompare>> = {};
      const names = checker.resolve(item.value);
      const known = names && typeof names === 'object' && 'items' in names ? (names as { items: { key: unknown }[] }).items.map((pair) => String(nodeValue(checker.resolve(pair.key) as Node | null))) : [];
      for (const metric of checker.entries(item.value, item.path, known, 'a mapping of metric names such as `{ tokens_per_s: { better: higher, relative: 5% } }`', 'compare.metrics') ?? []) {
        const read = readThreshold(checker, metric, 'metrics', ['better']);
        if (read) metrics[metric.key] = read;
      }
      out.metrics = metrics;
    }
  }
  return checker.count > before ? undefined : out;
}
