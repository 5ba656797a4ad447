// How a run is stopped from outside: the first signal asks every running file to stop (SIGTERM to its process tree,
// SIGKILL after a grace period) and starts nothing new; a second one kills every tree at once. Either way the run
// still ends normally, so every report is written. The CLI turns process signals into calls of `interrupt`.

/** The signals that stop a run: Ctrl-C, a CI cancel or `kill`, a closed terminal or dropped SSH session. */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** What the run reads of an interruption. */
export interface RunInterrupt {
  /** Aborted at the first signal: waiting files are not started, running ones are stopped with a grace period. */
  readonly stop: AbortSignal;
  /** Aborted at the second signal: every process tree is killed at once, `after` hook steps included. */
  readonly now: AbortSignal;
  /** The first signal and when it came; null while the run was not interrupted. */
  readonly cause: () => { readonly signal: StopSignal; readonly at: number; readonly forced: boolean } | null;
}

/** A RunInterrupt and the switch that trips it. */
export interface InterruptSwitch extends RunInterrupt {
  /** Records a signal: 'first' stops the run, 'second' kills at once, 'again' for any later one. */
  interrupt(signal: StopSignal): 'first' | 'second' | 'again';
}

/** A fresh, untripped interrupt for one run. */
export function createInterruptSwitch(): InterruptSwitch {
  const stop = new AbortController();
  const now = new AbortController();
  let cause: { signal: StopSignal; at: number; forced: boolean } | null = null;
  return {
    stop: stop.signal,
    now: now.signal,
    cause: () => cause,
    interrupt(signal) {
      if (cause === null) {
        cause = { signal, at: Date.now(), forced: false };
        stop.abort(signal);
        return 'first';
      }
      if (!cause.forced) {
        cause = { ...cause, forced: true };
        now.abort(signal);
        return 'second';
      }
      return 'again';
    },
  };
}

/** Resolves when `signal` aborts (at once when it already has); never rejects. */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
