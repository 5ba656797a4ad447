// What `gpu-test list` shows of the schedule: where each runnable job would start on an idle host, and which jobs
// would share a card, by running the scheduler as if every file started at once and none ended.

import type { Plan } from '../results/job.js';
import { pickStarts, type Placement } from './admission.js';
import type { HostCapacity } from './capacity.js';

/** The first wave of starts on an idle host: job id -> its placement; jobs missing from the map would wait. */
export function previewPlacements(plan: Plan, capacity: HostCapacity): ReadonlyMap<string, Placement> {
  const runnable = plan.jobs.filter((job) => job.skip === null);
  return new Map(pickStarts(runnable, [], capacity).map((placement) => [placement.job.id, placement]));
}
