// The live hooks of a run: called by the executor as files start and end, implemented by the console reporter.

import type { Job, Plan } from './job.js';
import type { FileResult, RunResult } from './run-result.js';

/** A report file that was written, for the console summary. */
export interface WrittenReport {
  readonly format: 'markdown' | 'junit' | 'json';
  readonly path: string;
}

/** What the run reads of the GPUs while it goes, for a live view: the latest used VRAM of a card (null: unknown). */
export interface LiveReadings {
  vramUsedBytes(gpuIndex: number): number | null;
}

/** Live hooks, called by the executor in this order: onPlan, then per file onFileStart, onTestEnd (any number), onFileEnd, then onRunEnd. */
export interface RunObserver {
  onPlan?(plan: Plan): void;
  /** The GPUs are being sampled: `readings` gives their latest VRAM for as long as the run lasts. */
  onReadings?(readings: LiveReadings): void;
  /** A job's process started; `gpuIndices` is what it sees as CUDA_VISIBLE_DEVICES (empty for the cpu lane). */
  onFileStart?(job: Job, gpuIndices: readonly number[]): void;
  /** A test inside a running file finished (pass or fail is known only at onFileEnd). */
  onTestEnd?(job: Job, testName: string): void;
  onFileEnd?(file: FileResult): void;
  /** A file failed and runs again: `alone` (it ran out of memory beside others), or its `attempt`-th time (`--retries`). */
  onFileRetry?(failed: FileResult, attempt: number, alone: boolean): void;
  /** The run is being stopped (Ctrl-C, SIGTERM, SIGHUP): `signal` names why; `forced` at a second signal, which kills at once. */
  onInterrupt?(signal: string, forced: boolean): void;
  /** A GPU this run needs is held by another gpu-test run on the host: its files wait (`holder` says whose it is). */
  onGpuWait?(gpuIndex: number, holder: string): void;
  /** The run's reports are in place: `written`, and `removed`, an earlier run's reports this run did not replace. */
  onRunEnd?(result: RunResult, written: readonly WrittenReport[], removed?: readonly string[]): void;
}
