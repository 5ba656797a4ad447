// Reads the inventory out of `nvidia-smi -q -x` as xml2js shapes it (`explicitArray: false`, `trim: true`).

import { describeUnreadable, isUnreadable, parseMiBToBytes } from './smi-fields.js';
import type { GpuInfo } from '../results/machine.js';

/** What the report header needs from `nvidia-smi -q -x`. */
export interface SmiLogInventory {
  readonly driverVersion: string | null;
  readonly cudaVersion: string | null;
  readonly gpus: readonly GpuInfo[];
  readonly warnings: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// xml2js gives an element with attributes as `{ $: {...}, _: text }` and a plain one as its text.
function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value.trim();
  if (isRecord(value) && typeof value['_'] === 'string') return value['_'].trim();
  return null;
}

function readableText(value: unknown): string | null {
  const text = textOf(value);
  return text === null || isUnreadable(text) ? null : text;
}

// With explicitArray false one GPU is an object, several are an array, none is absent or an empty string.
function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return isRecord(value) ? [value] : [];
}

/**
 * The driver, CUDA version and GPUs from node-nvidia-smi's result. Index is the position in the document, which
 * is nvidia-smi's own enumeration (`minor_number` is the /dev node and may differ). Throws when it is no smi log.
 */
export function readSmiLogInventory(data: unknown): SmiLogInventory {
  const log = isRecord(data) ? data['nvidia_smi_log'] : undefined;
  if (!isRecord(log)) {
    throw new Error('`nvidia-smi -q -x` printed XML without an <nvidia_smi_log> root; this nvidia-smi is not one we can read');
  }
  const warnings: string[] = [];
  const gpus = asList(log['gpu']).map((entry, index): GpuInfo => {
    const gpu = isRecord(entry) ? entry : {};
    const uuid = readableText(gpu['uuid']) ?? '';
    const memory = isRecord(gpu['fb_memory_usage']) ? gpu['fb_memory_usage'] : {};
    const memoryBytes = (field: 'total' | 'used'): number | null => {
      const raw = textOf(memory[field]) ?? '';
      const bytes = parseMiBToBytes(raw);
      if (bytes === null || Number.isNaN(bytes)) {
        warnings.push(describeUnreadable({ index, uuid }, `fb_memory_usage.${field}`, raw));
        return null;
      }
      return bytes;
    };
    memoryBytes('used');
    return { index, uuid, name: readableText(gpu['product_name']) ?? 'unnamed GPU', totalBytes: memoryBytes('total') };
  });
  return {
    driverVersion: readableText(log['driver_version']),
    cudaVersion: readableText(log['cuda_version']),
    gpus,
    warnings,
  };
}
