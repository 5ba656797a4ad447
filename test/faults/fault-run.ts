// Test support for the fault matrix: runs the real CLI on a fixture project with a simulated GPU (NVML stand-in or
// fake nvidia-smi), in a process group of its own as a terminal would start it, lets the test interrupt it the way
// users do (Ctrl-C to the group, kill, a CI cancel, a closed terminal, SIGKILL), and reads back what it left: the exit
// code, the three reports, and every process still carrying the run's marker in its environment.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fakeGpuEnv, setupFakeGpu, H100_80GB } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { findTaggedProcesses } from '../../src/probe/tagged-processes.js';
import { NVML_LIBRARY_ENV } from '../../src/probe/nvml.js';
import { buildFakeNvml } from '../probe/fake-nvml-build.js';
import { cleanEnv, REPO } from '../e2e/run-cli.js';

/**
 * Each fault test's own limit: far beyond what any case takes, so a regression that hangs fails its test instead of
 * holding CI for hours. Checking these tests against an older build that hangs is quicker with a lower value.
 */
export const FAULT_TEST_TIMEOUT_MS = Number(process.env['GPU_TEST_FAULT_TIMEOUT_MS'] ?? 180_000);

/** The fixture projects of the fault matrix. */
export const FAULT_FIXTURES = join(REPO, 'test/faults/fixtures');
const BIN = join(REPO, 'bin/gpu-test.js');
/** The variable that marks every process of one fault run (the CLI's environment is inherited by all it starts). */
const MARK_ENV = 'GPU_TEST_FAULT_RUN';

/** How the GPU is read: the NVML stand-in, or the fake nvidia-smi on PATH (named, or found by `auto` without NVML). */
export type Backend = 'nvml' | 'nvidia-smi' | 'auto' | 'none';

/**
 * How a run is stopped, as users stop it: `ctrl-c` is a terminal's SIGINT to the whole process group; `sigint` and
 * `sigterm` go to gpu-test alone (`kill -INT`, a CI cancel); `sighup` is a closed terminal: SIGHUP to the group, with
 * the terminal's output gone (writes fail).
 */
export type Delivery = 'ctrl-c' | 'sigint' | 'sigterm' | 'sighup';

/** Every delivery, for tests that try each. */
export const DELIVERIES: readonly Delivery[] = ['ctrl-c', 'sigint', 'sigterm', 'sighup'];

/** The exit code each delivery must give: 128 + the signal's number. */
export const EXIT_OF: Readonly<Record<Delivery, number>> = { 'ctrl-c': 130, sigint: 130, sigterm: 143, sighup: 129 };

/** The signal results.json names for each delivery. */
export const SIGNAL_OF: Readonly<Record<Delivery, string>> = { 'ctrl-c': 'SIGINT', sigint: 'SIGINT', sigterm: 'SIGTERM', sighup: 'SIGHUP' };

/** What a fault run left. */
export interface FaultResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly reportDir: string;
  readonly markdown: string | null;
  readonly junit: string | null;
  readonly json: FaultResults | null;
  /** Names in the report directory that are neither a report nor expected (temp files, say). */
  readonly strayFiles: readonly string[];
}

/** The parts of results.json the fault tests read. */
export interface FaultResults {
  readonly runId: string;
  readonly verdict: string;
  readonly interrupted: boolean;
  readonly interruption: { readonly signal: string; readonly forced: boolean } | null;
  readonly files: ReadonlyArray<{
    readonly id: string;
    readonly status: string;
    readonly skipReason: string | null;
    readonly error: string | null;
    readonly tests: ReadonlyArray<{ readonly name: string; readonly fullName: string; readonly status: string; readonly failure?: { type: string; message: string } }>;
    readonly residue: { readonly orphans: ReadonlyArray<{ readonly pid: number; readonly command: string; readonly killed: boolean }> } | null;
  }>;
  readonly warnings: readonly string[];
}

/** Options of one fault run. */
export interface FaultRunOptions {
  readonly project: string;
  readonly args: readonly string[];
  readonly backend: Backend;
  readonly env?: NodeJS.ProcessEnv;
  /** Files to drop into the simulated GPU's state folder before the run (`delay-ms`, `fail.txt`). */
  readonly gpuState?: Readonly<Record<string, string>>;
  /** Count the fake nvidia-smi's calls into `calls.log` of the state folder. */
  readonly countSmiCalls?: boolean;
  /** Share these with another run (one host, one GPU): by default each run has its own. */
  readonly shared?: { readonly stateDir?: string; readonly lockDir?: string; readonly reportDir?: string; readonly markDir?: string };
}

/** A fault run in progress. */
export interface FaultRun {
  readonly pid: number;
  /** Where fixtures write their markers (`MARK_DIR`). */
  readonly markDir: string;
  /** The run's --report-dir. */
  readonly reportDir: string;
  /** What gpu-test has printed on its console (stderr) so far. */
  stderrSoFar(): string;
  /** The simulated GPU's state folder. */
  readonly stateDir: string;
  /** Resolves with the marker's content once a fixture (or hook) wrote `name` in the mark folder. */
  waitForMark(name: string): Promise<string>;
  /** Resolves once gpu-test's console (stderr) has printed `text`, such as a file's result line. */
  waitForOutput(text: string): Promise<void>;
  /** Resolves once `file` in the GPU state folder holds a line containing `text`. */
  waitForStateLine(file: string, text: string): Promise<void>;
  /** Interrupts the run as `delivery` says. */
  deliver(delivery: Delivery): void;
  /** Sends `signal` to gpu-test alone. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when gpu-test has exited, with what it left. */
  readonly finished: Promise<FaultResult>;
  /** The processes still carrying this run's marker (gpu-test's descendants, wherever they went). */
  leftovers(): number[];
}

const POLL_MS = 20;

/** Where marker waits give up: far beyond any phase's length, so a missing marker fails the test instead of hanging CI. */
const MARK_LIMIT_MS = 120_000;

async function until<T>(what: string, probe: () => T | null): Promise<T> {
  for (let waited = 0; waited < MARK_LIMIT_MS; waited += POLL_MS) {
    const value = probe();
    if (value !== null) return value;
    await sleep(POLL_MS);
  }
  throw new Error(`gave up waiting for ${what}`);
}

function listOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return []; // A report "directory" that is a file, or was never made.
  }
}

function readOrNull(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/** Starts the CLI on `project` with one simulated 80 GB GPU. */
export function startFaultRun(options: FaultRunOptions): FaultRun {
  const reportDir = options.shared?.reportDir ?? mkdtempSync(join(tmpdir(), 'gpu-test-fault-reports-'));
  const markDir = options.shared?.markDir ?? mkdtempSync(join(tmpdir(), 'gpu-test-fault-marks-'));
  const stateDir = options.shared?.stateDir ?? mkdtempSync(join(tmpdir(), 'gpu-test-fault-gpu-'));
  if (!options.shared?.stateDir) setupFakeGpu(stateDir, [H100_80GB]);
  for (const [name, content] of Object.entries(options.gpuState ?? {})) writeFileSync(join(stateDir, name), content);
  const mark = randomUUID();
  const nvml = options.backend === 'nvml' ? buildFakeNvml() : join(markDir, 'no-libnvidia-ml.so.1');
  const child = spawn(process.execPath, [BIN, ...options.args, '--gpu-backend', options.backend, '--report-dir', reportDir, '--no-color'], {
    cwd: join(FAULT_FIXTURES, options.project),
    env: {
      ...cleanEnv(), ...fakeGpuEnv(stateDir), [NVML_LIBRARY_ENV]: nvml, MARK_DIR: markDir, [MARK_ENV]: mark,
      ENABLE_FLUX_TESTS: '', ENABLE_GPU_TESTS: '', GPU_TEST_LOCK_DIR: options.shared?.lockDir ?? join(markDir, 'locks'),
      ...(options.countSmiCalls ? { FAKE_GPU_COUNT_CALLS: '1' } : {}), ...options.env,
    },
    // A process group of its own, led by gpu-test, as a shell starts a foreground job: Ctrl-C goes to the group.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('gpu-test did not start');
  let stderr = '';
  child.stdout?.on('data', () => {});
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const finished = new Promise<FaultResult>((resolve) => {
    child.on('close', (code, signal) => {
      const json = readOrNull(join(reportDir, 'results.json'));
      resolve({
        code, signal, stderr, reportDir,
        markdown: readOrNull(join(reportDir, 'report.md')),
        junit: readOrNull(join(reportDir, 'junit.xml')),
        json: json === null ? null : (JSON.parse(json) as FaultResults),
        strayFiles: listOrEmpty(reportDir).filter((name) => !['report.md', 'junit.xml', 'results.json'].includes(name)),
      });
    });
  });
  return {
    pid, markDir, stateDir, reportDir, finished,
    stderrSoFar: () => stderr,
    waitForMark: (name) => until(`marker ${name}`, () => readOrNull(join(markDir, name))),
    waitForOutput: async (text) => {
      await until(`${text} on the console`, () => (stderr.includes(text) ? true : null));
    },
    waitForStateLine: async (file, text) => {
      await until(`${text} in ${file}`, () => (readOrNull(join(stateDir, file))?.includes(text) ? true : null));
    },
    deliver(delivery) {
      if (delivery === 'ctrl-c') process.kill(-pid, 'SIGINT');
      else if (delivery === 'sigint') process.kill(pid, 'SIGINT');
      else if (delivery === 'sigterm') process.kill(pid, 'SIGTERM');
      else {
        // The terminal is gone: nothing reads gpu-test's output any more, then the hangup reaches its group.
        child.stdout?.destroy();
        child.stderr?.destroy();
        process.kill(-pid, 'SIGHUP');
      }
    },
    kill: (signal) => process.kill(pid, signal),
    leftovers: () => findTaggedProcesses(MARK_ENV, mark),
  };
}

/**
 * Waits until no process carries the run's marker: gpu-test's exit does not wait for the kernel to reap what it killed,
 * and a test process left without its harness takes its group down on its own. Returns those still there after `limitMs`.
 */
export async function leftoversAfter(run: FaultRun, limitMs = 30_000): Promise<number[]> {
  for (let waited = 0; waited < limitMs; waited += 100) {
    if (run.leftovers().length === 0) return [];
    await sleep(100);
  }
  return run.leftovers();
}
