// Synthetic runs for compare and trend: one GPU file and one CPU file whose figures a test sets, with seeded noise
// around them as run-to-run jitter on a loaded machine would give.

import { countResults } from '../../src/results/counts.js';
import type { FileResult, RunResult, TestResult } from '../../src/results/run-result.js';
import { job, sample, sampleRunResult, test } from './sample-run-result.js';
import { seededRandom } from './seeded-random.js';

const GiB = 1024 ** 3;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1, 2, 0, 0);

/** What one night measured; every field has a typical value. */
export interface Night {
  readonly loadMs?: number;
  readonly peakVramBytes?: number;
  readonly tokensPerS?: number;
  readonly generateStatus?: 'passed' | 'failed';
  readonly leakPerIteration?: number | null;
  /** Relative jitter applied to every figure, as a share (0.03: ±3%). */
  readonly noise?: number;
}

function gpuTest(name: string, line: number, durationMs: number, peak: number, at: number, extra: Partial<TestResult> = {}): TestResult {
  return test({
    name, fullName: `model > ${name}`, file: '/project/suites/vlm/model.test.ts', line, status: 'passed', durationMs,
    window: { before: sample(at, 1 * GiB, 400 * 1024 ** 2, 8 * GiB), after: sample(at + durationMs, 1 * GiB, 410 * 1024 ** 2, 8 * GiB), peak: { vramBytes: peak, hostUsedBytes: 9 * GiB, swapUsedBytes: 0 } },
    ...extra,
  });
}

/** Night `index` (0-based, a day apart) of a nightly job, with the figures of `night` and seeded noise. */
export function nightRun(index: number, night: Night = {}, seed = index + 1): RunResult {
  const random = seededRandom(seed);
  const jitter = (value: number): number => value * (1 + (night.noise ?? 0.03) * (2 * random() - 1));
  const at = T0 + index * DAY;
  const vlm = job('suites/vlm/model.test.ts', 'vlm', ['gpu'], 'gpu');
  const unit = job('suites/unit/text.test.ts', 'unit', [], 'cpu');
  const leak = night.leakPerIteration ?? null;
  const files: FileResult[] = [
    {
      job: vlm, status: night.generateStatus === 'failed' ? 'failed' : 'passed', skipReason: null, error: null, outcome: null, startedAt: at, endedAt: at + 60_000,
      lane: 'gpu', gpuIndices: [0], stdout: '', stderr: '', residue: null, gpuLoad: [],
      leaks: leak === null ? [] : [{ test: 'model > loads', line: 4, resource: 'vram', metric: null, source: 'card', rechecked: true, recheck: null, series: [], verdict: {
        leaking: leak > 10 * 1024 ** 2, iterations: 10, perIteration: leak, totalGrowth: leak * 9, rSquared: 0.99, threshold: 100 * 1024 ** 2, reason: 'fit',
        pattern: leak > 10 * 1024 ** 2 ? 'steady' : 'within', steps: null,
      } }],
      tests: [
        gpuTest('loads', 4, jitter(night.loadMs ?? 40_000), jitter(night.peakVramBytes ?? 6 * GiB), at),
        gpuTest('generates', 9, jitter(15_000), jitter(7 * GiB), at + 40_000, {
          status: night.generateStatus ?? 'passed',
          failure: night.generateStatus === 'failed' ? { type: 'AssertionError', message: 'caption differs', stack: null } : null,
          metrics: [{ name: 'tokens_per_s', value: jitter(night.tokensPerS ?? 42), unit: 'tok/s' }],
        }),
      ],
    },
    {
      job: unit, status: 'passed', skipReason: null, error: null, outcome: null, startedAt: at, endedAt: at + 300, lane: 'cpu', gpuIndices: [], stdout: '', stderr: '',
      residue: null, gpuLoad: [], leaks: [],
      tests: [test({ name: 'splits', fullName: 'splits', file: '/project/suites/unit/text.test.ts', line: 3, status: 'passed', durationMs: jitter(20) })],
    },
  ];
  return { ...sampleRunResult(), runId: `night-${index}`, startedAt: at, endedAt: at + 61_000, files, counts: countResults(files), budgets: [], verdict: 'passed' };
}
