// Reads GPU memory from one long-lived `nvidia-smi --query-gpu ... --loop-ms=N`, so a test boundary costs no
// process spawn (about 21 ms each on an H100 host, far more under load): "before" takes the latest reading, and
// "after" waits for the first reading taken after the test ended, at most one interval away.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { GpuTestError } from '../errors.js';
import { checkNoneMissing, vanished } from './gpu-presence.js';
import { queryComputeApps } from './compute-apps.js';
import { MEMORY_QUERY_ARGS, parseGpuMemoryCsv } from './nvidia-smi-csv.js';
import { describeSmiExit, findExecutable, isGpuGoneOutput } from './smi-failure.js';
import type { GpuMemory } from '../results/machine.js';
import type { GpuReader } from './types.js';

/** Options of the streaming reader. */
export interface StreamingGpuReaderOptions {
  /** How many GPUs one reading lists (from the inventory): a reading is complete after that many lines. */
  readonly gpuCount: number;
  readonly intervalMs: number;
  readonly smiPath?: string;
  /** Called once per distinct warning (a field printed as `[N/A]` and the like). */
  readonly onWarning?: (message: string) => void;
}

interface Reading {
  readonly at: number;
  readonly gpus: readonly GpuMemory[];
}

interface Waiter {
  readonly takenAfter: number;
  readonly resolve: (gpus: readonly GpuMemory[]) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** The default interval of the stream: short enough that waiting for a fresh "after" stays cheap. */
export const DEFAULT_STREAM_INTERVAL_MS = 50;

/** Starts `nvidia-smi --loop-ms` and returns a reader over its latest complete reading. */
export function createStreamingGpuReader(options: StreamingGpuReaderOptions): GpuReader {
  const smi = options.smiPath ?? 'nvidia-smi';
  const args = [...MEMORY_QUERY_ARGS, `--loop-ms=${options.intervalMs}`];
  const command = [smi, ...args].join(' ');
  const seenWarnings = new Set<string>();
  const waiters = new Set<Waiter>();
  const listeners = new Set<(at: number, gpus: readonly GpuMemory[]) => void>();
  let latest: Reading | null = null;
  let baseline: readonly GpuMemory[] | null = null;
  let failure: GpuTestError | null = null;
  let pending: GpuMemory[] = [];
  let closed = false;
  let unparsed: GpuTestError | null = null;
  let unparsedInARow = 0;
  const output: string[] = [];

  const fail = (error: GpuTestError): void => {
    failure ??= error;
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(failure);
    }
    waiters.clear();
  };

  const onReading = (reading: Reading): void => {
    try {
      checkNoneMissing(reading.gpus, baseline, undefined);
    } catch (error) {
      fail(error as GpuTestError);
      return;
    }
    baseline ??= reading.gpus;
    latest = reading;
    for (const listener of listeners) listener(reading.at, reading.gpus);
    for (const waiter of waiters) {
      if (reading.at <= waiter.takenAfter) continue;
      clearTimeout(waiter.timer);
      waiters.delete(waiter);
      waiter.resolve(reading.gpus);
    }
  };

  // Writing to a pipe, nvidia-smi buffers its output in 4 KiB blocks: readings would arrive seconds late, in bursts,
  // so "before" would be stale and every timestamp wrong. stdbuf makes it flush each line (measured on an H100).
  const stdbuf = findExecutable('stdbuf');
  // Its own process group: a terminal's Ctrl-C goes to gpu-test's whole group, and the stream must outlive it until
  // the run has written its reports (close() stops it). Were gpu-test killed outright, nvidia-smi dies of SIGPIPE.
  const [program, programArgs] = stdbuf ? [stdbuf, ['-oL', smi, ...args]] : [smi, args];
  const subprocess = spawn(program, programArgs, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines = createInterface({ input: subprocess.stdout });
  lines.on('line', (line) => {
    output.push(line);
    if (output.length > 20) output.shift();
    if (line.trim() === '') return;
    let parsed;
    try {
      parsed = parseGpuMemoryCsv(line);
    } catch (error) {
      if (isGpuGoneOutput(line)) {
        fail(vanished(line, baseline, undefined));
        return;
      }
      // nvidia-smi prints its failures on stdout and exits: the exit explains them better than the parse error. A
      // stream that goes on printing what does not parse will never give a reading: say so now, not at every boundary.
      unparsed = error as GpuTestError;
      unparsedInARow += 1;
      if (unparsedInARow > options.gpuCount + 1) fail(unparsed);
      return;
    }
    unparsedInARow = 0;
    for (const warning of parsed.warnings) {
      if (!seenWarnings.has(warning)) {
        seenWarnings.add(warning);
        options.onWarning?.(warning);
      }
    }
    pending.push(...parsed.gpus);
    if (pending.length >= options.gpuCount) {
      onReading({ at: Date.now(), gpus: pending });
      pending = [];
    }
  });
  subprocess.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  subprocess.on('error', (error) => {
    fail(new GpuTestError('GPU_READ', `\`${command}\` could not be started: ${error.message}`, { cause: error }));
  });
  subprocess.on('close', (exitCode) => {
    if (closed) return;
    const text = output.join('\n');
    if (isGpuGoneOutput(text)) fail(vanished(text, baseline, undefined));
    else if (exitCode === 0 && unparsed) fail(unparsed);
    else fail(new GpuTestError('GPU_READ', `the VRAM stream stopped: ${describeSmiExit(command, exitCode ?? undefined, text)}`));
  });

  const waitForReading = (takenAfter: number): Promise<readonly GpuMemory[]> =>
    new Promise((resolve, reject) => {
      const limitMs = options.intervalMs * 10 + 2000;
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new GpuTestError('GPU_READ', `\`${command}\` printed no reading for ${limitMs} ms: the driver may be hung (\`dmesg\` shows Xid errors); VRAM was not measured for this boundary`));
      }, limitMs);
      const waiter: Waiter = { takenAfter, resolve, reject, timer };
      waiters.add(waiter);
    });

  return {
    backend: 'nvidia-smi-stream',
    readMemory(readOptions) {
      if (failure) return Promise.reject(failure);
      const takenAfter = readOptions?.takenAfter;
      if (latest && (takenAfter === undefined || latest.at > takenAfter)) return Promise.resolve(latest.gpus);
      return waitForReading(takenAfter ?? 0);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async readProcesses() {
      const gpus = latest?.gpus ?? (await waitForReading(0));
      return queryComputeApps(smi, gpus);
    },
    close() {
      closed = true;
      subprocess.kill();
      fail(new GpuTestError('GPU_READ', 'the VRAM stream was closed'));
    },
  };
}
