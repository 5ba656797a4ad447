// The shard of the plan this run takes (`--shard`): every job is weighed by the config's durations, the files the
// plan skips whatever the host (gated, deselected) weigh nothing, and the split is made over them all.

import type { ResolvedConfig } from '../config/types.js';
import type { ShardPlan } from '../results/ci-result.js';
import type { Job } from '../results/job.js';
import { decideSkips } from './plan-jobs.js';
import { takeShard, weighJobs } from './shard-jobs.js';

/** This run's jobs of the whole set, and the shard it took; every job and no shard when the run is not sharded. */
export function shardJobs(config: ResolvedConfig, jobs: readonly Job[], env: NodeJS.ProcessEnv): { jobs: readonly Job[]; shard: ShardPlan | null } {
  if (config.shard === null) return { jobs, shard: null };
  // Skips that depend on the host (no GPU, needs it cannot meet) are left out: every shard must weigh alike.
  const idle = new Set(decideSkips(config, jobs, env, { available: true, reason: null }).jobs
    .filter((job) => job.skip?.code === 'gated' || job.skip?.code === 'deselected').map((job) => job.id));
  const { jobs: taken, plan } = takeShard(weighJobs(jobs, config.durations, (job) => idle.has(job.id)), config.shard, config.concurrency, Object.keys(config.durations).length > 0);
  return { jobs: taken, shard: plan };
}
