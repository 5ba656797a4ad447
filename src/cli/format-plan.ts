// The text `gpu-test list` prints: every file with its suite, tags, lane and, when it will not run, why.

import type { ChalkInstance } from 'chalk';
import type { Job, Plan } from '../results/job.js';
import type { GpuInventory } from '../results/machine.js';
import type { ShardPlan } from '../results/ci-result.js';
import { formatBytes, formatDuration } from '../units/format.js';
import type { Placement } from '../schedule/admission.js';
import type { SizeSpec } from '../units/size.js';

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

const size = (spec: SizeSpec): string => ('percent' in spec ? `${spec.percent}%` : formatBytes(spec.bytes));

/** A job's declared needs in a few words: `vram 4.0 GiB, ram 8.0 GiB, 2 GPUs`; `-` when it declares none. */
function describeNeeds(job: Job): string {
  const parts: string[] = [];
  if (job.needs.vram) parts.push(`vram ${size(job.needs.vram)}`);
  if (job.needs.ram) parts.push(`ram ${size(job.needs.ram)}`);
  if (job.needs.gpus > 1) parts.push(`${job.needs.gpus} GPUs`);
  if (job.needs.exclusive) parts.push('exclusive');
  return parts.join(', ') || '-';
}

function runStatus(job: Job, placement: Placement | undefined): string {
  if (job.lane === 'cpu') return placement || job.needs.ram === null ? 'run' : 'run (waits for RAM)';
  if (!placement) return 'run (waits for room)';
  return `run on GPU${placement.gpuIndices.length > 1 ? 's' : ''} ${placement.gpuIndices.join(',')}`;
}

/** Which files would share each card when everything starts at once on an idle host. */
function sharing(placements: ReadonlyMap<string, Placement>): string[] {
  const byCard = new Map<number, string[]>();
  for (const placement of placements.values()) {
    for (const index of placement.gpuIndices) byCard.set(index, [...(byCard.get(index) ?? []), placement.job.id]);
  }
  return [...byCard].filter(([, ids]) => ids.length > 1).sort(([a], [b]) => a - b)
    .map(([index, ids]) => `GPU ${index} shared by ${ids.join(', ')} (declared needs fit together)`);
}

/** `shard 2/4 (balanced): expected 5 min 32 s; all shards 5 min 40 s, 5 min 32 s, …`: what a shard took of the whole. */
export function formatShardLine(shard: ShardPlan, files: number): string {
  const expected = shard.expectedMs.length === 0 ? 'no earlier durations (--durations), so files are dealt out by count'
    : `expected per shard ${shard.expectedMs.map((ms, index) => (index === shard.index - 1 ? `[${formatDuration(ms)}]` : formatDuration(ms))).join(', ')}`;
  const gpus = shard.gpus === null ? '' : `; runners' GPUs ${shard.gpus.join(', ')}`;
  return `shard ${shard.index}/${shard.total} (${shard.strategy}): ${files} of ${shard.suiteFiles} files; ${expected}${gpus}; split ${shard.fingerprint}`;
}

/**
 * The plan as an aligned table followed by the GPU line and the plan's notes; with `placements` (the scheduler's
 * first wave on an idle host), where each GPU file would start and which share a card.
 */
export function formatPlan(plan: Plan, gpu: GpuInventory, chalk: ChalkInstance, placements?: ReadonlyMap<string, Placement>, shard: ShardPlan | null = null): string {
  const rows = plan.jobs.map((job) => ({
    file: job.id,
    suite: job.suite,
    tags: job.tags.join(',') || '-',
    needs: describeNeeds(job),
    lane: job.lane,
    status: job.skip ? `skip: ${job.skip.message}` : placements ? runStatus(job, placements.get(job.id)) : 'run',
    skipped: job.skip !== null,
  }));
  const width = (pick: (row: (typeof rows)[number]) => string, title: string): number =>
    Math.max(title.length, ...rows.map((row) => pick(row).length));
  const w = { file: width((r) => r.file, 'FILE'), suite: width((r) => r.suite, 'SUITE'), tags: width((r) => r.tags, 'TAGS'), needs: width((r) => r.needs, 'NEEDS') };
  const lines = [chalk.bold(`${pad('FILE', w.file)}  ${pad('SUITE', w.suite)}  ${pad('TAGS', w.tags)}  ${pad('NEEDS', w.needs)}  LANE  STATUS`)];
  for (const row of rows) {
    const status = row.skipped ? chalk.yellow(row.status) : chalk.green(row.status);
    lines.push(`${pad(row.file, w.file)}  ${pad(row.suite, w.suite)}  ${pad(row.tags, w.tags)}  ${pad(row.needs, w.needs)}  ${pad(row.lane, 4)}  ${status}`);
  }
  const running = plan.jobs.filter((job) => !job.skip);
  const gpuFiles = running.filter((job) => job.lane === 'gpu').length;
  lines.push('');
  lines.push(`${plan.jobs.length} files: ${running.length - gpuFiles} in the cpu lane, ${gpuFiles} in the gpu lane, ${plan.jobs.length - running.length} skipped`);
  lines.push(gpu.available
    ? `GPUs: ${gpu.gpus.map((g) => `${g.index}: ${g.name}`).join('; ')} (driver ${gpu.driverVersion ?? '?'}, CUDA ${gpu.cudaVersion ?? '?'})`
    : `GPUs: none usable (${gpu.reason ?? 'none found'})`);
  for (const line of placements ? sharing(placements) : []) lines.push(line);
  if (shard) lines.push(formatShardLine(shard, plan.jobs.length));
  for (const note of plan.notes) lines.push(chalk.yellow(`note: ${note}`));
  return `${lines.join('\n')}\n`;
}
