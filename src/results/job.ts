// The jobs of a run: every test file the run knows of, with its tags, lane, needs and whether (and why not) it runs.

import type { SizeSpec } from '../units/size.js';

/** Which lane a job runs in: `gpu` jobs hold a GPU slot, `cpu` jobs a CPU slot; both lanes run at once. */
export type Lane = 'cpu' | 'gpu';

/** Why a job will not run. */
export interface SkipReason {
  /**
   * `gated`: its gate variable is unset; `no-gpu`: a GPU job on a host without a usable GPU; `deselected`:
   * --tags/--skip-tags; `unfit`: it declares needs this host can never meet (more GPUs, VRAM or RAM than it has).
   */
  readonly code: 'gated' | 'no-gpu' | 'deselected' | 'unfit';
  /** A full sentence for every report, naming the way to enable it where there is one. */
  readonly message: string;
  /** For `gated`: the variable that enables it (`ENABLE_FLUX_TESTS`). */
  readonly enableWith: string | null;
}

/** One test file and how the run treats it. */
export interface Job {
  /** Path relative to the root, with `/` separators: the job's stable id in every report. */
  readonly id: string;
  readonly file: string;
  readonly suite: string;
  readonly tags: readonly string[];
  readonly lane: Lane;
  readonly timeoutMs: number;
  /** How many times each test runs in the file's process; above 1 its memory growth is fitted for leaks. */
  readonly repeat: number;
  readonly leakThreshold: LeakThreshold;
  /** The most iterations a leak re-check may repeat a test whose growth came in steps too few to read. */
  readonly leakRepeatMax: number;
  /** What one run of the file needs: the scheduler admits it only where that fits. */
  readonly needs: JobNeeds;
  /** null when the job runs. */
  readonly skip: SkipReason | null;
}

/** A job's declared needs; null where not declared (then it gets a GPU to itself, and RAM is not reserved). */
export interface JobNeeds {
  /** Per GPU. */
  readonly vram: SizeSpec | null;
  readonly ram: SizeSpec | null;
  /** 1 for an undeclared gpu-lane job, 0 in the cpu lane. */
  readonly gpus: number;
  /** Tagged `exclusive`: runs alone on the whole host. */
  readonly exclusive: boolean;
}

/** The whole plan, printable by `gpu-test list` and testable without running anything. */
export interface Plan {
  readonly rootDir: string;
  readonly jobs: readonly Job[];
  /** Problems that do not stop the run but the user should see (a GPU suite skipped under --require-gpu is an error, not this). */
  readonly notes: readonly string[];
}

/** What a repeated test may grow over its iterations before it is called a leak. */
export interface LeakThreshold {
  readonly vramBytes: number;
  readonly ramBytes: number;
  /** Per metric recorded with `metric()`, in the metric's own unit; only metrics named here are fitted. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** What a confirmed leak does: `fail` fails the test (and the run), `warn` only reports it. */
export type LeakMode = 'fail' | 'warn';
