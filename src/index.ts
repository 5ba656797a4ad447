// gpu-test's public API: types for code that reads its results, and metric()/snapshot() for test files (the
// harness measures every test without them).

export type { Counts, FileResidue, FileResult, FileStatus, HookPhase, HookRun, LeakFinding, OrphanProcess, ProcessOutcome, RepeatInfo, RunResult, TestFailure, TestMetric, TestResult, TestStatus } from './results/run-result.js';
export type { BudgetBound, BudgetBreach, BudgetCheck, BudgetFigure, BudgetKind, MemorySample, TestWindow, WindowDeltas, WindowPeak } from './results/measurement.js';
export type { Job, Lane, Plan, SkipReason } from './results/job.js';
export type { GpuInfo, GpuInventory, GpuMemory, HostInfo, HostMemory } from './results/machine.js';
export type { GpuHealth } from './probe/types.js';
export type { ResolvedConfig, UserConfig, UserSuite } from './config/types.js';
export { computeWindowDeltas } from './results/window-deltas.js';

// For test files: custom figures and fresh memory readings (no-ops without the harness).
export { metric, snapshot, type MemorySnapshot, type MetricOptions } from './api/test-api.js';
