// "Passes alone, fails co-scheduled": a file that ran out of memory (a CUDA out-of-memory error, the memory guard, a
// SIGKILL with a sign of memory pressure) while other files shared its GPU or the host is run once more alone. When it
// then passes, its status says so and names its neighbours, rather than reporting a plain pass or fail. Pure.

import { describeSigns, type MemorySign } from '../../results/memory-evidence.js';
import type { CoScheduledFailure, FileResult } from '../../results/run-result.js';

// What CUDA, PyTorch, llama.cpp and ONNX Runtime print when a card runs out.
const OUT_OF_MEMORY = /CUDA out of memory|CUDA error: out of memory|OutOfMemoryError|cudaErrorMemoryAllocation|CUBLAS_STATUS_ALLOC_FAILED|failed to allocate .*(?:CUDA|GPU|VRAM)|out of memory/i;

/** Why memory may be what `file` died of: the guard stopped it, it printed out of memory, or a SIGKILL nobody in gpu-test sent. */
export type MemorySuspicion = { readonly kind: 'guard' | 'oom-message'; readonly sign: MemorySign } | { readonly kind: 'sigkill' };

/** Whether `file` failed in a way memory could explain, and the sign the file itself gives; null when it did not. */
export function memorySuspicionOf(file: FileResult): MemorySuspicion | null {
  const stop = file.outcome?.stoppedByGuard;
  if (stop) return { kind: 'guard', sign: { source: 'guard', resource: stop.resource === 'vram' ? 'vram' : 'ram', detail: `stopped by the memory guard: ${stop.figure}` } };
  if (file.status !== 'failed' && file.status !== 'crashed') return null;
  const message = file.tests.map((test) => test.failure?.message ?? '').find((text) => OUT_OF_MEMORY.test(text))
    ?? (OUT_OF_MEMORY.test(file.stderr) ? file.stderr.split('\n').find((line) => OUT_OF_MEMORY.test(line)) : undefined);
  if (message !== undefined) {
    return { kind: 'oom-message', sign: { source: 'oom-message', resource: /cuda|gpu|vram|cublas/i.test(message) ? 'vram' : 'ram', detail: message.trim().slice(0, 300) } };
  }
  // SIGKILL without a timeout or an interrupt from us: the kernel's OOM killer may have sent it, or anyone else.
  const outcome = file.outcome;
  if (file.status === 'crashed' && outcome?.signal === 'SIGKILL' && !outcome.timedOut && !outcome.isCanceled) return { kind: 'sigkill' };
  return null;
}

/**
 * Why `file` ran out of memory, or null: the memory guard, an out-of-memory message, or a SIGKILL with a sign of memory
 * pressure among `signs` (by default the file's `memoryEvidence`). A SIGKILL with none is not memory's.
 */
export function memoryFailureOf(file: FileResult, signs: readonly MemorySign[] = file.memoryEvidence?.signs ?? []): { readonly reason: string; readonly resource: 'vram' | 'ram' } | null {
  const suspicion = memorySuspicionOf(file);
  if (suspicion === null) return null;
  if (suspicion.kind !== 'sigkill') return { reason: suspicion.sign.detail, resource: suspicion.sign.resource };
  if (signs.length === 0) return null;
  // The kernel kills for RAM; a card near full alone points at the card's neighbours.
  return { reason: `killed by SIGKILL; ${describeSigns(signs)}`, resource: signs.some((sign) => sign.resource === 'ram') ? 'ram' : 'vram' };
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
    // Why it was run alone: the first run's signs.
    memoryEvidence: first.memoryEvidence ?? null,
    // The first run's output is the evidence of the failure: keep it ahead of the alone run's.
    stderr: `${first.stderr}${first.stderr && !first.stderr.endsWith('\n') ? '\n' : ''}--- re-run alone ---\n${alone.stderr}`,
  };
}

