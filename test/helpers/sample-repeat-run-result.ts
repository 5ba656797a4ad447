// A run under `--repeat 5` on two GPUs: a confirmed VRAM leak (and its leak-check failure), a VRAM call the re-run did
// not confirm, clear RAM calls, metrics per iteration, a process left running and one killed by --kill-orphans, no
// PSI and no cgroup, and a timeline where one GPU's first reads failed. The verdicts come from the real leak fit.

import { countResults } from '../../src/results/counts.js';
import type { FileResult, LeakFinding, RunResult, TestResult } from '../../src/results/run-result.js';
import { confirmLeak, judgeLeak } from '../../src/measure/leak-fit.js';
import type { RunTimeline } from '../../src/results/measurement.js';
import { job, sample, sampleRunResult, test } from './sample-run-result.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const THRESHOLD = 100 * MiB;
/** The shared sample's start, so both runs read the same in reports. */
export const REPEAT_T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const T0 = REPEAT_T0;
const ITERATIONS = 5;

/** VRAM after each iteration of `loads model`: 52 MiB more every time, in both runs. */
export const LEAKING_SERIES: readonly number[] = [0, 1, 2, 3, 4].map((i) => GiB + i * 52 * MiB);
// `caches tokenizer`: the first run creeps up steadily, the re-run stays flat, so the leak is not confirmed.
const CREEPING_SERIES = [0, 1, 2, 3, 4].map((i) => GiB + i * 30 * MiB);
const FLAT_SERIES = [GiB, GiB, GiB + MiB, GiB, GiB];
const RSS_SERIES = [600, 601, 600, 602, 601].map((mib) => mib * MiB);

function finding(test: string, line: number, resource: 'vram' | 'ram', first: readonly number[], rerun: readonly number[] | null): LeakFinding {
  const label = resource === 'vram' ? 'VRAM' : 'RAM';
  const judged = judgeLeak(first, { thresholdBytes: THRESHOLD, label });
  const verdict = rerun === null ? judged : confirmLeak(judged, judgeLeak(rerun, { thresholdBytes: THRESHOLD, label }));
  return { test, line, resource, verdict, rechecked: rerun !== null, series: first };
}

/** The four calls of the loader file: confirmed, clear, not confirmed, clear. */
export function loaderLeaks(): LeakFinding[] {
  return [
    finding('loader > loads model', 6, 'vram', LEAKING_SERIES, LEAKING_SERIES.map((v) => v + 2 * MiB)),
    finding('loader > loads model', 6, 'ram', RSS_SERIES, null),
    finding('loader > caches tokenizer', 14, 'vram', CREEPING_SERIES, FLAT_SERIES),
    finding('loader > caches tokenizer', 14, 'ram', RSS_SERIES, null),
  ];
}

function iterations(name: string, line: number, vramAfter: readonly number[], start: number, metrics: (i: number) => TestResult['metrics']): TestResult[] {
  return vramAfter.map((after, index) => {
    const iteration = index + 1;
    const at = start + index * 400;
    const suffixed = `${name} [repeat ${iteration}/${ITERATIONS}]`;
    return test({
      name: suffixed, fullName: `loader > ${suffixed}`, nesting: 1, file: '/project/suites/vlm/loader.test.ts', line, column: 3,
      status: 'passed', durationMs: 350, repeat: { name, iteration, count: ITERATIONS }, metrics: metrics(iteration),
      window: {
        before: sample(at, index === 0 ? GiB : (vramAfter[index - 1] ?? GiB), 600 * MiB, 10 * GiB),
        after: sample(at + 350, after, 601 * MiB, 10 * GiB + 64 * MiB),
        peak: { vramBytes: after + 3 * GiB, hostUsedBytes: 11 * GiB + index * 128 * MiB, swapUsedBytes: 0 },
      },
    });
  });
}

function timeline(): RunTimeline {
  // One point a second; GPU 1's first two reads failed (null), before its file started.
  const gpu0 = [1, 4.2, 4.3, 4.4, 4.5, 2.5, 1.5];
  const gpu1 = [null, null, 0, 0.75, 0.75, 0, 0];
  return {
    intervalMs: 50,
    series: ['gpu0', 'gpu1', 'hostUsed', 'swapUsed'],
    points: gpu0.map((vram, index) => ({
      at: T0 + index * 1000,
      values: { gpu0: Math.round(vram * GiB), gpu1: gpu1[index] === null ? null : Math.round((gpu1[index] ?? 0) * GiB), hostUsed: (10 + index / 2) * GiB, swapUsed: 0 },
    })),
  };
}

/** The repeated run. */
export function sampleRepeatRunResult(): RunResult {
  const shared = sampleRunResult();
  const loaderJob = job('suites/vlm/loader.test.ts', 'vlm', ['gpu'], 'gpu', null, ITERATIONS);
  const serverJob = job('suites/vlm/server.test.ts', 'vlm', ['gpu'], 'gpu');
  const leaks = loaderLeaks();
  const confirmed = leaks[0] as LeakFinding;
  const loader: FileResult = {
    job: loaderJob, status: 'failed', skipReason: null, error: null, lane: 'gpu', gpuIndices: [0],
    outcome: { exitCode: 1, signal: null, timedOut: false, isCanceled: false, durationMs: 4200 },
    startedAt: T0 + 100, endedAt: T0 + 4300, stdout: '', stderr: '',
    tests: [
      ...iterations('loads model', 6, LEAKING_SERIES, T0 + 200, (i) => [
        { name: 'tokens_per_s', value: 41 + i / 10, unit: 'tok/s' }, { name: 'load_s', value: 0.1 + 0.2, unit: 's' },
      ]),
      ...iterations('caches tokenizer', 14, CREEPING_SERIES, T0 + 2200, () => []),
      // What the producing side adds for a confirmed leak under --leaks fail.
      test({ name: 'loader > loads model [leak check: VRAM]', file: loaderJob.file, line: 6, status: 'failed', durationMs: 0,
        failure: { type: 'MemoryLeak', message: confirmed.verdict.reason, stack: null } }),
    ],
    leaks,
    residue: {
      vramBeforeBytes: 0, vramAfterBytes: 1.5 * GiB,
      orphans: [{ pid: 4242, command: 'python3 -m vllm.entrypoints.openai.api_server --model /models/llama-3-8b | tee `server.log`', gpuIndex: 0, vramBytes: 1.5 * GiB, rssBytes: 2 * GiB, killed: false }],
    },
    gpuLoad: [{ gpuIndex: 0, peakAboveStartBytes: 3 * GiB + 200 * MiB }],
  };
  const server: FileResult = {
    job: serverJob, status: 'passed', skipReason: null, error: null, lane: 'gpu', gpuIndices: [1],
    outcome: { exitCode: 0, signal: null, timedOut: false, isCanceled: false, durationMs: 3000 },
    startedAt: T0 + 2000, endedAt: T0 + 5000, stdout: '', stderr: 'listening on :8001\n',
    tests: [test({
      name: 'answers within budget', file: serverJob.file, line: 3, column: 1, status: 'passed', durationMs: 2500,
      metrics: [{ name: 'p50_latency_ms', value: 12.5, unit: 'ms' }, { name: 'requests', value: 1000, unit: null }],
      window: { before: sample(T0 + 2100, 0, 90 * MiB, 10 * GiB), after: sample(T0 + 4600, 0, 95 * MiB, 12 * GiB), peak: { vramBytes: 0.75 * GiB, hostUsedBytes: 12.5 * GiB, swapUsedBytes: 0 } },
    })],
    leaks: [],
    residue: { vramBeforeBytes: 0, vramAfterBytes: 0, orphans: [{ pid: 5151, command: 'node worker.js', gpuIndex: 1, vramBytes: null, rssBytes: 80 * MiB, killed: true }] },
    gpuLoad: [{ gpuIndex: 1, peakAboveStartBytes: 0.75 * GiB }],
  };
  const files = [loader, server];
  const h100 = (index: number) => ({ index, uuid: `GPU-0000000${index}-81c4-1f5e-ef93-3cc314b2269d`, name: 'NVIDIA H100 80GB HBM3', totalBytes: 80 * GiB });
  return {
    ...shared,
    endedAt: T0 + 6000,
    verdict: 'failed',
    counts: countResults(files),
    gpu: { ...shared.gpu, gpus: [h100(0), h100(1)] },
    files,
    pressure: {
      gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', totalBytes: 80 * GiB, peakUsedBytes: 4.5 * GiB }, { index: 1, name: 'NVIDIA H100 80GB HBM3', totalBytes: 80 * GiB, peakUsedBytes: 0.75 * GiB }],
      host: { totalBytes: 32 * GiB, peakUsedBytes: 13 * GiB, swapTotalBytes: 0, peakSwapUsedBytes: 0 },
      psi: null,
      cgroup: null,
    },
    timeline: timeline(),
    warnings: [],
    hooks: [],
    config: { ...shared.config, repeat: ITERATIONS },
  };
}
