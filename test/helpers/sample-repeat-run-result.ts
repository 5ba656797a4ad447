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
  const judged = judgeLeak(first, { threshold: THRESHOLD, label });
  const verdict = rerun === null ? judged : confirmLeak(judged, judgeLeak(rerun, { threshold: THRESHOLD, label }));
  const recheck = rerun === null ? null : { purpose: 'confirm' as const, iterations: ITERATIONS, why: `to confirm the leak: repeated ${ITERATIONS} times`, series: rerun };
  const source = resource === 'ram' ? 'process-tree' : line === 6 ? 'processes' : 'card';
  return { test, line, resource, metric: null, source, verdict, rechecked: rerun !== null, recheck, series: first };
}

/**
 * A model server that keeps 2 MiB per request, as a caching allocator shows it to the driver (a 20 MiB segment every
 * 10 requests) and as its own allocated count (a metric): the 20-iteration first run leaves the steps undecided, a
 * 38-iteration re-run reads the staircase; the metric grows steadily in both.
 */
export function staircaseLeaks(): LeakFinding[] {
  const stairs = (count: number): number[] => Array.from({ length: count }, (_, i) => GiB + 20 * MiB * Math.floor((i + 2) / 10));
  const allocated = (count: number): number[] => Array.from({ length: count }, (_, i) => 100 + 2 * i);
  const vram = { threshold: 16 * MiB, label: 'VRAM' };
  const first = judgeLeak(stairs(20).slice(1), vram);
  const again = judgeLeak(stairs(38).slice(1), { ...vram, horizon: 18 });
  const metric = { threshold: 8, label: 'metric torch_allocated_mib', format: (v: number) => `${v} MiB` };
  const metricVerdict = confirmLeak(judgeLeak(allocated(20).slice(1), metric), judgeLeak(allocated(38).slice(1), { ...metric, horizon: 18 }), metric.format);
  const why = 'its growth came in 2 steps of 20.0 MiB, 10 iterations apart, too few to tell a staircase from a cache filled once: '
    + 'repeated 38 times (enough to see three steps or a flat run that rules a leak out)';
  return [
    {
      test: 'server > answers a request', line: 9, resource: 'vram', metric: null, source: 'processes', verdict: confirmLeak(first, again),
      rechecked: true, recheck: { purpose: 'settle', iterations: 38, why, series: stairs(38) }, series: stairs(20),
    },
    {
      test: 'server > answers a request', line: 9, resource: 'metric', metric: { name: 'torch_allocated_mib', unit: 'MiB' }, source: 'metric',
      verdict: metricVerdict, rechecked: true, recheck: { purpose: 'confirm', iterations: 38, why: 'to confirm the leak: repeated 38 times', series: allocated(38) },
      series: allocated(20),
    },
  ];
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
