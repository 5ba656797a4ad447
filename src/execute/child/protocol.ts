// Messages between the harness and a test process. Boundaries travel over IPC; results travel in a file written by
// the child's node:test reporter. Neither touches the test's own stdout, so nothing a test prints can corrupt them.

/**
 * Sent by the preload at the start and end of every test (subtests included). The test goes on at once unless `wait`
 * is set: then the harness answers with an ack once its sample is taken (and, at an end, once VRAM has settled).
 */
export interface BoundaryMessage {
  readonly gpuTest: 'boundary';
  readonly phase: 'begin' | 'end';
  readonly seq: number;
  /** For `end`: the seq of the matching `begin`. */
  readonly beginSeq: number | null;
  readonly name: string;
  /** Epoch milliseconds in the child. */
  readonly at: number;
  /** Whether the test waits for the harness's ack (see VramSetting). */
  readonly wait: boolean;
  /** The file's cards as the test process read them at this boundary (VramSetting `child`); absent otherwise. */
  readonly vram?: readonly VramReading[];
}

/** Used VRAM of one card (physical index, as NVML numbers them), read by the test process; null where unreadable. */
export interface VramReading {
  readonly index: number;
  readonly usedBytes: number | null;
}

/**
 * Who reads a GPU file's VRAM at its tests' boundaries. `child`: the test process itself, through the libnvidia-ml the
 * harness opened, so no test waits for the harness except at an end whose VRAM moved (it waits for VRAM to settle).
 * `harness`: the harness (the nvidia-smi stream), so every test waits at its begin and end for the harness's reading.
 * null: VRAM is not measured (a cpu-lane file, no GPU reader) and no test waits.
 */
export type VramSetting =
  | { readonly by: 'child'; readonly nvmlLibrary: string; readonly gpus: readonly number[] }
  | { readonly by: 'harness' }
  | null;

/** The harness's answer to a boundary that waits (or a flush): the sample for `seq` has been taken, the test may go on. */
export interface AckMessage {
  readonly gpuTest: 'ack';
  readonly seq: number;
}

/**
 * Sent by the preload once node:test is done, before the process exits; the harness acks it (with this seq) once every
 * boundary before it is recorded, so a test's "after" is read while the process still holds its memory.
 */
export interface FlushMessage {
  readonly gpuTest: 'flush';
  readonly seq: number;
}

/**
 * Sent once by the harness when the file's turn comes: the process may boot early (its preload waits for this),
 * and the test file is loaded only after it, with `env` added (the job's CUDA_VISIBLE_DEVICES).
 */
export interface GoMessage {
  readonly gpuTest: 'go';
  readonly env: Readonly<Record<string, string>>;
  /** Who reads the file's VRAM at each test boundary, and so when a test waits for the harness. */
  readonly vram: VramSetting;
}

/** One finished test or suite, as the child's reporter writes it (one JSON object per line). */
export interface ResultRecord {
  readonly name: string;
  readonly fullName: string;
  readonly nesting: number;
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
  readonly isSuite: boolean;
  readonly status: 'passed' | 'failed' | 'skipped' | 'todo';
  readonly durationMs: number;
  readonly skipReason: string | null;
  readonly failure: { readonly type: string; readonly message: string; readonly stack: string | null } | null;
}

/** A figure a test recorded with `metric()`; fire and forget. */
export interface MetricMessage {
  readonly gpuTest: 'metric';
  readonly name: string;
  readonly value: number;
  readonly unit: string | null;
  /** The test it belongs to: the one in flight when it was recorded; null outside any test. */
  readonly test: string | null;
  readonly at: number;
}

/** `snapshot()` asks for a fresh memory reading; the harness answers with a SnapshotReply of the same seq. */
export interface SnapshotRequest {
  readonly gpuTest: 'snapshot';
  readonly seq: number;
}

/** The harness's answer to a SnapshotRequest. */
export interface SnapshotReply {
  readonly gpuTest: 'snapshot-reply';
  readonly seq: number;
  readonly snapshot: MemorySnapshot;
}

/** Memory as the harness read it for `snapshot()`, in bytes; a figure is null where it could not be read. */
export interface MemorySnapshot {
  /** Epoch milliseconds. */
  readonly at: number;
  /** Used VRAM summed over the GPUs this test process was given; null off the gpu lane or without a GPU reader. */
  readonly vramUsedBytes: number | null;
  readonly gpus: readonly { readonly index: number; readonly usedBytes: number | null; readonly totalBytes: number | null }[];
  /** RSS of the test's whole process tree. */
  readonly processRssBytes: number | null;
  readonly hostUsedBytes: number | null;
  readonly hostAvailableBytes: number | null;
  readonly swapUsedBytes: number | null;
}

/** Where the preload keeps the name of the test in flight, for metric() calls that do not name one. */
export const CURRENT_TEST_KEY = Symbol.for('gpu-test.current-test');

/** Environment variable naming the file the child's reporter appends its records to. */
export const RESULTS_FILE_ENV = 'GPU_TEST_RESULTS_FILE';

/** Written beside the results file (its name plus this) once node:test has reported the whole file. */
export const RESULTS_END_SUFFIX = '.end';

/** Beside the results file (its name plus this): one QueuedTest per line, for every test node:test queued to run. */
export const RESULTS_QUEUE_SUFFIX = '.queued';

/** A test node:test has queued (a suite too: nothing tells them apart yet); one JSON object per line. */
export interface QueuedTest {
  readonly name: string;
  /** Ancestors and the test, joined by ` > `, as in ResultRecord. */
  readonly fullName: string;
  readonly nesting: number;
  readonly file: string | null;
  readonly line: number | null;
}

/** Environment variable that tells the preload it runs under the harness. */
export const CHILD_ENV_FLAG = 'GPU_TEST_CHILD';

/**
 * Environment variable that names the libnvidia-ml a GPU file's process may open while it waits for its turn (the
 * harness reads, or will likely read, VRAM through it); the preload takes it out before the test file loads.
 */
export const CHILD_NVML_ENV = 'GPU_TEST_CHILD_NVML';

/**
 * Environment variable every process of a test file inherits (`<run id>/<file>-<attempt>`): found by it, a process
 * that left the file's process group (a daemon) is still known as the file's.
 */
export const JOB_TAG_ENV = 'GPU_TEST_JOB';

/** Environment variable every process a run starts inherits: its run id. */
export const RUN_TAG_ENV = 'GPU_TEST_RUN';

/** Whether an IPC message is a boundary message (the test itself might send others). */
export function isBoundaryMessage(value: unknown): value is BoundaryMessage {
  return typeof value === 'object' && value !== null && (value as { gpuTest?: unknown }).gpuTest === 'boundary';
}

/** Whether an IPC message is the harness's go. */
export function isGoMessage(value: unknown): value is GoMessage {
  return typeof value === 'object' && value !== null && (value as { gpuTest?: unknown }).gpuTest === 'go';
}

/** Whether an IPC message is the harness's ack. */
export function isAckMessage(value: unknown): value is AckMessage {
  return typeof value === 'object' && value !== null && (value as { gpuTest?: unknown }).gpuTest === 'ack';
}

/** Whether an IPC message is the preload's flush before exit. */
export function isFlushMessage(value: unknown): value is FlushMessage {
  return typeof value === 'object' && value !== null && (value as { gpuTest?: unknown }).gpuTest === 'flush';
}

/** Whether an IPC message is a metric. */
export function isMetricMessage(value: unknown): value is MetricMessage {
  return typeof value === 'object' && value !== null && (value as { gpuTest?: unknown }).gpuTest === 'metric';
}

/** Whether an IPC message asks for a snapshot. */
export function isSnapshotRequest(value: unknown): value is SnapshotRequest {
  return typeof value === 'object' && value !== null && (value as { gpuTest?: unknown }).gpuTest === 'snapshot';
}

/** Whether an IPC message is the harness's snapshot answer. */
export function isSnapshotReply(value: unknown): value is SnapshotReply {
  return typeof value === 'object' && value !== null && (value as { gpuTest?: unknown }).gpuTest === 'snapshot-reply';
}
