// Reads GPU memory at test boundaries through `nvidia-smi --query-gpu`, one spawn shared by concurrent callers.

import { execa } from 'execa';
import { GpuTestError } from '../errors.js';
import { MEMORY_QUERY_ARGS, parseGpuMemoryCsv } from './nvidia-smi-csv.js';
import { checkNoneMissing, NO_GPU_READER, vanished } from './gpu-presence.js';
import { describeSmiExit, findExecutable, isGpuGoneOutput } from './smi-failure.js';
import type { GpuMemory, GpuReader } from './types.js';

/** How long one nvidia-smi read may take before it counts as hung. */
export const DEFAULT_SMI_TIMEOUT_MS = 10_000;

/** Options of createGpuReader; only `backend` is required. */
export interface GpuReaderOptions {
  /** `auto` picks nvidia-smi when it is found on PATH (or at `smiPath`), else `none`. */
  readonly backend: 'auto' | 'nvidia-smi' | 'none';
  /** Physical GPU indices to read (`-i 0,2`); all GPUs when absent. */
  readonly gpuIndices?: readonly number[];
  /** The nvidia-smi to run; `nvidia-smi` on PATH when absent. */
  readonly smiPath?: string;
  readonly timeoutMs?: number;
  /** Called once per distinct warning (a field printed as `[N/A]` and the like). */
  readonly onWarning?: (message: string) => void;
}

/** A reader for the chosen backend; `none` always resolves `[]`. */
export function createGpuReader(options: GpuReaderOptions): GpuReader {
  const smi = options.smiPath ?? 'nvidia-smi';
  const useSmi = options.backend === 'nvidia-smi' || (options.backend === 'auto' && findExecutable(smi) !== null);
  if (!useSmi) return NO_GPU_READER;
  return createSmiReader(smi, options);
}

function createSmiReader(smi: string, options: GpuReaderOptions): GpuReader {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SMI_TIMEOUT_MS;
  const indices = options.gpuIndices;
  const args = [...MEMORY_QUERY_ARGS, ...(indices === undefined || indices.length === 0 ? [] : ['-i', indices.join(',')])];
  const command = [smi, ...args].join(' ');
  const seenWarnings = new Set<string>();
  let baseline: readonly GpuMemory[] | null = null;
  let inFlight: Promise<readonly GpuMemory[]> | null = null;

  const readOnce = async (): Promise<readonly GpuMemory[]> => {
    const result = await execa(smi, args, { reject: false, timeout: timeoutMs, all: true, stdin: 'ignore' });
    const output = typeof result.all === 'string' ? result.all : '';
    if (result.timedOut) {
      throw new GpuTestError(
        'GPU_READ',
        `\`${command}\` did not answer within ${timeoutMs / 1000} s: the driver may be hung or a GPU stuck ` +
          '(`dmesg` shows Xid errors); VRAM was not measured for this read',
      );
    }
    if (result.code === 'ENOENT') {
      throw new GpuTestError(
        'GPU_READ',
        `nvidia-smi was not found (\`${smi}\`${smi.includes('/') ? '' : ' on PATH'}): install the NVIDIA driver utilities, ` +
          'which ship nvidia-smi, or put its folder on PATH',
        { cause: result },
      );
    }
    if (result.failed && result.exitCode === undefined) {
      throw new GpuTestError('GPU_READ', `\`${command}\` could not be started: ${result.originalMessage ?? result.message}`, { cause: result });
    }
    if (result.failed) {
      if (isGpuGoneOutput(output)) throw vanished(output, baseline, indices);
      throw new GpuTestError('GPU_READ', describeSmiExit(command, result.exitCode, output), { cause: result });
    }
    const parsed = parseGpuMemoryCsv(result.stdout);
    for (const warning of parsed.warnings) {
      if (seenWarnings.has(warning)) continue;
      seenWarnings.add(warning);
      options.onWarning?.(warning);
    }
    checkNoneMissing(parsed.gpus, baseline, indices);
    baseline ??= parsed.gpus;
    return parsed.gpus;
  };

  return {
    backend: 'nvidia-smi',
    readMemory: () => {
      // Boundaries of several test files often land together: they share one spawn rather than queue many.
      inFlight ??= readOnce().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
  };
}
