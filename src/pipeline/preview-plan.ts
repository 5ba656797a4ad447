// What `gpu-test list` shows: the plan on this host (each file's lane, and why one would be skipped) and where the
// files that share cards would go, without running anything or reading VRAM.

import { DEFAULT_GPU_BACKEND } from '../config/defaults.js';
import { resolveConfig } from '../config/resolve-config.js';
import { discoverFiles } from '../plan/discover-files.js';
import { decideSkips, describeJobs } from '../plan/plan-jobs.js';
import { shardJobs } from '../plan/plan-shard.js';
import type { ShardPlan } from '../results/ci-result.js';
import { findGpus } from '../probe/find-gpus.js';
import type { Plan } from '../results/job.js';
import type { GpuInventory } from '../results/machine.js';
import { previewPlacements } from '../schedule/preview.js';
import { skipUnfit } from '../schedule/skip-unfit.js';
import { selectUsableGpus } from '../schedule/usable-gpus.js';
import { hostCapacity } from './host-capacity.js';
import type { RunGpuTestsOptions } from './run-gpu-tests.js';

/** The plan, the usable GPUs, and the placement preview of files that share cards. */
export interface PlanPreview {
  readonly plan: Plan;
  readonly gpu: GpuInventory;
  readonly placements: ReturnType<typeof previewPlacements>;
  /** The shard `--shard` takes; null when not sharded. */
  readonly shard: ShardPlan | null;
}

/** The plan as a run would make it now; throws GpuTestError as a run would. */
export async function previewPlan(request: Omit<RunGpuTestsOptions, 'interrupt'> = {}): Promise<PlanPreview> {
  const env = request.env ?? process.env;
  const cli = request.options ?? {};
  const found = findGpus({ backend: cli.gpuBackend ?? DEFAULT_GPU_BACKEND });
  const config = await resolveConfig({ cwd: request.cwd ?? process.cwd(), cli, env });
  const { files, warnings } = await discoverFiles(config);
  const { jobs, shard } = shardJobs(config, describeJobs(config, files), env);
  const { inventory, nvml } = await found;
  if (nvml?.available) nvml.close(); // `list` reads no VRAM.
  const gpu = selectUsableGpus(inventory, env['CUDA_VISIBLE_DEVICES'], config.gpus);
  // No VRAM reader is opened: cards count as empty, so shared-card previews assume an idle host.
  const capacity = hostCapacity(config, gpu, new Map());
  const decided = skipUnfit(decideSkips(config, jobs, env, gpu), capacity, config.requireGpu);
  const plan = { ...decided, notes: [...warnings, ...decided.notes] };
  return { plan, gpu, placements: previewPlacements(plan, capacity), shard };
}
