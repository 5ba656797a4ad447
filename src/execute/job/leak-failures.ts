// A confirmed leak fails in every report as a test of its own, `<test> [leak check: VRAM]`, next to the iterations
// that passed one by one: CI shows the failure with the growth in its message (unless --leaks warn).

import type { Job, LeakMode } from '../../results/job.js';
import type { LeakFinding, TestResult } from '../../results/run-result.js';
import { failedTest, FAILURE } from '../../results/failures.js';
import { leakLabel } from '../../results/leak-labels.js';

/** The name of the test that carries a leak's failure: `<test> [leak check: VRAM]`, `[leak check: metric kv_blocks]`. */
export function leakCheckName(finding: Pick<LeakFinding, 'test' | 'resource' | 'metric'>): string {
  return `${finding.test} [leak check: ${leakLabel(finding)}]`;
}

/** One failed test per confirmed leak under `--leaks fail`; none under `warn`. */
export function leakCheckFailures(job: Job, leaks: readonly LeakFinding[], mode: LeakMode): TestResult[] {
  if (mode === 'warn') return [];
  return leaks.filter((leak) => leak.verdict.leaking).map((leak) => {
    return failedTest({ name: leakCheckName(leak), file: job.file, line: leak.line, type: FAILURE.memoryLeak, message: leak.verdict.reason });
  });
}
