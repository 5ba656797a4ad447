// What a test file left behind once its process exited: VRAM still held on its GPUs compared to before it started,
// and the processes it started that outlived it (holding VRAM, or escaped from its process group), named and,
// with --kill-orphans, killed.

import { describeError } from '../../errors.js';
import { totalVramUsed } from '../../results/window-deltas.js';
import { isRunning, killProcessTree, readCommandLine, readProcessRss, readStartTime } from '../../probe/process-tree.js';
import type { GpuMemory } from '../../results/machine.js';
import type { GpuProcess, GpuReader } from '../../probe/types.js';
import type { FileResidue, OrphanProcess } from '../../results/run-result.js';

/** VRAM and the processes on a job's GPUs at one moment; parts are null where they could not be read. */
export interface GpuOccupancy {
  readonly gpus: readonly GpuMemory[] | null;
  readonly processes: readonly GpuProcess[] | null;
}

/** Reads VRAM and the compute processes of `gpuIndices`; problems go to `warn`. */
export async function readOccupancy(reader: GpuReader, gpuIndices: readonly number[], warn: (message: string) => void, takenAfter?: number): Promise<GpuOccupancy> {
  if (gpuIndices.length === 0 || reader.backend === 'none') return { gpus: null, processes: null };
  let gpus: readonly GpuMemory[] | null = null;
  let processes: readonly GpuProcess[] | null = null;
  try {
    gpus = (await reader.readMemory(takenAfter === undefined ? undefined : { takenAfter })).filter((gpu) => gpuIndices.includes(gpu.index));
  } catch (error) {
    warn(`VRAM before/after the file: ${describeError(error)}`);
  }
  if (reader.readProcesses) {
    try {
      processes = (await reader.readProcesses()).filter((p) => gpuIndices.includes(p.gpuIndex));
    } catch (error) {
      warn(`processes on the GPU: ${describeError(error)}`);
    }
  }
  return { gpus, processes };
}

/** What findResidue needs: occupancy around the file, the processes seen in its tree, and whether to kill. */
export interface ResidueInput {
  readonly before: GpuOccupancy;
  readonly after: GpuOccupancy;
  /** Every process seen in the test process's tree while it ran: pid -> start time (readStartTime). */
  readonly seenPids: ReadonlyMap<number, number | null>;
  /** Processes found now by the file's tag in their environment: its own, even those no sample saw (daemons). */
  readonly tagged?: readonly number[];
  /** No other file used these GPUs meanwhile, so a process new on them is this file's. */
  readonly gpusExclusive: boolean;
  readonly killOrphans: boolean;
}

/** The residue of one file: VRAM before and after, and every process of its own still running. */
export async function findResidue(input: ResidueInput): Promise<FileResidue> {
  const { before, after, seenPids } = input;
  const heldBefore = new Set((before.processes ?? []).map((p) => p.pid));
  const candidates = new Map<number, GpuProcess | null>();
  // The same pid with the same start time is the same process; a reused pid is someone else's.
  const tagged = new Set(input.tagged ?? []);
  const ours = (pid: number): boolean => tagged.has(pid) || (seenPids.has(pid) && readStartTime(pid) === seenPids.get(pid));
  for (const p of after.processes ?? []) {
    // New on a GPU no other file used: the file's, even if it left the tree (setsid) before a sample saw it.
    const mine = ours(p.pid) || (input.gpusExclusive && !heldBefore.has(p.pid));
    if (mine && isRunning(p.pid)) candidates.set(p.pid, p);
  }
  for (const pid of [...seenPids.keys(), ...tagged]) if (!candidates.has(pid) && ours(pid) && isRunning(pid)) candidates.set(pid, null);

  const orphans: OrphanProcess[] = [];
  for (const [pid, onGpu] of candidates) {
    const rssBytes = await readProcessRss(pid);
    const command = readCommandLine(pid) ?? '(unknown)';
    let killed = false;
    if (input.killOrphans) {
      killProcessTree(pid, 'SIGKILL');
      killed = true;
    }
    orphans.push({ pid, command, gpuIndex: onGpu?.gpuIndex ?? null, vramBytes: onGpu?.usedBytes ?? null, rssBytes, killed });
  }
  return { vramBeforeBytes: totalVramUsed(before.gpus), vramAfterBytes: totalVramUsed(after.gpus), orphans };
}
