// Makes a test process look, to the test and to what it starts, as it would under `node --test`: the harness's
// variables and flags are read once and taken out, so a `fork()` or `spawn(process.execPath)` of the test starts a
// plain node that neither loads the preload (and waits for a `go` that never comes) nor reports into the harness's
// results file; and `process.disconnect()`, which a test may call in code written for a forked worker, cannot cut
// the harness off.

import { RESULTS_FILE_ENV, CHILD_ENV_FLAG } from './protocol.js';

const RESULTS_FILE_KEY = Symbol.for('gpu-test.results-file');

/** The results file the harness named, kept after its variable is taken out of the environment. */
export function resultsFileOf(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const kept = (globalThis as Record<symbol, unknown>)[RESULTS_FILE_KEY];
  return typeof kept === 'string' ? kept : env[RESULTS_FILE_ENV];
}

/** `execArgv` without the harness's own `--import <preload>` and `--test-reporter=<reporter>`. */
export function withoutHarnessFlags(execArgv: readonly string[], preloadUrl: string, reporterUrl: string): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i += 1) {
    const arg = execArgv[i] as string;
    if (arg === '--import' && execArgv[i + 1] === preloadUrl) {
      i += 1;
      continue;
    }
    if (arg === `--import=${preloadUrl}` || arg === `--test-reporter=${reporterUrl}`) continue;
    kept.push(arg);
  }
  return kept;
}

/** Takes the harness's variables and flags out of this process, keeping what the preload and reporter need. */
export function hideHarnessFromDescendants(preloadUrl: string, reporterUrl: string): void {
  const resultsFile = process.env[RESULTS_FILE_ENV];
  if (resultsFile !== undefined) (globalThis as Record<symbol, unknown>)[RESULTS_FILE_KEY] = resultsFile;
  delete process.env[RESULTS_FILE_ENV];
  delete process.env[CHILD_ENV_FLAG];
  // fork() and new Worker() read process.execArgv when they are called: cleaned in place.
  const cleaned = withoutHarnessFlags(process.execArgv, preloadUrl, reporterUrl);
  process.execArgv.splice(0, process.execArgv.length, ...cleaned);
  // Under node --test there is no channel to disconnect; here the channel is the harness's, so the call is a no-op.
  process.disconnect = () => {};
}
