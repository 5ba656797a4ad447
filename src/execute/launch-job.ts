// One test file's process from boot to FileResult. A launch may boot before the file's turn (node and the preload
// start, the test file waits), so the next GPU file is ready the moment its GPU frees. Under `--repeat` a file
// whose memory grew is run a second time, repeating only the flagged tests, before a leak is called.

import { join } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { sampleBoundary } from '../measure/boundary-sampler.js';
import { gpuSeries, sampledPeak, type ContinuousSampler } from '../measure/continuous-sampler.js';
import { formatGuardCurve, type GuardVerdict } from '../measure/memory-guard.js';
import { confirmFindings, judgeRepeats, namesToRecheck, unconfirmedFindings } from '../measure/leak-check.js';
import { SETTLE_TOLERANCE_BYTES, settleVram } from '../measure/settle-vram.js';
import type { MemorySample, WindowPeak } from '../results/measurement.js';
import { computeWindowPeak } from '../measure/window-peak.js';
import { totalVramUsed } from '../results/window-deltas.js';
import type { Job } from '../results/job.js';
import { NO_GPU_READER } from '../probe/gpu-presence.js';
import { isRunning, listProcessTree, readStartTime } from '../probe/process-tree.js';
import { findTaggedProcesses } from '../probe/tagged-processes.js';
import type { GpuInventory, GpuMemory } from '../results/machine.js';
import type { GpuReader } from '../probe/types.js';
import type { RunObserver } from '../results/observer.js';
import { JOB_TAG_ENV, type BoundaryMessage, type MemorySnapshot, type MetricMessage } from './child/protocol.js';
import { REPEAT_ENV, REPEAT_ONLY_ENV } from './child/repeat-tests.js';
import { collectResults, type BoundaryWindow, type CollectedFile } from './collect-results.js';
import { findResidue, readOccupancy, type GpuOccupancy } from './file-residue.js';
import type { RunInterrupt } from './interrupt.js';
import { leakCheckFailures } from './leak-failures.js';
import { readFileProgress } from './read-progress.js';
import { readResultRecords } from './read-result-records.js';
import { spawnTestProcess, type SpawnedProcess } from './spawn-test-process.js';
import type { FileResidue, FileResult, GpuLoad, GuardStop, LeakFinding } from '../results/run-result.js';

/** What a launch reads from the run: fixed settings, and the GPU state known so far. */
export interface LaunchContext {
  readonly config: ResolvedConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly workDir: string;
  /** Tags every process of the run's files (JOB_TAG_ENV), so each file's strays are found by it. */
  readonly runId: string;
  readonly observer: RunObserver;
  /** The run's interruption: `stop` stops the file with a grace period, `now` kills it at once. */
  readonly interrupt: Pick<RunInterrupt, 'stop' | 'now'>;
  /** The GPUs, their reader and the sampler, once known (null before the inventory is in). */
  readonly gpuState: () => { readonly gpu: GpuInventory | null; readonly gpuReader: GpuReader | null; readonly sampler: ContinuousSampler | null };
  readonly warn: (message: string) => void;
  /** Launches not yet done, for the memory guard: each launch adds itself and leaves once its result is in. */
  readonly live?: Set<LaunchedJob>;
}

/** A booting or running test process. */
export interface LaunchedJob {
  readonly job: Job;
  /** The file's turn has come: run it on `gpuIndices` (physical indices; none in the cpu lane). */
  start(gpuIndices: readonly number[]): void;
  /** Stops a launch whose turn never came (its file turned out to be skipped, or the run ended). */
  cancel(): void;
  /** The test process while its file runs (its turn came, it has not exited): its pid and GPUs; null otherwise. */
  runningProcess(): { readonly pid: number; readonly gpuIndices: readonly number[] } | null;
  /** Kills the running process tree at once (SIGKILL), as the memory guard decided; the file fails with its figure. */
  stopByGuard(verdict: GuardVerdict): void;
  /** Its result; for a cancelled launch, resolves once the process is gone (the result is then meaningless). */
  readonly done: Promise<FileResult>;
  /**
   * Resolves once its first test has begun (node, the preload and the file's imports are done), it has ended, or
   * UNDERWAY_AFTER_MS after its turn came (a long `before` hook: a model load, past start-up).
   */
  readonly underway: Promise<void>;
}

/** How often a GPU file's process tree is listed between boundaries (and, on a shared card, its own VRAM read). */
const OWN_VRAM_INTERVAL_MS = 200;

/** When a file that has not begun a test yet counts as past its start-up anyway: node boots in well under this. */
const UNDERWAY_AFTER_MS = 2000;

/** The longest wait for a finished file's VRAM to be handed back by the driver. */
const TEARDOWN_WAIT_MS = 10_000;

type OpenWindow = { name: string; before: MemorySample; after: MemorySample | null; peak: WindowPeak | null };

/** One process of the file: what it reported and what the harness measured around its tests. */
interface ProcessRun {
  readonly spawned: SpawnedProcess;
  readonly collected: CollectedFile;
  /** Processes seen in its tree: pid -> start time. */
  readonly seenPids: ReadonlyMap<number, number | null>;
  readonly before: GpuOccupancy;
  /** On cards shared by budget: the most VRAM the file's own processes held on each, read at test ends. */
  readonly ownPeaks: ReadonlyMap<number, number>;
  /** The value of JOB_TAG_ENV its processes carry. */
  readonly tag: string;
}

/** Boots the process of `job` now; it runs its tests once `start` is called. `index` names its result files. */
export function launchJob(job: Job, index: number, context: LaunchContext): LaunchedJob {
  const { config, observer } = context;
  const controller = new AbortController();
  // Aborted by the memory guard, with the GuardStop as its reason; the pid it may stop is that of the process running now.
  const guardController = new AbortController();
  let livePid: number | null = null;
  const onRunAbort = (): void => controller.abort();
  context.interrupt.stop.addEventListener('abort', onRunAbort, { once: true });
  let gpuIndices: number[] | null = null;
  let turnEnv: Readonly<Record<string, string>> | null = null;
  let release: (env: Readonly<Record<string, string>>) => void = () => {};
  const turnCame = new Promise<Readonly<Record<string, string>>>((resolve) => (release = resolve));
  let markUnderway: () => void = () => {};
  const underway = new Promise<void>((resolve) => (markUnderway = resolve));
  const reader = (): GpuReader => context.gpuState().gpuReader ?? NO_GPU_READER;
  const lane = (): readonly number[] | null => (job.lane === 'gpu' ? gpuIndices : null);

  const readLaneGpus = async (): Promise<readonly GpuMemory[] | null> => {
    const indices = lane();
    if (!indices || indices.length === 0) return null;
    try {
      return (await reader().readMemory({ takenAfter: Date.now() })).filter((gpu) => indices.includes(gpu.index));
    } catch {
      return null;
    }
  };
  // On a card shared by budget, the card's readings move with the neighbours' loads: waiting for them to agree would
  // only wait on other files. The file's own processes are waited for at its end instead (waitForTeardown).
  const settleTimeoutMs = job.needs.vram === null ? config.settleTimeoutMs : 0;
  const settle = (first: readonly GpuMemory[] | null, beforeBytes: number | null): Promise<readonly GpuMemory[] | null> =>
    settleVram(readLaneGpus, first, beforeBytes, {
      timeoutMs: settleTimeoutMs, pollMs: Math.min(config.sampleIntervalMs, 50), toleranceBytes: SETTLE_TOLERANCE_BYTES,
      // An interrupted run stops waiting: the reading it has is reported.
      signal: controller.signal,
    }).then((settled) => settled.gpus);

  /** Runs the file once; `extraEnv` adds to the child's environment (the repeat settings). */
  const runProcess = async (attempt: number, startWhen: Promise<Readonly<Record<string, string>>>, extraEnv: Readonly<Record<string, string>>, live: boolean): Promise<ProcessRun> => {
    const windows = new Map<number, OpenWindow>();
    const metrics: MetricMessage[] = [];
    const seenPids = new Map<number, number | null>();
    const notePids = (pids: readonly number[]): void => {
      for (const pid of pids) if (!seenPids.has(pid)) seenPids.set(pid, readStartTime(pid));
    };
    let before: GpuOccupancy = { gpus: null, processes: null };
    const ownPeaks = new Map<number, number>();
    let ownVramTimer: NodeJS.Timeout | undefined;
    // A card shared by budget holds other files' memory too: what this file itself holds is read per process.
    const noteOwnVram = async (): Promise<void> => {
      const current = reader();
      // NVML lists processes in microseconds; the nvidia-smi backend would spawn once per test: too dear a per-test cost.
      if (job.needs.vram === null || current.backend !== 'nvml' || !current.readProcesses) return;
      try {
        const held = new Map<number, number>();
        for (const p of await current.readProcesses()) {
          if (seenPids.has(p.pid) && p.usedBytes !== null) held.set(p.gpuIndex, (held.get(p.gpuIndex) ?? 0) + p.usedBytes);
        }
        for (const [gpu, bytes] of held) ownPeaks.set(gpu, Math.max(ownPeaks.get(gpu) ?? 0, bytes));
      } catch {
        // Per-process figures are a refinement: without them the card's own peak stands.
      }
    };

    const onBoundary = async (message: BoundaryMessage, pid: number): Promise<void> => {
      markUnderway();
      const { sampler } = context.gpuState();
      const indices = lane();
      let taken = await sampleBoundary(reader(), pid, indices, message.phase === 'end' ? message.at : undefined, notePids);
      for (const error of taken.errors) context.warn(`${job.id}: ${error}`);
      if (message.phase === 'begin') {
        windows.set(message.seq, { name: message.name, before: taken, after: null, peak: null });
        return;
      }
      const window = message.beginSeq === null ? undefined : windows.get(message.beginSeq);
      if (indices && indices.length > 0 && taken.gpus) {
        taken = { ...taken, gpus: await settle(taken.gpus, window ? totalVramUsed(window.before.gpus) : null) };
      }
      await noteOwnVram();
      if (window) {
        window.after = taken;
        window.peak = computeWindowPeak(sampler, window.before, taken, indices);
      }
      if (live) observer.onTestEnd?.(job, message.name);
    };
    const onSnapshot = async (pid: number): Promise<MemorySnapshot> => {
      const taken = await sampleBoundary(reader(), pid, lane(), Date.now());
      return {
        at: taken.at,
        vramUsedBytes: totalVramUsed(taken.gpus),
        gpus: (taken.gpus ?? []).map((gpu) => ({ index: gpu.index, usedBytes: gpu.usedBytes, totalBytes: gpu.totalBytes })),
        processRssBytes: taken.processRssBytes,
        hostUsedBytes: taken.host?.usedBytes ?? null,
        hostAvailableBytes: taken.host?.availableBytes ?? null,
        swapUsedBytes: taken.host?.swapUsedBytes ?? null,
      };
    };

    const reporterFile = join(context.workDir, `${index}-${attempt}.ndjson`);
    const tag = `${context.runId}/${index}-${attempt}`;
    // "Before" for the file is read when its turn comes, right before its test file loads.
    const startWhenMeasured = startWhen.then(async (env) => {
      before = await readOccupancy(reader(), lane() ?? [], (message) => context.warn(`${job.id}: ${message}`));
      return env;
    });
    const spawned = await spawnTestProcess({
      job, cwd: config.rootDir, env: { ...context.env, ...extraEnv }, reporterFile, testNamePatterns: config.testNamePatterns, only: config.only,
      signal: controller.signal, killNow: context.interrupt.now, tag, killGraceMs: config.killGraceMs, guardSignal: guardController.signal, startWhen: startWhenMeasured,
      onStart: (pid) => {
        livePid = pid;
        notePids([pid]);
        if (live) observer.onFileStart?.(job, gpuIndices ?? []);
        // Between boundaries too: a test's child (a Python worker started and killed inside one test) must be known
        // for the orphan check and for the wait for its VRAM after the file ends. On a shared card, also its own
        // VRAM: a test that runs its model in a child it waits for holds VRAM only while no boundary is taken. NVML
        // reads per process in microseconds; a spawn per read (the nvidia-smi backend) would cost too much.
        if (job.lane === 'gpu') {
          ownVramTimer = setInterval(() => {
            notePids(listProcessTree(pid));
            void noteOwnVram();
          }, Math.max(config.sampleIntervalMs, OWN_VRAM_INTERVAL_MS));
          ownVramTimer.unref();
        }
      },
      onBoundary,
      onMetric: (message) => metrics.push(message),
      onSnapshot,
    });
    livePid = null;
    clearInterval(ownVramTimer);
    const { records, warnings: recordWarnings } = await readResultRecords(reporterFile);
    for (const warning of recordWarnings) context.warn(`${job.id}: ${warning}`);
    const boundaryWindows: BoundaryWindow[] = [...windows.values()];
    const collected = collectResults(job, records, boundaryWindows, spawned.outcome, spawned.stderr, spawned.endedAt, metrics, await readFileProgress(reporterFile));
    for (const warning of collected.warnings) context.warn(`${job.id}: ${warning}`);
    return { spawned, collected, seenPids, before, ownPeaks, tag };
  };

  /**
   * How the file loaded its cards: on a card it had to itself, the card's peak during the file above its use at the
   * file's start (spikes included); on a card shared by budget, the most its own processes held (read at test ends,
   * and every OWN_VRAM_INTERVAL_MS with NVML).
   */
  const gpuLoadOf = (run: ProcessRun, from: number, to: number): GpuLoad[] => {
    const { sampler } = context.gpuState();
    return (lane() ?? []).map((index) => {
      const own = run.ownPeaks.get(index);
      if (own !== undefined) return { gpuIndex: index, peakAboveStartBytes: own };
      const start = run.before.gpus?.find((gpu) => gpu.index === index)?.usedBytes ?? null;
      const peak = sampledPeak(sampler, gpuSeries(index), from, to);
      return { gpuIndex: index, peakAboveStartBytes: peak === null || start === null ? null : Math.max(0, peak - start) };
    });
  };

  /**
   * A process that exited (or was killed) keeps its VRAM until the driver has torn its CUDA context down, which takes
   * up to seconds for tens of GiB: until then the card looks full to the next file, and the residue looks like a
   * leak. Waits (bounded) until no process of the file that has exited is still listed on its cards.
   */
  const waitForTeardown = async (run: ProcessRun): Promise<void> => {
    const current = reader();
    const indices = lane() ?? [];
    // An interrupted run does not wait for the driver: the reports must be written now.
    if (indices.length === 0 || !current.readProcesses || controller.signal.aborted) return;
    const deadline = Date.now() + Math.max(config.settleTimeoutMs, TEARDOWN_WAIT_MS);
    while (Date.now() < deadline) {
      let listed: readonly { pid: number; gpuIndex: number }[];
      try {
        listed = await current.readProcesses();
      } catch {
        return;
      }
      const tearingDown = listed.some((p) => indices.includes(p.gpuIndex) && run.seenPids.has(p.pid) && !isRunning(p.pid));
      if (!tearingDown) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(config.sampleIntervalMs, 100)));
    }
  };

  /** What a run left: VRAM once it settled after the process exited, and its processes still running. */
  const residueOf = async (run: ProcessRun): Promise<FileResidue> => {
    const indices = lane() ?? [];
    await waitForTeardown(run);
    // Back where the file started: nothing is still being handed back, so no wait.
    const afterGpus = indices.length > 0 ? await settle(await readLaneGpus(), totalVramUsed(run.before.gpus)) : null;
    const after = await readOccupancy(reader(), indices, (message) => context.warn(`${job.id}: ${message}`));
    const residue = await findResidue({
      before: run.before,
      after: { gpus: afterGpus ?? after.gpus, processes: after.processes },
      seenPids: run.seenPids,
      tagged: findTaggedProcesses(JOB_TAG_ENV, run.tag),
      // Only an undeclared job, one per card, has its cards to itself; declared jobs share cards by budget.
      gpusExclusive: config.gpuConcurrency === 1 && job.needs.vram === null,
      // An interrupted run leaves nothing running behind it.
      killOrphans: config.killOrphans || controller.signal.aborted,
    });
    return residue;
  };

  /** Leak calls: the first run's, and for flagged ones a second run that repeats only those tests. */
  const checkLeaks = async (first: ProcessRun): Promise<{ leaks: LeakFinding[]; orphans: FileResidue['orphans'] }> => {
    const findings = judgeRepeats(first.collected.tests, job.leakThreshold);
    const names = namesToRecheck(first.collected.tests, findings);
    if (names.length === 0 || controller.signal.aborted || guardController.signal.aborted || first.collected.status === 'interrupted') return { leaks: findings, orphans: [] };
    const env = { [REPEAT_ENV]: String(job.repeat), [REPEAT_ONLY_ENV]: JSON.stringify(names) };
    const recheck = await runProcess(2, Promise.resolve(turnEnv ?? {}), env, false);
    const { orphans } = await residueOf(recheck);
    if (recheck.collected.status === 'interrupted') {
      for (const name of names) context.warn(`${job.id}: the leak check of "${name}" was interrupted before its re-run finished; its growth is reported, not called a leak`);
      return { leaks: unconfirmedFindings(findings, 'its confirming re-run was interrupted'), orphans };
    }
    return { leaks: confirmFindings(findings, judgeRepeats(recheck.collected.tests, job.leakThreshold)), orphans };
  };

  const done = (async (): Promise<FileResult> => {
    const repeatEnv: Record<string, string> = job.repeat > 1 ? { [REPEAT_ENV]: String(job.repeat) } : {};
    const first = await runProcess(1, turnCame, repeatEnv, true);
    // A launch cancelled before its turn ran no test: it left nothing and has nothing to fit.
    const ran = turnEnv !== null;
    const firstResidue = ran ? await residueOf(first) : null;
    const checked = ran && job.repeat > 1 ? await checkLeaks(first) : { leaks: [], orphans: [] };
    const residue = firstResidue && { ...firstResidue, orphans: [...firstResidue.orphans, ...checked.orphans] };
    const { leaks } = checked;
    context.interrupt.stop.removeEventListener('abort', onRunAbort);
    const leakTests = leakCheckFailures(job, leaks, config.leaks);
    const { collected, spawned } = first;
    const status = leakTests.length > 0 && collected.status === 'passed' ? 'failed' : collected.status;
    return {
      job, status, skipReason: null, error: collected.error, outcome: spawned.outcome,
      startedAt: spawned.startedAt, endedAt: spawned.endedAt, lane: job.lane, gpuIndices: gpuIndices ?? [],
      tests: [...collected.tests, ...leakTests], leaks, residue, gpuLoad: gpuLoadOf(first, spawned.startedAt, spawned.endedAt),
      stdout: spawned.stdout, stderr: spawned.stderr,
    };
  })();

  const launched: LaunchedJob = {
    job,
    done,
    underway,
    start(indices) {
      gpuIndices = [...indices];
      const env: Record<string, string> = {};
      if (job.lane === 'gpu') {
        // By UUID: indices differ between CUDA and nvidia-smi orderings, and a UUID never names a card outside the set.
        const known = context.gpuState().gpu?.gpus ?? [];
        env.CUDA_VISIBLE_DEVICES = indices.map((index) => known.find((g) => g.index === index)?.uuid ?? String(index)).join(',');
      }
      turnEnv = env;
      release(env);
      setTimeout(markUnderway, UNDERWAY_AFTER_MS).unref();
    },
    cancel() {
      controller.abort();
    },
    runningProcess() {
      return livePid === null ? null : { pid: livePid, gpuIndices: gpuIndices ?? [] };
    },
    stopByGuard(verdict) {
      if (livePid === null || guardController.signal.aborted) return;
      const stop: GuardStop = { resource: verdict.resource, gpuIndex: verdict.gpuIndex ?? null, figure: verdict.figure, curve: formatGuardCurve(verdict.curve) };
      guardController.abort(stop);
    },
  };
  context.live?.add(launched);
  const leave = (): void => void context.live?.delete(launched);
  done.then(leave, leave);
  done.then(markUnderway, markUnderway);
  return launched;
}
