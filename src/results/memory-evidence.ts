// What the harness knew of memory pressure when a file failed in a way memory could explain (the memory guard's stop,
// an out-of-memory message, a SIGKILL nobody in gpu-test sent), and whether it was run again alone for it. A SIGKILL
// is memory's only with a sign: the OOM killer's counters, memory stalls, a full host or card, the guard acting.

/**
 * Where a sign came from: `guard` (the memory guard stopped this file, or another while it ran), `oom-message` (an
 * out-of-memory message in its failure or stderr), `cgroup-oom-kill` / `host-oom-kill` (the OOM-kill counter of the
 * run's memory cgroup or of the host rose while it ran), `cgroup-limit` (the cgroup reached its limit), `psi` (tasks
 * stalled on memory), `near-full` (host RAM, the cgroup or a card within reach of full at its peak).
 */
export type MemorySignSource = 'guard' | 'oom-message' | 'cgroup-oom-kill' | 'host-oom-kill' | 'cgroup-limit' | 'psi' | 'near-full';

/** One sign of memory pressure around a file's run. */
export interface MemorySign {
  readonly source: MemorySignSource;
  /** What ran short: host RAM (with the cgroup and swap) or a card's VRAM. */
  readonly resource: 'ram' | 'vram';
  /** A few words: `cgroup oom_kill +1`, `PSI memory some 34% of the file's run`. */
  readonly detail: string;
}

/**
 * What came of it: `retried` (run again alone), `no-sign` (a SIGKILL with no sign of memory pressure: the failure
 * stands, or a plain `--retries` retry), `nothing-beside` (nothing shared its card or the host: alone changes
 * nothing), `off` (`--no-retry-alone`, or the run was stopping).
 */
export type AloneDecision = 'retried' | 'no-sign' | 'nothing-beside' | 'off';

/** The signs of memory pressure for a file that failed in a way memory could explain, and what was done. */
export interface MemoryEvidence {
  /** Empty when none was found. */
  readonly signs: readonly MemorySign[];
  readonly alone: AloneDecision;
}

/** The signs in a few words: `cgroup oom_kill +1, PSI memory some 34% of the file's run`. */
export function describeSigns(signs: readonly MemorySign[]): string {
  return signs.map((sign) => sign.detail).join(', ');
}

/** The sentence every report shows: `retried alone: cgroup oom_kill +1`, `not retried alone: SIGKILL with no sign of memory pressure`. */
export function describeMemoryEvidence(evidence: MemoryEvidence): string {
  const signs = describeSigns(evidence.signs);
  switch (evidence.alone) {
    case 'retried': return `retried alone: ${signs}`;
    case 'no-sign': return 'not retried alone: SIGKILL with no sign of memory pressure';
    case 'nothing-beside': return `not retried alone: nothing ran beside it (${signs})`;
    case 'off': return `not retried alone: retries alone were off or the run was stopping (${signs})`;
  }
}
