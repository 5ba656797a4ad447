// Reads VRAM, per-process memory and health through NVML (libnvidia-ml) in microseconds a read, where nvidia-smi
// costs a process spawn (about 21 ms): what makes a sample at every test boundary affordable.

import { GpuTestError, describeError } from '../errors.js';
import {
  NVML_RETURN,
  describeInitFailure,
  describeLoadFailure,
  hasStatus,
  loadNvmlBindings,
  toBytes,
  type NvmlBindings,
  type NvmlDevice,
  type NvmlProcessInfo,
} from './nvml-bindings.js';
import { describeUnreadable, labelGpu } from './smi-fields.js';
import type { GpuInfo, GpuMemory } from '../results/machine.js';
import type { GpuHealth, GpuReader } from './types.js';
import { DEFAULT_NVML_LIBRARY, NVML_LIBRARY_ENV } from './nvml-library.js';

export { DEFAULT_NVML_LIBRARY, NVML_LIBRARY_ENV };

/** Options of openNvml(). */
export interface NvmlOptions {
  /** Path or soname of libnvidia-ml; default: $GPU_TEST_NVML_LIBRARY, then `libnvidia-ml.so.1`. */
  readonly nvmlLibrary?: string;
  /** Called once per distinct warning (a figure the driver will not give), each a full sentence. */
  readonly onWarning?: (message: string) => void;
}

/** Why NVML cannot be used on this host, as a sentence that says how to fix it. */
export interface NvmlUnavailable {
  readonly available: false;
  readonly reason: string;
}

/** One compute process on a GPU; `usedBytes` is null where the driver hides it (most containers). */
export interface NvmlProcess {
  readonly pid: number;
  readonly usedBytes: number | null;
}

/** Load and heat of one GPU; a field is null when the GPU does not report it. */
export interface NvmlHealth {
  readonly index: number;
  readonly uuid: string;
  readonly utilizationPercent: number | null;
  readonly memoryUtilizationPercent: number | null;
  readonly temperatureC: number | null;
  readonly powerWatts: number | null;
}

/** An initialised NVML: synchronous reads of every GPU it listed when opened. */
export interface NvmlSession {
  readonly available: true;
  readonly nvmlLibrary: string;
  readonly driverVersion: string;
  /** The CUDA version the driver supports (`13.0`), as nvidia-smi prints it; null when the library cannot say. */
  readonly cudaVersion: string | null;
  readonly gpus: readonly GpuInfo[];
  /**
   * Memory of every GPU, or of those at `indices`; `used` excludes the driver's reserve where the driver has
   * nvmlDeviceGetMemoryInfo_v2.
   */
  readMemory(indices?: readonly number[]): GpuMemory[];
  readProcesses(index: number): NvmlProcess[];
  readHealth(index: number): NvmlHealth;
  /** Shuts NVML down; later reads throw. */
  close(): void;
}

interface OpenGpu extends GpuInfo {
  readonly device: NvmlDevice;
}

function readError(gpu: { readonly index: number; readonly uuid: string }, error: unknown): GpuTestError {
  const label = labelGpu(gpu);
  const message = hasStatus(error, NVML_RETURN.GPU_IS_LOST)
    ? `${label} is lost (NVML_ERROR_GPU_IS_LOST from ${error.fn}): it fell off the bus or was reset mid-run; ` +
      '`dmesg` shows the Xid error, and a reboot recovers it'
    : `NVML could not read ${label}: ${describeError(error)}`;
  return new GpuTestError('GPU_READ', message, { cause: error });
}

/** Loads libnvidia-ml and lists its GPUs; never throws: where NVML cannot be used, says why. */
export function openNvml(options: NvmlOptions = {}): NvmlSession | NvmlUnavailable {
  const lib = loadLibrary(options);
  if ('available' in lib) return lib;
  try {
    lib.init();
  } catch (error) {
    return { available: false, reason: describeInitFailure(error) };
  }
  return listAndStart(lib, options);
}

/**
 * As openNvml, with nvmlInit on a thread of libuv's pool, so that a GPU file's process opens NVML while its test file
 * loads. Loading the library stays on this thread.
 */
export async function openNvmlAsync(options: NvmlOptions = {}): Promise<NvmlSession | NvmlUnavailable> {
  const lib = loadLibrary(options);
  if ('available' in lib) return lib;
  try {
    await lib.initAsync();
  } catch (error) {
    return { available: false, reason: describeInitFailure(error) };
  }
  return listAndStart(lib, options);
}

function loadLibrary(options: NvmlOptions): NvmlBindings | NvmlUnavailable {
  const fromEnv = process.env[NVML_LIBRARY_ENV] !== undefined ? NVML_LIBRARY_ENV : null;
  const source = options.nvmlLibrary !== undefined ? 'the nvmlLibrary option' : fromEnv;
  const path = options.nvmlLibrary ?? process.env[NVML_LIBRARY_ENV] ?? DEFAULT_NVML_LIBRARY;
  try {
    return loadNvmlBindings(path);
  } catch (error) {
    return { available: false, reason: describeLoadFailure(path, source, error) };
  }
}

function listAndStart(lib: NvmlBindings, options: NvmlOptions): NvmlSession | NvmlUnavailable {
  try {
    return startSession(lib, options);
  } catch (error) {
    const reason = error instanceof GpuTestError ? error.message : `NVML could not list the GPUs: ${describeError(error)}`;
    try {
      lib.shutdown();
    } catch (shutdownError) {
      return { available: false, reason: `${reason} (nvmlShutdown failed too: ${describeError(shutdownError)})` };
    }
    return { available: false, reason };
  }
}

function listGpus(lib: NvmlBindings): OpenGpu[] {
  const count = lib.deviceCount();
  if (count === 0) {
    throw new GpuTestError('NO_GPU', 'NVML lists no GPU: the driver is loaded but sees no device (`nvidia-smi -L` ' +
      'shows the same; in a container, check that the GPUs are passed in)');
  }
  const gpus: OpenGpu[] = [];
  for (let index = 0; index < count; index++) {
    try {
      const device = lib.handleByIndex(index);
      const uuid = lib.uuid(device);
      let totalBytes: number | null = null;
      try {
        totalBytes = toBytes(lib.memory(device, 1).total);
      } catch (error) {
        if (!hasStatus(error, NVML_RETURN.NOT_SUPPORTED)) throw error; // MIG and vGPU: readMemory() warns.
      }
      gpus.push({ index, uuid, name: lib.name(device), totalBytes, device });
    } catch (error) {
      throw readError({ index, uuid: '' }, error);
    }
  }
  return gpus;
}

/** NVML's encoding of a CUDA version (major * 1000 + minor * 10) as nvidia-smi prints it: 12040 -> `12.4`. */
export function formatCudaVersion(encoded: number): string {
  return `${Math.floor(encoded / 1000)}.${Math.floor((encoded % 1000) / 10)}`;
}

function startSession(lib: NvmlBindings, options: NvmlOptions): NvmlSession {
  const driverVersion = lib.driverVersion();
  const cudaEncoded = lib.cudaDriverVersion();
  const gpus = listGpus(lib);
  const seen = new Set<string>();
  const warn = (message: string): void => {
    if (seen.has(message)) return;
    seen.add(message);
    options.onWarning?.(message);
  };
  let memoryVersion: 1 | 2 = lib.hasMemoryV2 ? 2 : 1;
  if (memoryVersion === 1) {
    warn(`${lib.path} has no nvmlDeviceGetMemoryInfo_v2 (drivers before R510): used VRAM includes the driver's ` +
      'reserve (480 MiB on an H100), so an idle GPU does not read 0');
  }
  let closed = false;

  const gpuAt = (index: number): OpenGpu => {
    if (closed) throw new GpuTestError('GPU_READ', 'the NVML session was closed before this read');
    const gpu = gpus[index];
    if (gpu === undefined) {
      throw new GpuTestError('GPU_READ', `NVML lists GPUs 0 to ${gpus.length - 1}; there is no GPU ${index}`);
    }
    return gpu;
  };

  const readMemoryOf = (gpu: OpenGpu): GpuMemory => {
    try {
      const info = lib.memory(gpu.device, memoryVersion);
      return { index: gpu.index, uuid: gpu.uuid, usedBytes: toBytes(info.used), totalBytes: toBytes(info.total) };
    } catch (error) {
      if (memoryVersion === 2 && hasStatus(error, NVML_RETURN.ARGUMENT_VERSION_MISMATCH, NVML_RETURN.FUNCTION_NOT_FOUND)) {
        memoryVersion = 1;
        warn(`${lib.path} rejects nvmlDeviceGetMemoryInfo_v2 (${error.message}): used VRAM includes the driver's reserve`);
        return readMemoryOf(gpu);
      }
      if (!hasStatus(error, NVML_RETURN.NOT_SUPPORTED)) throw readError(gpu, error);
      warn(describeUnreadable(gpu, 'memory.used', '[Not Supported]'));
      return { index: gpu.index, uuid: gpu.uuid, usedBytes: null, totalBytes: gpu.totalBytes };
    }
  };

  // A figure some GPUs lack (power on many boards, anything without permission) is null; a lost GPU still throws.
  const optional = <T>(gpu: OpenGpu, what: string, read: () => T): T | null => {
    try {
      return read();
    } catch (error) {
      if (!hasStatus(error, NVML_RETURN.NOT_SUPPORTED, NVML_RETURN.NO_PERMISSION, NVML_RETURN.NO_DATA)) throw readError(gpu, error);
      warn(`${labelGpu(gpu)} does not report ${what} (${error.message}): that figure is left out of the report`);
      return null;
    }
  };

  return {
    available: true,
    nvmlLibrary: lib.path,
    driverVersion,
    cudaVersion: cudaEncoded === null ? null : formatCudaVersion(cudaEncoded),
    gpus: gpus.map(({ index, uuid, name, totalBytes }) => ({ index, uuid, name, totalBytes })),
    readMemory: (indices) => (indices ?? gpus.map((gpu) => gpu.index)).map((index) => readMemoryOf(gpuAt(index))),
    readProcesses(index) {
      const gpu = gpuAt(index);
      let entries: NvmlProcessInfo[];
      try {
        entries = lib.processes(gpu.device);
      } catch (error) {
        throw readError(gpu, error);
      }
      return entries.map((entry) => {
        const usedBytes = toBytes(entry.usedGpuMemory);
        if (usedBytes === null) {
          warn(`${labelGpu(gpu)} does not report per-process VRAM (NVML_VALUE_NOT_AVAILABLE, usual inside a container ` +
            "that does not share the host's PID namespace): per-process figures are left out; the GPU-wide ones still hold");
        }
        return { pid: entry.pid, usedBytes };
      });
    },
    readHealth(index) {
      const gpu = gpuAt(index);
      const utilization = optional(gpu, 'utilization', () => lib.utilization(gpu.device));
      const milliwatts = optional(gpu, 'power draw', () => lib.powerMilliwatts(gpu.device));
      return {
        index,
        uuid: gpu.uuid,
        utilizationPercent: utilization?.gpu ?? null,
        memoryUtilizationPercent: utilization?.memory ?? null,
        temperatureC: optional(gpu, 'temperature', () => lib.temperature(gpu.device)),
        powerWatts: milliwatts === null ? null : milliwatts / 1000,
      };
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        lib.shutdown();
      } catch (error) {
        warn(`nvmlShutdown failed (${describeError(error)}): the driver frees NVML's state when this process exits`);
      }
    },
  };
}

/** A GpuReader over an open NVML session: each read is synchronous and fresh, so `takenAfter` always holds. */
export function createNvmlGpuReader(session: NvmlSession): GpuReader {
  return {
    backend: 'nvml',
    nvmlLibrary: session.nvmlLibrary,
    readMemory() {
      try {
        return Promise.resolve(session.readMemory());
      } catch (error) {
        return Promise.reject(error);
      }
    },
    readProcesses() {
      try {
        return Promise.resolve(session.gpus.flatMap((gpu) => session.readProcesses(gpu.index).map((p) => ({ gpuIndex: gpu.index, pid: p.pid, usedBytes: p.usedBytes }))));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    readHealth() {
      try {
        return Promise.resolve(session.gpus.map((gpu): GpuHealth => {
          const health = session.readHealth(gpu.index);
          return { index: health.index, utilizationPercent: health.utilizationPercent, temperatureC: health.temperatureC, powerWatts: health.powerWatts };
        }));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    close: () => session.close(),
  };
}
