// Files whose declared needs this host can never meet (more GPUs, VRAM or RAM than it has) are skipped with the
// reason, rather than waiting for a turn that cannot come. Pure.

import type { Plan } from '../results/job.js';
import { neverFits } from './admission.js';
import type { HostCapacity } from './capacity.js';

/** The plan with every job that would run but can never fit `capacity` skipped as `unfit`, and a note under --require-gpu. */
export function skipUnfit(plan: Plan, capacity: HostCapacity, requireGpu: boolean): Plan {
  const jobs = plan.jobs.map((job) => {
    const why = job.skip === null ? neverFits(job, capacity) : null;
    return why === null ? job : { ...job, skip: { code: 'unfit' as const, message: `can never run here: it ${why}`, enableWith: null } };
  });
  const unfit = jobs.filter((job) => job.skip?.code === 'unfit').length;
  const notes = unfit > 0 && requireGpu ? [...plan.notes, `${unfit} file(s) declare needs this host cannot meet: they fail because of --require-gpu`] : plan.notes;
  return { ...plan, jobs, notes };
}
