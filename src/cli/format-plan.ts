// The text `gpu-test list` prints: every file with its suite, tags, lane and, when it will not run, why.

import type { ChalkInstance } from 'chalk';
import type { Plan } from '../plan/types.js';
import type { GpuInventory } from '../probe/types.js';

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The plan as an aligned table followed by the GPU line and the plan's notes. */
export function formatPlan(plan: Plan, gpu: GpuInventory, chalk: ChalkInstance): string {
  const rows = plan.jobs.map((job) => ({
    file: job.id,
    suite: job.suite,
    tags: job.tags.join(',') || '-',
    lane: job.lane,
    status: job.skip ? `skip: ${job.skip.message}` : 'run',
    skipped: job.skip !== null,
  }));
  const width = (pick: (row: (typeof rows)[number]) => string, title: string): number =>
    Math.max(title.length, ...rows.map((row) => pick(row).length));
  const w = { file: width((r) => r.file, 'FILE'), suite: width((r) => r.suite, 'SUITE'), tags: width((r) => r.tags, 'TAGS') };
  const lines = [chalk.bold(`${pad('FILE', w.file)}  ${pad('SUITE', w.suite)}  ${pad('TAGS', w.tags)}  LANE  STATUS`)];
  for (const row of rows) {
    const status = row.skipped ? chalk.yellow(row.status) : chalk.green(row.status);
    lines.push(`${pad(row.file, w.file)}  ${pad(row.suite, w.suite)}  ${pad(row.tags, w.tags)}  ${pad(row.lane, 4)}  ${status}`);
  }
  const running = plan.jobs.filter((job) => !job.skip);
  const gpuFiles = running.filter((job) => job.lane === 'gpu').length;
  lines.push('');
  lines.push(`${plan.jobs.length} files: ${running.length - gpuFiles} in the cpu lane, ${gpuFiles} in the gpu lane, ${plan.jobs.length - running.length} skipped`);
  lines.push(gpu.available
    ? `GPUs: ${gpu.gpus.map((g) => `${g.index}: ${g.name}`).join('; ')} (driver ${gpu.driverVersion ?? '?'}, CUDA ${gpu.cudaVersion ?? '?'})`
    : `GPUs: none usable (${gpu.reason ?? 'none found'})`);
  for (const note of plan.notes) lines.push(chalk.yellow(`note: ${note}`));
  return `${lines.join('\n')}\n`;
}
