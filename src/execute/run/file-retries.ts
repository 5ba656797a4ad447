// A file's retries, in one place: "passes alone, fails co-scheduled" (a file that ran out of memory beside other
// files is run once more, alone on the host, before anything else starts; a SIGKILL counts only with a sign of memory
// pressure, and the signs are kept on the result) and `--retries` (a file that failed of a
// class its suite allows is run again, up to N times; a test that then passes is flaky). An alone re-run that fails
// again may still be retried; a retry's result carries every earlier attempt.

import type { ResolvedConfig } from '../../config/types.js';
import type { FailureClass } from '../../results/failures.js';
import type { Job } from '../../results/job.js';
import type { AloneDecision, MemorySign } from '../../results/memory-evidence.js';
import type { FileResult } from '../../results/run-result.js';
import type { Placement } from '../../schedule/admission.js';
import { failureClassOf } from './failure-class.js';
import { createNeighbourLog } from './neighbour-log.js';
import { memoryFailureOf, memorySuspicionOf, mergeAloneRun } from './retry-alone.js';
import { mergeRetries } from './retry-flaky.js';

/** What to do with a file that ended: run it again (`retry`: alone, or the `attempt`-th time), or report `result`. */
export type AfterFile = { readonly retry: Job; readonly attempt: number; readonly failed: FileResult } | { readonly result: FileResult };

/** The retries of one run. */
export interface FileRetries {
  /** A file starts beside those in `placements`. */
  noteStart(start: Placement, placements: Iterable<Placement>): void;
  /** A file ended: retry it (alone, or again), or its result; `retryAllowed` is false once the run is stopping. */
  afterFile(start: Placement, result: FileResult, retryAllowed: boolean): AfterFile;
  /** The results of files whose next run never came (the run was interrupted): what is known stands. */
  unfinished(): ReadonlyMap<string, FileResult>;
}

/** What decides the retries: `--retry-alone`, and each suite's `retries` and `retryOn` over the run's. */
export type RetryConfig = Pick<ResolvedConfig, 'retryAlone' | 'retries' | 'retryOn' | 'suites'>;

/**
 * Retries for a run; `cardPeakPercent` gives the highest share of its cards a file's run used, `measureSigns` the signs
 * of memory pressure around it (read only for a file that failed in a way memory could explain).
 */
export function createFileRetries(
  cardPeakPercent: (start: Placement, result: FileResult) => number | null, config: RetryConfig,
  measureSigns: (start: Placement, result: FileResult) => readonly MemorySign[] = () => [],
): FileRetries {
  const neighbours = createNeighbourLog();
  const firstRuns = new Map<string, { job: Job; result: FileResult; reason: string; beside: string[]; vramPercent: number | null }>();
  // Earlier failed attempts of files being retried, oldest first, and each file's job as the plan made it.
  const attempts = new Map<string, { job: Job; results: FileResult[] }>();
  const suiteOf = (job: Job): { retries: number; retryOn: readonly FailureClass[] } => {
    const suite = config.suites.find((s) => s.name === job.suite);
    return { retries: suite?.retries ?? config.retries, retryOn: suite?.retryOn ?? config.retryOn };
  };

  const retryAgain = (planned: Job, result: FileResult, retryAllowed: boolean): AfterFile => {
    const earlier = attempts.get(planned.id);
    // A retry cut short by an interrupt proves nothing: the attempt before it is what is known.
    if (earlier && result.status === 'interrupted') {
      attempts.delete(planned.id);
      return { result: mergeRetries(earlier.results.slice(0, -1), earlier.results[earlier.results.length - 1] ?? result) };
    }
    const job = earlier?.job ?? planned;
    const results = [...(earlier?.results ?? []), result];
    const policy = suiteOf(job);
    const failureClass = failureClassOf(result);
    if (retryAllowed && failureClass !== null && policy.retryOn.includes(failureClass) && results.length <= policy.retries) {
      attempts.set(job.id, { job, results });
      return { retry: job, attempt: results.length + 1, failed: result };
    }
    attempts.delete(job.id);
    return { result: mergeRetries(results.slice(0, -1), result) };
  };

  return {
    noteStart: (start, placements) => neighbours.note(start, placements),
    afterFile(start, result, retryAllowed) {
      const first = firstRuns.get(start.job.id);
      if (first) {
        firstRuns.delete(start.job.id);
        // An alone re-run cut short by an interrupt proves nothing: the first run's failure is what is known.
        if (result.status === 'interrupted') return retryAgain(first.job, first.result, false);
        const merged = mergeAloneRun(first.result, result, { neighbours: first.beside, vramPercent: first.vramPercent, reason: first.reason });
        return retryAgain(first.job, merged, retryAllowed);
      }
      const suspicion = memorySuspicionOf(result);
      if (suspicion === null) return retryAgain(start.job, result, retryAllowed);
      // Only a file memory could explain is looked at further: the signs come from counters read at its start and end.
      const signs = [...(suspicion.kind === 'sigkill' ? [] : [suspicion.sign]), ...measureSigns(start, result)];
      const failure = memoryFailureOf(result, signs);
      const beside = failure ? neighbours.of(start, failure.resource) : [];
      const alone: AloneDecision = !failure ? 'no-sign' : !(retryAllowed && config.retryAlone) ? 'off' : beside.length === 0 ? 'nothing-beside' : 'retried';
      const noted: FileResult = { ...result, memoryEvidence: { signs, alone } };
      if (!failure || alone !== 'retried') return retryAgain(start.job, noted, retryAllowed);
      firstRuns.set(start.job.id, { job: start.job, result: noted, reason: failure.reason, beside, vramPercent: cardPeakPercent(start, result) });
      return { retry: { ...start.job, needs: { ...start.job.needs, exclusive: true } }, attempt: 1, failed: noted };
    },
    unfinished: () => new Map([
      ...[...attempts].map(([id, { results }]) => [id, mergeRetries(results.slice(0, -1), results[results.length - 1] as FileResult)] as const),
      ...[...firstRuns].map(([id, first]) => [id, first.result] as const),
    ]),
  };
}
