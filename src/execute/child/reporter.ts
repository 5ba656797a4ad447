// The node:test reporter used inside each test process: one JSON line per finished test or suite, appended to the
// file the harness names in GPU_TEST_RESULTS_FILE. Written synchronously rather than yielded to node's reporter
// stream: a stream buffers, and a test that crashes the process (SIGSEGV, abort) would take finished tests with it.
// Each line is one write to a descriptor opened once: the kernel keeps it whatever happens to the process next.

import { openSync, writeFileSync, writeSync } from 'node:fs';
import { resultsFileOf } from './as-under-node-test.js';
import { capRecord } from './cap-record.js';
import { RESULTS_END_SUFFIX, RESULTS_QUEUE_SUFFIX, type QueuedTest, type ResultRecord } from './protocol.js';
import { REPEAT_LOCATIONS_KEY, type SourcePosition } from './repeat-tests.js';

// Under --repeat, node:test sees the repeat wrapper as every test's caller; the wrapper notes the real call sites.
function declaredAt(fullName: string): SourcePosition | undefined {
  const locations = (globalThis as Record<symbol, unknown>)[REPEAT_LOCATIONS_KEY] as Map<string, SourcePosition> | undefined;
  return locations?.get(fullName);
}

interface TestEventData {
  name: string;
  nesting: number;
  file?: string;
  line?: number;
  column?: number;
  skip?: string | boolean;
  todo?: string | boolean;
  details?: { duration_ms?: number; type?: string; error?: unknown };
}

interface TestEvent {
  type: string;
  data: TestEventData;
}

/** node:test wraps a test's error in ERR_TEST_FAILURE: report the original error with the failure type as fallback. */
function describeFailure(error: unknown): NonNullable<ResultRecord['failure']> {
  const wrapper = error as { failureType?: string; cause?: unknown; message?: string; stack?: string } | undefined;
  const cause = wrapper?.cause;
  const failureType = wrapper?.failureType ?? 'Error';
  if (cause instanceof Error) {
    const type = failureType === 'testCodeFailure' ? cause.name : failureType;
    return { type, message: cause.message, stack: cause.stack ?? null };
  }
  if (cause !== undefined && cause !== null) {
    return { type: failureType, message: typeof cause === 'string' ? cause : JSON.stringify(cause) ?? String(cause), stack: null };
  }
  return { type: failureType, message: wrapper?.message ?? 'test failed', stack: wrapper?.stack ?? null };
}

function reasonOf(flag: string | boolean | undefined): string | null {
  return typeof flag === 'string' && flag.length > 0 ? flag : null;
}

function toRecord(event: TestEvent, ancestors: readonly string[]): ResultRecord {
  const data = event.data;
  const status: ResultRecord['status'] = data.todo !== undefined && data.todo !== false ? 'todo'
    : data.skip !== undefined && data.skip !== false ? 'skipped'
    : event.type === 'test:fail' ? 'failed' : 'passed';
  const declared = declaredAt([...ancestors, data.name].join(' > '));
  return {
    name: data.name,
    fullName: [...ancestors, data.name].join(' > '),
    nesting: data.nesting,
    file: declared?.file ?? data.file ?? null,
    line: declared?.line ?? data.line ?? null,
    column: declared?.column ?? data.column ?? null,
    isSuite: data.details?.type === 'suite',
    status,
    durationMs: data.details?.duration_ms ?? 0,
    skipReason: reasonOf(status === 'todo' ? data.todo : data.skip),
    failure: status === 'failed' ? describeFailure(data.details?.error) : null,
  };
}

/** Writes all of `text` to `fd`: a write to a regular file may take only part of it (a full disk, a signal). */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
}

/** Reads node:test's event stream and records one JSON line per finished test (yielded when no file is named). */
export default async function* gpuTestReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const resultsFile = resultsFileOf();
  // test:start events arrive in order with their nesting, so they give every test its ancestors; a test is enqueued
  // while its parent is the latest one dequeued at the level above, so dequeues give the ancestors of enqueued ones.
  const path: string[] = [];
  const dequeued: string[] = [];
  // Tests node:test has queued, written in one batch before the next test starts: if the process dies, the harness
  // can name the tests that never ran, not only the one it died in.
  let queued: QueuedTest[] = [];
  const resultsFd = resultsFile ? openSync(resultsFile, 'a') : null;
  const queueFd = resultsFile ? openSync(`${resultsFile}${RESULTS_QUEUE_SUFFIX}`, 'a') : null;
  const flushQueued = (): void => {
    if (queued.length === 0 || queueFd === null) return;
    writeAll(queueFd, queued.map((test) => `${JSON.stringify(test)}\n`).join(''));
    queued = [];
  };
  for await (const event of source) {
    if (event.type === 'test:enqueue') {
      queued.push(toQueued(event.data, dequeued.slice(0, event.data.nesting)));
    } else if (event.type === 'test:dequeue') {
      dequeued.length = event.data.nesting;
      dequeued[event.data.nesting] = event.data.name;
      flushQueued();
    } else if (event.type === 'test:start') {
      path.length = event.data.nesting;
      path[event.data.nesting] = event.data.name;
    } else if (event.type === 'test:pass' || event.type === 'test:fail') {
      // Capped here so a 50 MB assertion message never reaches the file the harness reads.
      const line = `${JSON.stringify(capRecord(toRecord(event, path.slice(0, event.data.nesting))))}\n`;
      if (resultsFd !== null) writeAll(resultsFd, line);
      else yield line;
    }
  }
  // node:test ended the stream: the file ran to its end. A process.exit() inside a test never gets here.
  if (resultsFile) writeFileSync(`${resultsFile}${RESULTS_END_SUFFIX}`, '');
}

function toQueued(data: TestEventData, ancestors: readonly string[]): QueuedTest {
  const fullName = [...ancestors, data.name].join(' > ');
  const declared = declaredAt(fullName);
  return { name: data.name, fullName, nesting: data.nesting, file: declared?.file ?? data.file ?? null, line: declared?.line ?? data.line ?? null };
}
