// A RunResult that exercises every report path: passes, failures with stacks, skips, todo, a gated file,
// a crashed file, GPU and no-GPU samples, and names that break naive XML/Markdown writers.

import type { FileResult, RunResult, TestResult } from '../../src/results/run-result.js';
import { countResults } from '../../src/results/counts.js';
import type { MemorySample, RunTimeline } from '../../src/results/measurement.js';
import type { Job } from '../../src/results/job.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

/** A sample with the given GPU-0 used VRAM (null: no GPU measured), RSS and host RAM used. */
export function sample(at: number, vramUsed: number | null, rss: number, hostUsed: number, swapUsed = 0): MemorySample {
  return {
    at,
    host: { totalBytes: 32 * GiB, usedBytes: hostUsed, availableBytes: 32 * GiB - hostUsed, swapTotalBytes: 8 * GiB, swapUsedBytes: swapUsed },
    processRssBytes: rss,
    gpus: vramUsed === null ? null : [{ index: 0, uuid: 'GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d', usedBytes: vramUsed, totalBytes: 80 * GiB }],
    // PSI totals that grow with time: some task stalled 0.5% of the time, every task 0.1%.
    memoryStallUs: { some: Math.max(0, at - T0) * 5, full: Math.max(0, at - T0) },
    errors: [],
  };
}

/** A job as the plan makes it: run once, the default leak threshold. */
export function job(id: string, suite: string, tags: string[], lane: 'cpu' | 'gpu', skip: Job['skip'] = null, repeat = 1): Job {
  return { id, file: `/project/${id}`, suite, tags, lane, timeoutMs: 600_000, repeat, leakThreshold: { vramBytes: 100 * MiB, ramBytes: 100 * MiB, metrics: {} }, leakRepeatMax: 40,
    needs: { vram: null, ram: null, gpus: lane === 'gpu' ? 1 : 0, exclusive: false }, skip };
}

/** A test result with every field a test that ran once without metrics has; `partial` overrides. */
export function test(partial: Partial<TestResult> & Pick<TestResult, 'name' | 'status'>): TestResult {
  return {
    fullName: partial.name,
    nesting: 0,
    file: '/project/suites/unit/math.test.ts',
    line: null,
    column: null,
    durationMs: 12,
    skipReason: null,
    failure: null,
    window: null,
    repeat: null,
    metrics: [],
    ...partial,
  };
}

// VRAM of GPU 0 and host RAM every 250 ms while the VLM file loads and frees its models; one VRAM read failed.
const TIMELINE_GIB: readonly (readonly [vram: number | null, host: number])[] = [
  [0, 8], [1, 9], [3, 10], [6, 12], [4, 11], [7, 11], [6, 11], [null, 11], [3, 10], [1, 9.5], [0.5, 9],
];

/** The shared sample's timeline: 11 points, 250 ms apart from the run's start. */
export function sampleTimeline(): RunTimeline {
  return {
    intervalMs: 50,
    series: ['gpu0', 'hostUsed', 'swapUsed'],
    points: TIMELINE_GIB.map(([vram, host], index) => ({
      at: T0 + index * 250,
      values: { gpu0: vram === null ? null : vram * GiB, hostUsed: host * GiB, swapUsed: index >= 3 ? 16 * MiB : 0 },
    })),
  };
}

/** The shared sample: three files run, one gated, one crashed. */
export function sampleRunResult(): RunResult {
  const unit = job('suites/unit/math.test.ts', 'unit', [], 'cpu');
  const vlm = job('suites/vlm/ensemble.test.ts', 'vlm', ['gpu'], 'gpu');
  const flux = job('suites/flux/flux.test.ts', 'flux', ['gpu', 'flux'], 'gpu', {
    code: 'gated',
    message: 'gated: set ENABLE_FLUX_TESTS=1 (or pass --enable flux) to run suites tagged flux',
    enableWith: 'ENABLE_FLUX_TESTS',
  });
  const crash = job('suites/unit/crash.test.mjs', 'unit', [], 'cpu');

  const files: FileResult[] = [
    {
      job: unit, status: 'failed', skipReason: null, error: null, lane: 'cpu', gpuIndices: [],
      outcome: { exitCode: 1, signal: null, timedOut: false, isCanceled: false, durationMs: 310 },
      startedAt: T0, endedAt: T0 + 310, leaks: [], residue: { vramBeforeBytes: null, vramAfterBytes: null, orphans: [] }, gpuLoad: [],
      stdout: 'log line with <angle> & "quotes" ]]> and \u0001 control\n', stderr: '',
      tests: [
        test({ name: 'adds', fullName: 'math > adds', nesting: 1, line: 4, column: 3, status: 'passed', durationMs: 1.5,
          window: { before: sample(T0 + 10, null, 50 * MiB, 8 * GiB), after: sample(T0 + 12, null, 52 * MiB, 8 * GiB + 2 * MiB),
            peak: { vramBytes: null, hostUsedBytes: 8 * GiB + 4 * MiB, swapUsedBytes: 0 } } }),
        test({ name: 'pipe | in <name> & "quotes" ]]> 🚀 \u0007', fullName: 'math > pipe | in <name> & "quotes" ]]> 🚀 \u0007', nesting: 1, line: 9, column: 3,
          status: 'failed', durationMs: 3.25,
          failure: { type: 'AssertionError', message: 'Expected values to be strictly equal:\n\n1 !== 2\n<&> ]]>',
            stack: 'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n    at TestContext.<anonymous> (/project/suites/unit/math.test.ts:10:12)\n    at Test.runInAsyncScope (node:async_hooks:206:9)' },
          window: { before: sample(T0 + 20, null, 52 * MiB, 8 * GiB), after: sample(T0 + 24, null, 60 * MiB, 8 * GiB + 8 * MiB),
            peak: { vramBytes: null, hostUsedBytes: 8 * GiB + 8 * MiB, swapUsedBytes: 0 } } }),
        test({ name: 'later', fullName: 'math > later', nesting: 1, line: 14, column: 6, status: 'skipped', skipReason: 'needs the network', durationMs: 0.1 }),
        test({ name: 'someday', fullName: 'math > someday', nesting: 1, line: 15, column: 6, status: 'todo', durationMs: 0.2,
          window: { before: sample(T0 + 30, null, 60 * MiB, 8 * GiB), after: sample(T0 + 31, null, 60 * MiB, 8 * GiB),
            peak: { vramBytes: null, hostUsedBytes: 8 * GiB, swapUsedBytes: 0 } } }),
      ],
    },
    {
      job: vlm, status: 'passed', skipReason: null, error: null, lane: 'gpu', gpuIndices: [0],
      outcome: { exitCode: 0, signal: null, timedOut: false, isCanceled: false, durationMs: 2400 },
      startedAt: T0 + 5, endedAt: T0 + 2405, stdout: '', stderr: '', leaks: [], residue: { vramBeforeBytes: 0, vramAfterBytes: 0, orphans: [] }, gpuLoad: [{ gpuIndex: 0, peakAboveStartBytes: 512 * MiB }],
      tests: [
        test({ name: 'caption matches reference', fullName: 'ensemble > caption matches reference', nesting: 1, file: vlm.file, line: 8, column: 3,
          status: 'passed', durationMs: 800,
          window: { before: sample(T0 + 100, 0, 120 * MiB, 9 * GiB), after: sample(T0 + 900, 4 * GiB, 2 * GiB, 11 * GiB, 16 * MiB),
            peak: { vramBytes: 6 * GiB, hostUsedBytes: 12 * GiB, swapUsedBytes: 16 * MiB } } }),
        test({ name: 'three models agree', fullName: 'ensemble > three models agree', nesting: 1, file: vlm.file, line: 20, column: 3,
          status: 'passed', durationMs: 1500,
          window: { before: sample(T0 + 900, 4 * GiB, 2 * GiB, 11 * GiB, 16 * MiB), after: sample(T0 + 2400, 512 * MiB, 600 * MiB, 9 * GiB, 16 * MiB),
            peak: { vramBytes: 7 * GiB, hostUsedBytes: 11 * GiB, swapUsedBytes: 16 * MiB } } }),
      ],
    },
    {
      job: flux, status: 'skipped', skipReason: flux.skip?.message ?? null, error: null, lane: 'gpu', gpuIndices: [],
      outcome: null, startedAt: null, endedAt: null, stdout: '', stderr: '', tests: [], leaks: [], residue: null, gpuLoad: [],
    },
    {
      job: crash, status: 'crashed', skipReason: null, lane: 'cpu', gpuIndices: [],
      error: 'the test process was killed by SIGSEGV while "segfaults" was running',
      outcome: { exitCode: null, signal: 'SIGSEGV', timedOut: false, isCanceled: false, durationMs: 90 },
      startedAt: T0 + 320, endedAt: T0 + 410, stdout: '', stderr: 'Segmentation fault\n',
      leaks: [], residue: { vramBeforeBytes: null, vramAfterBytes: null, orphans: [] }, gpuLoad: [],
      tests: [
        test({ name: 'segfaults', fullName: 'segfaults', file: crash.file, line: 3, column: 1, status: 'failed', durationMs: 80,
          failure: { type: 'crash', message: 'the test process was killed by SIGSEGV while "segfaults" was running', stack: null },
          window: { before: sample(T0 + 330, null, 40 * MiB, 8 * GiB), after: null, peak: null } }),
      ],
    },
  ];

  return {
    runId: '6f1c2b9e-0d3a-4c1e-9b8f-2a7d5e4c3b10',
    startedAt: T0,
    endedAt: T0 + 2500,
    verdict: 'failed',
    interrupted: false,
    interruption: null,
    counts: countResults(files),
    host: { hostname: 'desk-01', platform: 'linux x64', cpus: 16, nodeVersion: 'v20.20.2',
      memory: { totalBytes: 32 * GiB, usedBytes: 8 * GiB, availableBytes: 24 * GiB, swapTotalBytes: 8 * GiB, swapUsedBytes: 0 } },
    gpu: { available: true, reason: null, driverVersion: '580.159.04', cudaVersion: '13.0', warnings: [],
      gpus: [{ index: 0, uuid: 'GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d', name: 'NVIDIA H100 80GB HBM3', totalBytes: 81559 * MiB }] },
    files,
    pressure: {
      gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', totalBytes: 81559 * MiB, peakUsedBytes: 7 * GiB }],
      host: { totalBytes: 32 * GiB, peakUsedBytes: 12 * GiB, swapTotalBytes: 8 * GiB, peakSwapUsedBytes: 16 * MiB },
      psi: { someStallMs: 1234.5, fullStallMs: 80, peakSomeAvg10: 2.5, peakFullAvg10: 0.4 },
      cgroup: { version: 2, path: '/system.slice/ci-runner.service', maxBytes: 24 * GiB, limitPath: '/system.slice', peakWorkingSetBytes: 18 * GiB, oomKillsDuringRun: 0 },
    },
    timeline: sampleTimeline(),
    warnings: ['GPU 0 (GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d) reported memory.used as [N/A] once; that boundary has no VRAM figure'],
    hooks: [],
    config: { rootDir: '/project', configFile: '/project/gpu-test.config.yaml', reportDir: '/project/reports', concurrency: 16, gpuConcurrency: 1, timeoutMs: 600_000, repeat: 1, leaks: 'fail', rawSamples: false },
    toolVersion: '0.1.0',
    harnessCpuMs: 850,
    budgets: [],
    suiteNeeds: [],
    gpuBalance: { limitPercent: 10, files: [] },
    shard: null,
    machines: [],
    comparison: null,
  };
}

/** The same run on a host without a GPU: GPU columns must say so. */
export function sampleRunResultWithoutGpu(): RunResult {
  const run = sampleRunResult();
  const files = run.files.filter((f) => f.lane === 'cpu' || f.status === 'skipped');
  return {
    ...run,
    gpu: { available: false, reason: 'nvidia-smi was not found on PATH: no NVIDIA driver is installed', driverVersion: null, cudaVersion: null, gpus: [], warnings: [] },
    files,
    pressure: { ...run.pressure, gpus: [] },
    timeline: run.timeline && {
      ...run.timeline,
      series: ['hostUsed', 'swapUsed'],
      points: run.timeline.points.map(({ at, values }) => ({ at, values: { hostUsed: values.hostUsed ?? null, swapUsed: values.swapUsed ?? null } })),
    },
    counts: countResults(files),
  };
}
