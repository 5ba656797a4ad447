// "Passes alone, fails co-scheduled": a file that ran out of memory beside other files is run once more, alone on the
// host, before anything else starts; its result then says beside whom it failed and whether it passed alone.

import type { Job } from '../../results/job.js';
import type { FileResult } from '../../results/run-result.js';
import type { Placement } from '../../schedule/admission.js';
import { createNeighbourLog } from './neighbour-log.js';
import { memoryFailureOf, mergeAloneRun } from './retry-alone.js';

/** What to do with a file that ended: run it again alone (`retry`), or report `result`. */
export type AfterFile = { readonly retry: Job } | { readonly result: FileResult };

/** The retries of one run. */
export interface AloneRetries {
  /** A file starts beside those in `placements`. */
  noteStart(start: Placement, placements: Iterable<Placement>): void;
  /** A file ended: retry it alone if it ran out of memory beside others (and the run goes on), else its result. */
  afterFile(start: Placement, result: FileResult, retryAllowed: boolean): AfterFile;
  /** The first runs whose alone re-run never came (the run was interrupted): their result stands. */
  unfinished(): ReadonlyMap<string, FileResult>;
}

/** Retries for a run; `cardPeakPercent` gives the highest share of its cards a file's run used. */
export function createAloneRetries(cardPeakPercent: (start: Placement, result: FileResult) => number | null): AloneRetries {
  const neighbours = createNeighbourLog();
  const firstRuns = new Map<string, { result: FileResult; reason: string; beside: string[]; vramPercent: number | null }>();
  return {
    noteStart: (start, placements) => neighbours.note(start, placements),
    afterFile(start, result, retryAllowed) {
      const first = firstRuns.get(start.job.id);
      if (first) {
        firstRuns.delete(start.job.id);
        // An alone re-run cut short by an interrupt proves nothing: the first run's failure is what is known.
        if (result.status === 'interrupted') return { result: first.result };
        return { result: mergeAloneRun(first.result, result, { neighbours: first.beside, vramPercent: first.vramPercent, reason: first.reason }) };
      }
      const failure = retryAllowed ? memoryFailureOf(result) : null;
      const beside = failure ? neighbours.of(start, failure.resource) : [];
      if (!failure || beside.length === 0) return { result };
      firstRuns.set(start.job.id, { result, reason: failure.reason, beside, vramPercent: cardPeakPercent(start, result) });
      return { retry: { ...start.job, needs: { ...start.job.needs, exclusive: true } } };
    },
    unfinished: () => new Map([...firstRuns].map(([id, first]) => [id, first.result])),
  };
}
