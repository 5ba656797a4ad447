// Starts one test file in its own node process with node:test inside, answers its boundary messages, and
// enforces the per-file timeout and interrupts by killing the whole process tree.

import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import { packageFile } from '../../package-files.js';
import { capName } from '../../units/cap-text.js';
import type { Job } from '../../results/job.js';
import { killProcessTree } from '../../probe/process-tree.js';
import { signalTaggedProcesses } from '../../probe/tagged-processes.js';
import { createOutputCapture } from './capture-output.js';
import {
  CHILD_ENV_FLAG, CHILD_NVML_ENV, isBoundaryMessage, isFlushMessage, isMetricMessage, isSnapshotRequest, JOB_TAG_ENV, RESULTS_FILE_ENV,
  type AckMessage, type BoundaryMessage, type GoMessage, type MemorySnapshot, type MetricMessage, type SnapshotReply, type VramSetting,
} from '../child/protocol.js';
import type { GuardStop, ProcessOutcome } from '../../results/run-result.js';

/** Everything needed to start one test process. */
export interface SpawnRequest {
  readonly job: Job;
  readonly cwd: string;
  /** The full environment of the child (the harness's, plus CUDA_VISIBLE_DEVICES and the like). */
  readonly env: NodeJS.ProcessEnv;
  /** Where the child's reporter appends one JSON line per finished test. */
  readonly reporterFile: string;
  readonly testNamePatterns: readonly string[];
  /** node:test's per-test timeout (`--test-timeout`); null: none. */
  readonly testTimeoutMs: number | null;
  readonly only: boolean;
  /** Aborted when the run is interrupted: the tree gets SIGTERM, then SIGKILL after a grace period. */
  readonly signal: AbortSignal;
  /** Aborted at a second interrupt: the tree, and every process carrying `tag`, is killed at once. */
  readonly killNow?: AbortSignal;
  /** The value of JOB_TAG_ENV its processes inherit, so the ones that leave its process group are still found. */
  readonly tag: string;
  /** Between SIGTERM and SIGKILL when the file is stopped (timeout, interrupt). */
  readonly killGraceMs: number;
  /** Aborted by the memory guard, with the GuardStop as its reason: the tree is killed at once (SIGKILL). */
  readonly guardSignal?: AbortSignal;
  /**
   * Resolves when the file's turn comes, with the environment to add: node and the preload boot at once, the test
   * file loads (and the timeout starts) only then. A job started at once passes an already resolved promise.
   */
  readonly startWhen: Promise<Readonly<Record<string, string>>>;
  /** Who reads the file's VRAM at its tests' boundaries, asked when its turn comes (it says when a test waits). */
  readonly vramSetting: () => VramSetting;
  /** The libnvidia-ml the process may open while it waits for its turn; null for none. */
  readonly nvmlHint: string | null;
  /** Called when the file's turn has come and it starts running. */
  readonly onStart: (pid: number) => void;
  /** Called for each boundary; a boundary that waits is answered once the returned promise settles. */
  readonly onBoundary: (message: BoundaryMessage, pid: number) => Promise<void>;
  /** Resolves once every boundary received so far is recorded: the process waits for it before it exits. */
  readonly onFlush: () => Promise<void>;
  /** A figure the test recorded with `metric()`. */
  readonly onMetric?: (message: MetricMessage) => void;
  /** A fresh memory reading for `snapshot()`. */
  readonly onSnapshot?: (pid: number) => Promise<MemorySnapshot>;
}

/** What a test process left: its outcome and its (capped) output. */
export interface SpawnedProcess {
  readonly outcome: ProcessOutcome;
  readonly stdout: string;
  readonly stderr: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** After the test process exited, how long a grandchild that left its group may keep our pipes open. */
const PIPE_DRAIN_MS = 3000;
const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

// Loaded by every test process from their own bundle (scripts/bundle-cli.mjs), whether the harness runs from its
// modules or from its bundle.
const PRELOAD_URL = packageFile('dist/bundle/child/preload.js').href;
const REPORTER_URL = packageFile('dist/bundle/child/reporter.js').href;
const TEST_TIMEOUT_URL = packageFile('dist/bundle/child/test-timeout.js').href;

/**
 * A metric as the reports take it: name and unit cut to NAME_LIMIT_CHARS, whatever the test process sent (metric()
 * refuses longer ones, but the IPC channel is the test's to write); null for a message that is not a metric.
 */
export function capMetricMessage(message: MetricMessage): MetricMessage | null {
  const { name, value, unit, test, at } = message as Partial<Record<keyof MetricMessage, unknown>>;
  if (typeof name !== 'string' || typeof value !== 'number' || !Number.isFinite(value)) return null;
  return {
    gpuTest: 'metric', name: capName(name), value, unit: typeof unit === 'string' ? capName(unit) : null,
    // The test's name is matched against the results, so it stays whole.
    test: typeof test === 'string' ? test : null, at: typeof at === 'number' ? at : Date.now(),
  };
}

/** The node arguments for a job: TypeScript loader when needed, our preload and reporter, node:test flags. */
export function nodeArguments(request: Pick<SpawnRequest, 'job' | 'testNamePatterns' | 'only'> & Partial<Pick<SpawnRequest, 'testTimeoutMs'>>): string[] {
  const args: string[] = [];
  // Node 20 cannot run TypeScript by itself: tsx's loader is resolved from gpu-test's own dependencies.
  // Source maps make node:test report a TypeScript test's own line, not the transpiled one.
  if (TYPESCRIPT_EXTENSIONS.has(extname(request.job.file))) args.push('--enable-source-maps', '--import', import.meta.resolve('tsx'));
  // First of gpu-test's preloads: whatever imports node:test after it gets the per-test timeout.
  if (request.testTimeoutMs) args.push('--import', `${TEST_TIMEOUT_URL}?ms=${request.testTimeoutMs}`);
  args.push('--import', PRELOAD_URL, `--test-reporter=${REPORTER_URL}`);
  for (const pattern of request.testNamePatterns) args.push(`--test-name-pattern=${pattern}`);
  if (request.only) args.push('--test-only');
  args.push(request.job.file);
  return args;
}

/** Runs the job's file to the end (or until timeout/interrupt) and returns how it ended. */
export async function spawnTestProcess(request: SpawnRequest): Promise<SpawnedProcess> {
  const stdout = createOutputCapture();
  const stderr = createOutputCapture();
  let startedAt = Date.now();
  // NODE_TEST_CONTEXT is set when gpu-test itself runs under `node --test`; left in place it makes the child
  // stream node's internal protocol to stdout instead of using our reporter.
  const { NODE_TEST_CONTEXT: _outerRunner, ...env } = request.env;
  // node:child_process rather than execa: we need none of its buffering or kill logic (the tree kill is ours),
  // and importing execa costs 100-160 ms at every harness start (see docs/dependencies.md).
  const subprocess = spawn(process.execPath, nodeArguments(request), {
    cwd: request.cwd,
    env: {
      ...env, [CHILD_ENV_FLAG]: '1', [RESULTS_FILE_ENV]: request.reporterFile, [JOB_TAG_ENV]: request.tag,
      ...(request.nvmlHint ? { [CHILD_NVML_ENV]: request.nvmlHint } : {}),
    },
    // Its own process group, so a timeout or Ctrl-C can take down everything the test started.
    detached: true,
    serialization: 'json',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error: Error | null }>((resolve) => {
    subprocess.once('error', (error) => resolve({ code: null, signal: null, error }));
    subprocess.once('close', (code, signal) => resolve({ code, signal, error: null }));
  });
  const pid = subprocess.pid;
  subprocess.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  subprocess.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));

  let timedOut = false;
  let canceled = false;
  let hasExited = false;
  let graceTimer: NodeJS.Timeout | undefined;
  // What left the process group (a daemonised server) is found by its tag: it goes down with the tree.
  const killAll = (): void => {
    if (pid !== undefined) killProcessTree(pid, 'SIGKILL');
    signalTaggedProcesses(JOB_TAG_ENV, request.tag, 'SIGKILL');
  };
  const stop = (): void => {
    if (pid === undefined || hasExited) return;
    killProcessTree(pid, 'SIGTERM');
    graceTimer ??= setTimeout(killAll, request.killGraceMs);
  };
  let timeoutTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    canceled = true;
    stop();
  };
  if (request.signal.aborted) onAbort();
  else request.signal.addEventListener('abort', onAbort, { once: true });
  const onKillNow = (): void => {
    canceled = true;
    killAll();
  };
  if (request.killNow?.aborted) onKillNow();
  else request.killNow?.addEventListener('abort', onKillNow, { once: true });
  // The guard acts before the OOM killer or a frozen desktop would: no grace period, and it names what crossed.
  let stoppedByGuard: GuardStop | null = null;
  const onGuard = (): void => {
    if (pid === undefined || hasExited) return;
    if (!timedOut && !canceled) stoppedByGuard = request.guardSignal?.reason as GuardStop;
    killProcessTree(pid, 'SIGKILL');
  };
  if (request.guardSignal?.aborted) onGuard();
  else request.guardSignal?.addEventListener('abort', onGuard, { once: true });

  subprocess.on('exit', () => {
    hasExited = true;
    // Whatever the test left running (a model server, a stuck python) dies with its file; when the run is being
    // interrupted, so does what escaped its process group.
    if (canceled) killAll();
    else if (pid !== undefined) killProcessTree(pid, 'SIGKILL');
    // A grandchild that left the process group may still hold our pipes open: stop waiting for them.
    setTimeout(() => {
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    }, PIPE_DRAIN_MS).unref();
  });
  if (pid !== undefined) {
    void request.startWhen.then((extraEnv) => {
      if (hasExited || canceled) return;
      startedAt = Date.now();
      const go: GoMessage = { gpuTest: 'go', env: extraEnv, vram: request.vramSetting() };
      subprocess.send(go, (error) => void error);
      timeoutTimer = setTimeout(() => {
        timedOut = true;
        stop();
      }, request.job.timeoutMs);
      request.onStart(pid);
    });
    subprocess.on('message', (message: unknown) => {
      const metric = isMetricMessage(message) ? capMetricMessage(message) : null;
      if (metric) request.onMetric?.(metric);
      if (isSnapshotRequest(message) && request.onSnapshot) {
        void request.onSnapshot(pid).then((snapshot) => {
          const reply: SnapshotReply = { gpuTest: 'snapshot-reply', seq: message.seq, snapshot };
          if (subprocess.connected) subprocess.send(reply, (error) => void error);
        });
      }
      const ack = (): void => {
        const answer: AckMessage = { gpuTest: 'ack', seq: (message as { seq: number }).seq };
        if (subprocess.connected) subprocess.send(answer, (error) => void error);
      };
      if (isFlushMessage(message)) void request.onFlush().finally(ack);
      if (!isBoundaryMessage(message)) return;
      // The recorder reports its own failures: a boundary that could not be recorded only loses its sample.
      const sampled = request.onBoundary(message, pid).catch(() => undefined);
      if (message.wait === true) void sampled.finally(ack);
    });
  }

  const result = await exited;
  clearTimeout(timeoutTimer);
  clearTimeout(graceTimer);
  request.signal.removeEventListener('abort', onAbort);
  request.killNow?.removeEventListener('abort', onKillNow);
  request.guardSignal?.removeEventListener('abort', onGuard);
  const endedAt = Date.now();
  const outcome: ProcessOutcome = {
    exitCode: result.code,
    signal: result.signal,
    timedOut,
    isCanceled: canceled && !timedOut && stoppedByGuard === null,
    durationMs: endedAt - startedAt,
    ...(stoppedByGuard ? { stoppedByGuard } : {}),
  };
  const spawnError = result.error ? `gpu-test could not start node: ${result.error.message}\n` : '';
  return { outcome, stdout: stdout.text(), stderr: stderr.text() + spawnError, startedAt, endedAt };
}
