// `npm run bench`: the mixed suite under gpu-test, under `node --test --test-concurrency=1` and under plain
// `node --test`, measured side by side in one run; prints medians and the ratios the targets are set on. Then the
// mixed suite with a killed file against its GPU lane's bound, what one GPU read costs per backend, the harness's cost
// per test and its fixed start-up against `node --test`, 300 one-test files, the shortest VRAM spike the sampler catches, the
// makespan on a simulated two-GPU host and that of a suite sharded over four runners (computed from the planner), and
// the smallest leak found on a simulated caching allocator with the false alarms beside it, and what writing the
// reports of 2,000 and 20,000 tests costs. BENCH_ROUNDS sets the rounds (3), BENCH_ONLY the sections (all), BENCH_GPU=host
// runs them on the host's own GPU.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeGpuEnv, setupFakeGpu } from '../fixtures/fake-gpu/fake-gpu.mjs';
import { NVML_LIBRARY_ENV } from '../src/probe/nvml.js';
import { buildFakeNvml } from '../test/probe/fake-nvml-build.js';
import { BIN, ONE_TEST, REPO, median, timeCommand, type BenchGpu } from './common.js';
import { CPU_WORK_SOURCE, writeMixedSuite } from './mixed-suite.js';
import { printLeakSensitivity } from './leak-sensitivity.js';
import { printMixedKill } from './mixed-kill.js';
import { printMultiGpu } from './multi-gpu.js';
import { printPerTestOverhead } from './per-test-overhead.js';
import { printReportScaling } from './reports.js';
import { printShardBalance } from './shard-balance.js';
import { printReadCost } from './read-cost.js';
import { printSmallestSpike } from './smallest-spike.js';
import { printStartUp } from './start-up.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TARGET_MS = 1000;
const SECTIONS = ['mixed', 'mixed-kill', 'read-cost', 'per-test', 'start-up', 'spike', 'multi-gpu', 'shard', 'leaks', 'reports'] as const;
// Pure computation: these need no simulated GPU.
const WITHOUT_GPU: readonly string[] = ['shard', 'reports'];
// BENCH_ONLY=mixed,multi-gpu runs those sections alone (a slow machine, a short loan); all of them by default.
const ONLY = process.env.BENCH_ONLY?.split(',').map((name) => name.trim()) ?? null;
for (const name of ONLY ?? []) {
  if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`BENCH_ONLY: unknown section \`${name}\`; choose from ${SECTIONS.join(', ')}`);
}
const wanted = (section: (typeof SECTIONS)[number]): boolean => ONLY === null || ONLY.includes(section);
// BENCH_GPU=host: the sections that need no simulated allocations run on this host's own GPU and driver (its
// libnvidia-ml and nvidia-smi), to give the figures users see; the others need the simulated GPU.
const ON_HOST_GPU: readonly string[] = ['mixed', 'mixed-kill', 'per-test', 'start-up'];
const HOST_GPU = process.env.BENCH_GPU === 'host';
if (process.env.BENCH_GPU !== undefined && !HOST_GPU) throw new Error(`BENCH_GPU: \`${process.env.BENCH_GPU}\` is not known; \`host\` runs on this host's GPU`);
if (HOST_GPU) {
  const elsewhere = (ONLY ?? SECTIONS).filter((section) => !ON_HOST_GPU.includes(section));
  if (elsewhere.length > 0) throw new Error(`BENCH_GPU=host runs ${ON_HOST_GPU.join(', ')}; ${elsewhere.join(', ')} need the simulated GPU: set BENCH_ONLY`);
}

/** Iterations of the CPU work that take about TARGET_MS on one idle core, and what they took. */
function calibrate(): { iterations: number; soloMs: number } {
  const work = new Function(`${CPU_WORK_SOURCE}; return work;`)() as (n: number) => number;
  let iterations = 1_000_000;
  for (;;) {
    const t0 = performance.now();
    work(iterations);
    const ms = performance.now() - t0;
    if (ms > 200) {
      iterations = Math.round((iterations * TARGET_MS) / ms);
      break;
    }
    iterations *= 4;
  }
  const t0 = performance.now();
  work(iterations);
  return { iterations, soloMs: performance.now() - t0 };
}

/** Median wall time of starting node and importing `specifier`, from this repository (so its node_modules resolve). */
function importTime(specifier: string, rounds: number): number {
  const code = `await import(${JSON.stringify(specifier)})`;
  return median(Array.from({ length: rounds }, () => timeCommand(['--input-type=module', '-e', code], REPO, process.env)));
}

/** Why test processes are spawned with node:child_process rather than execa: what each costs at every start. */
function printImportCost(): void {
  const rounds = 15;
  const builtin = importTime('node:child_process', rounds);
  const execa = importTime('execa', rounds);
  console.log(`import cost at start (median of ${rounds}): node:child_process ${builtin.toFixed(0)} ms, execa ${execa.toFixed(0)} ms -> execa adds ${(execa - builtin).toFixed(0)} ms`);
}

/** The mixed suite under gpu-test, `node --test --test-concurrency=1` and plain `node --test`, against its lower bound. */
function printMixedSuite({ env, nvmlEnv }: BenchGpu, { iterations, soloMs }: { iterations: number; soloMs: number }): void {
  const cores = availableParallelism();
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-bench-'));
  const gpuWaitMs = TARGET_MS;
  const files = writeMixedSuite(dir, { cpuFiles: 8, gpuFiles: 4, cpuIterations: iterations, gpuWaitMs });
  const all = [...files.cpu, ...files.gpu];
  execFileSync(process.execPath, [BIN, 'list'], { cwd: dir, env, stdio: 'ignore' });

  const runs = {
    gpuTest: [] as number[],
    harnessCpu: [] as number[],
    gpuTestStream: [] as number[],
    serial: [] as number[],
    plain: [] as number[],
  };
  const soloRuns = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, so drift on a noisy machine hits every contender alike.
    runs.gpuTest.push(timeCommand([BIN, 'run', '--reporter', 'json', '--report-dir', join(dir, 'reports')], dir, nvmlEnv));
    const { harnessCpuMs } = JSON.parse(readFileSync(join(dir, 'reports', 'results.json'), 'utf8')) as { harnessCpuMs?: number | null };
    if (typeof harnessCpuMs === 'number') runs.harnessCpu.push(harnessCpuMs);
    runs.gpuTestStream.push(timeCommand([BIN, 'run', '--reporter', 'json', '--gpu-backend', 'nvidia-smi', '--report-dir', join(dir, 'reports')], dir, env));
    runs.serial.push(timeCommand(['--test', '--test-concurrency=1', '--test-reporter=dot', ...all], dir, env));
    runs.plain.push(timeCommand(['--test', '--test-reporter=dot', ...all], dir, env));
    for (const path of all) soloRuns.set(path, [...(soloRuns.get(path) ?? []), timeCommand([path], dir, env)]);
  }
  // Each file's own cost is what node alone takes to run it (start, tests, exit) on an otherwise idle machine:
  // the median of one solo run per round, so one noisy run does not move the bound.
  const sumOfMedians = (paths: readonly string[]): number => paths.reduce((sum, path) => sum + median(soloRuns.get(path) ?? []), 0);
  const gpuSum = sumOfMedians(files.gpu);
  const cpuSum = sumOfMedians(files.cpu);
  const lowerBound = Math.max(gpuSum, cpuSum / cores);
  const gpuTest = median(runs.gpuTest);
  const serial = median(runs.serial);
  const plain = median(runs.plain);
  const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log(`mixed suite: ${files.cpu.length} CPU-bound files of ${Math.round(soloMs)} ms, ${files.gpu.length} GPU-tagged files of ${gpuWaitMs} ms waiting; ${cores} cores; median of ${ROUNDS} rounds`);
  console.log(`  gpu-test run (NVML)                   ${fmt(gpuTest)}   (rounds: ${runs.gpuTest.map(fmt).join(', ')}); the harness's own CPU ${runs.harnessCpu.length > 0 ? fmt(median(runs.harnessCpu)) : 'n/a'}`);
  console.log(`  gpu-test run --gpu-backend nvidia-smi ${fmt(median(runs.gpuTestStream))}   (rounds: ${runs.gpuTestStream.map(fmt).join(', ')})`);
  console.log(`  node --test --test-concurrency=1      ${fmt(serial)}   (rounds: ${runs.serial.map(fmt).join(', ')})`);
  console.log(`  node --test (GPU files may overlap)   ${fmt(plain)}   (rounds: ${runs.plain.map(fmt).join(', ')})`);
  console.log(`  lower bound max(GPU sum ${fmt(gpuSum)}, CPU sum ${fmt(cpuSum)} / ${cores} cores)  ${fmt(lowerBound)}   (each file: median of its runs alone by \`node file\`)`);
  const vsSerial = gpuTest / serial;
  const vsBound = gpuTest / lowerBound;
  console.log(`ratio gpu-test / serial       ${vsSerial.toFixed(2)}x  (target <= 0.60x) ${vsSerial <= 0.6 ? 'ok' : 'MISSED'}`);
  console.log(`ratio gpu-test / lower bound  ${vsBound.toFixed(2)}x  (target <= 1.15x) ${vsBound <= 1.15 ? 'ok' : 'MISSED'}`);
  printImportCost();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A user's first `gpu-test run` leaves the CLI's code cache (src/cli/code-cache.ts) and every later run starts from it:
 * the bench times those later runs, so one run makes the cache first.
 */
function warmCodeCache(env: NodeJS.ProcessEnv): void {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-bench-warm-'));
  writeFileSync(join(dir, 'one.test.mjs'), ONE_TEST);
  execFileSync(process.execPath, [BIN, 'run', '--report-dir', join(dir, 'reports'), 'one.test.mjs'], { cwd: dir, env, stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
  const cached = readdirSync(join(REPO, 'dist/bundle')).some((name) => name.endsWith('.v8cache'));
  console.log(`code cache of the CLI: ${cached ? 'made by a first run, used by every run below' : 'not written (dist/bundle is not writable): every run compiles the CLI'}`);
}

function simulatedGpu(state: string): BenchGpu {
  setupFakeGpu(state, [{ name: 'NVIDIA H100 80GB HBM3', uuid: 'GPU-d7bc1e4b-81c4-1f5e-ef93-3cc314b2269d', totalMiB: 81559 }]);
  const env = { ...process.env, ...fakeGpuEnv(state) } as NodeJS.ProcessEnv;
  // On a GPU host the harness reads VRAM through NVML; the stand-in library answers from the same simulated state.
  const nvmlLibrary = buildFakeNvml();
  return { state, env, nvmlEnv: { ...env, [NVML_LIBRARY_ENV]: nvmlLibrary }, nvmlLibrary };
}

function hostGpu(state: string): BenchGpu {
  const { [NVML_LIBRARY_ENV]: _chosen, ...env } = process.env;
  return { state, env, nvmlEnv: env, nvmlLibrary: 'libnvidia-ml.so.1' };
}

async function main(): Promise<void> {
  // Reports need at least 5 rounds for a steady median; they take a second or two each.
  const reportRounds = Math.max(ROUNDS, 5);
  if (ONLY !== null && ONLY.every((section) => WITHOUT_GPU.includes(section))) {
    if (wanted('shard')) printShardBalance();
    if (wanted('reports')) await printReportScaling(reportRounds);
    return;
  }
  const state = mkdtempSync(join(tmpdir(), 'gpu-test-bench-gpu-'));
  const gpu = HOST_GPU ? hostGpu(state) : simulatedGpu(state);
  console.log(HOST_GPU ? 'GPU: this host\'s own, through its driver\'s libnvidia-ml and nvidia-smi' : 'GPU: simulated (NVML stand-in and fake nvidia-smi)');
  warmCodeCache(gpu.env);
  const work = wanted('mixed') || wanted('mixed-kill') ? calibrate() : null;
  if (work && wanted('mixed')) printMixedSuite(gpu, work);
  if (work && wanted('mixed-kill')) printMixedKill(gpu, work.iterations, ROUNDS);
  if (wanted('read-cost')) await printReadCost(gpu);
  if (wanted('per-test')) printPerTestOverhead(gpu, ROUNDS);
  if (wanted('start-up')) printStartUp(gpu, ROUNDS);
  if (wanted('spike')) printSmallestSpike(gpu);
  if (wanted('multi-gpu')) printMultiGpu(gpu.nvmlLibrary, ROUNDS);
  if (wanted('shard')) printShardBalance();
  if (wanted('leaks')) printLeakSensitivity(gpu);
  if (wanted('reports')) await printReportScaling(reportRounds);
  rmSync(state, { recursive: true, force: true });
}

await main();
