// A mixed suite as users have it: 4 CPU-bound files (~1 s each), 3 GPU-tagged files (~1 s of model calls each) and a
// CPU file killed by SIGKILL on a host with plenty of free memory. Its bound is the GPU lane's files back to back;
// what keeps gpu-test above it is printed beside it: how long after launch the first GPU file started, the idle time
// between GPU files, whether the killed file held the host (a retry alone needs a sign of memory pressure), and the
// harness's own CPU time.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, median, timeCommand, type BenchGpu } from './common.js';
import { CPU_WORK_SOURCE, writeMixedSuite } from './mixed-suite.js';

const TARGET_RATIO = 1.2;
const FIRST_FILE_TARGET_MS = 150;
const IDLE_TARGET_MS = 50;

interface FileJson {
  readonly id: string; readonly lane: string; readonly status: string;
  readonly startedAtMs: number | null; readonly endedAtMs: number | null;
  readonly memoryEvidence?: { readonly alone: string } | null;
}
interface RunJson { readonly startedAtMs: number; readonly harnessCpuMs?: number | null; readonly files: readonly FileJson[] }

interface Round {
  readonly wallMs: number;
  /** From the run's start (results.json `startedAtMs`) to the first GPU file's start. */
  readonly firstGpuFileMs: number;
  /** From gpu-test's launch (node's own start and the CLI's loading included) to the first GPU file's start. */
  readonly firstGpuFileFromLaunchMs: number;
  /** The longest gap between one GPU file's end and the next one's start. */
  readonly idleMs: number;
  readonly harnessCpuMs: number | null;
  readonly killedAlone: string;
}

/** A timed gpu-test run that may exit 1 (the killed file fails it); throws on anything else. */
function runGpuTest(dir: string, env: NodeJS.ProcessEnv): Round {
  const reportDir = join(dir, 'reports');
  rmSync(reportDir, { recursive: true, force: true });
  const launchedAt = Date.now();
  const t0 = performance.now();
  const result = spawnSync(process.execPath, [BIN, 'run', '--report-dir', reportDir], { cwd: dir, env, stdio: 'ignore' });
  const wallMs = performance.now() - t0;
  if (result.status !== 1) throw new Error(`gpu-test run exited with ${result.status ?? result.signal}; expected 1 (one file killed)`);
  const run = JSON.parse(readFileSync(join(reportDir, 'results.json'), 'utf8')) as RunJson;
  const gpuFiles = run.files.filter((f) => f.lane === 'gpu' && f.startedAtMs !== null).sort((a, b) => (a.startedAtMs ?? 0) - (b.startedAtMs ?? 0));
  const gaps = gpuFiles.slice(1).map((f, i) => (f.startedAtMs ?? 0) - (gpuFiles[i]?.endedAtMs ?? 0));
  const killed = run.files.find((f) => f.id.includes('killed'));
  return {
    wallMs, firstGpuFileMs: (gpuFiles[0]?.startedAtMs ?? run.startedAtMs) - run.startedAtMs,
    firstGpuFileFromLaunchMs: (gpuFiles[0]?.startedAtMs ?? launchedAt) - launchedAt, idleMs: Math.max(0, ...gaps),
    harnessCpuMs: run.harnessCpuMs ?? null, killedAlone: killed?.memoryEvidence?.alone ?? 'none',
  };
}

/** `node args`, timed, whatever its exit code (the killed file fails plain node too). */
function timeAnyExit(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  spawnSync(process.execPath, args, { cwd, env, stdio: 'ignore' });
  return performance.now() - t0;
}

export function printMixedKill({ env, nvmlEnv }: BenchGpu, cpuIterations: number, rounds: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-bench-mixed-kill-'));
  const files = writeMixedSuite(dir, { cpuFiles: 4, gpuFiles: 3, cpuIterations, gpuWaitMs: 1000 });
  const killed = join(dir, 'cpu', 'killed.test.mjs');
  writeFileSync(killed, `import { test } from 'node:test';\n${CPU_WORK_SOURCE}\ntest('killed', () => { work(${Math.round(cpuIterations / 4)}); process.kill(process.pid, 'SIGKILL'); });\n`);
  const all = [...files.cpu, killed, ...files.gpu];
  const harness: Round[] = [];
  const serial: number[] = [];
  const solo = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    harness.push(runGpuTest(dir, nvmlEnv));
    serial.push(timeAnyExit(['--test', '--test-concurrency=1', '--test-reporter=dot', ...all], dir, env));
    for (const path of files.gpu) solo.set(path, [...(solo.get(path) ?? []), timeCommand([path], dir, env)]);
  }
  const bound = files.gpu.reduce((sum, path) => sum + median(solo.get(path) ?? []), 0);
  const wall = median(harness.map((r) => r.wallMs));
  const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const first = median(harness.map((r) => r.firstGpuFileMs));
  const fromLaunch = median(harness.map((r) => r.firstGpuFileFromLaunchMs));
  const idle = median(harness.map((r) => r.idleMs));
  const cpu = harness.map((r) => r.harnessCpuMs).filter((ms): ms is number => ms !== null);
  console.log(`mixed suite with a killed file: 4 CPU files, 3 GPU-tagged files of 1 s, 1 CPU file SIGKILLed; ${availableParallelism()} cores; median of ${rounds} rounds`);
  console.log(`  gpu-test run (NVML)                  ${fmt(wall)}   (rounds: ${harness.map((r) => fmt(r.wallMs)).join(', ')})`);
  console.log(`  node --test --test-concurrency=1     ${fmt(median(serial))}`);
  console.log(`  bound: the GPU files back to back    ${fmt(bound)}   (each: median of \`node file\` alone)`);
  console.log(`  first GPU file started, after the run began  ${first.toFixed(0)} ms  (target <= ${FIRST_FILE_TARGET_MS} ms) ${first <= FIRST_FILE_TARGET_MS ? 'ok' : 'MISSED'}; after gpu-test was launched ${fromLaunch.toFixed(0)} ms`);
  console.log(`  longest idle between GPU files       ${idle.toFixed(0)} ms  (target <= ${IDLE_TARGET_MS} ms) ${idle <= IDLE_TARGET_MS ? 'ok' : 'MISSED'}`);
  console.log(`  the killed file, retry alone         ${[...new Set(harness.map((r) => r.killedAlone))].join(', ')}  (no-sign: no memory pressure, the host was not held)`);
  console.log(`  harness CPU                          ${cpu.length > 0 ? fmt(median(cpu)) : 'n/a'}`);
  const ratio = wall / bound;
  console.log(`ratio gpu-test / GPU-lane bound  ${ratio.toFixed(2)}x  (target <= ${TARGET_RATIO.toFixed(2)}x) ${ratio <= TARGET_RATIO ? 'ok' : 'MISSED'}`);
  rmSync(dir, { recursive: true, force: true });
}
