// Whether the GPUs seen at the first read are all still there, and what to say when they are not.

import { GpuTestError } from '../errors.js';
import { quoteOutput } from './smi-failure.js';
import { labelGpu } from './smi-fields.js';
import type { GpuMemory } from '../results/machine.js';
import type { GpuReader } from './types.js';

/** The reader of a host without a usable GPU: every read is empty. */
export const NO_GPU_READER: GpuReader = { backend: 'none', readMemory: () => Promise.resolve([]) };

/** Throws a GPU_READ error naming every GPU of `baseline` (or of `indices`) missing from `gpus`. */
export function checkNoneMissing(
  gpus: readonly GpuMemory[],
  baseline: readonly GpuMemory[] | null,
  indices: readonly number[] | undefined,
): void {
  const listed = new Set(gpus.map((gpu) => gpu.uuid));
  const gone = (baseline ?? []).filter((gpu) => !listed.has(gpu.uuid)).map(labelGpu);
  const listedIndices = new Set(gpus.map((gpu) => gpu.index));
  for (const index of indices ?? []) {
    const known = baseline?.find((gpu) => gpu.index === index);
    const label = known === undefined ? `GPU ${index}` : labelGpu(known);
    if (!listedIndices.has(index) && !gone.includes(label)) gone.push(label);
  }
  if (gone.length === 0) return;
  const counts = baseline === null ? '' : ` (${baseline.length} GPU(s) at the first read, ${gpus.length} now)`;
  throw new GpuTestError(
    'GPU_READ',
    `${gone.join(', ')} ${gone.length === 1 ? 'is' : 'are'} no longer listed by nvidia-smi${counts}: ` +
      'the GPU fell off the bus or was reset mid-run; `dmesg` shows the Xid error, and a reboot recovers it',
  );
}

/** The error for nvidia-smi output saying the GPUs are gone ("GPU is lost", "No devices were found"). */
export function vanished(output: string, baseline: readonly GpuMemory[] | null, indices: readonly number[] | undefined): GpuTestError {
  const expected =
    baseline?.map(labelGpu) ?? (indices === undefined || indices.length === 0 ? [] : indices.map((index) => `GPU ${index}`));
  const which = expected.length === 0 ? 'the GPUs' : expected.join(', ');
  const lost = /GPU is lost/i.test(output);
  return new GpuTestError(
    'GPU_READ',
    `nvidia-smi no longer reaches ${which}: it printed ${quoteOutput(output)}; ` +
      (lost
        ? 'a GPU fell off the bus mid-run: reboot the host to recover it (`dmesg` shows the Xid error)'
        : 'no NVIDIA GPU is visible any more: the driver was unloaded or the device was removed'),
  );
}
