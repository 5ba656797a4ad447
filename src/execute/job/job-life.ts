// One test file's life from boot to result, as named states. Every piece of a launch's work reads and moves it:
//
//   booting     node and the preload start; the test file waits for its turn (a GPU file boots ahead of it)
//   running     its turn came: the test file loads on its GPUs, every test boundary is sampled
//   settling    the process has exited: the driver hands its VRAM back, what it left behind is found
//   rechecking  under --repeat, a second process repeats the tests whose memory grew, before a leak is called
//   done        the result is in
//
// Interruption is a transition every state handles the same way: `stopping` aborts. A booting process is killed, a
// running tree gets SIGTERM (SIGKILL after --kill-grace, or at once on a second signal), settling stops waiting and
// kills what the file left, and no re-check starts or one in flight is killed. The result still comes, so nothing of
// what ran is lost.

import type { ResolvedConfig } from '../../config/types.js';
import type { ContinuousSampler } from '../../measure/continuous-sampler.js';
import type { GpuReader } from '../../probe/types.js';
import type { Job } from '../../results/job.js';
import type { GpuInventory } from '../../results/machine.js';
import type { RunObserver } from '../../results/observer.js';
import type { GuardStop } from '../../results/run-result.js';
import type { RunInterrupt } from '../interrupt.js';

/** The states of a launch, in order; a launch cancelled before its turn goes from `booting` to `done`. */
export type JobState = 'booting' | 'running' | 'settling' | 'rechecking' | 'done';

/** What a launch reads from the run: fixed settings, and the GPU state known so far. */
export interface LaunchContext {
  readonly config: ResolvedConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly workDir: string;
  /** Tags every process of the run's files (JOB_TAG_ENV), so each file's strays are found by it. */
  readonly runId: string;
  readonly observer: RunObserver;
  /** The run's interruption: `stop` stops the file with a grace period, `now` kills it at once. */
  readonly interrupt: Pick<RunInterrupt, 'stop' | 'now'>;
  /** The GPUs, their reader and the sampler, once known (null before the inventory is in). */
  readonly gpuState: () => { readonly gpu: GpuInventory | null; readonly gpuReader: GpuReader | null; readonly sampler: ContinuousSampler | null };
  readonly warn: (message: string) => void;
}

/** One launch's state, shared by the modules that do each state's work. */
export interface JobLife {
  readonly job: Job;
  readonly context: LaunchContext;
  readonly state: JobState;
  /** Aborted when the launch must end early: the run was interrupted, or its turn will never come. */
  readonly stopping: AbortSignal;
  /** Aborted by the memory guard, with the GuardStop as its reason. */
  readonly guardStop: AbortSignal;
  /** The GPUs the file runs on (physical indices), once its turn came; null before, and for a cancelled launch. */
  readonly gpuIndices: readonly number[] | null;
  /** The environment its turn added (CUDA_VISIBLE_DEVICES); null until the turn came. */
  readonly turnEnv: Readonly<Record<string, string>> | null;
  /** Resolves with `turnEnv` when the turn comes; never, for a launch cancelled before. */
  readonly turn: Promise<Readonly<Record<string, string>>>;
  /** The test process while its tests run; null otherwise. */
  livePid: number | null;
  /** Moves to `state`; states only move forward. */
  enter(state: JobState): void;
  /** The turn came: the file runs on `gpuIndices` with `env` added. */
  begin(gpuIndices: readonly number[], env: Readonly<Record<string, string>>): void;
  /** Ends the launch early (any state). */
  stop(): void;
  /** Stops the running tree at once for the memory guard (no-op unless running). */
  stopForGuard(stop: GuardStop): void;
  /** Says `message` about this file, once, in every report. */
  warn(message: string): void;
}

const ORDER: readonly JobState[] = ['booting', 'running', 'settling', 'rechecking', 'done'];

/** A fresh launch in `booting`, stopped with the run when the run is interrupted. */
export function createJobLife(job: Job, context: LaunchContext): JobLife {
  const stopping = new AbortController();
  const guard = new AbortController();
  let state: JobState = 'booting';
  let gpuIndices: readonly number[] | null = null;
  let turnEnv: Readonly<Record<string, string>> | null = null;
  let releaseTurn: (env: Readonly<Record<string, string>>) => void = () => {};
  const turn = new Promise<Readonly<Record<string, string>>>((resolve) => (releaseTurn = resolve));
  const onRunStop = (): void => stopping.abort();
  context.interrupt.stop.addEventListener('abort', onRunStop, { once: true });
  const life: JobLife = {
    job, context, turn, livePid: null,
    get state() { return state; },
    get stopping() { return stopping.signal; },
    get guardStop() { return guard.signal; },
    get gpuIndices() { return gpuIndices; },
    get turnEnv() { return turnEnv; },
    enter(next) {
      if (ORDER.indexOf(next) < ORDER.indexOf(state)) throw new Error(`a launch cannot go back from ${state} to ${next}`);
      state = next;
      if (next === 'done') context.interrupt.stop.removeEventListener('abort', onRunStop);
    },
    begin(indices, env) {
      gpuIndices = [...indices];
      turnEnv = env;
      life.enter('running');
      releaseTurn(env);
    },
    stop() {
      stopping.abort();
    },
    stopForGuard(stop) {
      if (life.livePid === null || guard.signal.aborted) return;
      guard.abort(stop);
    },
    warn(message) {
      context.warn(`${job.id}: ${message}`);
    },
  };
  return life;
}
