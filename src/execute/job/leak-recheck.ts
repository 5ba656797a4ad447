// The rechecking state, under --repeat: the first run's leak calls, and for a test whose memory grew (or grew in steps
// too few to read), a second process that repeats only those tests, longer for the steps (up to `leakRepeatMax`);
// only a leak both runs see, or a staircase the longer run reads, is called one. An interrupted re-run calls none.

import { MAX_TIMEOUT_MS } from '../../config/defaults.js';
import { judgeRepeats } from '../../measure/leak-check.js';
import { confirmFindings, planRecheck, unconfirmedFindings } from '../../measure/leak-confirm.js';
import type { FileResidue, LeakFinding } from '../../results/run-result.js';
import { REPEAT_ENV, REPEAT_ONLY_ENV } from '../child/repeat-tests.js';
import { findLeftovers } from './file-leftovers.js';
import type { JobGpus } from './job-gpus.js';
import type { JobLife } from './job-life.js';
import { runProcess, type ProcessRun } from './run-process.js';

/** The leak calls of the file, and the orphans of its re-run (if one was made). */
export interface LeakCalls {
  readonly leaks: LeakFinding[];
  readonly orphans: FileResidue['orphans'];
}

/** Judges the first run's repeats, and re-runs the flagged tests to confirm them (not when the launch is stopping). */
export async function recheckLeaks(life: JobLife, gpus: JobGpus, first: ProcessRun, index: number): Promise<LeakCalls> {
  const { job } = life;
  const findings = judgeRepeats(first.collected.tests, job.leakThreshold);
  const plan = planRecheck(first.collected.tests, findings, job);
  const cut = life.stopping.aborted || life.guardStop.aborted || first.collected.status === 'interrupted';
  if (plan === null || plan.names.length === 0 || cut) return { leaks: findings, orphans: [] };
  const extraEnv = { [REPEAT_ENV]: String(plan.iterations), [REPEAT_ONLY_ENV]: JSON.stringify(plan.names) };
  // A longer re-run gets the time its iterations need: the file's timeout, scaled by how much longer it repeats (within
  // what a Node.js timer can wait).
  const timeoutMs = Math.min(MAX_TIMEOUT_MS, Math.ceil(job.timeoutMs * Math.max(1, plan.iterations / job.repeat)));
  const rerunJob = { ...job, repeat: plan.iterations, timeoutMs };
  const recheck = await runProcess(life, gpus, {
    index, attempt: 2, startWhen: Promise.resolve(life.turnEnv ?? {}), extraEnv, live: false, job: rerunJob,
  });
  const { orphans } = await findLeftovers(life, gpus, recheck);
  if (recheck.collected.status === 'interrupted') {
    for (const name of plan.names) life.warn(`the leak check of "${name}" was interrupted before its re-run finished; its growth is reported, not called a leak`);
    return { leaks: unconfirmedFindings(findings, plan, 'its re-run was interrupted'), orphans };
  }
  return { leaks: confirmFindings(findings, judgeRepeats(recheck.collected.tests, job.leakThreshold, job.repeat), plan), orphans };
}
