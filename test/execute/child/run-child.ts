// Test support: runs a test file in a node process started as the harness starts one (the built preload and
// reporter from dist/, IPC, the `go` message, every boundary that waits and the flush acknowledged) and collects
// what it reported.

import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CHILD_ENV_FLAG, isBoundaryMessage, isFlushMessage, isMetricMessage, RESULTS_FILE_ENV, type BoundaryMessage, type MetricMessage, type ResultRecord, type VramSetting,
} from '../../../src/execute/child/protocol.js';

const PRELOAD = fileURLToPath(new URL('../../../dist/bundle/child/preload.js', import.meta.url));
const REPORTER = new URL('../../../dist/bundle/child/reporter.js', import.meta.url).href;
/** The built public API, for test files that call metric(). */
export const DIST_API = new URL('../../../dist/api/test-api.js', import.meta.url).href;

/**
 * The value for node:test's `skip`: the preload must be built (`npm test` builds it first), since its resolve hook
 * serves a .js facade that only dist/ has.
 */
export const notBuilt: string | false = existsSync(PRELOAD) ? false : `${PRELOAD} is missing: run \`npm run build\` first`;

/** What the process left: exit code, stderr, the reporter's records, boundaries and metrics it sent. */
export interface ChildRun {
  readonly code: number | null;
  readonly stderr: string;
  readonly records: ResultRecord[];
  /** Names of the tests announced at `begin` boundaries, in order. */
  readonly begun: string[];
  readonly boundaries: BoundaryMessage[];
  readonly metrics: MetricMessage[];
  /**
   * What the harness side saw and did, in order: `begin:<name>`, `end:<name>`, `ack:<seq>` (sent one event-loop turn
   * after the boundary came, so a message the test sent meanwhile shows before it), `metric:<name>`, `flush`,
   * `flush-ack`, `exit`.
   */
  readonly events: string[];
}

/** How the harness side behaves: `vram` goes with `go` (who reads VRAM, so when a test waits); none by default. */
export interface ChildOptions {
  readonly vram?: VramSetting;
  /** Added to the process's environment at its start, as the harness adds its own (before `go`). */
  readonly spawnEnv?: Record<string, string>;
}

/** Writes `source` as `name` in the runner's folder and runs it, `env` sent with `go`; resolves when it exits. */
export type RunChild = (name: string, source: string, env: Record<string, string>, options?: ChildOptions) => Promise<ChildRun>;

/** A temporary folder for test files, runChild for files written there, and cleanUp to remove the folder. */
export function childRunner(prefix: string): { readonly dir: string; readonly runChild: RunChild; readonly cleanUp: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, runChild: (name, source, env, options) => runChildIn(dir, name, source, env, options), cleanUp: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes `source` as `dir/name` and runs it as the harness would, `env` sent with `go`; resolves when it exits. */
function runChildIn(dir: string, name: string, source: string, env: Record<string, string>, options: ChildOptions = {}): Promise<ChildRun> {
  const file = join(dir, name);
  const results = join(dir, `${name}.jsonl`);
  writeFileSync(file, source);
  writeFileSync(results, '');
  const { NODE_TEST_CONTEXT: _outer, ...parentEnv } = process.env;
  const child = fork(file, [], {
    execArgv: ['--import', PRELOAD, `--test-reporter=${REPORTER}`],
    env: { ...parentEnv, ...options.spawnEnv, [CHILD_ENV_FLAG]: '1', [RESULTS_FILE_ENV]: results },
    serialization: 'json',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  const begun: string[] = [];
  const boundaries: BoundaryMessage[] = [];
  const metrics: MetricMessage[] = [];
  const events: string[] = [];
  const ack = (seq: number, event: string): void => {
    setImmediate(() => {
      events.push(event);
      if (child.connected) child.send({ gpuTest: 'ack', seq });
    });
  };
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.on('message', (message: unknown) => {
    if (isMetricMessage(message)) {
      metrics.push(message);
      events.push(`metric:${message.name}`);
    }
    if (isFlushMessage(message)) {
      events.push('flush');
      ack(message.seq, 'flush-ack');
    }
    if (!isBoundaryMessage(message)) return;
    boundaries.push(message);
    events.push(`${message.phase}:${message.name}`);
    if (message.phase === 'begin') begun.push(message.name);
    if (message.wait) ack(message.seq, `ack:${message.seq}`);
  });
  // The preload waits for this before the test file loads; the repeat settings travel in it, as launch-job sends them.
  child.send({ gpuTest: 'go', env, vram: options.vram ?? null });
  // A child stuck waiting for an answer fails its test rather than hanging the run.
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      events.push('exit');
      clearTimeout(watchdog);
      const records = readFileSync(results, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as ResultRecord);
      resolve({ code, stderr, records, begun, boundaries, metrics, events });
    });
  });
}
