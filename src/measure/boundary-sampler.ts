// Takes the sample at a test boundary: host memory, the test's process-tree RSS and the VRAM of its GPUs.
// Never throws: a part that cannot be read is null, with the reason in `errors`.

import { describeError } from '../errors.js';
import { readHostMemory } from '../probe/meminfo.js';
import { readProcessTreeRss } from '../probe/process-tree.js';
import type { GpuMemory, GpuReader } from '../probe/types.js';
import type { MemorySample } from './types.js';

/**
 * Reads one sample for a test process through `gpuReader`; `gpuIndices` null means the job is in the cpu lane
 * (VRAM not measured). `takenAfter` (epoch ms) asks for a GPU reading taken after that moment, for a test's "after".
 */
export async function sampleBoundary(gpuReader: GpuReader, pid: number, gpuIndices: readonly number[] | null, takenAfter?: number): Promise<MemorySample> {
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
      return await readProcessTreeRss(pid);
    } catch (error) {
      errors.push(`process RSS: ${describeError(error)}`);
      return null;
    }
  };
  const [gpus, processRssBytes] = await Promise.all([readGpus(), readRss()]);
  return { at, host, processRssBytes, gpus, errors };
}
