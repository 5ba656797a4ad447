// The memory guard at run time: every sampler interval it follows the sampler's newest host RAM, cgroup, swap and VRAM
// readings, reads the process-tree RSS of each running test now and then, asks decideGuard (src/measure/memory-guard.ts)
// whether a test must be stopped, and if so kills that one test's process tree through its launch. One test per
// decision; after a stop it waits a cooldown, so the memory that test held is freed before the guard judges again.

import type { GuardSettings } from '../../config/types.js';
import { describeError } from '../../errors.js';
import { gpuSeries, type ContinuousSampler, type SampleSeries } from '../../measure/continuous-sampler.js';
import { decideGuard, GROWTH_WINDOW_MS, MIN_GROWTH_POINTS, type GuardJob, type GuardSample, type GuardVerdict, type RssReading } from '../../measure/memory-guard.js';
import type { Job } from '../../results/job.js';
import { readProcessTreeRss } from '../../probe/process-tree.js';
import type { LaunchedJob } from '../job/launch-job.js';

/** What the guard needs of a launch (a LaunchedJob is one): its job's id and lane, its running process, the way to stop it. */
export interface GuardedLaunch extends Pick<LaunchedJob, 'runningProcess' | 'stopByGuard'> {
  readonly job: Pick<Job, 'id' | 'lane'>;
}

/** The capacities the guard measures shares against, bytes; null where unknown (that resource is not guarded). */
export interface GuardCapacity {
  readonly hostTotalBytes: number | null;
  /** The tightest memory limit over the run's cgroup and the cgroup that sets it; absent or null where there is none. */
  readonly cgroup?: { readonly limitBytes: number; readonly path: string } | null;
  readonly swapTotalBytes: number | null;
  /** Total VRAM by physical GPU index. */
  readonly gpuTotalBytes: ReadonlyMap<number, number | null>;
}

/** What startMemoryGuard needs. */
export interface MemoryGuardOptions {
  readonly settings: GuardSettings;
  /** How often it judges: the sampler's interval. */
  readonly intervalMs: number;
  /** The run's sampler once it exists (null before): the guard reads its newest points. */
  readonly sampler: () => ContinuousSampler | null;
  readonly capacity: () => GuardCapacity;
  /** Every launch not yet done; those whose process is not running (booting, waiting for their turn) are left alone. */
  readonly launches: () => Iterable<GuardedLaunch>;
  /** Called after a stop, e.g. for a warning; the stopped file's failure already says what happened. */
  readonly onStop?: (verdict: GuardVerdict) => void;
  readonly warn?: (message: string) => void;
  /** Test seams. */
  readonly readTreeRss?: (pid: number) => Promise<number | null>;
  readonly now?: () => number;
  readonly cooldownMs?: number;
}

/** A running guard. */
export interface MemoryGuard {
  /** The stops it made, in order. */
  stops(): readonly GuardVerdict[];
  /** Judges once now (the timer calls it; tests may too); resolves when done. A call while one runs joins it. */
  tick(): Promise<void>;
  /** Stops the timer. Idempotent. */
  stop(): void;
}

/** How long after a stop the guard waits before it may stop another test. */
export const GUARD_COOLDOWN_MS = 2000;
/** How often each running test's process-tree RSS is read (it decides whom a host RAM, cgroup or swap stop hits). */
const RSS_EVERY_MS = 250;

/** Starts the guard on an unref'd timer at `intervalMs`; it acts only while some launch runs. */
export function startMemoryGuard(options: MemoryGuardOptions): MemoryGuard {
  const now = options.now ?? Date.now;
  const readTreeRss = options.readTreeRss ?? readProcessTreeRss;
  const cooldownMs = options.cooldownMs ?? GUARD_COOLDOWN_MS;
  // A slow sampling interval still gets enough readings for a fit.
  const windowMs = Math.max(GROWTH_WINDOW_MS, (MIN_GROWTH_POINTS + 1) * options.intervalMs);
  const samples: GuardSample[] = [];
  let baseline: GuardSample | null = null;
  let lastPointAt = Number.NEGATIVE_INFINITY;
  const rss = new Map<GuardedLaunch, RssReading[]>();
  let lastRssAt = Number.NEGATIVE_INFINITY;
  const stopped = new Set<GuardedLaunch>();
  const verdicts: GuardVerdict[] = [];
  let quietUntil = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | null = null;
  let ended = false;

  const follow = (sampler: ContinuousSampler, at: number): void => {
    const capacity = options.capacity();
    const gpus = sampler.series.flatMap((name) => (/^gpu\d+$/.test(name) ? [Number(name.slice(3))] : []));
    const from = Number.isFinite(lastPointAt) ? lastPointAt : at - windowMs;
    for (const point of sampler.timeline.since(from)) {
      const value = (name: SampleSeries): number | null => point.values[name] ?? null;
      samples.push({
        at: point.at,
        hostUsedBytes: value('hostUsed'), hostTotalBytes: capacity.hostTotalBytes,
        cgroup: capacity.cgroup ? { usedBytes: value('cgroupUsed'), ...capacity.cgroup } : null,
        swapUsedBytes: value('swapUsed'), swapTotalBytes: capacity.swapTotalBytes,
        gpus: gpus.map((index) => ({ index, usedBytes: value(gpuSeries(index)), totalBytes: capacity.gpuTotalBytes.get(index) ?? null })),
      });
      lastPointAt = point.at;
    }
    baseline ??= samples[0] ?? null;
    while (samples.length > 0 && (samples[0]?.at ?? at) < at - windowMs) samples.shift();
  };

  const readRss = async (running: readonly { launch: GuardedLaunch; pid: number }[], at: number, force = false): Promise<void> => {
    for (const launch of rss.keys()) if (!running.some((r) => r.launch === launch)) rss.delete(launch);
    if (at === lastRssAt || (!force && at - lastRssAt < RSS_EVERY_MS)) return;
    lastRssAt = at;
    await Promise.all(running.map(async ({ launch, pid }) => {
      const bytes = await readTreeRss(pid).catch(() => null);
      if (bytes === null) return;
      const readings = rss.get(launch) ?? [];
      readings.push({ at, bytes });
      while (readings.length > 0 && (readings[0]?.at ?? at) < at - windowMs) readings.shift();
      rss.set(launch, readings);
    }));
  };

  const judge = async (): Promise<void> => {
    const sampler = options.sampler();
    if (!sampler || ended) return;
    const at = now();
    follow(sampler, at);
    const running: { launch: GuardedLaunch; pid: number; gpuIndices: readonly number[] }[] = [];
    for (const launch of options.launches()) {
      const proc = launch.runningProcess();
      if (proc && !stopped.has(launch)) running.push({ launch, ...proc });
    }
    if (running.length === 0) return;
    await readRss(running, at);
    if (at < quietUntil) return;
    const decide = (): GuardVerdict | null => decideGuard({
      samples, settings: options.settings, baseline, now: at, windowMs,
      jobs: running.map(({ launch, gpuIndices }): GuardJob => ({ id: launch.job.id, lane: launch.job.lane, gpuIndices, rss: rss.get(launch) ?? [] })),
    });
    let verdict = decide();
    if (!verdict) return;
    if (running.length > 1) {
      // Whom a stop hits depends on the trees' growth: decide again on a reading taken now.
      await readRss(running, at, true);
      verdict = decide();
      if (!verdict) return;
    }
    const target = running.find((r) => r.launch.job.id === verdict.jobId);
    if (!target) return;
    target.launch.stopByGuard(verdict);
    stopped.add(target.launch);
    verdicts.push(verdict);
    quietUntil = at + cooldownMs;
    // What led to this stop must not count again once the memory is freed: judge afresh after the cooldown.
    samples.length = 0;
    options.onStop?.(verdict);
  };

  const tick = (): Promise<void> => {
    inFlight ??= judge().catch((error: unknown) => {
      options.warn?.(`memory guard: ${describeError(error)}`);
    }).finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  const timer = setInterval(() => void tick(), options.intervalMs);
  timer.unref();
  return {
    stops: () => [...verdicts],
    tick,
    stop() {
      ended = true;
      clearInterval(timer);
    },
  };
}
