// Turns a config the schema has accepted into a UserConfig: sizes into bytes, shares into numbers, bounds and hook
// steps into records with their defaults. Nothing here checks: every value already has the shape the schema gives it.

import type { FailureClass } from '../results/failures.js';
import type { LeakMode } from '../results/job.js';
import type { SizeSpec } from '../units/size.js';
import type { MetricCompare, Threshold, UserCompare, UserShard } from './ci-types.js';
import { parseByteSize, parsePercent, parseSizeSpec } from './parse-size.js';
import type { Admission, Budgets, GuardSettings, HealthcheckStep, HookStep, MetricBound, ReporterName, Requirements, SuiteHooks, UserConfig, UserLeakThreshold, UserSuite } from './types.js';

/** A step's default timeout: long enough for a model server to unload. */
export const DEFAULT_HOOK_TIMEOUT_MS = 60_000;
const DEFAULT_HEALTHCHECK_WAIT_MS = 120_000;
const DEFAULT_HEALTHCHECK_INTERVAL_MS = 1_000;

type Raw = Readonly<Record<string, unknown>>;

const BOUND = /^\s*(<=|>=|==|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i;

/** `">= 40"` as a bound; null when it is not one. */
export function parseMetricBound(text: string): MetricBound | null {
  const match = BOUND.exec(text);
  return match ? { op: match[1] as MetricBound['op'], value: Number(match[2]) } : null;
}

// The schema has checked the unit and the share's range, so these cannot fail; 0 would only hide a schema bug.
function bytes(value: unknown): number {
  const parsed = parseByteSize(value);
  return 'bytes' in parsed ? parsed.bytes : 0;
}

function sizeSpec(value: unknown): SizeSpec {
  const parsed = parseSizeSpec(value);
  return 'spec' in parsed ? parsed.spec : { bytes: 0 };
}

/** `{ a: f(raw.a), … }` for the keys of `raw` that `convert` names, keys absent in `raw` left out. */
function convertKeys<T>(raw: Raw, convert: { readonly [K in keyof T]-?: (value: never) => T[K] }): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const convertOne = (convert as unknown as Record<string, ((value: unknown) => unknown) | undefined>)[key];
    if (convertOne) out[key] = convertOne(value);
  }
  return out as T;
}

function mapValues<T>(raw: Raw, convert: (value: never) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, (convert as (value: unknown) => T)(value)]));
}

const asIs = <T>(value: T): T => value;

function leakThreshold(raw: Raw): UserLeakThreshold {
  const out: UserLeakThreshold = {};
  if (raw['vram'] !== undefined) out.vramBytes = bytes(raw['vram']);
  if (raw['ram'] !== undefined) out.ramBytes = bytes(raw['ram']);
  // A metric's threshold is in its own unit: a number as written (fractions kept), or a size read into bytes.
  if (raw['metrics'] !== undefined) out.metrics = mapValues(raw['metrics'] as Raw, (value: unknown) => (typeof value === 'number' ? value : bytes(value)));
  return out;
}

function step(raw: Raw): HookStep {
  const timeoutMs = (raw['timeout'] as number | undefined) ?? DEFAULT_HOOK_TIMEOUT_MS;
  if (typeof raw['run'] === 'string') return { run: raw['run'], timeoutMs };
  const http = raw['http'] as Raw;
  return { http: { url: http['url'] as string, method: ((http['method'] as string | undefined) ?? 'GET').toUpperCase(), status: (http['status'] as number | undefined) ?? 200 }, timeoutMs };
}

function hooks(raw: Raw): SuiteHooks {
  const out: { before?: HookStep[]; healthcheck?: HealthcheckStep; after?: HookStep[] } = {};
  if (raw['before'] !== undefined) out.before = (raw['before'] as Raw[]).map(step);
  if (raw['after'] !== undefined) out.after = (raw['after'] as Raw[]).map(step);
  const check = raw['healthcheck'] as Raw | undefined;
  if (check !== undefined) {
    out.healthcheck = {
      ...step(check),
      waitMs: (check['wait'] as number | undefined) ?? DEFAULT_HEALTHCHECK_WAIT_MS,
      intervalMs: (check['interval'] as number | undefined) ?? DEFAULT_HEALTHCHECK_INTERVAL_MS,
    };
  }
  return out;
}

function budgets(raw: Raw): Budgets {
  return convertKeys<Budgets>(raw, {
    peakVram: sizeSpec, peakRam: sizeSpec, swap: sizeSpec, leak: sizeSpec,
    gpuUtilMin: asIs<number>, tempMax: asIs<number>, powerMax: asIs<number>,
    metrics: (metrics: Raw) => mapValues(metrics, (text: string) => parseMetricBound(text) ?? { op: '==', value: NaN }),
  });
}

function threshold(raw: Raw): Partial<MetricCompare> {
  const out: { relativePercent?: number; absolute?: number; better?: MetricCompare['better'] } = {};
  if (raw['relative'] !== undefined) out.relativePercent = parsePercent(raw['relative']);
  // Memory figures take a size; durations and metrics a plain number, which a size read as bytes leaves as it is.
  if (raw['absolute'] !== undefined) out.absolute = typeof raw['absolute'] === 'number' ? raw['absolute'] : bytes(raw['absolute']);
  if (raw['better'] !== undefined) out.better = raw['better'] as MetricCompare['better'];
  return out;
}

function compare(raw: Raw): UserCompare {
  const out: UserCompare = {};
  if (raw['failOnRegression'] !== undefined) out.failOnRegression = raw['failOnRegression'] as boolean;
  if (raw['thresholds'] !== undefined) out.thresholds = mapValues(raw['thresholds'] as Raw, (value: Raw) => threshold(value) as Partial<Threshold>);
  if (raw['metrics'] !== undefined) out.metrics = mapValues(raw['metrics'] as Raw, threshold);
  return out;
}

function shard(raw: Raw): UserShard {
  const out: UserShard = {};
  if (raw['strategy'] !== undefined) out.strategy = raw['strategy'] as UserShard['strategy'];
  if (raw['gpus'] !== undefined) out.gpus = raw['gpus'] as number[];
  const auto = raw['auto'] as Raw | undefined;
  if (auto !== undefined) out.auto = { index: auto['index'] as string, total: auto['total'] as string, base: (auto['base'] as 0 | 1 | undefined) ?? 1 };
  return out;
}

function guard(raw: boolean | Raw): Partial<Omit<GuardSettings, 'enabled'>> | false {
  if (raw === false) return false;
  if (raw === true) return {};
  const names = { ram: 'ramPercent', swap: 'swapPercent', vram: 'vramPercent' } as const;
  const out: { ramPercent?: number; swapPercent?: number; vramPercent?: number; horizonMs?: number } = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'horizon') out.horizonMs = value as number;
    else out[names[key as keyof typeof names]] = parsePercent(value);
  }
  return out;
}

// Typed by UserSuite's and UserConfig's keys, so a key added to a type cannot be forgotten here (and a test holds the
// schema to these keys); the order is the one docs list.
const SUITE_CONVERTERS: { readonly [K in keyof UserSuite]-?: (value: never) => UserSuite[K] } = {
  name: asIs<string>,
  files: asIs<string[]>,
  allowEmpty: asIs<boolean>,
  tags: asIs<string[]>,
  timeout: asIs<number>,
  repeat: asIs<number>,
  leakThreshold,
  leakRepeatMax: asIs<number>,
  requires: (raw: Raw) => convertKeys<Requirements>(raw, { vram: sizeSpec, ram: sizeSpec, gpus: asIs<number> }),
  hooks,
  budgets,
  retries: asIs<number>,
  retryOn: asIs<FailureClass[]>,
  compare,
};

const TOP_LEVEL_CONVERTERS: { readonly [K in keyof UserConfig]-?: (value: never) => UserConfig[K] } = {
  suites: (suites: Raw[]) => suites.map((suite) => convertKeys<UserSuite>(suite, SUITE_CONVERTERS)),
  gates: asIs<Record<string, string>>,
  gpuTags: asIs<string[]>,
  tags: asIs<string[]>,
  exclude: asIs<string[]>,
  reportDir: asIs<string>,
  reporters: asIs<ReporterName[]>,
  concurrency: asIs<number>,
  gpuConcurrency: asIs<number>,
  timeout: asIs<number>,
  repeat: asIs<number>,
  leakThreshold,
  leakRepeatMax: asIs<number>,
  leaks: asIs<LeakMode>,
  settleTimeout: asIs<number>,
  killOrphans: asIs<boolean>,
  rawSamples: asIs<boolean>,
  killGrace: asIs<number>,
  admission: (raw: Raw) => convertKeys<Partial<Admission>>(raw, { vramHeadroom: sizeSpec, ramReserve: sizeSpec }),
  guard,
  retryAlone: asIs<boolean>,
  balancePercent: parsePercent,
  shard,
  retries: asIs<number>,
  retryOn: asIs<FailureClass[]>,
  failOnFlaky: asIs<boolean>,
  compare,
};

/** The keys gpu-test.config.yaml may have at the top level. */
export const TOP_LEVEL_KEYS: readonly string[] = Object.keys(TOP_LEVEL_CONVERTERS);
/** The keys a suite may have. */
export const SUITE_KEYS: readonly string[] = Object.keys(SUITE_CONVERTERS);

/** The UserConfig of a config the schema accepted, as plain data (`document.toJS()`); null for an empty file. */
export function convertConfig(raw: Raw | null): UserConfig {
  return raw === null ? {} : convertKeys<UserConfig>(raw, TOP_LEVEL_CONVERTERS);
}
