// Finds processes by a variable in their environment. Every process a test file starts inherits the harness's tag
// (`GPU_TEST_JOB=…`), also one that left the file's process group and session (`setsid sh -c "server &"`) and so
// escaped both the tree walk and the group kill: the environment is what it cannot shed by daemonising.

import { readdirSync, readFileSync } from 'node:fs';
import { readProcFile } from './proc-file.js';

// A process's environment is fixed once it runs, so a scan need not read again what an earlier one read: only pids
// handed out since (the kernel's last pid says which) can be new processes, and the ones holding the value looked for
// are read each time in case one exec'd without the tag. Those holding another value (the other files' processes,
// 15 of them at 16 files at once) are not: ~0.5 ms a scan. Without ns_last_pid every process is read, as on the first
// scan.
interface PidCache {
  readonly lastPid: number | null;
  readonly values: Map<number, string | null>;
}
const caches = new Map<string, PidCache>();

function readLastPid(): number | null {
  try {
    const pid = Number(readProcFile('/proc/sys/kernel/ns_last_pid'));
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Whether `pid` may have been handed out after the pid `since` and up to `now`, a wrap-around included. */
function handedOutBetween(pid: number, since: number | null, now: number | null): boolean {
  if (since === null || now === null) return true;
  return since <= now ? pid > since && pid <= now : pid > since || pid <= now;
}

/** The value of `name` in the process's initial environment; null without it, or where it cannot be read. */
function readVariable(pid: number, name: string): string | null {
  let environ: Buffer;
  try {
    environ = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return null; // Gone since the listing, or another user's process.
  }
  const prefix = Buffer.from(`${name}=`);
  // A match must start a variable: at the start of the block or right after the previous one's NUL.
  for (let at = environ.indexOf(prefix); at !== -1; at = environ.indexOf(prefix, at + 1)) {
    if (at !== 0 && environ[at - 1] !== 0) continue;
    const end = environ.indexOf(0, at);
    return environ.subarray(at + prefix.length, end === -1 ? environ.length : end).toString();
  }
  return null;
}

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
  const cache = caches.get(name);
  const lastPid = readLastPid();
  const values = new Map<number, string | null>();
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    // Read before, without the value: the same process still, unless its pid was handed out again since.
    const known = cache?.values.get(pid);
    const unchanged = known !== undefined && known !== value && !handedOutBetween(pid, cache?.lastPid ?? null, lastPid);
    const variable = unchanged ? known : readVariable(pid, name);
    values.set(pid, variable);
    if (variable === value) found.push(pid);
  }
  caches.set(name, { lastPid, values });
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
