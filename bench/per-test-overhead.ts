// What the harness adds per test, as users write tests: one big file of trivial tests, top-level `test()` and nested
// `t.test()` subtests, in the gpu lane (NVML: the test process reads its own cards) and the cpu lane, under the default
// reporters, each against plain `node --test` on the same file. The per-test figure is the marginal cost: the same
// lane's one-test file is timed too, and its difference to plain node (the fixed start-up, see start-up.ts) is taken
// out. The nvidia-smi stream gets 100 tests: each boundary there waits for a fresh reading (up to one interval).

import { mkdtempSync, rmSync } from 'node:fs';
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
  const files = [...new Set(cases.flatMap((c) => [c.file, c.single]))];
  const harness = new Map<string, number[]>();
  const plain = new Map<string, number[]>();
  const push = (map: Map<string, number[]>, key: string, ms: number): void => void map.set(key, [...(map.get(key) ?? []), ms]);
  const testsIn = (file: string): number => cases.find((c) => c.file === file)?.tests ?? 1;
  for (let round = 0; round < rounds; round++) {
    // Interleaved, so drift on a noisy machine hits every contender alike.
    for (const file of files) {
      const stream = file.startsWith('stream/');
      push(harness, file, timeGpuTest(dir, file, testsIn(file), stream ? gpu.env : gpu.nvmlEnv, stream ? ['--gpu-backend', 'nvidia-smi'] : []));
      push(plain, file, timeCommand(['--test', '--test-reporter=dot', file], dir, gpu.env));
    }
  }
  const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log(`per-test overhead: one file of trivial tests, default reporters, simulated GPU; median of ${rounds} rounds, interleaved`);
  for (const file of files) {
    const [h, p] = [harness.get(file) ?? [], plain.get(file) ?? []];
    console.log(`  ${file.padEnd(22)} gpu-test ${fmt(median(h))}  node --test ${fmt(median(p))}   (gpu-test rounds: ${h.map(fmt).join(', ')})`);
  }
  for (const c of cases) {
    const added = median(harness.get(c.file) ?? []) - median(plain.get(c.file) ?? []);
    const startUp = median(harness.get(c.single) ?? []) - median(plain.get(c.single) ?? []);
    const ms = (added - startUp) / (c.tests - 1);
    const verdict = ms <= c.target ? 'ok' : 'MISSED';
    console.log(`per test, ${c.label.padEnd(40)} (added ${fmt(added)} - start-up ${fmt(startUp)}) / ${c.tests - 1} = ${ms.toFixed(3)} ms  (target <= ${c.target} ms) ${verdict}`);
  }
  console.log('  note: with the stream, each boundary waits for a reading taken after it: up to one --sample-interval (50 ms).');
  rmSync(dir, { recursive: true, force: true });
}
