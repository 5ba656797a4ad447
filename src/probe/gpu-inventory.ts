// The GPUs of this host, read once a run through node-nvidia-smi (`nvidia-smi -q -x`); never throws.

import nvidiaSmi from 'node-nvidia-smi';
import { readFileSync } from 'node:fs';
import { basename, delimiter, dirname } from 'node:path';
import { describeError } from '../errors.js';
import { importEsm } from '../import-esm.js';
import { readSmiLogInventory } from './nvidia-smi-xml.js';
import { killProcessTree, listProcessTree, readParentPid } from './process-tree.js';
import { describeSmiExit, findExecutable } from './smi-failure.js';
import type { GpuInventory } from '../results/machine.js';

/** How long `nvidia-smi -q -x` may take (117 ms on an idle H100; seconds on many GPUs with persistence off). */
export const DEFAULT_INVENTORY_TIMEOUT_MS = 20_000;

/** Options of readGpuInventory. */
export interface GpuInventoryOptions {
  /** An nvidia-smi to use instead of the one on PATH; its file name must be `nvidia-smi` (see below). */
  readonly smiPath?: string;
  readonly timeoutMs?: number;
  /** Stops the listing (an interrupted run): the query is killed and no GPU is reported, with that reason. */
  readonly signal?: AbortSignal;
}

const QUERY = 'nvidia-smi -q -x';

class QueryTimeout extends Error {}
class QueryStopped extends Error {}

function unavailable(reason: string, warnings: readonly string[] = []): GpuInventory {
  return { available: false, reason, driverVersion: null, cudaVersion: null, gpus: [], warnings };
}

// node-nvidia-smi runs `nvidia-smi` by name through a shell and a stuck one would hold the event loop open,
// so on timeout its shell (or the nvidia-smi it exec'd into) is found among our children and killed.
function killStuckQuery(): void {
  for (const pid of listProcessTree(process.pid).slice(1)) {
    if (readParentPid(pid) !== process.pid) continue; // A test's own nvidia-smi is a grandchild at least.
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      continue; // Already gone.
    }
    if (cmdline.endsWith(QUERY)) killProcessTree(pid, 'SIGKILL');
  }
}

function querySmiLog(pathPrefix: string | null, timeoutMs: number, signal: AbortSignal | undefined): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killStuckQuery();
      reject(new QueryTimeout(`\`${QUERY}\` did not answer within ${timeoutMs / 1000} s: the driver may be hung (\`dmesg\` shows Xid errors)`));
    }, timeoutMs);
    // An interrupted run must not wait out a hung driver: the query is killed at once.
    const onAbort = (): void => {
      clearTimeout(timer);
      killStuckQuery();
      reject(new QueryStopped('the GPUs were not listed: the run was interrupted first'));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const savedPath = process.env['PATH'];
    // exec copies the environment synchronously when it spawns, so PATH is changed for exactly this one call.
    if (pathPrefix !== null) process.env['PATH'] = `${pathPrefix}${delimiter}${savedPath ?? ''}`;
    try {
      nvidiaSmi((error, data) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error === null) resolve(data);
        else reject(error instanceof Error ? error : new Error(String(error).trim()));
      });
    } finally {
      if (savedPath === undefined) delete process.env['PATH'];
      else process.env['PATH'] = savedPath;
    }
  });
}

// node-nvidia-smi's error keeps only stderr, yet nvidia-smi prints its failures on stdout: run it once more to quote them.
async function explainFailure(smi: string, timeoutMs: number, original: unknown): Promise<string> {
  // Loaded only on this failure path: execa's import costs 100-160 ms that a healthy run should not pay.
  const { execa } = await importEsm<typeof import('execa')>('execa');
  const rerun = await execa(smi, ['-q', '-x'], { reject: false, timeout: timeoutMs, all: true, stdin: 'ignore' });
  if (rerun.failed && !rerun.timedOut && rerun.exitCode !== undefined) {
    return describeSmiExit(QUERY, rerun.exitCode, typeof rerun.all === 'string' ? rerun.all : '');
  }
  return `\`${QUERY}\` failed: ${describeError(original).trim().replace(/\s*\n\s*/g, ' | ')}`;
}

/**
 * Lists the GPUs, driver and CUDA version; when none is usable, `available` is false and `reason` says why.
 * `smiPath` works by putting its folder first on PATH for the call, since node-nvidia-smi runs `nvidia-smi` by name.
 */
export async function readGpuInventory(options: GpuInventoryOptions = {}): Promise<GpuInventory> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_INVENTORY_TIMEOUT_MS;
  const smiPath = options.smiPath;
  if (smiPath !== undefined && basename(smiPath) !== 'nvidia-smi') {
    return unavailable(`smiPath must name a file called nvidia-smi (node-nvidia-smi runs it by that name), got \`${smiPath}\``);
  }
  const smi = findExecutable(smiPath ?? 'nvidia-smi');
  if (smi === null) {
    return unavailable(
      smiPath === undefined
        ? 'nvidia-smi was not found on PATH: no NVIDIA driver is installed here, or its folder (often /usr/bin) is missing from PATH'
        : `nvidia-smi was not found at \`${smiPath}\` (or it is not executable)`,
    );
  }
  let data: unknown;
  try {
    data = await querySmiLog(smiPath === undefined ? null : dirname(smi), timeoutMs, options.signal);
  } catch (error) {
    if (error instanceof QueryTimeout || error instanceof QueryStopped) return unavailable(error.message);
    return unavailable(await explainFailure(smi, timeoutMs, error));
  }
  try {
    const log = readSmiLogInventory(data);
    if (log.gpus.length === 0) {
      return unavailable('nvidia-smi lists no GPU (`attached_gpus` is 0): the driver is loaded but sees no device', log.warnings);
    }
    return { available: true, reason: null, ...log };
  } catch (error) {
    return unavailable(describeError(error));
  }
}
