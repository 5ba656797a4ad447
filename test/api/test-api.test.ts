// The API test files call: metric() validates its name and value (TypeError) whether or not the harness is there,
// and without it does nothing (sends nothing, returns undefined); snapshot() resolves null without it. Under a
// stand-in harness (a forked process with IPC and the child flag), metric() sends its message, attributed to the
// test in flight or to the one named, and snapshot() resolves to the harness's answer to its request.

import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { metric, snapshot, type MemorySnapshot } from '../../src/api/test-api.js';
import { CHILD_ENV_FLAG, isMetricMessage, isSnapshotRequest, type MetricMessage, type SnapshotReply } from '../../src/execute/child/protocol.js';

const savedFlag = process.env[CHILD_ENV_FLAG];
const saved = { send: Object.getOwnPropertyDescriptor(process, 'send'), connected: Object.getOwnPropertyDescriptor(process, 'connected') };

afterEach(() => {
  if (savedFlag === undefined) delete process.env[CHILD_ENV_FLAG];
  else process.env[CHILD_ENV_FLAG] = savedFlag;
  for (const [key, descriptor] of Object.entries(saved)) {
    if (descriptor) Object.defineProperty(process, key, descriptor);
    else delete (process as unknown as Record<string, unknown>)[key];
  }
});

/** Replaces process.send with a recorder, as if an IPC channel were there; returns what it was given. */
function recordSends(): unknown[] {
  const sent: unknown[] = [];
  Object.defineProperty(process, 'send', { value: (message: unknown) => (sent.push(message), true), configurable: true, writable: true });
  return sent;
}

describe('metric() and snapshot() without the harness', () => {
  it('rejects a name that is not an identifier-like string, with TypeError', () => {
    for (const name of ['', '1st', 'tokens per s', 'a/b', 'é', ' x']) {
      assert.throws(() => metric(name, 1), (error: Error) => error instanceof TypeError && /^metric\(\): the name must be letters, digits/.test(error.message), JSON.stringify(name));
    }
    assert.throws(() => metric(42 as unknown as string, 1), TypeError);
    for (const name of ['tokens_per_s', '_x', 'gpu0.util', 'p:99', 'load-ms']) assert.doesNotThrow(() => metric(name, 1), name);
  });

  it('rejects a name or a unit over 200 characters, with a TypeError that quotes only the start and end of it', () => {
    const long = `n${'x'.repeat(1024 * 1024)}`;
    for (const call of [() => metric(long, 1), () => metric('tokens', 1, long), () => metric('tokens', 1, { unit: long })]) {
      assert.throws(call, (error: Error) => error instanceof TypeError && /must be at most 200 characters, got 1048577: "nxxx/.test(error.message) && error.message.length < 400);
    }
    assert.throws(() => metric(`${long} bad`, 1), (error: Error) => error instanceof TypeError && error.message.length < 400);
    assert.doesNotThrow(() => metric('n'.repeat(200), 1, 'u'.repeat(200)));
  });

  it('rejects a value that is not a finite number, with TypeError naming the metric', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, -Infinity, '5', null, undefined]) {
      assert.throws(() => metric('tokens', value as number), (error: Error) => error instanceof TypeError && error.message.startsWith("metric('tokens'): the value must be a finite number"), String(value));
    }
    assert.doesNotThrow(() => metric('delta', -3.5));
  });

  it('returns undefined and sends nothing, even with an IPC channel and the flag, unless the preload took the channel', () => {
    delete process.env[CHILD_ENV_FLAG];
    const sent = recordSends();
    assert.equal(metric('tokens', 1, 'tok'), undefined);
    // A process the test itself forked inherits neither the flag nor the preload's channel: it must stay silent.
    process.env[CHILD_ENV_FLAG] = '1';
    assert.equal(metric('tokens', 1, { unit: 'tok', test: 'x' }), undefined);
    assert.deepEqual(sent, []);
  });

  it('resolves snapshot() to null, sending nothing', async () => {
    delete process.env[CHILD_ENV_FLAG];
    const sent = recordSends();
    assert.equal(await snapshot(), null);
    assert.deepEqual(sent, []);
  });
});

describe('metric() and snapshot() under a stand-in harness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-api-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const api = new URL('../../src/api/test-api.ts', import.meta.url).href;
  const channelModule = new URL('../../src/execute/child/harness-channel.ts', import.meta.url).href;

  it('sends each metric with its unit and test, and gets the harness\'s snapshot back', async () => {
    const script = join(dir, 'child.mjs');
    writeFileSync(script, `import { metric, snapshot } from ${JSON.stringify(api)};
import { openHarnessChannel } from ${JSON.stringify(channelModule)};
// What the preload does first in a process the harness started.
openHarnessChannel();
globalThis[Symbol.for('gpu-test.current-test')] = 'generates';
metric('tokens_per_s', 41.7, { unit: 'tok/s' });
metric('load_ms', 900, 'ms');
metric('other', 1, { test: 'named explicitly' });
globalThis[Symbol.for('gpu-test.current-test')] = undefined;
metric('outside', 2);
const reading = await snapshot();
process.send({ done: reading });
`);
    const answer: MemorySnapshot = {
      at: 1234, vramUsedBytes: 5, gpus: [{ index: 0, usedBytes: 5, totalBytes: 10 }], processRssBytes: 6, hostUsedBytes: 7, hostAvailableBytes: 8, swapUsedBytes: 0,
    };
    const { NODE_TEST_CONTEXT: _outer, ...env } = process.env;
    const child = fork(script, [], { execArgv: ['--import', 'tsx'], env: { ...env, [CHILD_ENV_FLAG]: '1' }, serialization: 'json', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    // A child stuck waiting for its snapshot fails the test rather than hanging the run.
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', () => clearTimeout(watchdog));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const metrics: MetricMessage[] = [];
    const requests: number[] = [];
    const done = new Promise<unknown>((resolve) => {
      child.on('message', (message: unknown) => {
        if (isMetricMessage(message)) metrics.push(message);
        if (isSnapshotRequest(message)) {
          requests.push(message.seq);
          const reply: SnapshotReply = { gpuTest: 'snapshot-reply', seq: message.seq, snapshot: answer };
          child.send(reply);
        }
        if (typeof message === 'object' && message !== null && 'done' in message) resolve((message as { done: unknown }).done);
      });
      child.on('exit', (code) => resolve(`exited with ${code}: ${stderr}`));
    });
    const reading = await done;
    assert.deepEqual(reading, answer, stderr);
    assert.equal(requests.length, 1);
    assert.deepEqual(metrics.map(({ name, value, unit, test }) => ({ name, value, unit, test })), [
      { name: 'tokens_per_s', value: 41.7, unit: 'tok/s', test: 'generates' },
      { name: 'load_ms', value: 900, unit: 'ms', test: 'generates' },
      { name: 'other', value: 1, unit: null, test: 'named explicitly' },
      { name: 'outside', value: 2, unit: null, test: null },
    ]);
    assert.ok(metrics.every((m) => m.gpuTest === 'metric' && typeof m.at === 'number'));
  });
});
