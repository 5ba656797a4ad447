// What the harness adds per test, as users write tests: one big file of trivial tests, top-level `test()` and nested
// `t.test()` subtests, in the gpu lane (NVML: the test process reads its own cards) and the cpu lane, under the default
// reporters, each against plain `node --test` on the same file. The per-test figure is the marginal cost: the same
// lane's one-test file is timed too, and its difference to plain node (the fixed start-up, see start-up.ts) is taken
// out. The nvidia-smi stream gets 100 tests: each boundary there waits for a fresh reading (up to one interval).
// Each figure is the median over rounds of that round's own difference, so drift between rounds cancels out. As a
// reference, plain `node --test` with two empty root hooks (beforeEach, afterEach) preloaded: node:test's own price for
// any per-test hook, which gpu-test's boundaries pay too.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, median, readPassedResults, timeCommand, writeLaneProject, type BenchGpu } from './common.js';

const TESTS = 1000;
const STREAM_TESTS = 100;
const TARGET_MS = 0.25;
const STREAM_TARGET_MS = 1;

const topLevel = (count: number): string =>
  `import { test } from 'node:test';\n${Array.from({ length: count }, (_, i) => `test('t ${i}', () => {});`).join('\n')}\n`;
const nested = (count: number): string =>
  `import { test } from 'node:test';\ntest('parent', async (t) => {\n${Array.from({ length: count }, (_, i) => `  await t.test('s ${i}', () => {});`).join('\n')}\n});\n`;

interface Case {
  readonly label: string;
  readonly file: string;
  /** Its one-test counterpart, whose cost over plain node is the fixed start-up. */
  readonly single: string;
  readonly tests: number;
  readonly env: 'nvml' | 'stream';
  readonly target: number;
}

/** One gpu-test run with the default reporters; throws unless every test is listed as passed. */
function timeGpuTest(dir: string, file: string, tests: number, env: NodeJS.ProcessEnv, extra: readonly string[]): number {
  const reportDir = join(dir, 'reports');
  rmSync(reportDir, { recursive: true, force: true });
  const ms = timeCommand([BIN, 'run', ...extra, '--report-dir', reportDir, file], dir, env);
  readPassedResults(reportDir, tests);
  return ms;
}

export function printPerTestOverhead(gpu: BenchGpu, rounds: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-bench-per-test-'));
  writeLaneProject(dir, {
    'gpu/top.test.mjs': topLevel(TESTS), 'gpu/nested.test.mjs': nested(TESTS), 'gpu/one.test.mjs': topLevel(1),
    'cpu/top.test.mjs': topLevel(TESTS), 'cpu/nested.test.mjs': nested(TESTS), 'cpu/one.test.mjs': topLevel(1),
    'stream/top.test.mjs': topLevel(STREAM_TESTS), 'stream/one.test.mjs': topLevel(1),
  });
  const cases: Case[] = [
    { label: 'gpu lane (NVML), top-level tests', file: 'gpu/top.test.mjs', single: 'gpu/one.test.mjs', tests: TESTS, env: 'nvml', target: TARGET_MS },
    { label: 'gpu lane (NVML), nested subtests', file: 'gpu/nested.test.mjs', single: 'gpu/one.test.mjs', tests: TESTS + 1, env: 'nvml', target: TARGET_MS },
    { label: 'cpu lane, top-level tests', file: 'cpu/top.test.mjs', single: 'cpu/one.test.mjs', tests: TESTS, env: 'nvml', target: TARGET_MS },
    { label: 'cpu lane, nested subtests', file: 'cpu/nested.test.mjs', single: 'cpu/one.test.mjs', tests: TESTS + 1, env: 'nvml', target: TARGET_MS },
    { label: 'gpu lane, nvidia-smi stream, top-level', file: 'stream/top.test.mjs', single: 'stream/one.test.mjs', tests: STREAM_TESTS, env: 'stream', target: STREAM_TARGET_MS },
  ];
  writeFileSync(join(dir, 'empty-hooks.mjs'), "import { afterEach, beforeEach } from 'node:test';\nbeforeEach(() => {});\nafterEach(() => {});\n");
  const files = [...new Set(cases.flatMap((c) => [c.file, c.single]))];
  const hookFiles = ['cpu/top.test.mjs', 'cpu/nested.test.mjs', 'cpu/one.test.mjs'];
  const harness = new Map<string, number[]>();
  const plain = new Map<string, number[]>();
  const hooked = new Map<string, number[]>();
  const push = (map: Map<string, number[]>, key: string, ms: number): void => void map.set(key, [...(map.get(key) ?? []), ms]);
  const testsIn = (file: string): number => cases.find((c) => c.file === file)?.tests ?? 1;
  for (let round = 0; round < rounds; round++) {
    // Interleaved, so drift on a noisy machine hits every contender alike.
    for (const file of files) {
      const stream = file.startsWith('stream/');
      push(harness, file, timeGpuTest(dir, file, testsIn(file), stream ? gpu.env : gpu.nvmlEnv, stream ? ['--gpu-backend', 'nvidia-smi'] : []));
      push(plain, file, timeCommand(['--test', '--test-reporter=dot', file], dir, gpu.env));
      if (hookFiles.includes(file)) push(hooked, file, timeCommand(['--test', '--test-reporter=dot', '--import', './empty-hooks.mjs', file], dir, gpu.env));
    }
  }
  const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log(`per-test overhead: one file of trivial tests, default reporters; medians of ${rounds} rounds, interleaved`);
  for (const file of files) {
    const [h, p] = [harness.get(file) ?? [], plain.get(file) ?? []];
    console.log(`  ${file.padEnd(22)} gpu-test ${fmt(median(h))}  node --test ${fmt(median(p))}   (gpu-test rounds: ${h.map(fmt).join(', ')})`);
  }
  // A round's marginal cost a test of `contender` over plain node: its added time on the big file less that on the
  // one-test file (the fixed start-up), both from the same round.
  const perTestRounds = (contender: Map<string, number[]>, file: string, single: string, tests: number): number[] =>
    Array.from({ length: rounds }, (_, round) => {
      const at = (map: Map<string, number[]>, key: string): number => map.get(key)?.[round] ?? Number.NaN;
      return ((at(contender, file) - at(plain, file)) - (at(contender, single) - at(plain, single))) / (tests - 1);
    });
  const list = (values: readonly number[]): string => values.map((ms) => ms.toFixed(2)).join(', ');
  for (const c of cases) {
    const each = perTestRounds(harness, c.file, c.single, c.tests);
    const ms = median(each);
    const verdict = ms <= c.target ? 'ok' : 'MISSED';
    console.log(`per test, ${c.label.padEnd(40)} ${ms.toFixed(3)} ms  (rounds: ${list(each)})  (target <= ${c.target} ms) ${verdict}`);
  }
  for (const [label, file, tests] of [['top-level tests', 'cpu/top.test.mjs', TESTS], ['nested subtests', 'cpu/nested.test.mjs', TESTS + 1]] as const) {
    const each = perTestRounds(hooked, file, 'cpu/one.test.mjs', tests);
    console.log(`  reference: node --test with two empty root hooks, ${label.padEnd(16)} ${median(each).toFixed(3)} ms a test  (rounds: ${list(each)}): node:test's own price for per-test hooks`);
  }
  console.log('  note: with the stream, each boundary waits for a reading taken after it: up to one --sample-interval (50 ms).');
  rmSync(dir, { recursive: true, force: true });
}
