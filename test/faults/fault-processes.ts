// Test support for the fault matrix: finds a fault run's processes by what they run.

import { setTimeout as sleep } from 'node:timers/promises';
import { readCommandLine } from '../../src/probe/process-tree.js';
import type { FaultRun } from './fault-run.js';

/** Resolves with the pid of the run's first process whose command line contains `text` (a test file's node process). */
export async function waitForProcessOf(run: FaultRun, text: string, limitMs = 120_000): Promise<number> {
  for (let waited = 0; waited < limitMs; waited += 20) {
    const pid = run.leftovers().find((candidate) => (readCommandLine(candidate) ?? '').includes(text));
    if (pid !== undefined) return pid;
    await sleep(20);
  }
  throw new Error(`no process of the run ever ran ${text}`);
}
