// The libnvidia-ml entry points a VRAM reader needs, bound through koffi with the layouts of nvml.h, and the
// sentences for its failures. Each wrapper throws an NvmlCallError for a non-zero nvmlReturn_t, so codes map to
// advice in one place.

import { describeError } from '../errors.js';
import { loadKoffi } from './load-koffi.js';

// Required, not imported: Node's ES module loader scans a CommonJS package's source for its exports first, which for
// koffi doubled the CPU its load costs in every process that reads VRAM (the harness and each GPU file's).
const koffi = loadKoffi();

/** The nvmlReturn_t codes the reader tells apart. */
export const NVML_RETURN = {
  SUCCESS: 0,
  NOT_SUPPORTED: 3,
  NO_PERMISSION: 4,
  INSUFFICIENT_SIZE: 7,
  DRIVER_NOT_LOADED: 9,
  FUNCTION_NOT_FOUND: 13,
  GPU_IS_LOST: 15,
  LIB_RM_VERSION_MISMATCH: 18,
  NO_DATA: 21,
  ARGUMENT_VERSION_MISMATCH: 25,
} as const;

/** What NVML writes in a 64-bit field it cannot fill (per-process memory inside most containers). */
export const NVML_VALUE_NOT_AVAILABLE = 0xffff_ffff_ffff_ffffn;

// Anonymous types: koffi names are process-global, and a second copy of this module must not collide.
const Device = koffi.pointer(koffi.opaque());
const Memory = koffi.struct({ total: 'uint64', free: 'uint64', used: 'uint64' });
const MemoryV2 = koffi.struct({ version: 'uint32', total: 'uint64', reserved: 'uint64', free: 'uint64', used: 'uint64' });
const ProcessInfo = koffi.struct({ pid: 'uint32', usedGpuMemory: 'uint64', gpuInstanceId: 'uint32', computeInstanceId: 'uint32' });
const Utilization = koffi.struct({ gpu: 'uint32', memory: 'uint32' });
const PROCESS_INFO_SIZE = koffi.sizeof(ProcessInfo);

/** nvml.h's `nvmlMemory_v2`: the struct's size with the version number in the top byte. */
export const MEMORY_V2_VERSION = (koffi.sizeof(MemoryV2) | (2 << 24)) >>> 0;
const MEMORY_OFFSETS = { total: koffi.offsetof(Memory, 'total'), free: koffi.offsetof(Memory, 'free'), used: koffi.offsetof(Memory, 'used') };
const MEMORY_V2_OFFSETS = {
  total: koffi.offsetof(MemoryV2, 'total'),
  reserved: koffi.offsetof(MemoryV2, 'reserved'),
  free: koffi.offsetof(MemoryV2, 'free'),
  used: koffi.offsetof(MemoryV2, 'used'),
};

// The buffer sizes nvml.h recommends (NVML_DEVICE_UUID_V2_BUFFER_SIZE, NVML_DEVICE_NAME_V2_BUFFER_SIZE...).
const UUID_BUFFER_SIZE = 96;
const NAME_BUFFER_SIZE = 96;
const DRIVER_VERSION_BUFFER_SIZE = 80;

/** An nvmlDevice_t: opaque, only passed back to the library. */
export type NvmlDevice = unknown;

/** A 64-bit field as koffi returns it: a number, or a bigint above 2^53 (NVML_VALUE_NOT_AVAILABLE). */
export type NvmlU64 = number | bigint;

/** Bytes from nvmlMemory_v2_t, or from nvmlMemory_t with `reserved` null (v1 counts the reserve as used). */
export interface NvmlMemoryInfo {
  readonly total: NvmlU64;
  readonly reserved: NvmlU64 | null;
  readonly free: NvmlU64;
  readonly used: NvmlU64;
}

/** One entry of nvmlDeviceGetComputeRunningProcesses_v3. */
export interface NvmlProcessInfo {
  readonly pid: number;
  readonly usedGpuMemory: NvmlU64;
}

/** A non-zero nvmlReturn_t from one call. */
export class NvmlCallError extends Error {
  readonly status: number;
  readonly fn: string;

  constructor(fn: string, status: number, text: string) {
    super(`${fn} returned ${text} (nvmlReturn_t ${status})`);
    this.name = 'NvmlCallError';
    this.fn = fn;
    this.status = status;
  }
}

/** The bound library; every method throws NvmlCallError on a non-zero return. */
export interface NvmlBindings {
  readonly path: string;
  /** Whether nvmlDeviceGetMemoryInfo_v2 exists (drivers from about R510 on): `used` then excludes the reserve. */
  readonly hasMemoryV2: boolean;
  init(): void;
  /** nvmlInit_v2 on a thread of libuv's pool: a real driver takes 18-22 ms to open, while this thread goes on. */
  initAsync(): Promise<void>;
  shutdown(): void;
  errorString(status: number): string;
  driverVersion(): string;
  /** The CUDA version the driver supports, as NVML encodes it (12040 for 12.4); null without the entry point. */
  cudaDriverVersion(): number | null;
  deviceCount(): number;
  handleByIndex(index: number): NvmlDevice;
  uuid(device: NvmlDevice): string;
  name(device: NvmlDevice): string;
  memory(device: NvmlDevice, version: 1 | 2): NvmlMemoryInfo;
  /** Live compute processes, growing the buffer while the driver answers NVML_ERROR_INSUFFICIENT_SIZE. */
  processes(device: NvmlDevice): NvmlProcessInfo[];
  utilization(device: NvmlDevice): { readonly gpu: number; readonly memory: number };
  temperature(device: NvmlDevice): number;
  powerMilliwatts(device: NvmlDevice): number;
}

type NativeCall = ((...args: unknown[]) => unknown) & {
  /** The same call on a thread of libuv's pool; `done` gets koffi's error or the result. */
  async?: (...args: unknown[]) => void;
};
type Binder = (name: string, result: string, params: Parameters<typeof koffi.out>[0][]) => NativeCall;

/** `name` bound, or null when the library lacks it (an older driver). */
function bindOptional(bind: Binder, name: string, result: string, params: Parameters<typeof koffi.out>[0][]): { name: string; call: NativeCall } | null {
  try {
    return { name, call: bind(name, result, params) };
  } catch {
    return null;
  }
}

const cString = (buffer: Buffer): string => {
  const end = buffer.indexOf(0);
  return buffer.toString('utf8', 0, end === -1 ? buffer.length : end);
};

/** Loads the library at `path` and binds its functions; throws koffi's error when it or a symbol is missing. */
export function loadNvmlBindings(path: string): NvmlBindings {
  const lib = koffi.load(path);
  const bind: Binder = (name, result, params) => lib.func(name, result, params);
  const errorStringOf = bind('nvmlErrorString', 'const char *', ['int']);
  const errorString = (status: number): string => String(errorStringOf(status) ?? 'an unknown error');
  const check = (fn: string, status: unknown): void => {
    if (status !== NVML_RETURN.SUCCESS) throw new NvmlCallError(fn, Number(status), errorString(Number(status)));
  };
  const outU32 = koffi.out(koffi.pointer('uint32'));
  const outI32 = koffi.out(koffi.pointer('int'));
  const f = {
    init: bind('nvmlInit_v2', 'int', []),
    shutdown: bind('nvmlShutdown', 'int', []),
    driverVersion: bind('nvmlSystemGetDriverVersion', 'int', ['char *', 'uint32']),
    count: bind('nvmlDeviceGetCount_v2', 'int', [outU32]),
    handle: bind('nvmlDeviceGetHandleByIndex_v2', 'int', ['uint32', koffi.out(koffi.pointer(Device))]),
    uuid: bind('nvmlDeviceGetUUID', 'int', [Device, 'char *', 'uint32']),
    name: bind('nvmlDeviceGetName', 'int', [Device, 'char *', 'uint32']),
    memory: bind('nvmlDeviceGetMemoryInfo', 'int', [Device, koffi.out(koffi.pointer(Memory))]),
    processes: bind('nvmlDeviceGetComputeRunningProcesses_v3', 'int', [Device, koffi.inout(koffi.pointer('uint32')), 'void *']),
    utilization: bind('nvmlDeviceGetUtilizationRates', 'int', [Device, koffi.out(koffi.pointer(Utilization))]),
    temperature: bind('nvmlDeviceGetTemperature', 'int', [Device, 'int', outU32]),
    power: bind('nvmlDeviceGetPowerUsage', 'int', [Device, outU32]),
  };
  // Older drivers lack these: memory falls back to v1 (whose `used` includes the driver's reserve), and the report
  // shows no CUDA version.
  const memoryV2 = bindOptional(bind, 'nvmlDeviceGetMemoryInfo_v2', 'int', [Device, koffi.inout(koffi.pointer(MemoryV2))])?.call ?? null;
  const cudaVersion = bindOptional(bind, 'nvmlSystemGetCudaDriverVersion_v2', 'int', [outI32]) ??
    bindOptional(bind, 'nvmlSystemGetCudaDriverVersion', 'int', [outI32]);

  // Memory is read at every test boundary: the driver fills a buffer kept for it, which spares koffi's conversion of
  // a struct to and from an object (a read: 2-3.5 against 4-7 µs with the stand-in library, 5.1 against 6.6 µs with
  // an H200's driver; validation/per-test/nvml-read.mjs).
  const memoryV2Out = Buffer.alloc(koffi.sizeof(MemoryV2));
  const memoryOut = Buffer.alloc(koffi.sizeof(Memory));

  const readString = (fn: string, call: NativeCall, size: number, ...head: unknown[]): string => {
    const buffer = Buffer.alloc(size);
    check(fn, call(...head, buffer, size));
    return cString(buffer);
  };
  const readU32 = (fn: string, call: NativeCall, ...head: unknown[]): number => {
    const out = [0];
    check(fn, call(...head, out));
    return Number(out[0]);
  };

  return {
    path,
    hasMemoryV2: memoryV2 !== null,
    init: () => check('nvmlInit_v2', f.init()),
    initAsync: () => new Promise<void>((resolve, reject) => {
      const call = f.init.async;
      if (!call) {
        check('nvmlInit_v2', f.init());
        resolve();
        return;
      }
      call((error: unknown, status: unknown) => {
        try {
          if (error) throw error;
          check('nvmlInit_v2', status);
          resolve();
        } catch (failure) {
          reject(failure);
        }
      });
    }),
    shutdown: () => check('nvmlShutdown', f.shutdown()),
    errorString,
    driverVersion: () => readString('nvmlSystemGetDriverVersion', f.driverVersion, DRIVER_VERSION_BUFFER_SIZE),
    cudaDriverVersion: () => (cudaVersion === null ? null : readU32(cudaVersion.name, cudaVersion.call)),
    deviceCount: () => readU32('nvmlDeviceGetCount_v2', f.count),
    handleByIndex(index) {
      const out: unknown[] = [null];
      check('nvmlDeviceGetHandleByIndex_v2', f.handle(index, out));
      return out[0];
    },
    uuid: (device) => readString('nvmlDeviceGetUUID', f.uuid, UUID_BUFFER_SIZE, device),
    name: (device) => readString('nvmlDeviceGetName', f.name, NAME_BUFFER_SIZE, device),
    memory(device, version) {
      if (version === 2 && memoryV2 !== null) {
        memoryV2Out.writeUInt32LE(MEMORY_V2_VERSION, 0);
        check('nvmlDeviceGetMemoryInfo_v2', memoryV2(device, memoryV2Out));
        const at = MEMORY_V2_OFFSETS;
        return { total: u64At(memoryV2Out, at.total), reserved: u64At(memoryV2Out, at.reserved), free: u64At(memoryV2Out, at.free), used: u64At(memoryV2Out, at.used) };
      }
      check('nvmlDeviceGetMemoryInfo', f.memory(device, memoryOut));
      const at = MEMORY_OFFSETS;
      return { total: u64At(memoryOut, at.total), reserved: null, free: u64At(memoryOut, at.free), used: u64At(memoryOut, at.used) };
    },
    processes(device) {
      // Ask for the count first, then leave room for processes that start between the two calls.
      const count = [0];
      let status = Number(f.processes(device, count, null));
      for (let attempt = 0; status === NVML_RETURN.INSUFFICIENT_SIZE && attempt < 5; attempt++) {
        count[0] = (count[0] ?? 0) + 8;
        const buffer = Buffer.alloc(PROCESS_INFO_SIZE * count[0]);
        status = Number(f.processes(device, count, buffer));
        if (status === NVML_RETURN.SUCCESS) {
          const found = count[0] ?? 0;
          return found === 0 ? [] : (koffi.decode(buffer, ProcessInfo, found) as NvmlProcessInfo[]);
        }
      }
      check('nvmlDeviceGetComputeRunningProcesses_v3', status);
      return [];
    },
    utilization(device) {
      const out = { gpu: 0, memory: 0 };
      check('nvmlDeviceGetUtilizationRates', f.utilization(device, out));
      return out;
    },
    temperature: (device) => readU32('nvmlDeviceGetTemperature', f.temperature, device, 0), // NVML_TEMPERATURE_GPU
    powerMilliwatts: (device) => readU32('nvmlDeviceGetPowerUsage', f.power, device),
  };
}

/** Whether `error` is an NvmlCallError with one of `statuses`. */
export const hasStatus = (error: unknown, ...statuses: number[]): error is NvmlCallError =>
  error instanceof NvmlCallError && statuses.includes(error.status);

/** A 64-bit field of a struct filled in `buffer`: a number where it is exact (as koffi gives), else a bigint. */
function u64At(buffer: Buffer, offset: number): NvmlU64 {
  const high = buffer.readUInt32LE(offset + 4);
  return high < 0x200000 ? high * 0x1_0000_0000 + buffer.readUInt32LE(offset) : buffer.readBigUInt64LE(offset);
}

/** Bytes from a 64-bit field; null for NVML_VALUE_NOT_AVAILABLE. */
export const toBytes = (value: NvmlU64): number | null =>
  typeof value === 'bigint' ? (value === NVML_VALUE_NOT_AVAILABLE ? null : Number(value)) : value;

/** Why the library at `path` could not be bound; `source` says who named it, when someone did. */
export function describeLoadFailure(path: string, source: string | null, error: unknown): string {
  const message = describeError(error);
  const symbol = /Cannot find function '([^']+)'/.exec(message)?.[1];
  if (symbol !== undefined) {
    return `${path} has no ${symbol}: it is not libnvidia-ml, or one from a driver older than R510; update the NVIDIA driver`;
  }
  const where = source === null ? path : `${path} (named by ${source})`;
  return `${where} could not be loaded (${message}): the NVIDIA driver is not installed, or its library is not on ` +
    'the loader path (`ldconfig -p | grep libnvidia-ml` shows where it is; in a container, run with the NVIDIA Container Toolkit)';
}

/** Why nvmlInit_v2 failed, with the fix for the common cases. */
export function describeInitFailure(error: unknown): string {
  if (!(error instanceof NvmlCallError)) return `NVML could not start: ${describeError(error)}`;
  switch (error.status) {
    case NVML_RETURN.LIB_RM_VERSION_MISMATCH:
      return 'the NVIDIA kernel module and libnvidia-ml have different versions: reboot after a driver update';
    case NVML_RETURN.DRIVER_NOT_LOADED:
      return 'the NVIDIA kernel module is not loaded (NVML_ERROR_DRIVER_NOT_LOADED): load it with `sudo modprobe nvidia`, ' +
        'or reinstall the driver if that fails';
    case NVML_RETURN.NO_PERMISSION:
      return 'this user may not open the NVIDIA device files /dev/nvidia* (NVML_ERROR_NO_PERMISSION): add it to the ' +
        'group that owns them, or pass the devices into the container';
    default:
      return `NVML could not start: ${error.message}`;
  }
}
