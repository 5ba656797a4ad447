// Loaded into every test process with `--import`: announces each test's start and end to the harness and waits
// for its ack, so the harness samples memory right before the test body and right after it.
// On Node 20 top-level beforeEach/afterEach in a preloaded module fire around every test of the file, subtests too.

import { createRequire, register } from 'node:module';
import { afterEach, beforeEach } from 'node:test';
import { hideHarnessFromDescendants } from './as-under-node-test.js';
import { openHarnessChannel, type HarnessChannel } from './harness-channel.js';
import { CURRENT_TEST_KEY, isAckMessage, isGoMessage, type BoundaryMessage, type GoMessage } from './protocol.js';
import { repeatingNodeTest } from './repeat-tests.js';

type TestContextLike = { readonly name: string };

function installBoundaryHooks(channel: HarnessChannel): void {
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

  const announce = (phase: BoundaryMessage['phase'], context: TestContextLike): Promise<void> => {
    seq += 1;
    const id = seq;
    const beginSeq = phase === 'end' ? (beginSeqOf.get(context) ?? null) : null;
    if (phase === 'begin') beginSeqOf.set(context, id);
    const message: BoundaryMessage = { gpuTest: 'boundary', phase, seq: id, beginSeq, name: context.name, at: Date.now() };
    return new Promise<void>((resolve) => {
      if (!channel.connected) return resolve();
      const release = channel.hold();
      waiting.set(id, () => {
        release();
        resolve();
      });
      channel.send(message, (error) => {
        if (!error) return;
        waiting.delete(id);
        release();
        resolve();
      });
    });
  };

  // The innermost test in flight, for metric() calls that do not name one: a subtest's end hands it back to its parent.
  const global = globalThis as Record<symbol, unknown>;
  const open: TestContextLike[] = [];
  beforeEach((context) => {
    open.push(context as TestContextLike);
    global[CURRENT_TEST_KEY] = (context as TestContextLike).name;
    return announce('begin', context as TestContextLike);
  });
  afterEach((context) => {
    const index = open.lastIndexOf(context as TestContextLike);
    if (index !== -1) open.splice(index, 1);
    global[CURRENT_TEST_KEY] = open.at(-1)?.name;
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
  installBoundaryHooks(channel);
}
