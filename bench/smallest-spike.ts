// The shortest VRAM spike the continuous sampler catches at its default interval: tests hold N MiB on the simulated
// GPU for D ms and free it before they end, so their boundary samples agree and only a sample taken mid-spike can
// raise the test's peak. A spike shorter than the interval is caught only when a tick happens to land inside it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_SAMPLE_INTERVAL_MS } from '../src/config/defaults.js';
import { BIN, REPO, median, readPassedResults, timeCommand, writeGpuProject, type BenchGpu, type ResultsJson } from './common.js';

const SPIKE_MS = [10, 25, 50, 100, 200] as const;
const TRIALS = 10;
const SPIKE_MIB = 1024;
const FAKE_GPU_URL = pathToFileURL(join(REPO, 'fixtures/fake-gpu/fake-gpu.mjs')).href;

/** A file of TRIALS tests that each hold SPIKE_MIB for `ms`; each prints how long it really held it (timers run late). */
function spikeFile(ms: number): string {
  return `import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { allocate, free } from ${JSON.stringify(FAKE_GPU_URL)};
for (let i = 0; i < ${TRIALS}; i++) {
  test('spike ${ms} ms #' + i, async () => {
    allocate(${SPIKE_MIB});
    const t0 = performance.now();
    await sleep(${ms});
    free(${SPIKE_MIB});
    console.log('held ' + (performance.now() - t0).toFixed(2));
  });
}
`;
}

interface SpikeOutcome {
  readonly caught: number;
  readonly heldMs: number[];
}

/** Per spike length: how many tests' VRAM peak rose by the whole spike above their "before", and how long it was held. */
function readOutcomes(results: ResultsJson): Map<number, SpikeOutcome> {
  const outcomes = new Map<number, SpikeOutcome>();
  for (const file of results.files) {
    const ms = Number(/spike-(\d+)ms/.exec(file.id)?.[1]);
    let caught = 0;
    for (const test of file.tests) {
      const { vramBeforeBytes: before, vramPeakBytes: peak } = test.deltas ?? {};
      if (before == null || peak == null) throw new Error(`${file.id} "${test.name}": no VRAM before/peak in results.json, nothing was measured`);
      if (peak - before >= SPIKE_MIB * 2 ** 20) caught++;
    }
    const heldMs = [...file.stdout.text.matchAll(/^held ([\d.]+)$/gm)].map((match) => Number(match[1]));
    outcomes.set(ms, { caught, heldMs });
  }
  return outcomes;
}

function runSpikes(dir: string, env: NodeJS.ProcessEnv, extraArgs: readonly string[]): Map<number, SpikeOutcome> {
  const reportDir = join(dir, 'reports');
  rmSync(reportDir, { recursive: true, force: true });
  timeCommand([BIN, 'run', '--reporter', 'json', ...extraArgs, '--report-dir', reportDir], dir, env);
  return readOutcomes(readPassedResults(reportDir, SPIKE_MS.length * TRIALS));
}

export function printSmallestSpike(gpu: BenchGpu): void {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-bench-spike-'));
  writeGpuProject(dir, Object.fromEntries(SPIKE_MS.map((ms) => [`spike-${ms}ms.test.mjs`, spikeFile(ms)])));
  // One run per backend: the catch rate over TRIALS tests is the figure, not a wall time.
  const nvml = runSpikes(dir, gpu.nvmlEnv, []);
  const stream = runSpikes(dir, gpu.env, ['--gpu-backend', 'nvidia-smi']);
  console.log(`smallest VRAM spike caught at the default --sample-interval ${DEFAULT_SAMPLE_INTERVAL_MS} ms: each test holds ${SPIKE_MIB} MiB for D ms and frees it before it ends; ${TRIALS} tests per D, one gpu-test run per backend`);
  const smallest = { nvml: null as number | null, stream: null as number | null };
  for (const ms of SPIKE_MS) {
    const a = nvml.get(ms)!;
    const b = stream.get(ms)!;
    const held = median([...a.heldMs, ...b.heldMs]);
    console.log(`  D = ${String(ms).padStart(3)} ms (held ${held.toFixed(1)} ms, median)   NVML ${a.caught}/${TRIALS} caught (${Math.round((100 * a.caught) / TRIALS)} %)   nvidia-smi stream ${b.caught}/${TRIALS} caught (${Math.round((100 * b.caught) / TRIALS)} %)`);
    if (a.caught === TRIALS) smallest.nvml ??= ms;
    if (b.caught === TRIALS) smallest.stream ??= ms;
  }
  const say = (ms: number | null): string => (ms === null ? 'none' : `${ms} ms`);
  console.log(`smallest D caught in all ${TRIALS} trials: NVML ${say(smallest.nvml)}, nvidia-smi stream ${say(smallest.stream)}`);
  rmSync(dir, { recursive: true, force: true });
}
