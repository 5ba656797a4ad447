// Picks how GPU memory is read: NVML (microseconds a read, no process) where libnvidia-ml loads, else the streaming
// nvidia-smi, else none. A backend the user named that cannot start is a usage error that says why.

import type { GpuBackendName } from '../config/types.js';
import { GpuTestError } from '../errors.js';
import { NO_GPU_READER } from './gpu-presence.js';
import { createStreamingGpuReader } from './gpu-stream-reader.js';
import { createNvmlGpuReader, openNvml, type NvmlOptions, type NvmlSession, type NvmlUnavailable } from './nvml.js';
import type { GpuInventory } from '../results/machine.js';
import type { GpuReader } from './types.js';

/** What openGpuReader needs: the backend asked for, the usable GPUs, and the sampling interval. */
export interface OpenGpuReaderOptions {
  readonly backend: GpuBackendName;
  readonly gpu: GpuInventory;
  /** The nvidia-smi stream's `--loop-ms`. */
  readonly intervalMs: number;
  readonly onWarning?: (message: string) => void;
  /** NVML as findGpus left it: the session is used (or closed, when the reader needs none); null: not tried yet. */
  readonly nvml?: NvmlSession | NvmlUnavailable | null;
  /** Opens NVML when `nvml` was not given; tests pass a stand-in. Default: openNvml. */
  readonly openNvml?: (options: NvmlOptions) => NvmlSession | NvmlUnavailable;
  /** The nvidia-smi to stream from; `nvidia-smi` on PATH when absent. */
  readonly smiPath?: string;
}

/** The reader for `backend`; throws GpuTestError `USAGE` when `nvml` or `nvidia-smi` was named and cannot start. */
export function openGpuReader(options: OpenGpuReaderOptions): GpuReader {
  const { backend, gpu, onWarning } = options;
  // Without a GPU in the inventory no job runs in the gpu lane, so `auto` has nothing to read through NVML.
  const wantsNvml = backend === 'nvml' || (backend === 'auto' && gpu.available);
  if (!wantsNvml && options.nvml?.available) options.nvml.close();
  if (backend === 'none') return NO_GPU_READER;
  if (wantsNvml) {
    const session = options.nvml ?? (options.openNvml ?? openNvml)({ onWarning });
    if (session.available) return createNvmlGpuReader(session);
    if (backend === 'nvml') {
      throw new GpuTestError('USAGE', `--gpu-backend nvml: NVML cannot be used: ${session.reason}; ` +
        'or pass --gpu-backend auto to fall back to nvidia-smi');
    }
  }
  if (gpu.available) {
    return createStreamingGpuReader({ gpuCount: gpu.gpus.length, intervalMs: options.intervalMs, smiPath: options.smiPath, onWarning });
  }
  if (backend === 'nvidia-smi') {
    throw new GpuTestError('USAGE', `--gpu-backend nvidia-smi: nvidia-smi cannot read the GPUs: ${gpu.reason ?? 'no usable GPU'}; ` +
      'or pass --gpu-backend auto (or none) to run without VRAM figures');
  }
  return NO_GPU_READER;
}
