// A RunResult of many tiny tests, as a large unit suite gives: thousands of passing tests of a millisecond or so, each
// with the boundary samples and peak the harness takes, spread over files of 200 tests (or `testsPerFile`); one file in
// ten on the gpu lane, a few failures and skips. `nested` puts every test two describe levels down, as most suites are
// written. The report writers' scaling bench and the large-run tests both build on it.

import { countResults } from '../../src/results/counts.js';
import type { FileResult, RunResult, TestResult } from '../../src/results/run-result.js';
import { job, sample, sampleRunResult } from './sample-run-result.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

/** How a synthetic large run is shaped. */
export interface ManyTestsOptions {
  /** Every test two describe levels down (`parser 3 > group 1 > handles case 21`); top-level tests otherwise. */
  readonly nested?: boolean;
  readonly testsPerFile?: number;
}

function manyTest(fileIndex: number, index: number, gpu: boolean, nested: boolean, path: string, at: number): TestResult {
  const name = `handles case ${index}`;
  const group = `group ${Math.floor(index / 20)}`;
  const status = index % 97 === 13 ? 'failed' : index % 89 === 7 ? 'skipped' : 'passed';
  const rss = 60 * MiB + index * 4096;
  const host = 8 * GiB + fileIndex * MiB + index * 1024;
  const vram = gpu ? GiB + (index % 7) * 2 * MiB : null;
  return {
    name, fullName: nested ? `parser ${fileIndex} > ${group} > ${name}` : name, nesting: nested ? 2 : 0, file: path,
    line: 10 + index * 3, column: nested ? 7 : 1, status, durationMs: 0.4 + (index % 10) * 0.137,
    skipReason: status === 'skipped' ? 'not on this platform' : null,
    failure: status === 'failed'
      ? { type: 'AssertionError', message: `Expected values to be strictly equal:\n\n${index} !== ${index + 1}`, stack: `AssertionError [ERR_ASSERTION]: Expected values to be strictly equal\n    at TestContext.<anonymous> (${path}:${10 + index * 3}:5)` }
      : null,
    window: status === 'skipped' ? null : {
      before: sample(at, vram, rss, host),
      after: sample(at + 1, vram === null ? null : vram + (index % 3) * MiB, rss + 8192, host + 4096),
      peak: { vramBytes: vram === null ? null : vram + 2 * MiB, hostUsedBytes: host + 8192, swapUsedBytes: 0 },
    },
    repeat: null, metrics: [],
  };
}

/** A run of `tests` tiny tests; the last file holds what is left over. */
export function manyTestsRunResult(tests: number, options: ManyTestsOptions = {}): RunResult {
  const nested = options.nested ?? false;
  const perFile = options.testsPerFile ?? 200;
  const files: FileResult[] = [];
  for (let fileIndex = 0; fileIndex * perFile < tests; fileIndex++) {
    const gpu = fileIndex % 10 === 9;
    const id = `suites/${gpu ? 'gpu' : 'unit'}/parser-${String(fileIndex).padStart(4, '0')}.test.ts`;
    const fileJob = job(id, gpu ? 'gpu' : 'unit', gpu ? ['gpu'] : [], gpu ? 'gpu' : 'cpu');
    const count = Math.min(perFile, tests - fileIndex * perFile);
    const startedAt = T0 + fileIndex * 500;
    const fileTests = Array.from({ length: count }, (_, index) => manyTest(fileIndex, index, gpu, nested, fileJob.file, startedAt + 10 + index * 2));
    const failed = fileTests.some((t) => t.status === 'failed');
    files.push({
      job: fileJob, status: failed ? 'failed' : 'passed', skipReason: null, error: null, lane: fileJob.lane, gpuIndices: gpu ? [0] : [],
      outcome: { exitCode: failed ? 1 : 0, signal: null, timedOut: false, isCanceled: false, durationMs: 20 + count * 2 },
      startedAt, endedAt: startedAt + 20 + count * 2, stdout: '', stderr: '', tests: fileTests, leaks: [],
      residue: { vramBeforeBytes: gpu ? 0 : null, vramAfterBytes: gpu ? 0 : null, orphans: [] }, gpuLoad: gpu ? [{ gpuIndex: 0, peakAboveStartBytes: GiB }] : [],
    });
  }
  const base = sampleRunResult();
  const endedAt = Math.max(T0 + 1000, ...files.map((f) => f.endedAt ?? T0));
  const counts = countResults(files);
  return { ...base, files, counts, endedAt, verdict: counts.failed > 0 ? 'failed' : 'passed', warnings: [] };
}
