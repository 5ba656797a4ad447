// Messages between the harness and a test process. Boundaries travel over IPC (they need an answer before the
// test body runs); results travel in a file written by the child's node:test reporter. Neither touches the
// test's own stdout, so nothing a test prints can corrupt them.

/** Sent by the preload at the start and end of every test (subtests included); the harness answers with an ack. */
export interface BoundaryMessage {
  readonly gpuTest: 'boundary';
  readonly phase: 'begin' | 'end';
  readonly seq: number;
  /** For `end`: the seq of the matching `begin`. */
  readonly beginSeq: number | null;
  readonly name: string;
  /** Epoch milliseconds in the child. */
  readonly at: number;
}

/** The harness's answer: the sample for `seq` has been taken, the test may go on. */
export interface AckMessage {
  readonly gpuTest: 'ack';
  readonly seq: number;
}

/**
 * Sent once by the harness when the file's turn comes: the process may boot early (its preload waits for this),
 * and the test file is loaded only after it, with `env` added (the job's CUDA_VISIBLE_DEVICES).
 */
export interface GoMessage {
  readonly gpuTest: 'go';
  readonly env: Readonly<Record<string, string>>;
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

/** Environment variable naming the file the child's reporter appends its records to. */
export const RESULTS_FILE_ENV = 'GPU_TEST_RESULTS_FILE';

/** Environment variable that tells the preload it runs under the harness. */
export const CHILD_ENV_FLAG = 'GPU_TEST_CHILD';

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
