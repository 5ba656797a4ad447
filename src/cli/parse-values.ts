// The values of the command line's options: numbers, lists and choices, each with a usage error that echoes what was
// given and shows a sensible value for that flag.

import { SHARD_STRATEGIES, type ShardStrategy } from '../config/ci-types.js';
import { MAX_TIMEOUT_MS } from '../config/defaults.js';
import { GPU_BACKEND_NAMES, LEAK_MODES, REPORTER_NAMES, type GpuBackendName, type ReporterName, type Shard } from '../config/types.js';
import { GpuTestError } from '../errors.js';
import type { LeakMode } from '../results/job.js';

function usageError(text: string): GpuTestError {
  return new GpuTestError('USAGE', text);
}

/** Comma-separated and repeated values as one list, blanks dropped. */
export function splitList(values: readonly string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  return values.flatMap((value) => value.split(',')).map((v) => v.trim()).filter(Boolean);
}

// Number('') and Number(' ') are 0, and Number('0x10') 16: only plain decimal digits count as a number here.
function wholeNumber(value: string): number | null {
  return /^\s*-?\d+\s*$/.test(value) ? Number(value) : null;
}

/** `--guard on|off`. */
export function guardFlag(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'off') return value === 'on';
  throw usageError(`--guard takes \`on\` or \`off\`, got \`${value}\``);
}

/** `--leaks fail|warn`. */
export function leakMode(value: string | undefined): LeakMode | undefined {
  if (value === undefined) return undefined;
  if (LEAK_MODES.includes(value as LeakMode)) return value as LeakMode;
  throw usageError(`--leaks: unknown mode \`${value}\`; choose from ${LEAK_MODES.join(', ')}`);
}

/** A count that may be 0 (`--retries 0`). */
export function wholeNumberOrZero(flag: string, value: string | undefined, example: number): number | undefined {
  if (value === undefined) return undefined;
  const n = wholeNumber(value);
  if (n === null || n < 0) throw usageError(`--${flag} must be a whole number >= 0, got \`${value}\`; for example --${flag} ${example}`);
  return n;
}

/** A count of at least 1 (`--concurrency 4`). */
export function positiveInteger(flag: string, value: string | undefined, example: number): number | undefined {
  if (value === undefined) return undefined;
  const n = wholeNumber(value);
  if (n === null || n <= 0) throw usageError(`--${flag} must be a positive whole number, got \`${value}\`; for example --${flag} ${example}`);
  return n;
}

/** A timeout in milliseconds: at least 1, and short enough for a Node.js timer. */
export function milliseconds(flag: string, value: string | undefined, example: number): number | undefined {
  const n = positiveInteger(flag, value, example);
  if (n !== undefined && n > MAX_TIMEOUT_MS) {
    throw usageError(`--${flag} must be at most ${MAX_TIMEOUT_MS} milliseconds (about 24 days, the longest Node.js timer), got \`${value}\`; for example --${flag} ${example}`);
  }
  return n;
}

/** A wait in milliseconds that 0 turns off. */
export function millisecondsOrZero(flag: string, value: string | undefined, example: number): number | undefined {
  const n = wholeNumberOrZero(flag, value, example);
  if (n !== undefined && n > MAX_TIMEOUT_MS) {
    throw usageError(`--${flag} must be at most ${MAX_TIMEOUT_MS} milliseconds (about 24 days), got \`${value}\`; for example --${flag} ${example}`);
  }
  return n;
}

/** `--shard I/N` or `auto`. */
export function shard(value: string | undefined): Shard | 'auto' | undefined {
  if (value === undefined || value === 'auto') return value;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || total < 1 || index < 1 || index > total) {
    throw usageError(`--shard must be INDEX/TOTAL with 1 <= INDEX <= TOTAL, such as --shard 2/3, or \`auto\`, got \`${value}\``);
  }
  return { index, total };
}

/** `--shard-strategy balanced|round-robin`. */
export function shardStrategy(value: string | undefined): ShardStrategy | undefined {
  if (value === undefined || SHARD_STRATEGIES.includes(value as ShardStrategy)) return value as ShardStrategy | undefined;
  throw usageError(`--shard-strategy: unknown strategy \`${value}\`; choose from ${SHARD_STRATEGIES.join(', ')}`);
}

/** `--reporter console,junit` (repeatable). */
export function reporters(values: string[] | undefined): ReporterName[] | undefined {
  const names = splitList(values);
  if (!names) return undefined;
  for (const name of names) {
    if (!REPORTER_NAMES.includes(name as ReporterName)) {
      throw usageError(`--reporter: unknown reporter \`${name}\`; choose from ${REPORTER_NAMES.join(', ')} (comma-separated)`);
    }
  }
  return names as ReporterName[];
}

/** `--gpu-backend NAME`. */
export function gpuBackend(value: string | undefined): GpuBackendName | undefined {
  if (value === undefined) return undefined;
  if (!GPU_BACKEND_NAMES.includes(value as GpuBackendName)) {
    throw usageError(`--gpu-backend: unknown backend \`${value}\`; choose from ${GPU_BACKEND_NAMES.join(', ')}`);
  }
  return value as GpuBackendName;
}
