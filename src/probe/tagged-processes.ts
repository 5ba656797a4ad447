// Finds processes by a variable in their environment. Every process a test file starts inherits the harness's tag
// (`GPU_TEST_JOB=…`), also one that left the file's process group and session (`setsid sh -c "server &"`) and so
// escaped both the tree walk and the group kill: the environment is what it cannot shed by daemonising.

import { readdirSync, readFileSync } from 'node:fs';

/**
 * The pids whose initial environment holds `name=value` exactly, this process excluded; [] where there is no /proc.
 * Zombies (exited, not yet reaped) have no environment to read and are not listed.
 */
export function findTaggedProcesses(name: string, value: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const needle = Buffer.from(`${name}=${value}\0`);
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${entry}/environ`);
    } catch {
      continue; // Gone since the listing, or another user's process.
    }
    // A match must start a variable: at the start of the block or right after the previous one's NUL.
    for (let at = environ.indexOf(needle); at !== -1; at = environ.indexOf(needle, at + 1)) {
      if (at === 0 || environ[at - 1] === 0) {
        found.push(pid);
        break;
      }
    }
  }
  return found;
}

/** Sends `signal` to every process tagged `name=value` and to whatever each has started; gone ones are ignored. */
export function signalTaggedProcesses(name: string, value: string, signal: NodeJS.Signals): number[] {
  const found = findTaggedProcesses(name, value);
  for (const pid of found) {
    try {
      process.kill(pid, signal);
    } catch {
      // Exited since it was found, or not ours to signal.
    }
  }
  return found;
}
