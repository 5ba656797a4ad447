// "Passes alone, fails co-scheduled": a file that ran out of memory (a CUDA out-of-memory error, the kernel's OOM
// killer, the memory guard) while other files shared its GPU or the host is run once more alone. When it then passes,
// its status says so and names its neighbours, rather than reporting a plain pass or fail. Pure.

import type { CoScheduledFailure, FileResult } from '../../results/run-result.js';

// What CUDA, PyTorch, llama.cpp and ONNX Runtime print when a card runs out.
const OUT_OF_MEMORY = /CUDA out of memory|CUDA error: out of memory|OutOfMemoryError|cudaErrorMemoryAllocation|CUBLAS_STATUS_ALLOC_FAILED|failed to allocate .*(?:CUDA|GPU|VRAM)|out of memory/i;

/** Why `file` looks like it ran out of memory, or null: the memory guard, an OOM message, or a SIGKILL nobody sent. */
export function memoryFailureOf(file: FileResult): { readonly reason: string; readonly resource: 'vram' | 'ram' } | null {
  const stop = file.outcome?.stoppedByGuard;
  if (stop) return { reason: `stopped by the memory guard: ${stop.figure}`, resource: stop.resource === 'vram' ? 'vram' : 'ram' };
  const message = file.tests.map((test) => test.failure?.message ?? '').find((text) => OUT_OF_MEMORY.test(text))
    ?? (OUT_OF_MEMORY.test(file.stderr) ? file.stderr.split('\n').find((line) => OUT_OF_MEMORY.test(line)) : undefined);
  if (file.status === 'failed' || file.status === 'crashed') {
    if (message !== undefined) return { reason: message.trim().slice(0, 300), resource: /cuda|gpu|vram|cublas/i.test(message) ? 'vram' : 'ram' };
  }
  // SIGKILL without a timeout or an interrupt from us: the kernel's OOM killer is the usual sender.
  const outcome = file.outcome;
  if (file.status === 'crashed' && outcome?.signal === 'SIGKILL' && !outcome.timedOut && !outcome.isCanceled) {
    return { reason: 'killed by SIGKILL (the kernel\'s OOM killer, most likely)', resource: 'ram' };
  }
  return null;
}

/**
 * The result to report after the alone re-run: the alone run's own result, with `coScheduled` set. When it passed
 * alone its status is `passed-alone`; when it failed again, it is a plain failure and the first run is only noted.
 */
export function mergeAloneRun(first: FileResult, alone: FileResult, coScheduled: Omit<CoScheduledFailure, 'passedAlone'>): FileResult {
  const passedAlone = alone.status === 'passed';
  return {
    ...alone,
    status: passedAlone ? 'passed-alone' : alone.status,
    coScheduled: { ...coScheduled, passedAlone },
    // The first run's output is the evidence of the failure: keep it ahead of the alone run's.
    stderr: `${first.stderr}${first.stderr && !first.stderr.endsWith('\n') ? '\n' : ''}--- re-run alone ---\n${alone.stderr}`,
  };
}

