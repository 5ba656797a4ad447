// What a failed file died of, for `--retries`: the failure class decides whether a retry may help (a crash, a timeout,
// a GPU fault may pass the next time; an assertion that failed once fails again). Pure.

import type { FailureClass } from '../../results/failures.js';
import type { FileResult } from '../../results/run-result.js';
import { memoryFailureOf } from './retry-alone.js';

// What the driver, CUDA and the libraries on it print when the GPU itself failed (out-of-memory is told apart first).
const GPU_ERROR = /\bXid\b|GPU is lost|fallen off the bus|CUDA error|cudaError\w*|CUBLAS_STATUS_\w+|CUDNN_STATUS_\w+|NCCL error|illegal memory access|unspecified launch failure|uncorrectable ECC|NVML_ERROR_\w+|device-side assert/i;
const TIMEOUT_TYPES = new Set(['timeout', 'testTimeoutFailure']);
const CRASH_TYPES = new Set(['crash']);
/** Failures a retry cannot change: the run was stopped, or the file was never started. */
const NEVER = new Set(['interrupted', 'hook', 'no-gpu']);

/** The class of what `file` failed of; null when it did not fail, or failed in a way no retry can change. */
export function failureClassOf(file: FileResult): FailureClass | null {
  if (file.status === 'passed' || file.status === 'skipped' || file.status === 'passed-alone' || file.status === 'flaky' || file.status === 'interrupted') return null;
  const failures = file.tests.filter((test) => test.status === 'failed').map((test) => test.failure);
  if (failures.some((failure) => NEVER.has(failure?.type ?? ''))) return null;
  if (memoryFailureOf(file)) return 'oom';
  const text = [...failures.map((failure) => `${failure?.message ?? ''}\n${failure?.stack ?? ''}`), file.error ?? '', file.stderr].join('\n');
  if (GPU_ERROR.test(text)) return 'gpu';
  if (file.status === 'timed-out' || failures.some((failure) => TIMEOUT_TYPES.has(failure?.type ?? ''))) return 'timeout';
  if (file.status === 'crashed' || failures.some((failure) => CRASH_TYPES.has(failure?.type ?? ''))) return 'crash';
  return 'assertion';
}
