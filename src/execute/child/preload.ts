// Loaded into every test process with `--import`: announces each test's start and end to the harness, which samples
// memory around it. A boundary costs one IPC message; a test waits for the harness only where a figure needs it: at
// its begin in a file whose VRAM is read, so the card is read before the body runs (and VRAM the previous test freed
// late has settled). Ends never wait: the harness samples them while the next test is on its way.
// On Node 20 top-level beforeEach/afterEach in a preloaded module fire around every test of the file, subtests too.

import { createRequire, register } from 'node:module';
import { afterEach, beforeEach } from 'node:test';
import { hideHarnessFromDescendants } from './as-under-node-test.js';
import { openHarnessChannel, type HarnessChannel } from './harness-channel.js';
import { CURRENT_TEST_KEY, isAckMessage, isGoMessage, type BoundaryMessage, type FlushMessage, type GoMessage } from './protocol.js';
import { repeatingNodeTest } from './repeat-tests.js';

type TestContextLike = { readonly name: string };

function installBoundaryHooks(channel: HarnessChannel, readsVram: boolean): void {
  const waiting = new Map<number, () => void>();
  const beginSeqOf = new WeakMap<object, number>();
  let seq = 0;

  channel.onMessage((message) => {
    if (!isAckMessage(message)) return;
    waiting.get(message.seq)?.();
    waiting.delete(message.seq);
  });
  channel.onClose(() => {
    for (const resolve of waiting.values()) resolve();
    waiting.clear();
  });

  const waitForAck = (message: BoundaryMessage | FlushMessage): Promise<void> => new Promise<void>((resolve) => {
    const release = channel.hold();
    waiting.set(message.seq, () => {
      release();
      resolve();
    });
    channel.send(message, (error) => {
      if (!error) return;
      waiting.delete(message.seq);
      release();
      resolve();
    });
  });

  const announce = (phase: BoundaryMessage['phase'], context: TestContextLike): Promise<void> | undefined => {
    if (!channel.connected) return undefined;
    seq += 1;
    const beginSeq = phase === 'end' ? (beginSeqOf.get(context) ?? null) : null;
    if (phase === 'begin') beginSeqOf.set(context, seq);
    const wait = phase === 'begin' && readsVram;
    const message: BoundaryMessage = { gpuTest: 'boundary', phase, seq, beginSeq, name: context.name, at: Date.now(), wait };
    if (wait) return waitForAck(message);
    channel.send(message);
    // One turn of the event loop before a test's body: node:test's reporter writes the results of the tests that
    // finished before it, so a crash inside this test (a native addon's SIGSEGV) cannot take those results along.
    return phase === 'begin' ? new Promise<void>((resolve) => setImmediate(resolve)) : undefined;
  };

  // Boundaries do not wait for the harness, so before the process exits it waits once for the harness to record them
  // all: the last test's "after" must be read while the process still holds its memory. (node:test itself finishes
  // the file on this event; a second beforeExit follows the ack, and node:test ignores it.)
  process.once('beforeExit', () => {
    if (!channel.connected) return;
    seq += 1;
    void waitForAck({ gpuTest: 'flush', seq });
  });

  // The innermost test in flight, for metric() calls that do not name one: a subtest's end hands it back to its parent.
  const global = globalThis as Record<symbol, unknown>;
  const inFlight: TestContextLike[] = [];
  beforeEach((context) => {
    inFlight.push(context as TestContextLike);
    global[CURRENT_TEST_KEY] = (context as TestContextLike).name;
    return announce('begin', context as TestContextLike);
  });
  afterEach((context) => {
    const index = inFlight.lastIndexOf(context as TestContextLike);
    if (index !== -1) inFlight.splice(index, 1);
    global[CURRENT_TEST_KEY] = inFlight.at(-1)?.name;
    return announce('end', context as TestContextLike);
  });
}

/** Under --repeat: test files get the repeating node:test, through import (a resolve hook) and require alike. */
function installRepeat(): void {
  const repeating = repeatingNodeTest();
  if (!repeating) return;
  register(new URL('./repeat-hooks.js', import.meta.url));
  const moduleApi = createRequire(import.meta.url)('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = moduleApi._load;
  moduleApi._load = function loadWithRepeat(this: unknown, request: string, ...rest: unknown[]) {
    return request === 'node:test' ? repeating : load.call(this, request, ...rest);
  };
}

/** Waits for the harness's go: modules given with --import finish before the test file loads, so it waits too. */
function waitForGo(channel: HarnessChannel): Promise<GoMessage> {
  return new Promise((resolve) => {
    const release = channel.hold();
    const stop = channel.onMessage((message) => {
      if (!isGoMessage(message)) return;
      stop();
      release();
      resolve(message);
    });
  });
}

/**
 * If the harness dies (SIGKILL, a crash, the OOM killer), nobody would stop this file: it would hold its GPU forever.
 * The channel closing says so, and the whole process group goes down with it.
 */
function stopWithHarness(channel: HarnessChannel): void {
  channel.onClose(() => {
    for (const target of [-process.pid, process.pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // Not a group leader (started by hand, not by the harness): the process itself is next.
      }
    }
  });
}

const channel = openHarnessChannel();
if (channel) {
  hideHarnessFromDescendants(import.meta.url, new URL('./reporter.js', import.meta.url).href);
  stopWithHarness(channel);
  const go = await waitForGo(channel);
  Object.assign(process.env, go.env);
  installRepeat();
  installBoundaryHooks(channel, go.readsVram === true);
}
