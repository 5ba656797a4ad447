// Takes the sample at a test boundary: host memory, the test's process-tree RSS and the VRAM of its GPUs.
// Never throws: a part that cannot be read is null, with the reason in `errors`.
// Boundaries arrive without the test waiting for them, so one sample may serve several (sharedSamples).

import { describeError } from '../errors.js';
import { readHostMemory } from '../probe/meminfo.js';
import { readMemoryPressure } from '../probe/pressure.js';
import { readProcessTreeRss } from '../probe/process-tree.js';
import type { GpuMemory } from '../results/machine.js';
import type { GpuReader } from '../probe/types.js';
import type { MemorySample } from '../results/measurement.js';

// PSI is optional (kernels without CONFIG_PSI, some containers): its absence is not an error worth a warning.
function readStallTotals(): MemorySample['memoryStallUs'] {
  try {
    const pressure = readMemoryPressure();
    return pressure ? { some: pressure.some.totalMicroseconds, full: pressure.full?.totalMicroseconds ?? null } : null;
  } catch {
    return null;
  }
}

/**
 * Reads one sample for a test process through `gpuReader`; `gpuIndices` null means the job is in the cpu lane
 * (VRAM not measured). `takenAfter` (epoch ms) asks for a GPU reading taken after that moment, for a test's "after".
 */
export async function sampleBoundary(
  gpuReader: GpuReader,
  pid: number,
  gpuIndices: readonly number[] | null,
  takenAfter?: number,
  /** Receives the pids of the process tree the RSS was summed over (for finding orphans later). */
  onTreePids?: (pids: readonly number[]) => void,
): Promise<MemorySample> {
  const errors: string[] = [];
  const at = Date.now();
  let host = null;
  try {
    host = readHostMemory();
  } catch (error) {
    errors.push(`host memory: ${describeError(error)}`);
  }
  const readGpus = async (): Promise<readonly GpuMemory[] | null> => {
    if (gpuIndices === null || gpuReader.backend === 'none') return null;
    try {
      const all = await gpuReader.readMemory(takenAfter === undefined ? undefined : { takenAfter });
      return all.filter((gpu) => gpuIndices.includes(gpu.index));
    } catch (error) {
      errors.push(describeError(error));
      return null;
    }
  };
  const readRss = async (): Promise<number | null> => {
    try {
      return await readProcessTreeRss(pid, onTreePids);
    } catch (error) {
      errors.push(`process RSS: ${describeError(error)}`);
      return null;
    }
  };
  const [gpus, processRssBytes] = await Promise.all([readGpus(), readRss()]);
  return { at, host, processRssBytes, gpus, memoryStallUs: readStallTotals(), errors };
}

/**
 * Samples for the boundaries of one test process, asked for in order. A test that does not wait for its boundary
 * goes on while it is sampled; a sample begun after a boundary happened shows the memory of that moment as a fresh
 * one would, so it serves every boundary that happened before it began. When tests end faster than samples are read,
 * boundaries share samples and the harness keeps up; a slow test gets samples of its own. `take(gpusTakenAfter)` takes
 * a fresh sample, with a GPU reading taken after `gpusTakenAfter` (epoch ms) or, when undefined, the latest one.
 * `gpusAfterIt`: the boundary needs a GPU reading taken after it (a test's end), not merely the latest.
 */
export function sharedSamples(
  take: (gpusTakenAfter: number | undefined) => Promise<MemorySample>,
): (happenedAt: number, gpusAfterIt: boolean) => Promise<MemorySample> {
  let latest: { readonly begunAt: number; readonly gpusAfter: number; readonly sample: Promise<MemorySample> } | null = null;
  return (happenedAt, gpusAfterIt) => {
    // Strictly after: epoch milliseconds cannot order two events of the same millisecond.
    if (latest !== null && latest.begunAt > happenedAt && (!gpusAfterIt || latest.gpusAfter > happenedAt)) return latest.sample;
    const begunAt = Date.now();
    latest = { begunAt, gpusAfter: gpusAfterIt ? begunAt : -Infinity, sample: take(gpusAfterIt ? begunAt : undefined) };
    return latest.sample;
  };
}
