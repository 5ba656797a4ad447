// The fixed cost of a run and the cost per file: a one-test file under gpu-test against `node --test` on it (the
// start-up: CLI, config, GPU listing, one test process, reports), in each lane; and 300 one-test files at the same
// concurrency as `node --test`, where every file pays a process start of its own; and 20 files that each wait 300 ms
// (a call to a model server), two at once, where the next file's process start can overlap the running ones' wait.

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, median, ONE_TEST, quantile, readPassedResults, timeCommand, writeLaneProject, type BenchGpu } from './common.js';

const MANY_FILES = 300;
const FIXED_TARGET_MS = 100;
const MANY_TARGET_RATIO = 1;
const ONE_FILE_MIN_ROUNDS = 20;
const WAITING_FILES = 20;
const WAITING_AT_ONCE = 2;
const WAITING_TEST = "import { test } from 'node:test';\nimport { setTimeout as sleep } from 'node:timers/promises';\ntest('waits on a server', () => sleep(300));\n";

export function printStartUp(gpu: BenchGpu, rounds: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-bench-start-up-'));
  const many = Array.from({ length: MANY_FILES }, (_, i) => [`many/f${String(i).padStart(3, '0')}.test.mjs`, ONE_TEST] as const);
  const waiting = Array.from({ length: WAITING_FILES }, (_, i) => [`waiting/w${String(i).padStart(2, '0')}.test.mjs`, WAITING_TEST] as const);
  writeLaneProject(dir, { 'gpu/one.test.mjs': ONE_TEST, 'cpu/one.test.mjs': ONE_TEST, ...Object.fromEntries(many), ...Object.fromEntries(waiting) });
  const cores = availableParallelism();
  const reportDir = join(dir, 'reports');
  const gpuTest = (args: readonly string[], tests: number): number => {
    rmSync(reportDir, { recursive: true, force: true });
    const ms = timeCommand([BIN, 'run', '--report-dir', reportDir, ...args], dir, gpu.nvmlEnv);
    readPassedResults(reportDir, tests);
    return ms;
  };
  const runs = {
    gpuOne: [] as number[], cpuOne: [] as number[], plainOne: [] as number[], many: [] as number[], plainMany: [] as number[],
    waiting: [] as number[], plainWaiting: [] as number[],
  };
  // Interleaved, so drift on a noisy machine hits every contender alike. A one-file run takes well under a second and
  // its figure is a difference of two medians: more rounds of it than of the 300 files.
  for (let round = 0; round < Math.max(rounds * 4, ONE_FILE_MIN_ROUNDS); round++) {
    runs.gpuOne.push(gpuTest(['gpu/one.test.mjs'], 1));
    runs.cpuOne.push(gpuTest(['cpu/one.test.mjs'], 1));
    runs.plainOne.push(timeCommand(['--test', '--test-reporter=dot', 'cpu/one.test.mjs'], dir, gpu.env));
  }
  for (let round = 0; round < rounds; round++) {
    runs.many.push(gpuTest(['--concurrency', String(cores), 'many/'], MANY_FILES));
    runs.plainMany.push(timeCommand(['--test', '--test-reporter=dot', `--test-concurrency=${cores}`, ...many.map(([path]) => path)], dir, gpu.env));
    runs.waiting.push(gpuTest(['--concurrency', String(WAITING_AT_ONCE), 'waiting/'], WAITING_FILES));
    runs.plainWaiting.push(timeCommand(['--test', '--test-reporter=dot', `--test-concurrency=${WAITING_AT_ONCE}`, ...waiting.map(([path]) => path)], dir, gpu.env));
  }
  const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const list = (values: readonly number[]): string => values.map(fmt).join(', ');
  const plainOne = median(runs.plainOne);
  console.log(`start-up and many files: default reporters; ${cores} cores; medians of ${runs.plainOne.length} rounds (one file) and ${rounds} (300 files), interleaved`);
  console.log(`  node --test, one one-test file              ${fmt(plainOne)}`);
  for (const [label, values] of [['gpu lane', runs.gpuOne], ['cpu lane', runs.cpuOne]] as const) {
    // Each round's own difference to plain node, then their median: drift between rounds cancels out.
    const added = values.map((ms, round) => ms - (runs.plainOne[round] ?? Number.NaN));
    const fixed = median(added);
    console.log(`  gpu-test run, one one-test file, ${label}    ${fmt(median(values))}   fixed cost ${fixed.toFixed(0)} ms (middle half of the rounds: ${quantile(added, 0.25).toFixed(0)}-${quantile(added, 0.75).toFixed(0)} ms; target <= ${FIXED_TARGET_MS} ms) ${fixed <= FIXED_TARGET_MS ? 'ok' : 'MISSED'}`);
  }
  const ratio = median(runs.many) / median(runs.plainMany);
  console.log(`  gpu-test run --concurrency ${cores}, ${MANY_FILES} one-test files   ${fmt(median(runs.many))}   (rounds: ${list(runs.many)})`);
  console.log(`  node --test --test-concurrency=${cores}, the same     ${fmt(median(runs.plainMany))}   (rounds: ${list(runs.plainMany)})`);
  console.log(`ratio ${MANY_FILES} files gpu-test / node --test  ${ratio.toFixed(2)}x  (target <= ${MANY_TARGET_RATIO.toFixed(2)}x) ${ratio <= MANY_TARGET_RATIO ? 'ok' : 'MISSED'}`);
  const waitingRatio = median(runs.waiting) / median(runs.plainWaiting);
  console.log(`  gpu-test run --concurrency ${WAITING_AT_ONCE}, ${WAITING_FILES} files waiting 300 ms   ${fmt(median(runs.waiting))}   (rounds: ${list(runs.waiting)})`);
  console.log(`  node --test --test-concurrency=${WAITING_AT_ONCE}, the same     ${fmt(median(runs.plainWaiting))}   (rounds: ${list(runs.plainWaiting)})`);
  console.log(`ratio ${WAITING_FILES} waiting files gpu-test / node --test  ${waitingRatio.toFixed(2)}x`);
  rmSync(dir, { recursive: true, force: true });
}
