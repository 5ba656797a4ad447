// gpu-test's public API: runGpuTests() to run a project's test files from a program, the types of what it returns
// (and of results.json), and metric()/snapshot() for test files (the harness measures every test without them).

import type { PlannedRun, RunGpuTestsOptions } from './pipeline/run-gpu-tests.js';
import type { RunResult } from './results/run-result.js';

// Running gpu-test from a program: the same pipeline as `gpu-test run`, without the CLI's reports and exit code. Loaded
// when called: test files import this module for metric(), and must not pay for the harness.
export type { PlannedRun, RunGpuTestsOptions } from './pipeline/run-gpu-tests.js';

/** Plans and runs a project's test files as `gpu-test run` does, and returns the result its reports are written from. */
export async function runGpuTests(options: RunGpuTestsOptions = {}): Promise<RunResult> {
  return (await import('./pipeline/run-gpu-tests.js')).runGpuTests(options);
}

/** Reads the config and finds the test files (throwing for anything the user must fix) before anything runs. */
export async function planGpuTests(options: RunGpuTestsOptions = {}): Promise<PlannedRun> {
  return (await import('./pipeline/run-gpu-tests.js')).planGpuTests(options);
}
export { createInterruptSwitch, type InterruptSwitch, type RunInterrupt, type StopSignal } from './execute/interrupt.js';
export { decideVerdict, EXIT, exitCodeOf, type RunVerdict } from './results/verdict.js';
export type { RunObserver, WrittenReport } from './results/observer.js';

export type {
  Counts, FileResidue, FileResult, FileStatus, HookPhase, HookRun, LeakFinding, OrphanProcess, ProcessOutcome, RepeatInfo, RunInterruption, RunResult,
  RunSettings, TestFailure, TestMetric, TestResult, TestStatus,
} from './results/run-result.js';
export type {
  BudgetBound, BudgetBreach, BudgetCheck, BudgetFigure, BudgetKind, GpuBalance, MemorySample, SuiteNeeds, TestWindow, WindowDeltas, WindowPeak,
} from './results/measurement.js';
export { FAILURE, FAILURE_CLASSES, type FailureClass, type FailureType } from './results/failures.js';
export type { ChangeKind, Comparison, FigureChange, FileAttempt, MachineRun, ShardPlan, TestRef, Trend, TrendMover, TrendRun, TrendSeries } from './results/ci-result.js';
export type { Job, Lane, Plan, SkipReason } from './results/job.js';
export type { GpuInfo, GpuInventory, GpuMemory, HostInfo, HostMemory } from './results/machine.js';
export type { GpuHealth } from './probe/types.js';
export type { CliOptions, ResolvedConfig, UserConfig, UserSuite } from './config/types.js';
export { computeWindowDeltas } from './results/window-deltas.js';

// For test files: custom figures and fresh memory readings (no-ops without the harness).
export { metric, snapshot, type MemorySnapshot, type MetricOptions } from './api/test-api.js';
