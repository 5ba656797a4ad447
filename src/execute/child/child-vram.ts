// A GPU file's own cards, read inside its test process at every test boundary: through NVML a read costs microseconds,
// so a test never waits for the harness to read VRAM before its body or after it. The harness opened the same
// libnvidia-ml (it names it in `go`); NVML numbers cards physically, whatever CUDA_VISIBLE_DEVICES says.

import type { VramReading } from './protocol.js';

/** Reads the file's cards; throws when NVML cannot (a card lost mid-run): the harness then reads them. */
export interface ChildVram {
  read(): VramReading[];
}

/** Opens NVML on `gpus`; null when it cannot be opened here (the harness reads VRAM instead). */
export async function openChildVram(nvmlLibrary: string, gpus: readonly number[]): Promise<ChildVram | null> {
  try {
    const { openNvml } = await import('../../probe/nvml.js');
    const session = openNvml({ nvmlLibrary });
    if (!session.available) return null;
    // A read that fails once (a card lost) leaves the rest of the file to the harness, which reports why.
    return { read: () => session.readMemory(gpus).map((gpu) => ({ index: gpu.index, usedBytes: gpu.usedBytes })) };
  } catch {
    return null;
  }
}

/** Total used VRAM of a reading; null when a card could not be read. */
export function totalOf(reading: readonly VramReading[]): number | null {
  let sum = 0;
  for (const gpu of reading) {
    if (gpu.usedBytes === null) return null;
    sum += gpu.usedBytes;
  }
  return sum;
}
