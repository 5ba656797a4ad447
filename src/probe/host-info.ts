// Facts about this host for the report header: name, OS, CPUs, Node and memory.

import { arch, availableParallelism, hostname, release, type } from 'node:os';
import { readHostMemory } from './meminfo.js';
import type { HostInfo, HostMemory } from '../results/machine.js';

function readMemoryOrNull(): HostMemory | null {
  try {
    return readHostMemory();
  } catch {
    // A header without memory figures is better than no report; the samples say why memory is missing.
    return null;
  }
}

/** Reads the host's facts now; `memory` is null off Linux or when /proc/meminfo cannot be parsed. */
export function readHostInfo(): HostInfo {
  return {
    hostname: hostname(),
    platform: `${type()} ${release()} ${arch()}`,
    cpus: availableParallelism(),
    nodeVersion: process.version,
    memory: readMemoryOrNull(),
  };
}
