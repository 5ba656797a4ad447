// When a suite's coordination hooks run: `before` (and the healthcheck) once, before the suite's first file starts;
// `after` once its last file has ended, whether files passed, failed or timed out, and for every suite whose `before`
// ran when the run is interrupted. A file whose suite's `before` failed is not started and fails naming the hook.
// Suites without hooks go straight through: their files never wait on anything here.

import type { ResolvedConfig, SuiteHooks } from '../../config/types.js';
import type { Job } from '../../results/job.js';
import { FAILURE, FILE_LEVEL_TEST, fileNotRun } from '../../results/failures.js';
import type { RunInterrupt } from '../interrupt.js';
import type { LaunchedJob } from '../job/launch-job.js';
import { runHookPhase, type HookContext } from './suite-hooks.js';
import type { FileResult, HookPhase, HookRun } from '../../results/run-result.js';

/** Lines of a failed hook's output quoted in its files' failure (the Hooks section of report.md has all it kept). */
const OUTPUT_LINES = 20;

/** What the runner needs from the run. */
export interface SuiteHookRunnerOptions {
  readonly config: Pick<ResolvedConfig, 'rootDir' | 'suites'>;
  readonly env: NodeJS.ProcessEnv;
  /**
   * The run's interrupt: its first signal stops `before` steps and healthchecks, while `after` steps still run, bounded
   * by their timeouts; a second signal stops those too.
   */
  readonly interrupt: Pick<RunInterrupt, 'stop' | 'now'>;
  /** The jobs that may run, known before the plan is: a suite's `after` waits for all of its own. */
  readonly jobs: readonly Job[];
}

/** Runs each suite's hooks around its files; created once per run. */
export interface SuiteHookRunner {
  /**
   * Calls `start` once the job's suite's `before` steps and healthcheck have succeeded (at once for a suite without
   * hooks, or whose `before` already did) and resolves to the file's result; when they failed, the launch is
   * cancelled and the result is a failed file naming the hook.
   */
  startWhenReady(launch: Pick<LaunchedJob, 'job' | 'cancel' | 'done'>, start: () => void): Promise<FileResult>;
  /** The plan is known: jobs it does not run are no longer waited for. */
  planKnown(jobs: readonly Job[]): void;
  /** A job has its result: its suite's `after` starts once the last of its jobs has one. */
  fileEnded(job: Job): void;
  /** Starts `after` for every suite whose `before` ran and whose `after` did not (an interrupted run), waits for every hook, and returns all that ran. */
  finish(): Promise<readonly HookRun[]>;
}

/** One `before` ... `after` cycle of a suite. */
interface Round {
  /** Resolves to the step that failed, or null when every `before` step and the healthcheck succeeded. */
  readonly before: Promise<HookRun | null>;
  /** Known once `before` has ended: lets the suite's later files start without waiting a tick. */
  beforeFailed: HookRun | null | undefined;
  after: Promise<void> | null;
}

interface SuiteState {
  readonly name: string;
  readonly hooks: SuiteHooks;
  /** Jobs of the suite without a result yet. */
  readonly pending: Set<string>;
  readonly ended: Set<string>;
  round: Round | null;
}

function hasHooks(hooks: SuiteHooks | null): hooks is SuiteHooks {
  return hooks !== null && ((hooks.before?.length ?? 0) > 0 || hooks.healthcheck !== undefined || (hooks.after?.length ?? 0) > 0);
}

function hookName(phase: HookPhase): string {
  return phase === 'healthcheck' ? 'healthcheck' : `\`${phase}\` hook`;
}

function lastLines(text: string, max: number): string {
  const lines = text.replace(/\s+$/, '').split(/\r\n|\r|\n/);
  return lines.length <= max ? lines.join('\n') : [`[… ${lines.length - max} earlier lines]`, ...lines.slice(-max)].join('\n');
}

/** The sentence, and the end of the output, for a file its suite's failed `before` kept from starting. */
export function hookFailureMessage(run: HookRun): string {
  const sentence = `not started: suite ${run.suite}'s ${hookName(run.phase)} \`${run.step}\` failed: ${run.error ?? 'it failed'}`;
  return run.output.trim() === '' ? `${sentence}; it printed nothing` : `${sentence}; its output ended with:\n${lastLines(run.output, OUTPUT_LINES)}`;
}

function notStarted(job: Job, failed: HookRun | null): FileResult {
  if (failed === null) return fileNotRun(job, { skipped: `not started: the run was interrupted while suite ${job.suite}'s \`before\` hook ran` });
  return fileNotRun(job, { failed: hookFailureMessage(failed), type: FAILURE.hookNotStarted });
}

/** A step that threw (it should not): reported as a failed step rather than lost. */
function crashedPhase(suite: string, phase: HookPhase, error: unknown): HookRun {
  const now = Date.now();
  return { suite, phase, step: '(hook runner)', ok: false, startedAt: now, durationMs: 0, attempts: 1, output: '', error: `could not run: ${(error as Error)?.message ?? String(error)}` };
}

/** The hook runner of one run. */
export function createSuiteHookRunner(options: SuiteHookRunnerOptions): SuiteHookRunner {
  const signal = options.interrupt.stop;
  const runs: HookRun[] = [];
  const tasks: Promise<unknown>[] = [];
  const states = new Map<string, SuiteState>();
  for (const suite of options.config.suites) {
    if (hasHooks(suite.hooks)) states.set(suite.name, { name: suite.name, hooks: suite.hooks, pending: new Set(), ended: new Set(), round: null });
  }
  for (const job of options.jobs) states.get(job.suite)?.pending.add(job.id);

  const context = (state: SuiteState, which: 'before' | 'after'): HookContext =>
    ({ suite: state.name, cwd: options.config.rootDir, env: options.env, signal: which === 'before' ? signal : options.interrupt.now });

  const phase = async (state: SuiteState, which: 'before' | 'after'): Promise<HookRun[]> => {
    let ran: HookRun[];
    try {
      ran = which === 'before'
        ? await runHookPhase('before', state.hooks.before ?? [], state.hooks.healthcheck ?? null, context(state, 'before'))
        : await runHookPhase('after', state.hooks.after ?? [], null, context(state, 'after'));
    } catch (error) {
      ran = [crashedPhase(state.name, which, error)];
    }
    runs.push(...ran);
    return ran;
  };

  const openRound = (state: SuiteState): Promise<HookRun | null> => {
    if (state.round && state.round.after === null) return state.round.before;
    // A file of a suite whose `after` already began (a file run again) gets a round of its own, once that `after` ends.
    const previous = state.round?.after ?? Promise.resolve();
    const before = previous.then(async () => (await phase(state, 'before')).find((run) => !run.ok) ?? null);
    const round: Round = { before, beforeFailed: undefined, after: null };
    state.round = round;
    tasks.push(before.then((failed) => { round.beforeFailed = failed; }));
    return before;
  };

  const close = (state: SuiteState): void => {
    const round = state.round;
    if (!round || round.after !== null) return;
    round.after = round.before.then(async () => { await phase(state, 'after'); });
    tasks.push(round.after);
  };

  const closeWhenDone = (state: SuiteState): void => {
    if (state.pending.size === 0) close(state);
  };

  return {
    startWhenReady(launch, start) {
      const state = states.get(launch.job.suite);
      if (!state) {
        start();
        return launch.done;
      }
      state.ended.delete(launch.job.id);
      state.pending.add(launch.job.id);
      if (state.round && state.round.after === null && state.round.beforeFailed === null) {
        start();
        return launch.done;
      }
      const ready = openRound(state);
      return ready.then(async (failed) => {
        if (failed === null && !signal.aborted) {
          start();
          return launch.done;
        }
        launch.cancel();
        await launch.done;
        return notStarted(launch.job, signal.aborted ? null : failed);
      });
    },
    planKnown(jobs) {
      for (const state of states.values()) {
        state.pending.clear();
        for (const job of jobs) if (job.suite === state.name && job.skip === null && !state.ended.has(job.id)) state.pending.add(job.id);
        if (state.round) closeWhenDone(state);
      }
    },
    fileEnded(job) {
      const state = states.get(job.suite);
      if (!state) return;
      state.pending.delete(job.id);
      state.ended.add(job.id);
      closeWhenDone(state);
    },
    async finish() {
      for (const state of states.values()) close(state);
      // A task may add another (an `after` that waited on its `before`): wait until none is left.
      for (let seen = 0; seen < tasks.length;) {
        const batch = tasks.slice(seen);
        seen = tasks.length;
        await Promise.allSettled(batch);
      }
      return [...runs].sort((a, b) => a.startedAt - b.startedAt);
    },
  };
}
