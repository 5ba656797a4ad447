// Announces each test's begin and end to the harness, which samples memory around it. A boundary costs one IPC message;
// a test waits for the harness only where a figure needs it (see VramSetting):
//   - VRAM read here (NVML): never at a begin; at an end only when the test's cards moved, so the harness lets VRAM
//     settle (memory a test frees late counts as freed before the next test begins);
//   - VRAM read by the harness (the nvidia-smi stream): at every begin and end, for a reading taken there;
//   - no VRAM (a cpu-lane file): never.
// Before the process exits it waits once for the harness to record every boundary (the flush), so no reading is taken
// after the memory it measures is gone. On Node 20 top-level beforeEach/afterEach in a preloaded module fire around
// every test of the file, subtests too.

import { afterEach, beforeEach } from 'node:test';
import { SETTLE_TOLERANCE_BYTES } from '../../measure/settle-vram.js';
import { totalOf, type ChildVram } from './child-vram.js';
import type { HarnessChannel } from './harness-channel.js';
import { CURRENT_TEST_KEY, isAckMessage, type BoundaryMessage, type FlushMessage, type VramReading } from './protocol.js';

type TestContextLike = { readonly name: string };

/** How this process's boundaries read VRAM: here (`vram` set), by the harness (`harnessReadsVram`), or not at all. */
export interface BoundaryVram {
  vram: ChildVram | null;
  harnessReadsVram: boolean;
}

/** Installs the hooks on `channel`; a setting still being decided (NVML opening) holds the first boundary until it is. */
export function installBoundaryHooks(channel: HarnessChannel, decided: BoundaryVram | Promise<BoundaryVram>): void {
  let setting: BoundaryVram = { vram: null, harnessReadsVram: false };
  let deciding: Promise<void> | null = null;
  if (decided instanceof Promise) {
    deciding = decided.then((value) => {
      setting = value;
      deciding = null;
    });
  } else {
    setting = decided;
  }
  const waiting = new Map<number, () => void>();
  const beginSeqOf = new WeakMap<object, number>();
  const vramAtBegin = new Map<number, number | null>();
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

  // A card that cannot be read here any more (lost mid-run) is left to the harness, which says why.
  const readVram = (): VramReading[] | undefined => {
    if (!setting.vram) return undefined;
    try {
      return setting.vram.read();
    } catch {
      setting.vram = null;
      setting.harnessReadsVram = true;
      return undefined;
    }
  };

  const announce = (phase: BoundaryMessage['phase'], context: TestContextLike): Promise<void> | undefined => {
    if (deciding) return deciding.then(() => announce(phase, context));
    if (!channel.connected) return undefined;
    seq += 1;
    const vram = readVram();
    const total = vram ? totalOf(vram) : null;
    let beginSeq: number | null = null;
    let moved = false;
    if (phase === 'begin') {
      beginSeqOf.set(context, seq);
      vramAtBegin.set(seq, total);
    } else {
      beginSeq = beginSeqOf.get(context) ?? null;
      const before = beginSeq === null ? null : vramAtBegin.get(beginSeq) ?? null;
      if (beginSeq !== null) vramAtBegin.delete(beginSeq);
      moved = before !== null && total !== null && Math.abs(total - before) > SETTLE_TOLERANCE_BYTES;
    }
    const wait = setting.harnessReadsVram || moved;
    const message: BoundaryMessage = { gpuTest: 'boundary', phase, seq, beginSeq, name: context.name, at: Date.now(), wait, ...(vram ? { vram } : {}) };
    if (wait) return waitForAck(message);
    channel.send(message);
    // One turn of the event loop before a test's body: node:test's reporter writes the results of the tests that
    // finished before it, so a crash inside this test (a native addon's SIGSEGV) cannot take those results along.
    return phase === 'begin' ? new Promise<void>((resolve) => setImmediate(resolve)) : undefined;
  };

  // node:test itself finishes the file on this event; a second beforeExit follows the ack, and node:test ignores it.
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
