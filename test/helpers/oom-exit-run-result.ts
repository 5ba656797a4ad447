// The shared sample plus a GPU file whose test printed PyTorch's out-of-memory error to stderr, then a screen of
// cleanup, and exited 1: the harness's message says only "exited with code 1", stderr says why.

import { countResults } from '../../src/results/counts.js';
import type { FileResult, RunResult } from '../../src/results/run-result.js';
import { job, sample, sampleRunResult, test } from './sample-run-result.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The line of stderr that says why the process exited. */
export const OOM_LINE = 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 GiB. GPU 0 has a total capacity of 79.19 GiB';

/** 30 lines of progress, a traceback ending in OOM_LINE, and 25 lines of cleanup, one of them holding a code fence. */
export function oomStderr(): string {
  const progress = Array.from({ length: 30 }, (_, i) => `loading shard ${i} of 30`);
  const cleanup = Array.from({ length: 25 }, (_, i) => (i === 20 ? 'a fence in the output: ```' : `releasing cache block ${i}`));
  return [...progress, 'Traceback (most recent call last):', '  File "load.py", line 3, in <module>', OOM_LINE, ...cleanup, ''].join('\n');
}

/** The sample run with the out-of-memory file added (failed, exit code 1, its test cut short on GPU 0). */
export function oomExitRunResult(): RunResult {
  const run = sampleRunResult();
  const big = job('suites/vlm/big-model.test.ts', 'vlm', ['gpu'], 'gpu');
  const T0 = run.startedAt;
  const file: FileResult = {
    job: big, status: 'failed', skipReason: null, error: null, lane: 'gpu', gpuIndices: [0],
    outcome: { exitCode: 1, signal: null, timedOut: false, isCanceled: false, durationMs: 2000 },
    startedAt: T0 + 2405, endedAt: T0 + 2495, stdout: '', stderr: oomStderr(), leaks: [], residue: null, gpuLoad: [],
    tests: [
      test({ name: 'loads the big model', fullName: 'loads the big model', file: big.file, line: 4, column: 1, status: 'failed', durationMs: 80,
        failure: { type: 'crash', message: 'the test process exited with code 1 while "loads the big model" was running', stack: null },
        window: { before: sample(T0 + 2410, 4 * GiB, 300 * MiB, 9 * GiB), after: null, peak: { vramBytes: 78 * GiB, hostUsedBytes: 14 * GiB, swapUsedBytes: 0 } } }),
    ],
  };
  const files = [...run.files, file];
  return { ...run, files, counts: countResults(files) };
}
