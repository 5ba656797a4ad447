// A GPU file's own cards, read inside its test process at every test boundary: through NVML a read costs microseconds,
// so a test never waits for the harness to read VRAM before its body or after it. The harness opened the same
// libnvidia-ml (it names it in `go`); NVML numbers cards physically, whatever CUDA_VISIBLE_DEVICES says. Loading koffi
// and opening NVML take tens of ms on a real driver: a GPU file's process begins while it waits for its turn, from
// the library the harness hints at in its environment (CHILD_NVML_ENV), and nvmlInit runs on libuv's pool while the
// test file loads.

import type { NvmlSession } from '../../probe/nvml.js';
import type { VramReading } from './protocol.js';

/** Reads the file's cards; throws when NVML cannot (a card lost mid-run): the harness then reads them. */
export interface ChildVram {
  read(): VramReading[];
}

/** An NVML session a test process opened, and the library it opened. */
export interface OpenedNvml {
  readonly nvmlLibrary: string;
  readonly session: NvmlSession;
}

/** Loads NVML and opens a session; null when it cannot be opened here (the harness then reads VRAM). */
export async function openChildNvml(nvmlLibrary: string): Promise<OpenedNvml | null> {
  try {
    const { openNvmlAsync } = await import('../../probe/nvml.js');
    const session = await openNvmlAsync({ nvmlLibrary });
    return session.available ? { nvmlLibrary, session } : null;
  } catch {
    return null;
  }
}

/**
 * Reads `gpus` through the session opened early (while the process waited for its turn) when it is of the library the
 * harness names, else through one opened now; null when NVML cannot be opened here.
 */
export async function openChildVram(nvmlLibrary: string, gpus: readonly number[], early: Promise<OpenedNvml | null> | null): Promise<ChildVram | null> {
  const opened = early ? await early : null;
  const usable = opened?.nvmlLibrary === nvmlLibrary ? opened : await openChildNvml(nvmlLibrary);
  if (!usable) return null;
  // A read that fails once (a card lost) leaves the rest of the file to the harness, which reports why.
  return { read: () => usable.session.readMemory(gpus).map((gpu) => ({ index: gpu.index, usedBytes: gpu.usedBytes })) };
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
