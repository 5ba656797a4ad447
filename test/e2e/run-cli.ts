// Runs the built gpu-test CLI on a fixture project, as a user would, and reads back its reports.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NVML_LIBRARY_ENV } from '../../src/probe/nvml.js';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The fixture projects the e2e tests run. */
export const FIXTURES = join(REPO, 'test/e2e/fixtures');
const BIN = join(REPO, 'bin/gpu-test.js');

/** What a CLI run left: exit code, output, and its reports (null when not written). */
export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly reportDir: string;
  readonly timelineDir: string;
  readonly markdown: string | null;
  readonly junit: string | null;
  readonly json: ResultsJson | null;
}

/** The parts of results.json the e2e tests read. */
export interface ResultsJson {
  readonly schemaVersion: number;
  readonly verdict: string;
  readonly files: ReadonlyArray<{
    readonly id: string;
    readonly status: string;
    readonly skipReason: string | null;
    readonly error: string | null;
    readonly file: string;
    readonly tests: ReadonlyArray<{
      readonly name: string; readonly fullName: string; readonly file?: string; readonly status: string; readonly durationMs: number;
      readonly failure?: { type: string; message: string };
      readonly skipReason?: string;
      // Absent for a test that was not measured; each figure absent where unknown.
      readonly deltas?: {
        vramBeforeBytes?: number; vramAfterBytes?: number; vramPeakBytes?: number; rssBeforeBytes?: number; rssAfterBytes?: number;
        hostUsedBeforeBytes?: number; hostUsedAfterBytes?: number; hostUsedPeakBytes?: number; swapDeltaBytes?: number;
      };
      readonly window?: { readonly before: unknown; readonly after: unknown };
      readonly metrics?: ReadonlyArray<{ name: string; value: number; unit: string | null }>;
    }>;
  }>;
  readonly pressure: {
    readonly cgroup: {
      readonly version: number; readonly path: string; readonly maxBytes: number | null; readonly limitPath: string | null;
      readonly peakWorkingSetBytes: number | null; readonly oomKillsDuringRun: number | null;
    } | null;
  };
}

/** Options for one CLI run. */
export interface CliOptions {
  readonly project: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Called once the process is started, e.g. to interrupt it. */
  readonly onSpawn?: (child: ChildProcess, timelineDir: string) => void;
  /** Wraps the command line (node, the CLI, its arguments), e.g. to start it inside a cgroup. */
  readonly wrap?: (argv: readonly string[]) => readonly string[];
  /** The report directory, for runs that read an earlier run's reports (default: a new temp directory). */
  readonly reportDir?: string;
}

// Variables of the machine running the tests that the CLI (or Node's colour decision) reacts to: a CI runner sets `CI`
// (Node then reports no colours on a terminal) and maybe GITHUB_ACTIONS (annotations, a job summary), a shell may set
// NO_COLOR or a GPU mask. Each run starts without them, so it sees what its test gives it and nothing else.
const HOST_ONLY = /^(CI|CI_[A-Z_]+|GITHUB_[A-Z_]+|RUNNER_[A-Z_]+|NO_COLOR|FORCE_COLOR|NODE_DISABLE_COLORS|TMUX|CUDA_VISIBLE_DEVICES|JOB_COMPLETIONS?|JOB_COMPLETION_INDEX|GPU_TEST_[A-Z_]+)$/;

/** process.env without the host's CI, colour, GPU-mask and gpu-test variables. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !HOST_ONLY.test(name)));
}

function readOrNull(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/** Runs `gpu-test <args> --report-dir <temp>` in the fixture project and collects everything it wrote. */
export function runCli(options: CliOptions): Promise<CliRun> {
  const reportDir = options.reportDir ?? mkdtempSync(join(tmpdir(), 'gpu-test-e2e-reports-'));
  const timelineDir = mkdtempSync(join(tmpdir(), 'gpu-test-e2e-timeline-'));
  const argv = [process.execPath, BIN, ...options.args, '--report-dir', reportDir, '--no-color'];
  const [command = process.execPath, ...args] = options.wrap?.(argv) ?? argv;
  const child = spawn(command, args, {
    cwd: join(FIXTURES, options.project),
    // The simulated GPU is the fake nvidia-smi: a real libnvidia-ml on the host must not be read instead.
    // Its own lock folder: the simulated GPUs of parallel tests share UUIDs, and must not wait for one another.
    env: {
      ...cleanEnv(), TIMELINE_DIR: timelineDir, ENABLE_FLUX_TESTS: '', ENABLE_GPU_TESTS: '', [NVML_LIBRARY_ENV]: join(timelineDir, 'no-libnvidia-ml.so.1'),
      GPU_TEST_LOCK_DIR: join(timelineDir, 'locks'), ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  options.onSpawn?.(child, timelineDir);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      const json = readOrNull(join(reportDir, 'results.json'));
      resolve({
        code, signal, stdout, stderr, reportDir, timelineDir,
        markdown: readOrNull(join(reportDir, 'report.md')),
        junit: readOrNull(join(reportDir, 'junit.xml')),
        json: json === null ? null : (JSON.parse(json) as ResultsJson),
      });
    });
  });
}

/** What fixtures/timeline.mjs records: epoch ms of the span and of its process's start, and the GPUs it saw. */
export interface RecordedSpan {
  readonly start: number;
  readonly end: number;
  readonly booted: number;
  readonly pid: number;
  readonly cuda: string | null;
  /** gpu-test's tag for the launch: `<run id>/<launch>-<attempt>`. */
  readonly job: string | null;
}

/** The spans the fixture tests recorded in the timeline dir, by name. */
export function readSpans(timelineDir: string, names: readonly string[]): Map<string, RecordedSpan> {
  const spans = new Map<string, RecordedSpan>();
  for (const name of names) {
    const path = join(timelineDir, `${name}.json`);
    if (existsSync(path)) spans.set(name, JSON.parse(readFileSync(path, 'utf8')) as RecordedSpan);
  }
  return spans;
}
