// A tiny shell process that outlives gpu-test only to clean up after it. If gpu-test dies without a word (SIGKILL, the
// OOM killer, a crash), the pipe to the watchdog closes unannounced and it kills every process that carries the run's
// tag in its environment: test files busy in native code, which would not notice their lost channel, `after` hook
// steps, servers that daemonised. A run that ends normally says "done" first, and the watchdog leaves quietly.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { RUN_TAG_ENV } from '../child/protocol.js';

/** A started watchdog. */
export interface RunWatchdog {
  /** The run ended normally: the watchdog exits without killing anything. Resolves once it has been told; idempotent. */
  release(): Promise<void>;
}

// $1 is the tag. Two sweeps: a process forking while the first one runs is caught by the second.
const SCRIPT = `
while IFS= read -r line; do [ "$line" = done ] && exit 0; done
for sweep in 1 2; do
  for environ in /proc/[0-9]*/environ; do
    if tr '\\0' '\\n' < "$environ" 2>/dev/null | grep -qxF "$1"; then
      pid=\${environ#/proc/}; kill -KILL "\${pid%/environ}" 2>/dev/null
    fi
  done
done
`;

/** Starts the watchdog of run `runId` (a no-op where there is no /proc or no shell). */
export function startRunWatchdog(runId: string): RunWatchdog {
  const none: RunWatchdog = { release: () => Promise.resolve() };
  if (!existsSync('/proc/self/environ') || !existsSync('/bin/sh')) return none;
  let watchdog: ChildProcess;
  try {
    // Its own session: a terminal's Ctrl-C or a closed terminal's SIGHUP must not take it down with gpu-test's group.
    // Started without the run's tag, so it never kills itself or the commands it runs.
    const { [RUN_TAG_ENV]: _tag, ...env } = process.env;
    watchdog = spawn('/bin/sh', ['-c', SCRIPT, 'gpu-test-watchdog', `${RUN_TAG_ENV}=${runId}`], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env });
  } catch {
    return none;
  }
  watchdog.on('error', () => {});
  watchdog.stdin?.on('error', () => {});
  // Neither the process nor its pipe may keep gpu-test alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  let released: Promise<void> | null = null;
  return {
    release() {
      released ??= new Promise((resolve) => {
        const stdin = watchdog.stdin as (NodeJS.WritableStream & { destroyed: boolean; ref?: () => void }) | null;
        if (!stdin || stdin.destroyed) return resolve();
        // Held while the word is on its way, or the process could end (exit 13) with the promise pending.
        stdin.ref?.();
        stdin.end('done\n', () => resolve());
      });
      return released;
    },
  };
}
