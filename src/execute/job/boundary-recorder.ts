// What the harness records while one test process runs: a sample at each test boundary, the window of each test with
// its peaks, the metrics tests record, fresh readings for snapshot(), every process seen in the file's tree, and (on a
// card shared by budget, or under --repeat for the leak fit) the VRAM the file's own processes hold. Boundaries are
// recorded in order and a sample serves those that happened before it. A test's end does not wait (see preload.ts):
// when its VRAM moved, the harness waits for VRAM to settle at the next point where the process waits (the next
// test's begin, or the file's last flush), and that settled reading is the test's "after", so memory a test frees
// late counts before the next test begins.

import { sampleBoundary, sharedSamples } from '../../measure/boundary-sampler.js';
import { SETTLE_TOLERANCE_BYTES } from '../../measure/settle-vram.js';
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
  /** Records a boundary; resolves once it is sampled (and, for a held end, once VRAM settled). */
  onBoundary(message: BoundaryMessage, pid: number): Promise<void>;
  onMetric(message: MetricMessage): void;
  onSnapshot(pid: number): Promise<MemorySnapshot>;
  /** The file's turn came and its process is `pid`: between boundaries too, its tree (and own VRAM) is followed. */
  follow(pid: number): void;
  /** Resolves once every boundary received so far is recorded, and VRAM has settled after the last test. */
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
  // Tests that ended with VRAM other than they began with, since the process last waited: settled at the next wait.
  let unsettled: OpenWindow[] = [];
  // Boundaries are recorded one after another, in the order the test process sent them.
  let recorded: Promise<void> = Promise.resolve();
  const notePids = (pids: readonly number[]): void => {
    for (const pid of pids) if (!seenPids.has(pid)) seenPids.set(pid, readStartTime(pid));
  };
  const sampleAt = sharedSamples((takenAfter) => sampleBoundary(gpus.reader(), pidOfTree, gpus.lane(), takenAfter, notePids));
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

  const settleEnded = async (): Promise<void> => {
    const ended = unsettled;
    const last = ended.at(-1);
    if (!last?.after) return;
    unsettled = [];
    const settled = await gpus.settle(last.after.gpus, totalVramUsed(last.before.gpus));
    const processVramBytes = await noteOwnVram();
    for (const window of ended) {
      if (!window.after) continue;
      window.after = { ...window.after, gpus: settled, ...(job.repeat > 1 && processVramBytes !== null ? { processVramBytes } : {}) };
      window.peak = computeWindowPeak(context.gpuState().sampler, window.before, window.after, gpus.lane());
    }
  };

  const record = async (message: BoundaryMessage): Promise<void> => {
    // The process waits for this answer: the previous tests' late frees settle now, before the next test's "before".
    if (message.wait) await settleEnded();
    const indices = gpus.lane();
    let taken = await sampleAt(message.at, message.phase === 'end');
    for (const error of taken.errors) life.warn(error);
    if (message.phase === 'begin') {
      windows.set(message.seq, { name: message.name, before: taken, after: null, peak: null });
      return;
    }
    const window = message.beginSeq === null ? undefined : windows.get(message.beginSeq);
    // Under --repeat the leak fit reads the file's own VRAM at each iteration's end, so a neighbour cannot move it.
    const processVramBytes = job.repeat > 1 ? await noteOwnVram() : null;
    if (processVramBytes !== null) taken = { ...taken, processVramBytes };
    if (window) {
      window.after = taken;
      window.peak = computeWindowPeak(context.gpuState().sampler, window.before, taken, indices);
      const before = totalVramUsed(window.before.gpus);
      const after = totalVramUsed(taken.gpus);
      if (before !== null && after !== null && Math.abs(after - before) > SETTLE_TOLERANCE_BYTES) unsettled.push(window);
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
    drained: () => enqueue(settleEnded, 'waiting for VRAM to settle after the last test'),
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
