// Runs the steps of a suite's coordination hooks: a shell command (through execa, its process tree killed at its
// timeout) or an HTTP request (the built-in fetch), and the healthcheck, retried until it passes or its wait is over.
// Each step becomes one HookRun for the reports; nothing here throws for a step that fails.

import { setTimeout as sleep } from 'node:timers/promises';
import type { HealthcheckStep, HookStep } from '../../config/types.js';
import { importEsm } from '../../import-esm.js';
import { killProcessTree } from '../../probe/process-tree.js';
import type { HookPhase, HookRun } from '../../results/run-result.js';

/** The most of a step's output a HookRun keeps: its end, where the reason for a failure usually is. */
export const HOOK_OUTPUT_LIMIT_BYTES = 4 * 1024;
/** From SIGTERM to SIGKILL when a shell step's process tree is stopped. */
const KILL_GRACE_MS = 3000;
/** After a shell step's shell exits, how long its output may still drain before a process it left running is let go. */
const DRAIN_MS = 500;

/** Where and for whom the steps run. */
export interface HookContext {
  readonly suite: string;
  /** The working directory of shell steps: the project root. */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Stops the step (its process tree, its request, the healthcheck's wait); `after` steps get none. */
  readonly signal?: AbortSignal;
}

/** How one try of a step ended. */
interface Attempt {
  readonly ok: boolean;
  readonly output: string;
  readonly error: string | null;
}

/** Keeps the last `limit` bytes of what is pushed, starting on a whole character. */
function createTail(limit = HOOK_OUTPUT_LIMIT_BYTES): { push(chunk: Buffer | string): void; text(): string } {
  let kept = Buffer.alloc(0);
  let dropped = 0;
  return {
    push(chunk) {
      kept = Buffer.concat([kept, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
      if (kept.length <= limit) return;
      let start = kept.length - limit;
      // UTF-8 continuation bytes look like 10xxxxxx: never start in the middle of a character.
      while (start < kept.length && ((kept[start] ?? 0) & 0xc0) === 0x80) start += 1;
      dropped += start;
      kept = kept.subarray(start);
    },
    text() {
      const body = kept.toString('utf8');
      return dropped > 0 ? `[… ${dropped} earlier bytes omitted …]\n${body}` : body;
    },
  };
}

/** A step as people recognise it: the command itself, or `POST http://localhost:8000/unload`. */
export function describeStep(step: HookStep): string {
  return 'run' in step ? step.run : `${step.http.method} ${step.http.url}`;
}

/** Runs `command` through the shell; at `timeoutMs`, or when `signal` aborts, its whole process tree is stopped. */
async function runShell(command: string, timeoutMs: number, context: HookContext, phase: HookPhase): Promise<Attempt> {
  if (context.signal?.aborted) return { ok: false, output: '', error: 'not started: the run was interrupted' };
  // Loaded only by projects that have shell hooks: importing execa costs 100-160 ms.
  const { execa } = await importEsm<typeof import('execa')>('execa');
  const { NODE_TEST_CONTEXT: _outerRunner, ...env } = context.env;
  const output = createTail();
  const subprocess = execa(command, {
    shell: true, cwd: context.cwd, env: { ...env, GPU_TEST_SUITE: context.suite, GPU_TEST_HOOK: phase }, extendEnv: false,
    stdin: 'ignore', all: true, buffer: false, reject: false,
    // Its own process group, so a timeout or Ctrl-C takes down what it started, and a terminal's Ctrl-C does not
    // reach an `after` step that must still run.
    detached: true,
  });
  subprocess.all?.on('data', (chunk: Buffer | string) => output.push(chunk));
  const pid = subprocess.pid;
  let stopped: 'timeout' | 'interrupted' | null = null;
  let exited = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const stop = (why: 'timeout' | 'interrupted'): void => {
    if (exited || pid === undefined) return;
    stopped ??= why;
    killProcessTree(pid, 'SIGTERM');
    graceTimer ??= setTimeout(() => killProcessTree(pid, 'SIGKILL'), KILL_GRACE_MS);
  };
  const timer = setTimeout(() => stop('timeout'), timeoutMs);
  // A `before` step stops like a test file, with a grace period; an `after` step is only stopped by a second signal,
  // which means "now".
  const onAbort = (): void => {
    if (phase === 'after' && !exited && pid !== undefined) {
      stopped ??= 'interrupted';
      killProcessTree(pid, 'SIGKILL');
    } else {
      stop('interrupted');
    }
  };
  context.signal?.addEventListener('abort', onAbort, { once: true });
  subprocess.on('exit', () => {
    exited = true;
    // A service the step started in the background (`./serve.sh &`) may still hold our pipes: stop reading them
    // rather than wait for it, which would also keep the service from starting for good.
    setTimeout(() => {
      subprocess.stdout?.destroy();
      subprocess.stderr?.destroy();
    }, DRAIN_MS).unref();
  });
  try {
    const result = await subprocess;
    if (stopped === 'timeout') return { ok: false, output: output.text(), error: `did not finish within ${timeoutMs} ms; its process tree was killed` };
    if (stopped === 'interrupted') return { ok: false, output: output.text(), error: 'stopped: the run was interrupted' };
    if (result.exitCode === 0) return { ok: true, output: output.text(), error: null };
    if (result.signal) return { ok: false, output: output.text(), error: `was killed by ${result.signal}` };
    if (result.exitCode === undefined) return { ok: false, output: output.text(), error: `could not be started: ${result.shortMessage ?? result.message ?? 'unknown error'}` };
    return { ok: false, output: output.text(), error: `exited with code ${result.exitCode}` };
  } finally {
    clearTimeout(timer);
    clearTimeout(graceTimer);
    context.signal?.removeEventListener('abort', onAbort);
  }
}

/** What a failed fetch says, down to the socket error (`connect ECONNREFUSED 127.0.0.1:8000`). */
function fetchError(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } } | null)?.cause;
  if (cause && typeof cause.message === 'string' && cause.message !== '') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Sends the request and reads the end of the body; the status must be the expected one. */
async function runHttp(http: Extract<HookStep, { http: unknown }>['http'], timeoutMs: number, context: HookContext): Promise<Attempt> {
  if (context.signal?.aborted) return { ok: false, output: '', error: 'not started: the run was interrupted' };
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = context.signal ? AbortSignal.any([timeout, context.signal]) : timeout;
  const output = createTail();
  let status: number | null = null;
  try {
    const response = await fetch(http.url, { method: http.method, signal, redirect: 'manual' });
    status = response.status;
    if (response.body) for await (const chunk of response.body) output.push(Buffer.from(chunk as Uint8Array));
  } catch (error) {
    const text = output.text();
    if (context.signal?.aborted) return { ok: false, output: text, error: 'stopped: the run was interrupted' };
    if (timeout.aborted) {
      const when = status === null ? `no answer within ${timeoutMs} ms` : `answered ${status} but its body did not end within ${timeoutMs} ms`;
      return { ok: false, output: text, error: when };
    }
    return { ok: false, output: text, error: `request failed: ${fetchError(error)}` };
  }
  if (status === http.status) return { ok: true, output: output.text(), error: null };
  return { ok: false, output: output.text(), error: `answered ${status}, expected ${http.status}` };
}

function attemptStep(step: HookStep, timeoutMs: number, context: HookContext, phase: HookPhase): Promise<Attempt> {
  return 'run' in step ? runShell(step.run, timeoutMs, context, phase) : runHttp(step.http, timeoutMs, context);
}

/** Runs one step once, bounded by its timeout. */
export async function runHookStep(step: HookStep, phase: HookPhase, context: HookContext): Promise<HookRun> {
  const startedAt = Date.now();
  const attempt = await attemptStep(step, step.timeoutMs, context, phase);
  return { suite: context.suite, phase, step: describeStep(step), ...attempt, attempts: 1, startedAt, durationMs: Date.now() - startedAt };
}

/** Tries the step every `intervalMs` until it succeeds or `waitMs` has passed; each try is bounded by its timeout and the wait left (at least one interval). */
export async function runHealthcheck(step: HealthcheckStep, context: HookContext): Promise<HookRun> {
  const startedAt = Date.now();
  const deadline = startedAt + step.waitMs;
  let attempts = 0;
  let last: Attempt;
  for (;;) {
    attempts += 1;
    // Cut at the wait left, but never below one interval: a timer that fired late must not leave the last try no time.
    last = await attemptStep(step, Math.max(1, Math.min(step.timeoutMs, Math.max(deadline - Date.now(), step.intervalMs))), context, 'healthcheck');
    if (last.ok || context.signal?.aborted || Date.now() + step.intervalMs >= deadline) break;
    try {
      await sleep(step.intervalMs, undefined, context.signal ? { signal: context.signal } : undefined);
    } catch {
      break;
    }
  }
  const durationMs = Date.now() - startedAt;
  const tries = attempts === 1 ? '1 try' : `${attempts} tries`;
  const error = last.ok ? null
    : context.signal?.aborted ? `stopped after ${tries}: the run was interrupted`
      : `not ready after ${step.waitMs} ms (${tries}); last try: ${last.error ?? 'failed'}`;
  return { suite: context.suite, phase: 'healthcheck', step: describeStep(step), ok: last.ok, output: last.output, error, attempts, startedAt, durationMs };
}

/**
 * `before`: the steps in order, stopping at the first that fails, then the healthcheck. `after`: every step, even
 * when an earlier one failed, since each is a chance to put a service back. Returns a HookRun per step that ran.
 */
export async function runHookPhase(phase: 'before' | 'after', steps: readonly HookStep[], healthcheck: HealthcheckStep | null, context: HookContext): Promise<HookRun[]> {
  const runs: HookRun[] = [];
  for (const step of steps) {
    const run = await runHookStep(step, phase, context);
    runs.push(run);
    if (!run.ok && phase === 'before') return runs;
  }
  if (healthcheck) runs.push(await runHealthcheck(healthcheck, context));
  return runs;
}
