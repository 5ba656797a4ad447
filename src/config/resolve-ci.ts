// Resolves the CI settings: the shard this run takes (`--shard I/N`, or `auto` from the CI's environment), the
// comparison's thresholds (the run's, and each suite's over them) and the retries.

import { GpuTestError } from '../errors.js';
import type { FailureClass } from '../results/failures.js';
import type { CompareSettings, CompareThresholds, MetricCompare, ShardSpec, ShardStrategy, Threshold, UserCompare, UserShard } from './ci-types.js';
import { SHARD_STRATEGIES } from './ci-types.js';
import type { Shard } from './types.js';

/** The variables of a Kubernetes Indexed Job: the index Kubernetes sets (0-based), the count the manifest passes. */
export const KUBERNETES_SHARD_ENV = { index: 'JOB_COMPLETION_INDEX', total: 'JOB_COMPLETIONS' } as const;
/**
 * For a suite split over several Indexed Jobs (one per GPU need class): the first shard of this Job among all (0
 * for the first Job), and the number of shards in all.
 */
export const SHARD_OFFSET_ENV = { offset: 'GPU_TEST_SHARD_OFFSET', total: 'GPU_TEST_SHARD_TOTAL' } as const;

function wholeFrom(env: NodeJS.ProcessEnv, name: string): number | null {
  const text = env[name];
  if (text === undefined || text.trim() === '') return null;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new GpuTestError('USAGE', `--shard auto: \`${name}\` must be a whole number >= 0, got \`${text}\``);
  }
  return value;
}

function checked(index: number, total: number, source: string): Shard {
  if (total < 1 || index < 1 || index > total) {
    throw new GpuTestError('USAGE', `--shard auto read shard ${index} of ${total} from ${source}: the index must be 1 to ${Math.max(total, 1)}; check those variables`);
  }
  return { index, total };
}

/** The shard `--shard auto` finds: the config's `shard.auto` variables first, then a Kubernetes Indexed Job's. */
export function shardFromEnv(env: NodeJS.ProcessEnv, auto: UserShard['auto']): Shard {
  if (auto) {
    const index = wholeFrom(env, auto.index);
    const total = wholeFrom(env, auto.total);
    if (index !== null && total !== null) return checked(index + 1 - auto.base, total, `\`${auto.index}\`=${index} and \`${auto.total}\`=${total} (shard.auto, base ${auto.base})`);
  }
  const completion = wholeFrom(env, KUBERNETES_SHARD_ENV.index);
  const total = wholeFrom(env, SHARD_OFFSET_ENV.total) ?? wholeFrom(env, KUBERNETES_SHARD_ENV.total);
  if (completion !== null && total !== null) {
    const offset = wholeFrom(env, SHARD_OFFSET_ENV.offset) ?? 0;
    return checked(completion + offset + 1, total, `the Kubernetes Indexed Job's \`${KUBERNETES_SHARD_ENV.index}\`=${completion}${offset ? ` (+ ${SHARD_OFFSET_ENV.offset}=${offset})` : ''} of ${total}`);
  }
  const configured = auto ? `\`${auto.index}\` and \`${auto.total}\` (shard.auto), or ` : '';
  throw new GpuTestError('USAGE', `--shard auto found no shard in the environment: set ${configured}\`${KUBERNETES_SHARD_ENV.index}\` and \`${KUBERNETES_SHARD_ENV.total}\` ` +
    `(a Kubernetes Indexed Job sets the index; pass the count from the manifest), or name your CI's variables under \`shard.auto\` in the config (docs/ci.md#sharding)`);
}

/** The shard this run takes, or null when it is not sharded. */
export function resolveShard(flag: Shard | 'auto' | undefined, strategy: ShardStrategy | undefined, user: UserShard | undefined, env: NodeJS.ProcessEnv): ShardSpec | null {
  if (strategy !== undefined && !SHARD_STRATEGIES.includes(strategy)) {
    throw new GpuTestError('USAGE', `--shard-strategy: unknown strategy \`${String(strategy)}\`; choose from ${SHARD_STRATEGIES.join(', ')}`);
  }
  if (flag === undefined) return null;
  const shard = flag === 'auto' ? shardFromEnv(env, user?.auto) : flag;
  if (!Number.isInteger(shard.index) || !Number.isInteger(shard.total) || shard.total < 1 || shard.index < 1 || shard.index > shard.total) {
    throw new GpuTestError('USAGE', `--shard must be INDEX/TOTAL with 1 <= INDEX <= TOTAL, such as --shard 2/3, got \`${shard.index}/${shard.total}\``);
  }
  const gpus = user?.gpus ?? null;
  if (gpus !== null && gpus.length !== shard.total) {
    throw new GpuTestError('USAGE', `\`shard.gpus\` lists ${gpus.length} runners (${gpus.join(', ')}) but the run is shard ${shard.index} of ${shard.total}; give the GPUs of each of the ${shard.total} shards' runners`);
  }
  return { index: shard.index, total: shard.total, strategy: strategy ?? user?.strategy ?? 'balanced', gpus };
}

function overThreshold(base: Threshold, over: Partial<Threshold> | undefined): Threshold {
  return { relativePercent: over?.relativePercent ?? base.relativePercent, absolute: over?.absolute ?? base.absolute };
}

/** `compare:` as written over `base`: each bound of each figure replaced where given. */
export function resolveCompare(base: CompareSettings, user: Omit<UserCompare, 'failOnRegression'> | undefined): CompareSettings {
  if (!user) return base;
  const names = Object.keys(base.thresholds) as (keyof CompareThresholds)[];
  const thresholds = Object.fromEntries(names.map((name) => [name, overThreshold(base.thresholds[name], user.thresholds?.[name])])) as unknown as CompareThresholds;
  const metrics: Record<string, MetricCompare> = { ...base.metrics };
  for (const [name, over] of Object.entries(user.metrics ?? {})) {
    const from = metrics[name] ?? { ...thresholds.metric, better: null };
    metrics[name] = { ...overThreshold(from, over), better: over.better ?? from.better };
  }
  return { thresholds, metrics };
}

// Flags come from parseCliArgs, which checks them; the API can pass anything.
export function checkRetries(value: number | undefined): number | undefined {
  if (value === undefined || (Number.isInteger(value) && value >= 0)) return value;
  throw new GpuTestError('USAGE', `--retries must be a whole number >= 0, got \`${value}\`; for example --retries 2`);
}

/** The retry classes of a suite: its own `retryOn`, else the run's. */
export function retryOnOf(suite: { readonly retryOn: readonly FailureClass[] | null }, run: readonly FailureClass[]): readonly FailureClass[] {
  return suite.retryOn ?? run;
}
