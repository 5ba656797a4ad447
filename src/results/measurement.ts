// What was measured around tests and over the run: samples and windows, pressure, the timeline, leak calls, budgets,
// declared needs against measured ones.

import type { GpuMemory, HostMemory } from './machine.js';

/** What the harness read at one test boundary. Each part is null when it could not be read, with `errors` saying why. */
export interface MemorySample {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly host: HostMemory | null;
  /** RSS of the test's whole process tree, bytes. */
  readonly processRssBytes: number | null;
  /** GPUs the job was given (all of them for the cpu lane is not measured: null). */
  readonly gpus: readonly GpuMemory[] | null;
  /** Memory pressure stall totals (/proc/pressure/memory `total=`), µs since boot; null without PSI. */
  readonly memoryStallUs: { readonly some: number; readonly full: number | null } | null;
  /**
   * VRAM the file's own processes hold on its GPUs (NVML), read at a test's end under `--repeat` or on a shared card;
   * null where none of them is listed (or per-process figures are hidden), absent where it was not read.
   */
  readonly processVramBytes?: number | null;
  readonly errors: readonly string[];
}

/** The highest figures seen during one test, in bytes: continuous samples and both boundary samples; null where unknown. */
export interface WindowPeak {
  /** Summed over the GPU(s) the job was given; null for cpu-lane tests. */
  readonly vramBytes: number | null;
  readonly hostUsedBytes: number | null;
  readonly swapUsedBytes: number | null;
}

/** Before and after one test, and its peaks; `peak` null when the test never ended (its process died in it). */
export interface TestWindow {
  readonly before: MemorySample;
  readonly after: MemorySample | null;
  readonly peak: WindowPeak | null;
}

/** The deltas a report shows for one test, in bytes; null where either side is unknown. */
export interface WindowDeltas {
  readonly vramBeforeBytes: number | null;
  readonly vramAfterBytes: number | null;
  readonly vramDeltaBytes: number | null;
  readonly vramPeakBytes: number | null;
  readonly rssBeforeBytes: number | null;
  readonly rssAfterBytes: number | null;
  readonly rssDeltaBytes: number | null;
  readonly hostUsedBeforeBytes: number | null;
  readonly hostUsedAfterBytes: number | null;
  readonly hostUsedDeltaBytes: number | null;
  readonly hostUsedPeakBytes: number | null;
  readonly swapDeltaBytes: number | null;
  /** Time some task (`some`) or every task at once (`full`) stalled waiting for memory during the test, ms (PSI). */
  readonly memoryStallSomeMs: number | null;
  readonly memoryStallFullMs: number | null;
}

/** Run-wide peaks against capacity, for the Pressure section; a figure is null where it could not be read. */
export interface RunPressure {
  readonly gpus: readonly GpuPressure[];
  readonly host: {
    readonly totalBytes: number | null;
    readonly peakUsedBytes: number | null;
    readonly swapTotalBytes: number | null;
    readonly peakSwapUsedBytes: number | null;
  };
  /** Memory pressure stall information (/proc/pressure/memory); null where the kernel has none. */
  readonly psi: PsiSummary | null;
  /** The memory cgroup (v1 or v2) the run was in, when a limit bounds it or it counts OOM kills; null otherwise. */
  readonly cgroup: CgroupSummary | null;
}

/** One GPU's peak used VRAM over the run. */
export interface GpuPressure {
  readonly index: number;
  readonly name: string;
  readonly totalBytes: number | null;
  readonly peakUsedBytes: number | null;
}

/** How long tasks stalled waiting for memory during the run, and the worst 10-second averages seen. */
export interface PsiSummary {
  /** Some task stalled on memory, total over the run, ms. */
  readonly someStallMs: number;
  /** Every task stalled at once; null where the kernel reports no `full` line. */
  readonly fullStallMs: number | null;
  /** Highest `avg10` seen (percent of the last 10 s). */
  readonly peakSomeAvg10: number;
  readonly peakFullAvg10: number | null;
}

/** The cgroup's memory limit, the most of it the run used, and how many processes its OOM killer ended during the run. */
export interface CgroupSummary {
  readonly version: 1 | 2;
  /** The run's own cgroup. */
  readonly path: string;
  /** The tightest limit from the run's cgroup up to the root; null for none. */
  readonly maxBytes: number | null;
  /** The cgroup that sets `maxBytes`: `path` or one of its parents; null without a limit. */
  readonly limitPath: string | null;
  /** The highest working set (usage less inactive file cache) of that cgroup, sampled through the run; null unsampled. */
  readonly peakWorkingSetBytes: number | null;
  readonly oomKillsDuringRun: number | null;
}

/** The run's samples, thinned for a chart: at most a few hundred points, each keeping its bucket's maximum. */
export interface RunTimeline {
  readonly intervalMs: number;
  /** `gpu<index>`, `hostUsed`, `swapUsed`, `cgroupUsed`, and the GPU health series. */
  readonly series: readonly string[];
  readonly points: readonly { readonly at: number; readonly values: Readonly<Record<string, number | null>> }[];
}

/** What a suite's budget bounds (`budgets:` in the config); `metric` is one of `budgets.metrics`. */
export type BudgetKind = 'peakVram' | 'peakRam' | 'swap' | 'leak' | 'gpuUtilMin' | 'tempMax' | 'powerMax' | 'metric';

/** A budget's bound as declared: an absolute `value` (bytes, %, °C, W or the metric's own unit), or a `percent` share. */
export interface BudgetBound {
  /** How a measured figure must compare with the limit to be within budget. */
  readonly op: '<' | '<=' | '>' | '>=' | '==';
  /** null for a share of capacity (`percent`). */
  readonly value: number | null;
  /** A share of the capacity the figure is measured against (the job's VRAM, host RAM, swap); null for a `value`. */
  readonly percent: number | null;
  /** `bytes`, `%`, `°C`, `W`, or a metric's unit as the test recorded it (null when it gave none). */
  readonly unit: string | null;
}

/** One figure measured against a budget: a test's, a file's, or (for a metric nobody recorded) the suite's. */
export interface BudgetFigure {
  /** null for a suite-level figure. */
  readonly fileId: string | null;
  /** The test's full name, without a ` [repeat i/N]` suffix; null for a file- or suite-level figure. */
  readonly test: string | null;
  readonly line: number | null;
  /** null: never recorded (a metric no test of the suite recorded). */
  readonly measured: number | null;
  /** The limit this figure is held to, in the bound's unit (a percent budget resolved against this figure's capacity). */
  readonly limit: number;
}

/** A figure over its budget, and the failed test it became. */
export interface BudgetBreach extends BudgetFigure {
  /** The failed test added to the file: `<test> [budget: peakVram]`. */
  readonly testName: string;
  /** One sentence, as the failure's message: `VRAM peaked at 5.3 GiB, over the 4.0 GiB budget of suite vlm`. */
  readonly message: string;
}

/** One budget of one suite after the run: the worst figure against it, and every breach. */
export interface BudgetCheck {
  readonly suite: string;
  /** `peakVram`, `leak.vram`, `metric.tokens_per_s`: the budget's name in JUnit property names. */
  readonly name: string;
  readonly kind: BudgetKind;
  /** For `metric`: the metric's name; null otherwise. */
  readonly metric: string | null;
  readonly bound: BudgetBound;
  /** `ok`: every figure within budget; `breached`: at least one over; `not-measured`: no figure to check (see `note`). */
  readonly status: 'ok' | 'breached' | 'not-measured';
  /** How many figures were checked. */
  readonly checked: number;
  /** The figure furthest past (or closest to) the limit; null when none was measured. */
  readonly worst: BudgetFigure | null;
  readonly breaches: readonly BudgetBreach[];
  /** Why nothing (or not everything) was measured, as a sentence; null when there is nothing to add. */
  readonly note: string | null;
}

/**
 * How a series grew, as its leak call reads it. `within`: no more than the threshold over the run (or it shrank);
 * `steady`: growth every iteration that a line fits, a leak; `loose`: steady growth a line fits too loosely to call;
 * `staircase`: steps at a regular period that carry on (a caching allocator's view of a steady leak);
 * `one-off`: steps that stopped and stayed flat long enough to rule a leak out; `undecided`: steps too few to tell
 * the two apart; `irregular`: growth that came neither steadily nor in steps.
 */
export type LeakPattern = 'within' | 'steady' | 'loose' | 'staircase' | 'one-off' | 'undecided' | 'irregular';

/** The steps a series rose by, when its growth was not steady; in the series' unit (bytes for memory). */
export interface LeakSteps {
  readonly count: number;
  /** The median rise of a step. */
  readonly height: number;
  /** The median number of iterations between steps; null for a single step. */
  readonly period: number | null;
  /** Iterations after the last step that did not step. */
  readonly flatAfter: number;
}

/** The call on one series: figures from the fit, and one sentence a report prints as is. */
export interface LeakVerdict {
  readonly leaking: boolean;
  readonly iterations: number;
  /**
   * Growth per iteration, in the series' unit (bytes for memory): the line's slope, or for a staircase its steps
   * spread over their period.
   */
  readonly perIteration: number;
  /** Growth from the first iteration to the last: perIteration * (n - 1). */
  readonly totalGrowth: number;
  readonly rSquared: number;
  /** Growth over these iterations above which a series is a leak (the first run's threshold, scaled for a longer re-check). */
  readonly threshold: number;
  readonly reason: string;
  readonly pattern: LeakPattern;
  /** The steps, for a series that grew in steps (staircase, one-off, undecided); null otherwise. */
  readonly steps: LeakSteps | null;
}

/** One suite's declared needs and what its files measured. */
export interface SuiteNeeds {
  readonly suite: string;
  readonly files: number;
  readonly declaredVramBytes: number | null;
  readonly declaredRamBytes: number | null;
  /** Most VRAM one file took on one card, above the card's use when the file started. */
  readonly measuredVramBytes: number | null;
  /** Most RSS of one file's process tree at a test boundary (the tree is not sampled between boundaries). */
  readonly measuredRamBytes: number | null;
  /**
   * A declaration with room to spare (the measured peak plus 20%, rounded up to 256 MiB); null where nothing was
   * measured, and for RAM under 1 GiB (every Node process has a few hundred MiB: not worth declaring).
   */
  readonly suggestedVramBytes: number | null;
  readonly suggestedRamBytes: number | null;
}

/** How evenly a multi-GPU file loaded its cards: the spread between the most and least loaded, as % of the most. */
export interface GpuBalance {
  readonly file: string;
  readonly loads: readonly { readonly gpuIndex: number; readonly bytes: number }[];
  readonly spreadPercent: number;
  readonly balanced: boolean;
}
