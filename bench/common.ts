// What every bench module shares: medians (machines are noisy, so never a single run), timed `node` runs, the
// simulated GPU they all run on, and a GPU-tagged project writer.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../', import.meta.url));
export const BIN = join(REPO, 'bin/gpu-test.js');

/** The simulated GPU of one bench run: its state folder, the env that shows it, and that env with the NVML stand-in. */
export interface BenchGpu {
  readonly state: string;
  /** PATH with the fake nvidia-smi first, FAKE_GPU_STATE: the harness falls back to the nvidia-smi stream. */
  readonly env: NodeJS.ProcessEnv;
  /** `env` plus GPU_TEST_NVML_LIBRARY: the harness reads VRAM through the NVML stand-in. */
  readonly nvmlEnv: NodeJS.ProcessEnv;
  readonly nvmlLibrary: string;
}

/** A one-test file: what the start-up is measured with. */
export const ONE_TEST = "import { test } from 'node:test';\ntest('t', () => {});\n";

/** The value below which a share `q` (0-1) of `values` lies. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Wall time in ms of `node ...args`; throws when it does not exit 0, so a broken contender never counts as fast. */
export function timeCommand(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, env, stdio: 'ignore' });
  const ms = performance.now() - t0;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  return ms;
}

/** Writes a project whose files (name -> source, under gpu/) are all tagged gpu, ungated; returns their paths. */
export function writeGpuProject(dir: string, files: Readonly<Record<string, string>>): string[] {
  mkdirSync(join(dir, 'gpu'), { recursive: true });
  writeFileSync(join(dir, 'gpu-test.config.yaml'), 'suites:\n  - name: gpu\n    files: ["gpu/*.test.mjs"]\n    tags: [gpu]\ngates: {}\n');
  return Object.entries(files).map(([name, source]) => {
    const path = join(dir, 'gpu', name);
    writeFileSync(path, source);
    return path;
  });
}

/**
 * Writes a project with a gpu suite (`gpu/`, `stream/`, tagged gpu, ungated) and a cpu suite (`cpu/`, `many/`,
 * `waiting/`) from `files` (path under `dir` -> source).
 */
export function writeLaneProject(dir: string, files: Readonly<Record<string, string>>): void {
  writeFileSync(join(dir, 'gpu-test.config.yaml'), [
    'suites:',
    '  - name: cpu',
    '    files: ["cpu/*.test.mjs", "many/*.test.mjs", "waiting/*.test.mjs"]',
    '  - name: gpu',
    '    files: ["gpu/*.test.mjs", "stream/*.test.mjs"]',
    '    tags: [gpu]',
    'gates: {}',
    '',
  ].join('\n'));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
}

/** The parts of results.json (docs/results-schema.md) the bench reads. */
export interface ResultsJson {
  readonly counts: { readonly tests: number; readonly passed: number; readonly failed: number };
  readonly files: readonly {
    readonly id: string;
    readonly stdout: { readonly text: string };
    readonly tests: readonly {
      readonly name: string;
      readonly status: string;
      // Absent for a test that was not measured; each figure absent where unknown (schema 4).
      readonly deltas?: { readonly vramBeforeBytes?: number; readonly vramPeakBytes?: number };
    }[];
  }[];
}

/** Reads `reportDir/results.json` and checks that it lists `expectedTests` tests, all passed; throws otherwise. */
export function readPassedResults(reportDir: string, expectedTests: number): ResultsJson {
  const results = JSON.parse(readFileSync(join(reportDir, 'results.json'), 'utf8')) as ResultsJson;
  const listed = results.files.reduce((sum, file) => sum + file.tests.length, 0);
  if (listed !== expectedTests || results.counts.passed !== expectedTests) {
    throw new Error(`${reportDir}/results.json lists ${listed} tests (${results.counts.passed} passed); expected ${expectedTests}, all passed`);
  }
  return results;
}
