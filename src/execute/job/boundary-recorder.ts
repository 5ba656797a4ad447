// What the harness records while one test process runs: a sample at each test boundary (settled VRAM at a test's
// end), the window of each test with its peaks, the metrics tests record, fresh readings for snapshot(), every process
// seen in the file's tree, and (on a card shared by budget, or under --repeat for the leak fit) the VRAM the file's
// own processes hold.

import { sampleBoundary } from '../../measure/boundary-sampler.js';
import { computeWindowPeak } from '../../measure/window-peak.js';
import { listProcessTree, readStartTime } from '../../probe/process-tree.js';
import type { MemorySample, WindowPeak } from '../../results/measurement.js';
import { totalVramUsed } from '../../results/window-deltas.js';
import type { BoundaryMessage, MemorySnapshot, MetricMessage } from '../child/protocol.js';
import type { BoundaryWindow } from './collect-results.js';
import type { JobGpus } from './job-gpus.js';
import type { JobLife } from './job-life.js';

/** How often a GPU file's process tree is listed between boundaries (and, on a shared card, its own VRAM read). */
const OWN_VRAM_INTERVAL_MS = 200;

type OpenWindow = { name: string; before: MemorySample; after: MemorySample | null; peak: WindowPeak | null };

/** The recorder of one process of a file. */
export interface BoundaryRecorder {
  /** Answers a boundary: the child waits until it resolves. */
  onBoundary(message: BoundaryMessage, pid: number): Promise<void>;
  onMetric(message: MetricMessage): void;
  onSnapshot(pid: number): Promise<MemorySnapshot>;
  /** The file's turn came and its process is `pid`: between boundaries too, its tree (and own VRAM) is followed. */
  follow(pid: number): void;
  /** The process ended: stops following it. */
  stop(): void;
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
  const notePids = (pids: readonly number[]): void => {
    for (const pid of pids) if (!seenPids.has(pid)) seenPids.set(pid, readStartTime(pid));
  };
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

  return {
    async onBoundary(message, pid) {
      const indices = gpus.lane();
      let taken = await sampleBoundary(gpus.reader(), pid, indices, message.phase === 'end' ? message.at : undefined, notePids);
      for (const error of taken.errors) life.warn(error);
      if (message.phase === 'begin') {
        windows.set(message.seq, { name: message.name, before: taken, after: null, peak: null });
        return;
      }
      const window = message.beginSeq === null ? undefined : windows.get(message.beginSeq);
      if (indices && indices.length > 0 && taken.gpus) {
        taken = { ...taken, gpus: await gpus.settle(taken.gpus, window ? totalVramUsed(window.before.gpus) : null) };
      }
      const processVramBytes = await noteOwnVram();
      if (job.repeat > 1 && processVramBytes !== null) taken = { ...taken, processVramBytes };
      if (window) {
        window.after = taken;
        window.peak = computeWindowPeak(context.gpuState().sampler, window.before, taken, indices);
      }
      if (live) context.observer.onTestEnd?.(job, message.name);
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
    stop: () => clearInterval(timer),
    windows: () => [...windows.values()],
    metrics: () => metrics,
    seenPids,
    ownPeaks,
  };
}
