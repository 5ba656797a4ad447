// The memory guard's decision: from the last seconds of host RAM, cgroup memory, swap and per-GPU VRAM readings,
// whether a running test must be stopped before the host, the run's cgroup or a card runs out, and which one. Pure:
// the loop that reads the machine and kills the process is src/execute/memory-guard-loop.ts.
//
// A resource calls for a stop when it is over its limit now (two readings in a row: one noisy reading never decides),
// or when a least-squares line through the last ~2 s rises steadily (enough points, a positive slope, a line that fits)
// and reaches the limit within the horizon. The job stopped is the one on the card, or for host RAM, the cgroup and
// swap the one whose process tree grew most.

import type { GuardSettings } from '../config/types.js';
import type { Lane } from '../results/job.js';
import { fitLine, formatGuardBytes, formatRate, formatSeconds, percent } from './guard-figures.js';

/** What the guard watches: host RAM, the memory of the run's limited cgroup, swap, or the VRAM of one GPU. */
export type GuardResource = 'ram' | 'cgroup' | 'swap' | 'vram';

/** One GPU in a guard sample, bytes; null where the read failed. */
export interface GuardGpuReading {
  readonly index: number;
  readonly usedBytes: number | null;
  readonly totalBytes: number | null;
}

/** The run's memory-limited cgroup in a guard sample: its working set against the tightest limit over it. */
export interface GuardCgroupReading {
  /** Usage less the inactive file cache, bytes; null where the read failed. */
  readonly usedBytes: number | null;
  readonly limitBytes: number;
  /** The cgroup that sets the limit, named in the verdict. */
  readonly path: string;
}

/** One reading of everything the guard watches, bytes (epoch ms `at`); a figure is null where it could not be read. */
export interface GuardSample {
  readonly at: number;
  readonly hostUsedBytes: number | null;
  readonly hostTotalBytes: number | null;
  /** Absent or null outside a memory-limited cgroup. */
  readonly cgroup?: GuardCgroupReading | null;
  readonly swapUsedBytes: number | null;
  readonly swapTotalBytes: number | null;
  readonly gpus: readonly GuardGpuReading[];
}

/** A process-tree RSS reading of one job. */
export interface RssReading {
  readonly at: number;
  readonly bytes: number;
}

/** A running job as the guard sees it. */
export interface GuardJob {
  readonly id: string;
  readonly lane: Lane;
  /** The physical GPUs it was given; empty in the cpu lane. */
  readonly gpuIndices: readonly number[];
  /** Its process tree's RSS over the last seconds, oldest first (the last one is the current RSS); empty where unknown. */
  readonly rss: readonly RssReading[];
}

/** One point of the curve a verdict shows: epoch ms and the used bytes of the resource. */
export interface CurvePoint {
  readonly at: number;
  readonly value: number;
}

/** The guard's call: stop job `jobId`, because of `resource` (on GPU `gpuIndex`), as `figure` says. */
export interface GuardVerdict {
  readonly jobId: string;
  readonly resource: GuardResource;
  /** The physical GPU, for `vram`. */
  readonly gpuIndex?: number;
  /** `over`: past the limit now; `growth`: the trend reaches the limit within the horizon. */
  readonly reason: 'over' | 'growth';
  /** One sentence: "host RAM at 96.2% of 31.3 GiB, over the 95% limit", "cgroup memory at 96.1% of its 600 MiB limit (/ci), …". */
  readonly figure: string;
  /** The resource's used bytes over the last seconds, at most CURVE_POINTS points, oldest first. */
  readonly curve: readonly CurvePoint[];
  /** When the call was made, epoch ms. */
  readonly at: number;
}

/** What decideGuard reads. */
export interface GuardInput {
  /** The recent samples, oldest first; older than `windowMs` are ignored. */
  readonly samples: readonly GuardSample[];
  /** The jobs that may be stopped (running, not already stopped). */
  readonly jobs: readonly GuardJob[];
  readonly settings: Pick<GuardSettings, 'ramPercent' | 'swapPercent' | 'vramPercent' | 'horizonMs'>;
  /**
   * The first sample the guard took. A limit already crossed then (a desktop that keeps 60% of its swap in use) was not
   * crossed by the run: it is acted on only once the run pushes the figure RISE_SHARE of the capacity further.
   */
  readonly baseline?: GuardSample | null;
  /** Epoch ms of the decision; the last sample's time when absent. */
  readonly now?: number;
  /** How far back the growth fit and the job's RSS growth look; GROWTH_WINDOW_MS when absent. */
  readonly windowMs?: number;
}

/** How far back the growth rate is fitted. */
export const GROWTH_WINDOW_MS = 2000;
/** The fewest readings a growth rate is fitted on. */
export const MIN_GROWTH_POINTS = 5;
/** The readings in a row that must be over a limit before a stop: one noisy reading never decides. */
export const MIN_OVER_POINTS = 2;
/** How many separate rises between readings the growth window needs before its trend is believed. */
const MIN_RISES = 3;

/** How well the line must fit (R²) before its slope is trusted: a flat series with one spike fits far worse. */
export const MIN_GROWTH_R2 = 0.6;
/**
 * The growth rule looks at a resource only once its fitted level is at least this share of the limit: a model load
 * that climbs fast from an empty card to 60% of it is not a runaway, and a prediction from low down is mostly noise.
 */
export const WATCH_SHARE = 0.75;
/** How much further than its level at the guard's start a limit already crossed then must be pushed (share of capacity). */
export const RISE_SHARE = 0.01;
/** Points in a verdict's curve. */
export const CURVE_POINTS = 10;


/** One watched series: its name for sentences, its limit, and its points with used and total bytes. */
interface Series {
  readonly resource: GuardResource;
  readonly gpuIndex: number | null;
  readonly label: string;
  /** What a share is of, for sentences: `of 31.3 GiB`. */
  readonly of: (total: number) => string;
  readonly limitPercent: number;
  readonly points: readonly { readonly at: number; readonly used: number; readonly total: number }[];
  readonly baseline: { readonly used: number; readonly total: number } | null;
}

/** A resource that calls for a stop, before a job is chosen. */
interface Finding {
  readonly series: Series;
  readonly reason: 'over' | 'growth';
  /** 0 for `over`; the predicted ms to the limit for `growth`. */
  readonly etaMs: number;
  readonly figure: string;
}

function usable(used: number | null, total: number | null): { used: number; total: number } | null {
  return used !== null && total !== null && Number.isFinite(used) && Number.isFinite(total) && total > 0 ? { used, total } : null;
}

function gpuOf(sample: GuardSample, index: number): GuardGpuReading | undefined {
  return sample.gpus.find((gpu) => gpu.index === index);
}

function buildSeries(input: GuardInput, from: number): Series[] {
  const samples = input.samples.filter((sample) => sample.at >= from);
  const { settings } = input;
  const baseline = input.baseline ?? null;
  const make = (
    resource: GuardResource, gpuIndex: number | null, label: string, limitPercent: number,
    read: (sample: GuardSample) => { used: number; total: number } | null,
    of = (total: number): string => `of ${formatGuardBytes(total)}`,
  ): Series => {
    const points: { at: number; used: number; total: number }[] = [];
    for (const sample of samples) {
      const reading = read(sample);
      if (reading) points.push({ at: sample.at, ...reading });
    }
    return { resource, gpuIndex, label, of, limitPercent, points, baseline: baseline && read(baseline) };
  };
  // The cgroup is judged by the RAM share too: its limit is the RAM the run has, whatever the host holds.
  const cgroupPath = samples.findLast((sample) => sample.cgroup)?.cgroup?.path ?? '';
  const series = [
    make('ram', null, 'host RAM', settings.ramPercent, (s) => usable(s.hostUsedBytes, s.hostTotalBytes)),
    make('cgroup', null, 'cgroup memory', settings.ramPercent, (s) => (s.cgroup ? usable(s.cgroup.usedBytes, s.cgroup.limitBytes) : null),
      (total) => `of its ${formatGuardBytes(total)} limit (${cgroupPath})`),
    make('swap', null, 'swap', settings.swapPercent, (s) => usable(s.swapUsedBytes, s.swapTotalBytes)),
  ];
  const indices = [...new Set(samples.flatMap((sample) => sample.gpus.map((gpu) => gpu.index)))].sort((a, b) => a - b);
  for (const index of indices) {
    series.push(make('vram', index, `GPU ${index} VRAM`, settings.vramPercent, (s) => {
      const gpu = gpuOf(s, index);
      return gpu ? usable(gpu.usedBytes, gpu.totalBytes) : null;
    }));
  }
  return series;
}

/** Over the limit in the last MIN_OVER_POINTS readings, and pushed there by the run. */
function overLimit(series: Series): Finding | null {
  const last = series.points.slice(-MIN_OVER_POINTS);
  if (last.length < MIN_OVER_POINTS) return null;
  const isOver = (p: { used: number; total: number }): boolean => (p.used / p.total) * 100 >= series.limitPercent;
  if (!last.every(isOver)) return null;
  const now = last[last.length - 1] as Series['points'][number];
  const { baseline } = series;
  let since = '';
  if (baseline && isOver(baseline)) {
    // Over the limit before the guard started: the run did not cross it; it has to add to it.
    if (now.used < baseline.used + RISE_SHARE * now.total) return null;
    since = ` (${percent(baseline.used, baseline.total)} when the guard started)`;
  }
  return {
    series, reason: 'over', etaMs: 0,
    figure: `${series.label} at ${percent(now.used, now.total)} ${series.of(now.total)}, over the ${series.limitPercent}% limit${since}`,
  };
}

/** A steady rise that reaches the limit within the horizon. */
function growth(series: Series, now: number, horizonMs: number): Finding | null {
  if (horizonMs <= 0 || series.points.length < MIN_GROWTH_POINTS) return null;
  const last = series.points[series.points.length - 1] as Series['points'][number];
  const limitBytes = (series.limitPercent / 100) * last.total;
  if (last.used >= limitBytes) return null; // Over it: the over-limit rule decides, with its two readings.
  const fit = fitLine(series.points.map((p) => ({ at: p.at, value: p.used })), now);
  if (!fit || fit.slope <= 0 || fit.r2 < MIN_GROWTH_R2) return null;
  if (fit.atNow < WATCH_SHARE * limitBytes) return null;
  // A model load can be one step: up, then flat. A line through a step predicts exhaustion that never comes, so
  // only a climb made of several rises counts (a runaway allocating in a loop, a cache growing per request).
  const rises = series.points.filter((point, i) => i > 0 && point.used > (series.points[i - 1]?.used ?? Infinity)).length;
  if (rises < MIN_RISES) return null;
  const etaMs = Math.max(0, ((limitBytes - fit.atNow) / fit.slope) * 1000);
  if (etaMs > horizonMs) return null;
  return {
    series, reason: 'growth', etaMs,
    figure: `${series.label} growing ${formatRate(fit.slope)} at ${percent(last.used, last.total)} ${series.of(last.total)}: ` +
      `at the ${series.limitPercent}% limit in ${formatSeconds(etaMs)}, within the ${formatSeconds(horizonMs).replace('.0 s', ' s')} horizon`,
  };
}

/** How much a job's tree grew over the window (0 with fewer than two readings there), and its current RSS. */
function rssOf(job: GuardJob, from: number): { growth: number; current: number | null } {
  const recent = job.rss.filter((reading) => reading.at >= from);
  const current = job.rss[job.rss.length - 1]?.bytes ?? null;
  const first = recent[0];
  const last = recent[recent.length - 1];
  return { growth: first && last && recent.length >= 2 ? last.bytes - first.bytes : 0, current };
}

/** The job whose tree grew most over the window; with none growing, the largest; with no RSS known, the first listed. */
function chooseJob(candidates: readonly GuardJob[], from: number): GuardJob | null {
  if (candidates.length <= 1) return candidates[0] ?? null;
  const measured = candidates.map((job) => ({ job, ...rssOf(job, from) }));
  const grew = measured.filter((m) => m.growth > 0).sort((a, b) => b.growth - a.growth)[0];
  if (grew) return grew.job;
  const largest = measured.filter((m) => m.current !== null).sort((a, b) => (b.current ?? 0) - (a.current ?? 0))[0];
  return largest?.job ?? candidates[0] ?? null;
}

/** Up to CURVE_POINTS points of the series, spread over the window, the latest always included. */
function curveOf(series: Series): CurvePoint[] {
  const points = series.points;
  if (points.length <= CURVE_POINTS) return points.map((p) => ({ at: p.at, value: p.used }));
  const out: CurvePoint[] = [];
  for (let k = 0; k < CURVE_POINTS; k += 1) {
    const p = points[Math.round((k * (points.length - 1)) / (CURVE_POINTS - 1))] as Series['points'][number];
    out.push({ at: p.at, value: p.used });
  }
  return out;
}

/**
 * Whether to stop a job now, and which: null when nothing calls for it (or nothing that runs can be blamed). Over a
 * limit comes before a prediction (host RAM, the cgroup, swap, then the GPUs in order), predictions soonest first.
 */
export function decideGuard(input: GuardInput): GuardVerdict | null {
  const last = input.samples[input.samples.length - 1];
  if (!last || input.jobs.length === 0) return null;
  const now = input.now ?? last.at;
  const windowMs = input.windowMs ?? GROWTH_WINDOW_MS;
  const from = now - windowMs;
  const findings: Finding[] = [];
  const all = buildSeries(input, from);
  for (const series of all) {
    const over = overLimit(series);
    if (over) findings.push(over);
  }
  const predicted = all.map((series) => growth(series, now, input.settings.horizonMs)).filter((f): f is Finding => f !== null);
  findings.push(...predicted.sort((a, b) => a.etaMs - b.etaMs));
  for (const finding of findings) {
    const { series } = finding;
    const gpuIndex = series.gpuIndex;
    const candidates = gpuIndex === null ? input.jobs : input.jobs.filter((job) => job.gpuIndices.includes(gpuIndex));
    const job = chooseJob(candidates, from);
    if (!job) continue; // Nothing of the run is on that card: the guard cannot help by stopping a test.
    return {
      jobId: job.id, resource: series.resource, ...(gpuIndex === null ? {} : { gpuIndex }), reason: finding.reason,
      figure: finding.figure, curve: curveOf(series), at: now,
    };
  }
  return null;
}

