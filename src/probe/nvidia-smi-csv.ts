// Parsers for `nvidia-smi --query-gpu=... --format=csv` and `--query-compute-apps=...`, in every format flavour.

import { GpuTestError } from '../errors.js';
import { describeUnreadable, isUnreadable, parseMiBToBytes, parseSmiNumber } from './smi-fields.js';
import type { GpuMemory } from '../results/machine.js';

/** The fields read at every test boundary, in this order. */
export const MEMORY_QUERY_FIELDS = ['index', 'uuid', 'name', 'memory.used', 'memory.total'] as const;

/** The arguments of the boundary read (without `-i`). */
export const MEMORY_QUERY_ARGS: readonly string[] = [
  `--query-gpu=${MEMORY_QUERY_FIELDS.join(',')}`,
  '--format=csv,noheader,nounits',
];

/** The fields of the per-process read, in this order. */
export const COMPUTE_APPS_FIELDS = ['pid', 'process_name', 'used_memory', 'gpu_uuid'] as const;

/** GPU memory rows and the sentences about fields the driver would not give. */
export interface ParsedGpuMemory {
  readonly gpus: readonly GpuMemory[];
  readonly warnings: readonly string[];
}

/** A `--query-gpu` table: field names (header names when there was a header), values with units stripped. */
export interface QueryGpuTable {
  readonly fields: readonly string[];
  /** One record per line; a value is null where nvidia-smi printed `[N/A]` or similar. */
  readonly rows: ReadonlyArray<Readonly<Record<string, string | null>>>;
  readonly warnings: readonly string[];
}

/** One process holding VRAM, from `--query-compute-apps`. */
export interface ComputeApp {
  readonly pid: number;
  readonly processName: string;
  readonly usedBytes: number | null;
  readonly gpuUuid: string;
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
}

function splitLine(line: string, fields: readonly string[]): string[] {
  const values = line.split(',').map((value) => value.trim());
  if (values.length !== fields.length) {
    throw new GpuTestError(
      'GPU_READ',
      `nvidia-smi printed a line with ${values.length} field(s) where ${fields.length} were asked for ` +
        `(${fields.join(', ')}): "${line}"; this nvidia-smi does not answer the query as expected`,
    );
  }
  return values;
}

function badNumber(field: string, value: string, line: string): GpuTestError {
  return new GpuTestError('GPU_READ', `nvidia-smi printed ${field} as "${value}", which is not a number, in the line "${line}"`);
}

/** Parses the boundary read (`MEMORY_QUERY_ARGS`) into one GpuMemory per GPU; throws GPU_READ on a malformed line. */
export function parseGpuMemoryCsv(text: string): ParsedGpuMemory {
  const gpus: GpuMemory[] = [];
  const warnings: string[] = [];
  for (const line of lines(text)) {
    const [indexText = '', uuid = '', , usedText = '', totalText = ''] = splitLine(line, MEMORY_QUERY_FIELDS);
    const index = Number(indexText);
    if (!/^\d+$/.test(indexText)) throw badNumber('index', indexText, line);
    const bytes = (field: string, value: string): number | null => {
      const parsed = parseMiBToBytes(value);
      if (Number.isNaN(parsed)) throw badNumber(field, value, line);
      if (parsed === null) warnings.push(describeUnreadable({ index, uuid }, field, value));
      return parsed;
    };
    gpus.push({ index, uuid, usedBytes: bytes('memory.used', usedText), totalBytes: bytes('memory.total', totalText) });
  }
  return { gpus, warnings };
}

function splitHeader(header: string): { fields: string[]; units: (string | null)[] } {
  const parts = header.split(',').map((part) => part.trim());
  return {
    fields: parts.map((part) => part.replace(/\s*\[[^\]]*\]$/, '')),
    units: parts.map((part) => /\[([^\]]*)\]$/.exec(part)?.[1] ?? null),
  };
}

/**
 * Parses any `--query-gpu` output. Pass the queried `fields` for `noheader` output; without them the first
 * line is the header (`memory.total [MiB]`), and units it names are stripped from values (`81559 MiB` -> `81559`).
 */
export function parseQueryGpuCsv(text: string, fields?: readonly string[]): QueryGpuTable {
  const all = lines(text);
  const header = fields === undefined ? splitHeader(all.shift() ?? '') : { fields: [...fields], units: fields.map(() => null) };
  const rows: Record<string, string | null>[] = [];
  const warnings: string[] = [];
  for (const [position, line] of all.entries()) {
    const values = splitLine(line, header.fields);
    const row: Record<string, string | null> = {};
    header.fields.forEach((field, i) => {
      const value = values[i] ?? '';
      const unit = header.units[i];
      row[field] = unit !== null && unit !== undefined && value.endsWith(` ${unit}`) ? value.slice(0, -unit.length - 1) : value;
    });
    const index = row['index'] !== undefined && row['index'] !== null && /^\d+$/.test(row['index']) ? Number(row['index']) : position;
    const uuid = row['uuid'] ?? '';
    for (const field of header.fields) {
      const value = row[field] ?? '';
      if (!isUnreadable(value)) continue;
      warnings.push(describeUnreadable({ index, uuid: isUnreadable(uuid) ? '' : uuid }, field, value));
      row[field] = null;
    }
    rows.push(row);
  }
  return { fields: header.fields, rows, warnings };
}

/** A numeric value of a `parseQueryGpuCsv` row; null when unreadable or absent. */
export function queryNumber(row: Readonly<Record<string, string | null>>, field: string): number | null {
  const value = row[field];
  if (value === null || value === undefined) return null;
  const parsed = parseSmiNumber(value);
  return parsed === null || Number.isNaN(parsed) ? null : parsed;
}

/**
 * Parses `--query-compute-apps=pid,process_name,used_memory,gpu_uuid` output, header or not, units or not.
 * A process name may itself hold commas, so pid is taken from the front and memory and uuid from the back.
 */
export function parseComputeAppsCsv(text: string): { readonly apps: readonly ComputeApp[]; readonly warnings: readonly string[] } {
  const apps: ComputeApp[] = [];
  const warnings: string[] = [];
  for (const line of lines(text)) {
    if (/^pid\s*,/.test(line) || /^No running (compute )?processes found/i.test(line)) continue;
    const parts = line.split(',').map((part) => part.trim());
    if (parts.length < COMPUTE_APPS_FIELDS.length) splitLine(line, COMPUTE_APPS_FIELDS);
    const pidText = parts[0] ?? '';
    const gpuUuid = parts[parts.length - 1] ?? '';
    const usedText = parts[parts.length - 2] ?? '';
    const processName = parts.slice(1, -2).join(', ');
    if (!/^\d+$/.test(pidText)) throw badNumber('pid', pidText, line);
    const usedBytes = parseMiBToBytes(usedText);
    if (Number.isNaN(usedBytes)) throw badNumber('used_memory', usedText, line);
    if (usedBytes === null) {
      warnings.push(
        `process ${pidText} (${processName}) on ${gpuUuid} reports used_memory as ${usedText}: ` +
          'its VRAM is not attributed (usual under Windows WDDM and some vGPU setups)',
      );
    }
    apps.push({ pid: Number(pidText), processName, usedBytes, gpuUuid });
  }
  return { apps, warnings };
}
