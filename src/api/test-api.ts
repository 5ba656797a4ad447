// What test files may call: record a figure for the reports, read memory right now. Both talk to the harness over
// the test process's IPC channel; run without the harness (plain `node --test`), they do nothing and cost nothing.

import { capName, NAME_LIMIT_CHARS } from '../units/cap-text.js';
import { harnessChannel } from '../execute/child/harness-channel.js';
import { CURRENT_TEST_KEY, isSnapshotReply, type MemorySnapshot, type MetricMessage, type SnapshotRequest } from '../execute/child/protocol.js';

export type { MemorySnapshot } from '../execute/child/protocol.js';

/** Options of metric(). */
export interface MetricOptions {
  /** Shown after the value: `tok/s`, `ms`. */
  readonly unit?: string;
  /** The test it belongs to, by name; default: the test running now. */
  readonly test?: string;
}

const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/**
 * Records a custom figure for the test running now, such as `metric('tokens_per_s', 41.7, { unit: 'tok/s' })`; it
 * lands in report.md, junit.xml and results.json. Throws TypeError for a bad name, a name or unit over 200 characters
 * or a value that is not finite, so a broken measurement fails its test rather than reporting NaN.
 */
export function metric(name: string, value: number, options: MetricOptions | string = {}): void {
  if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
    const got = typeof name === 'string' ? JSON.stringify(capName(name)) : String(name);
    throw new TypeError(`metric(): the name must be letters, digits, \`_\`, \`.\`, \`:\` or \`-\` and start with a letter or \`_\`, such as \`tokens_per_s\`; got ${got}`);
  }
  if (name.length > NAME_LIMIT_CHARS) {
    throw new TypeError(`metric(): the name must be at most ${NAME_LIMIT_CHARS} characters, got ${name.length}: ${JSON.stringify(capName(name))}`);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`metric('${name}'): the value must be a finite number, got ${String(value)}`);
  }
  const { unit, test } = typeof options === 'string' ? { unit: options, test: undefined } : options;
  if (typeof unit === 'string' && unit.length > NAME_LIMIT_CHARS) {
    throw new TypeError(`metric('${name}'): the unit must be at most ${NAME_LIMIT_CHARS} characters, got ${unit.length}: ${JSON.stringify(capName(unit))}`);
  }
  const channel = harnessChannel();
  if (!channel?.connected) return;
  const current = (globalThis as Record<symbol, unknown>)[CURRENT_TEST_KEY];
  const message: MetricMessage = {
    gpuTest: 'metric', name, value, unit: unit ?? null,
    test: test ?? (typeof current === 'string' ? current : null), at: Date.now(),
  };
  channel.send(message);
}

let nextSeq = 0;

/**
 * A fresh reading of memory as the harness sees it: VRAM of this process's GPUs (read now, not from the last
 * sample), the RSS of this test's process tree, host RAM and swap. Resolves to null without the harness.
 */
export function snapshot(): Promise<MemorySnapshot | null> {
  const channel = harnessChannel();
  if (!channel?.connected) return Promise.resolve(null);
  nextSeq += 1;
  const seq = nextSeq;
  return new Promise((resolve) => {
    // Held until the answer comes, so the process waits for it even with nothing else to do.
    const release = channel.hold();
    const unsubscribe: (() => void)[] = [];
    const done = (value: MemorySnapshot | null): void => {
      for (const stop of unsubscribe) stop();
      release();
      resolve(value);
    };
    unsubscribe.push(channel.onMessage((message) => {
      if (isSnapshotReply(message) && message.seq === seq) done(message.snapshot);
    }));
    unsubscribe.push(channel.onClose(() => done(null)));
    const request: SnapshotRequest = { gpuTest: 'snapshot', seq };
    channel.send(request, (error) => {
      if (error) done(null);
    });
  });
}
