// The test process's link to the harness: the IPC channel gpu-test opened when it started the process, taken by the
// preload for gpu-test's own messages. The preload and the public API (metric(), snapshot()) share it through a
// global, so a copy of gpu-test loaded from the project's node_modules finds the one the preload opened.

import { CHILD_ENV_FLAG } from './protocol.js';

const CHANNEL_KEY = Symbol.for('gpu-test.harness-channel');

/** What gpu-test's code in a test process uses to talk to the harness. */
export interface HarnessChannel {
  /** Whether the harness can still be reached. */
  readonly connected: boolean;
  /** Sends a message; `callback` gets the error when it could not be sent. */
  send(message: object, callback?: (error: Error | null) => void): void;
  /** Keeps the process alive while an answer is awaited; call the returned function once it came (or never will). */
  hold(): () => void;
  /** Calls `listener` for every message of the harness until the returned function is called. */
  onMessage(listener: (message: unknown) => void): () => void;
  /** Calls `listener` once if the channel closes (the harness is gone) until the returned function is called. */
  onClose(listener: () => void): () => void;
}

/**
 * Takes the IPC channel for gpu-test, once, in a process the harness started (its flag set and a channel there); null
 * anywhere else. Captures the channel before any test code runs, so what a test later does to `process` cannot cut it.
 */
export function openHarnessChannel(): HarnessChannel | null {
  const existing = harnessChannel();
  if (existing) return existing;
  if (process.env[CHILD_ENV_FLAG] !== '1' || typeof process.send !== 'function') return null;
  const send = process.send.bind(process);
  const channel = process.channel;
  let holds = 0;
  let closed = false;
  const closeListeners = new Set<() => void>();
  // The channel keeps the process alive only while an answer is awaited: a finished test file must exit.
  channel?.unref();
  process.on('disconnect', () => {
    closed = true;
    const listeners = [...closeListeners];
    closeListeners.clear();
    for (const listener of listeners) listener();
  });
  const harness: HarnessChannel = {
    get connected() {
      return !closed && process.connected !== false;
    },
    send(message, callback) {
      if (closed) {
        callback?.(new Error('the harness is gone'));
        return;
      }
      send(message, undefined, {}, (error: Error | null) => callback?.(error));
    },
    hold() {
      holds += 1;
      if (holds === 1) channel?.ref();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holds -= 1;
        if (holds === 0) channel?.unref();
      };
    },
    onMessage(listener) {
      process.on('message', listener);
      return () => void process.off('message', listener);
    },
    onClose(listener) {
      if (closed) {
        listener();
        return () => {};
      }
      closeListeners.add(listener);
      return () => void closeListeners.delete(listener);
    },
  };
  (globalThis as Record<symbol, unknown>)[CHANNEL_KEY] = harness;
  return harness;
}

/** The channel the preload opened, or null without the harness (plain `node --test`, or a process a test forked). */
export function harnessChannel(): HarnessChannel | null {
  return ((globalThis as Record<symbol, unknown>)[CHANNEL_KEY] as HarnessChannel | undefined) ?? null;
}
