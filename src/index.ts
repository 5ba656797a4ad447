// gpu-test's public API for code that reads its results. Test files need no import: the harness measures them.

export type { Counts, FileResult, FileStatus, ProcessOutcome, RunResult, TestFailure, TestResult, TestStatus } from './execute/types.js';
export type { MemorySample, TestWindow, WindowDeltas, WindowPeak } from './measure/types.js';
export type { Job, Lane, Plan, SkipReason } from './plan/types.js';
export type { GpuInfo, GpuInventory, GpuMemory, HostInfo, HostMemory } from './probe/types.js';
export type { ResolvedConfig, UserConfig, UserSuite } from './config/types.js';
export { computeWindowDeltas } from './measure/window-deltas.js';
