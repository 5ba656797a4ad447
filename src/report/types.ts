// The hooks a reporter may implement. Each receives read-only data; none decides the exit code.

import type { FileResult, RunResult } from '../execute/types.js';
import type { Job, Plan } from '../plan/types.js';

/** A report file that was written, for the console summary. */
export interface WrittenReport {
  readonly format: 'markdown' | 'junit' | 'json';
  readonly path: string;
}

/** Live hooks, called by the executor in this order: onPlan, then per file onFileStart, onTestEnd (any number), onFileEnd, then onRunEnd. */
export interface RunObserver {
  onPlan?(plan: Plan): void;
  /** A job's process started; `gpuIndices` is what it sees as CUDA_VISIBLE_DEVICES (empty for the cpu lane). */
  onFileStart?(job: Job, gpuIndices: readonly number[]): void;
  /** A test inside a running file finished (pass or fail is known only at onFileEnd). */
  onTestEnd?(job: Job, testName: string): void;
  onFileEnd?(file: FileResult): void;
  /** The run stopped early (Ctrl-C, SIGTERM): `signal` names why. */
  onInterrupt?(signal: string): void;
  onRunEnd?(result: RunResult, written: readonly WrittenReport[]): void;
}
