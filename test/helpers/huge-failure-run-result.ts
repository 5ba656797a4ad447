// The shared sample with what a hostile or chatty test leaves: an assertion failure whose message and stack are 50 MB,
// a skip reason of 50 MB, a crash whose stderr ends in a 1 MiB line; optionally stdout and stderr as large as the
// harness keeps them (1 MiB each) made wholly of control characters, which XML escaping grows six-fold.

import type { FileResult, RunResult, TestResult } from '../../src/results/run-result.js';
import { sampleRunResult } from './sample-run-result.js';

const MiB = 1024 * 1024;

/** The size of the huge message: its text is `HEAD`, this many `x`, `TAIL`. */
export const HUGE_BYTES = 50 * MiB;
/** Where the failing test's stack points, after the huge message. */
export const HUGE_FRAME = '    at TestContext.<anonymous> (/project/suites/unit/math.test.ts:10:12)';
/** The name of the test that fails with the huge message. */
export const HUGE_TEST = 'math > pipe | in <name> & "quotes" ]]> 🚀 \u0007';
/** How the huge message starts and ends. */
export const HUGE_HEAD = 'HEADxxxx';
export const HUGE_TAIL = 'xxxxTAIL';

/** The sample run with huge failure texts; `worstOutput` adds 1 MiB of control characters to stdout and stderr. */
export function hugeFailureRunResult(worstOutput = false): RunResult {
  const run = sampleRunResult();
  const message = `HEAD${'x'.repeat(HUGE_BYTES)}TAIL`;
  const controls = '\u0001'.repeat(MiB);
  const withHuge = (test: TestResult): TestResult => {
    if (test.fullName === HUGE_TEST) return { ...test, failure: { type: 'AssertionError', message, stack: `AssertionError [ERR_ASSERTION]: ${message}\n${HUGE_FRAME}` } };
    if (test.status === 'skipped') return { ...test, skipReason: `why${'y'.repeat(HUGE_BYTES)}` };
    return test;
  };
  const files = run.files.map((file): FileResult => ({
    ...file,
    tests: file.tests.map(withHuge),
    stdout: worstOutput && file.job.id.endsWith('math.test.ts') ? controls : file.stdout,
    stderr: file.status === 'crashed' ? `${'s'.repeat(MiB)}\nSegmentation fault\n` : worstOutput && file.job.id.endsWith('math.test.ts') ? controls : file.stderr,
  }));
  return { ...run, files };
}
