// What the harness adds per test: many trivial GPU-tagged tests under gpu-test against plain `node --test` on the
// same files. Every test gets two boundary samples (an IPC round trip each), so this is where a slow read shows.
// The per-test figure is the marginal cost: the same files with one test each are timed too, and their difference
// to plain node takes the fixed start-up (CLI, config, inventory, one process per file) out of it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, median, readPassedResults, timeCommand, writeGpuProject, type BenchGpu } from './common.js';

const FILES = 4;
const NVML_TESTS_PER_FILE = 250;
// A test's "after" waits for the stream's next line, about one 50 ms interval when tests follow each other, so 1000
// tests would take about 50 s a round: the stream gets 100 tests, against plain `node --test` on those 100.
const STREAM_TESTS_PER_FILE = 25;
const TARGET_MS_PER_TEST = 1;

interface Project {
  readonly dir: string;
  readonly files: readonly string[];
  readonly tests: number;
}

function writeTrivialProject(testsPerFile: number): Project {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-bench-overhead-'));
  const tests = Array.from({ length: testsPerFile }, (_, i) => `test('t ${i}', () => {});`).join('\n');
  const sources = Object.fromEntries(Array.from({ length: FILES }, (_, f) => [`trivial-${f}.test.mjs`, `import { test } from 'node:test';\n${tests}\n`]));
  return { dir, files: writeGpuProject(dir, sources), tests: FILES * testsPerFile };
}

/** One gpu-test run; throws unless it exited 0 and results.json lists every test as passed. */
function timeGpuTest(project: Project, env: NodeJS.ProcessEnv, extraArgs: readonly string[]): number {
  const reportDir = join(project.dir, 'reports');
  rmSync(reportDir, { recursive: true, force: true });
  const ms = timeCommand([BIN, 'run', '--reporter', 'json', ...extraArgs, '--report-dir', reportDir], project.dir, env);
  readPassedResults(reportDir, project.tests);
  return ms;
}

function timePlain(project: Project, env: NodeJS.ProcessEnv): number {
  return timeCommand(['--test', '--test-reporter=dot', ...project.files], project.dir, env);
}

export function printPerTestOverhead(gpu: BenchGpu, rounds: number): void {
  const big = writeTrivialProject(NVML_TESTS_PER_FILE);
  const small = writeTrivialProject(STREAM_TESTS_PER_FILE);
  const single = writeTrivialProject(1);
  const runs = {
    nvml: [] as number[], plainBig: [] as number[], stream: [] as number[], plainSmall: [] as number[],
    nvmlSingle: [] as number[], streamSingle: [] as number[], plainSingle: [] as number[],
  };
  for (let round = 0; round < rounds; round++) {
    // Interleaved, so drift on a noisy machine hits every contender alike.
    runs.nvml.push(timeGpuTest(big, gpu.nvmlEnv, []));
    runs.plainBig.push(timePlain(big, gpu.env));
    runs.stream.push(timeGpuTest(small, gpu.env, ['--gpu-backend', 'nvidia-smi']));
    runs.plainSmall.push(timePlain(small, gpu.env));
    runs.nvmlSingle.push(timeGpuTest(single, gpu.nvmlEnv, []));
    runs.streamSingle.push(timeGpuTest(single, gpu.env, ['--gpu-backend', 'nvidia-smi']));
    runs.plainSingle.push(timePlain(single, gpu.env));
  }
  const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const line = (label: string, values: readonly number[]): void => {
    console.log(`  ${label.padEnd(52)} ${fmt(median(values))}   (rounds: ${values.map(fmt).join(', ')})`);
  };
  console.log(`per-test overhead: ${FILES} GPU-tagged files of trivial tests on the simulated GPU; median of ${rounds} rounds, interleaved`);
  line(`gpu-test run (NVML stand-in), ${big.tests} tests`, runs.nvml);
  line(`node --test, the same ${big.tests} tests`, runs.plainBig);
  line(`gpu-test run --gpu-backend nvidia-smi, ${small.tests} tests`, runs.stream);
  line(`node --test, the same ${small.tests} tests`, runs.plainSmall);
  line(`gpu-test run (NVML stand-in), ${single.tests} tests (start-up)`, runs.nvmlSingle);
  line(`gpu-test run --gpu-backend nvidia-smi, ${single.tests} tests`, runs.streamSingle);
  line(`node --test, the same ${single.tests} tests`, runs.plainSingle);
  const perTest = (label: string, harness: number[], plain: number[], harnessSingle: number[], tests: number): void => {
    const added = median(harness) - median(plain);
    const startUp = median(harnessSingle) - median(runs.plainSingle);
    const ms = (added - startUp) / (tests - single.tests);
    const verdict = ms < TARGET_MS_PER_TEST ? 'ok' : 'MISSED';
    console.log(`per test, ${label.padEnd(7)} (added ${fmt(added)} - start-up ${fmt(startUp)}) / ${tests - single.tests} more tests = ${ms.toFixed(2)} ms a test  (target < ${TARGET_MS_PER_TEST} ms) ${verdict}; with start-up spread over the tests ${(added / tests).toFixed(2)} ms`);
  };
  perTest('NVML', runs.nvml, runs.plainBig, runs.nvmlSingle, big.tests);
  perTest('stream', runs.stream, runs.plainSmall, runs.streamSingle, small.tests);
  console.log('  note: with the stream, each test\'s "after" waits for a reading taken after it ended: up to one --loop-ms (50 ms).');
  rmSync(big.dir, { recursive: true, force: true });
  rmSync(small.dir, { recursive: true, force: true });
  rmSync(single.dir, { recursive: true, force: true });
}
