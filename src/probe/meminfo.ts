// Host RAM and swap from /proc/meminfo, the figures the kernel itself uses for "available".

import type { HostMemory } from '../results/machine.js';
import { readProcFile } from './proc-file.js';

const MEMINFO_PATH = '/proc/meminfo';
const REQUIRED_FIELDS = ['MemTotal', 'MemAvailable', 'SwapTotal', 'SwapFree'] as const;
type RequiredField = (typeof REQUIRED_FIELDS)[number];
// Read at every test boundary: look up the four fields rather than parse all ~50 lines, with patterns compiled once.
const FIELD_PATTERNS = new Map(REQUIRED_FIELDS.map((field) => [field, new RegExp(`^${field}:[ \\t]+(\\d+)(?:[ \\t]+kB)?[ \\t]*$`, 'm')]));

/** Parses the text of /proc/meminfo; throws an Error naming the first field that is missing or unreadable. */
export function parseMeminfo(text: string): HostMemory {
  const bytes = (field: RequiredField): number => {
    const match = FIELD_PATTERNS.get(field)?.exec(text);
    const value = match?.[1] === undefined ? undefined : Number(match[1]);
    if (value === undefined) {
      throw new Error(`${MEMINFO_PATH} has no readable \`${field}:\` line; host memory cannot be measured`);
    }
    return value * 1024;
  };
  const totalBytes = bytes('MemTotal');
  const availableBytes = bytes('MemAvailable');
  const swapTotalBytes = bytes('SwapTotal');
  const swapFreeBytes = bytes('SwapFree');
  return {
    totalBytes,
    usedBytes: Math.max(0, totalBytes - availableBytes),
    availableBytes,
    swapTotalBytes,
    swapUsedBytes: Math.max(0, swapTotalBytes - swapFreeBytes),
  };
}

/** Reads host memory now; null off Linux, where there is no /proc/meminfo. */
export function readHostMemory(): HostMemory | null {
  if (process.platform !== 'linux') return null;
  return parseMeminfo(readProcFile(MEMINFO_PATH));
}
