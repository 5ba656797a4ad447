// `--shard I/N`: which files this run takes of a suite split over N runners. Balanced (the default): longest file
// first, each to the shard whose lane would finish earliest, GPU files and CPU files balanced apart (the two lanes run
// side by side), a file that needs N GPUs only on a shard whose runner has them. Round-robin: every N-th file of the
// sorted list, as `node --test-shard`. Pure and deterministic: every shard computes the same split from the same
// files and durations, and a fingerprint of those inputs lets `gpu-test merge` notice shards planned from others.

import { createHash } from 'node:crypto';
import type { ShardSpec } from '../config/ci-types.js';
import type { Job } from '../results/job.js';
import type { ShardPlan } from '../results/ci-result.js';

/** A job and the time it is expected to take on its shard (0 for a file the plan skips whatever the host). */
export interface WeightedJob {
  readonly job: Job;
  readonly expectedMs: number;
}

/** The whole split: each shard's jobs (1-based shard `i` at index `i - 1`) and its expected time per lane. */
export interface ShardSplit {
  readonly shards: readonly (readonly Job[])[];
  readonly gpuMs: readonly number[];
  readonly cpuMs: readonly number[];
  readonly fingerprint: string;
}

/** The median, or null for no values. */
function medianOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * What each job is expected to take: its median from earlier runs; a file never seen gets its suite's median (else
 * every known file's, else 1, so that equal weights split by count). `idle` jobs (gated, deselected) weigh 0.
 */
export function weighJobs(jobs: readonly Job[], durations: Readonly<Record<string, number>>, idle: (job: Job) => boolean): WeightedJob[] {
  const known = (list: readonly Job[]): number[] => list.map((job) => durations[job.id]).filter((ms): ms is number => ms !== undefined);
  const overall = medianOf(known(jobs)) ?? 1;
  const bySuite = new Map<string, number>();
  for (const suite of new Set(jobs.map((job) => job.suite))) bySuite.set(suite, medianOf(known(jobs.filter((job) => job.suite === suite))) ?? overall);
  return jobs.map((job) => ({ job, expectedMs: idle(job) ? 0 : durations[job.id] ?? bySuite.get(job.suite) ?? overall }));
}

function fingerprintOf(weighted: readonly WeightedJob[], spec: Pick<ShardSpec, 'total' | 'strategy' | 'gpus'>): string {
  const hash = createHash('sha256');
  hash.update(`${spec.strategy} ${spec.total} ${spec.gpus?.join(',') ?? '-'}\n`);
  for (const { job, expectedMs } of weighted) hash.update(`${job.id} ${job.lane} ${job.needs.gpus} ${Math.round(expectedMs)}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** The shards a job may go to: those whose runner has the GPUs it needs, else (none has) the one with the most. */
function eligible(job: Job, gpus: readonly number[] | null, total: number): number[] {
  const all = Array.from({ length: total }, (_, index) => index);
  if (gpus === null || job.lane !== 'gpu') return all;
  const fit = all.filter((index) => (gpus[index] ?? 0) >= Math.max(1, job.needs.gpus));
  if (fit.length > 0) return fit;
  const most = Math.max(...gpus);
  return all.filter((index) => gpus[index] === most).slice(0, 1);
}

/** Splits every job of the run over `spec.total` shards; the same inputs give the same split on every runner. */
export function splitShards(weighted: readonly WeightedJob[], spec: Pick<ShardSpec, 'total' | 'strategy' | 'gpus'>): ShardSplit {
  const byId = [...weighted].sort((a, b) => a.job.id.localeCompare(b.job.id));
  // Without `shard.gpus`, every runner is taken to have the GPUs the most demanding file needs: a 2-GPU file holds
  // such a runner alone, two 1-GPU files share it.
  const most = Math.max(1, ...weighted.map((w) => (w.job.lane === 'gpu' ? w.job.needs.gpus : 1)));
  const gpusOf = (index: number): number => Math.max(1, spec.gpus?.[index] ?? most);
  const shards: Job[][] = Array.from({ length: spec.total }, () => []);
  const gpuMs = new Array<number>(spec.total).fill(0);
  const cpuMs = new Array<number>(spec.total).fill(0);
  const add = (index: number, { job, expectedMs }: WeightedJob): void => {
    shards[index]?.push(job);
    if (job.lane === 'gpu') gpuMs[index] = (gpuMs[index] ?? 0) + (expectedMs * Math.max(1, job.needs.gpus)) / gpusOf(index);
    else cpuMs[index] = (cpuMs[index] ?? 0) + expectedMs;
  };
  if (spec.strategy === 'round-robin') {
    byId.forEach((entry, position) => add(position % spec.total, entry));
  } else {
    // Longest first; ties in id order, so equal weights (no history) deal the files out as round-robin does.
    const longestFirst = [...byId].sort((a, b) => b.expectedMs - a.expectedMs);
    for (const entry of longestFirst) {
      const lane = entry.job.lane === 'gpu' ? gpuMs : cpuMs;
      const load = (index: number): number => {
        const share = entry.job.lane === 'gpu' ? (entry.expectedMs * Math.max(1, entry.job.needs.gpus)) / gpusOf(index) : entry.expectedMs;
        return (lane[index] ?? 0) + share;
      };
      const total = (index: number): number => (gpuMs[index] ?? 0) + (cpuMs[index] ?? 0);
      const [best] = eligible(entry.job, spec.gpus, spec.total).sort((a, b) => load(a) - load(b) || total(a) - total(b) || a - b);
      add(best ?? 0, entry);
    }
  }
  // Each shard's files in plan order, whatever order they were dealt in.
  for (const shard of shards) shard.sort((a, b) => a.id.localeCompare(b.id));
  return { shards, gpuMs, cpuMs, fingerprint: fingerprintOf(byId, spec) };
}

/**
 * This run's part of the split, and what the reports say of it; `concurrency` turns cpu-lane time into wall time.
 * Without earlier durations (`timed` false) every file weighs alike and no shard's time is expected.
 */
export function takeShard(weighted: readonly WeightedJob[], spec: ShardSpec, concurrency: number, timed = true): { jobs: Job[]; plan: ShardPlan } {
  const split = splitShards(weighted, spec);
  const expectedMs = timed ? split.gpuMs.map((gpu, index) => Math.round(Math.max(gpu, (split.cpuMs[index] ?? 0) / Math.max(1, concurrency)))) : [];
  return {
    jobs: [...(split.shards[spec.index - 1] ?? [])],
    plan: {
      index: spec.index, total: spec.total, strategy: spec.strategy, fingerprint: split.fingerprint,
      suiteFiles: weighted.length, expectedMs, gpus: spec.gpus === null ? null : [...spec.gpus],
    },
  };
}
