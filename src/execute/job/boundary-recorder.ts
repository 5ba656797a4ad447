// What the harness records while one test process runs: a sample at each test boundary, the window of each test with
// its peaks, the metrics tests record, fresh readings for snapshot(), every process seen in the file's tree, and (on a
// card shared by budget, or under --repeat for the leak fit) the VRAM the file's own processes hold. Boundaries are
// recorded in order, and a sample of host memory and the process tree serves every boundary that happened before it
// was taken. VRAM comes with the boundary when the test process read it (NVML); a boundary that waits gets the
// harness's own reading, and at a test's end VRAM is let settle before the answer (see boundary-hooks.ts).

import { sampleBoundary, sharedSamples } from '../../measure/boundary-sampler.js';
import { computeWindowPeak } from '../../measure/window-peak.js';
import { listProcessTree, readStartTime } from '../../probe/process-tree.js';
import type { MemorySample, WindowPeak } from '../../results/measurement.js';
import { totalVramUsed } from '../../results/window-deltas.js';
import type { GpuMemory } from '../../results/machine.js';
import type { BoundaryMessage, MemorySnapshot, MetricMessage, VramReading } from '../child/protocol.js';
import type { BoundaryWindow } from './collect-results.js';
import type { JobGpus } from './job-gpus.js';
import type { JobLife } from './job-life.js';

/** How often a GPU file's process tree is listed between boundaries (and, on a shared card, its own VRAM read). */
const OWN_VRAM_INTERVAL_MS = 200;

type OpenWindow = { name: string; before: MemorySample; after: MemorySample | null; peak: WindowPeak | null };

/** The recorder of one process of a file. */
export interface BoundaryRecorder {
  /** Records a boundary; resolves once it is sampled (and, for a held end, once VRAM settled). */
  onBoundary(message: BoundaryMessage, pid: number): Promise<void>;
  onMetric(message: MetricMessage): void;
  onSnapshot(pid: number): Promise<MemorySnapshot>;
  /** The file's turn came and its process is `pid`: between boundaries too, its tree (and own VRAM) is followed. */
  follow(pid: number): void;
  /** Resolves once every boundary received so far is recorded. */
  drained(): Promise<void>;
  /** The process ended: stops following it and resolves once every boundary it sent is recorded. */
  stop(): Promise<void>;
  readonly windows: () => readonly BoundaryWindow[];
  readonly metrics: () => readonly MetricMessage[];
  /** Processes seen in its tree: pid -> start time (with the pid, it names one process). */
  readonly seenPids: ReadonlyMap<number, number | null>;
  /** On cards shared by budget: the most VRAM the file's own processes held on each. */
  readonly ownPeaks: ReadonlyMap<number, number>;
}

/** A recorder for one process of `life`'s file; `live` tells the observer of each test's end (not for a re-check). */
export function recordBoundaries(life: JobLife, gpus: JobGpus, live: boolean): BoundaryRecorder {
  const { job, context } = life;
  const windows = new Map<number, OpenWindow>();
  const metrics: MetricMessage[] = [];
  const seenPids = new Map<number, number | null>();
  const ownPeaks = new Map<number, number>();
  let timer: NodeJS.Timeout | undefined;
  let pidOfTree = 0;
  // Boundaries are recorded one after another, in the order the test process sent them.
  let recorded: Promise<void> = Promise.resolve();
  const notePids = (pids: readonly number[]): void => {
    for (const pid of pids) if (!seenPids.has(pid)) seenPids.set(pid, readStartTime(pid));
  };
  const sampleAt = sharedSamples((takenAfter) => sampleBoundary(gpus.reader(), pidOfTree, gpus.lane(), takenAfter, notePids));
  // For boundaries that bring their own VRAM reading: host memory and the process tree only.
  const sampleHostAt = sharedSamples((takenAfter) => sampleBoundary(gpus.reader(), pidOfTree, null, takenAfter, notePids));
  // The test process's reading, with each card's uuid and size as the run listed them.
  const cardsOf = (vram: readonly VramReading[]): GpuMemory[] => vram.map((reading) => {
    const card = context.gpuState().gpu?.gpus.find((gpu) => gpu.index === reading.index);
    return { index: reading.index, uuid: card?.uuid ?? '', usedBytes: reading.usedBytes, totalBytes: card?.totalBytes ?? null };
  });
  const shared = job.needs.vram !== null;
  // A card shared by budget holds other files' memory too, and a neighbour's loads would move a leak fit: what this
  // file itself holds is read per process. Returns it summed over the file's GPUs; null where none of its processes is
  // listed there with a figure (per-process figures hidden, or pids the driver sees in another namespace).
  const noteOwnVram = async (): Promise<number | null> => {
    const reader = gpus.reader();
    // NVML lists processes in microseconds; the nvidia-smi backend would spawn once per test: too dear a per-test cost.
    if (job.lane !== 'gpu' || (!shared && job.repeat <= 1) || reader.backend !== 'nvml' || !reader.readProcesses) return null;
    try {
      const held = new Map<number, number>();
      for (const p of await reader.readProcesses()) {
        if (seenPids.has(p.pid) && p.usedBytes !== null) held.set(p.gpuIndex, (held.get(p.gpuIndex) ?? 0) + p.usedBytes);
      }
      if (shared) for (const [gpu, bytes] of held) ownPeaks.set(gpu, Math.max(ownPeaks.get(gpu) ?? 0, bytes));
      const lane = gpus.lane() ?? [];
      const own = [...held].filter(([gpu]) => lane.includes(gpu));
      return own.length === 0 ? null : own.reduce((sum, [, bytes]) => sum + bytes, 0);
    } catch {
      // Per-process figures are a refinement: without them the card's own figures stand.
      return null;
    }
  };

  const record = async (message: BoundaryMessage): Promise<void> => {
    const indices = gpus.lane();
    const end = message.phase === 'end';
    // Only a GPU reading must be taken after a test's end; host memory and RSS from a sample begun after it will do.
    const readsGpus = indices !== null && indices.length > 0;
    let taken = message.vram
      ? { ...(await sampleHostAt(message.at, false)), gpus: cardsOf(message.vram) }
      : await sampleAt(message.at, end && readsGpus);
    for (const error of taken.errors) life.warn(error);
    if (!end) {
      windows.set(message.seq, { name: message.name, before: taken, after: null, peak: null });
      return;
    }
    const window = message.beginSeq === null ? undefined : windows.get(message.beginSeq);
    // The test waits for this answer only where VRAM is in question: it settles before the next test begins.
    if (message.wait && readsGpus && taken.gpus) {
      taken = { ...taken, gpus: await gpus.settle(taken.gpus, window ? totalVramUsed(window.before.gpus) : null) };
    }
    // Under --repeat the leak fit reads the file's own VRAM at each iteration's end, so a neighbour cannot move it.
    const processVramBytes = job.repeat > 1 || message.wait ? await noteOwnVram() : null;
    if (processVramBytes !== null && job.repeat > 1) taken = { ...taken, processVramBytes };
    if (window) {
      window.after = taken;
      window.peak = computeWindowPeak(context.gpuState().sampler, window.before, taken, indices);
    }
    if (live) context.observer.onTestEnd?.(job, message.name);
  };

  // One after another, in the order the process sent them; a failure loses only that boundary's sample.
  const enqueue = (step: () => Promise<void>, what: string): Promise<void> => {
    recorded = recorded.then(step).catch((error: unknown) => life.warn(`${what}: ${String(error)}`));
    return recorded;
  };

  return {
    onBoundary(message, pid) {
      pidOfTree = pid;
      return enqueue(() => record(message), `recording the boundary of "${message.name}"`);
    },
    onMetric: (message) => void metrics.push(message),
    async onSnapshot(pid) {
      const taken = await sampleBoundary(gpus.reader(), pid, gpus.lane(), Date.now());
      return {
        at: taken.at,
        vramUsedBytes: totalVramUsed(taken.gpus),
        gpus: (taken.gpus ?? []).map((gpu) => ({ index: gpu.index, usedBytes: gpu.usedBytes, totalBytes: gpu.totalBytes })),
        processRssBytes: taken.processRssBytes,
        hostUsedBytes: taken.host?.usedBytes ?? null,
        hostAvailableBytes: taken.host?.availableBytes ?? null,
        swapUsedBytes: taken.host?.swapUsedBytes ?? null,
      };
    },
    follow(pid) {
      pidOfTree = pid;
      notePids([pid]);
      if (job.lane !== 'gpu') return;
      // A test's child (a Python worker started and killed inside one test) must be known for the orphan check and
      // for the wait for its VRAM after the file ends; on a shared card, so must the VRAM a child holds while no
      // boundary is taken. NVML reads per process in microseconds; a spawn per read (nvidia-smi) would cost too much.
      timer = setInterval(() => {
        notePids(listProcessTree(pid));
        if (shared) void noteOwnVram();
      }, Math.max(context.config.sampleIntervalMs, OWN_VRAM_INTERVAL_MS));
      timer.unref();
    },
    drained: () => recorded,
    async stop() {
      clearInterval(timer);
      await recorded;
    },
    windows: () => [...windows.values()],
    metrics: () => metrics,
    seenPids,
    ownPeaks,
  };
}
