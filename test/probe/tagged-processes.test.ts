// Processes found by a variable in their environment, scan after scan: the scans skip what an earlier one read, so
// these check that a process started between two scans is still found and one that exited is dropped.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs, { existsSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { after, describe, it, mock } from 'node:test';
import { findTaggedProcesses, signalTaggedProcesses } from '../../src/probe/tagged-processes.js';

const NAME = 'GPU_TEST_TAGGED_PROCESSES_TEST';
const started: ChildProcess[] = [];

/** A sleeping process tagged NAME=value, once it runs (its environment is readable). */
async function startTagged(value: string): Promise<ChildProcess> {
  const child = spawn('sleep', ['60'], { env: { ...process.env, [NAME]: value }, stdio: 'ignore' });
  started.push(child);
  await once(child, 'spawn');
  return child;
}

describe('findTaggedProcesses', { skip: existsSync('/proc/self/environ') ? false : 'no /proc on this host' }, () => {
  after(() => {
    for (const child of started) child.kill('SIGKILL');
  });

  it('finds a process started after an earlier scan, and drops one that exited', async () => {
    const value = `run-${process.pid}`;
    const first = await startTagged(value);
    assert.deepEqual(findTaggedProcesses(NAME, value), [first.pid]);
    const second = await startTagged(value);
    const other = await startTagged(`${value}-other`);
    assert.deepEqual(findTaggedProcesses(NAME, value).sort((a, b) => a - b), [first.pid, second.pid].sort((a, b) => (a ?? 0) - (b ?? 0)));
    assert.deepEqual(findTaggedProcesses(NAME, `${value}-other`), [other.pid]);
    first.kill('SIGKILL');
    await once(first, 'exit');
    assert.deepEqual(findTaggedProcesses(NAME, value), [second.pid]);
  });

  it('reads again the processes holding the value looked for, not those holding another (the other files\' ones)', async () => {
    const value = `reread-${process.pid}`;
    const ours = await startTagged(value);
    const others = [await startTagged(`${value}-a`), await startTagged(`${value}-b`)];
    assert.deepEqual(findTaggedProcesses(NAME, value), [ours.pid]);
    // The module imported readFileSync by name: the spy reaches it through the builtin's synced exports.
    const readFileSync = mock.method(fs, 'readFileSync');
    syncBuiltinESMExports();
    try {
      assert.deepEqual(findTaggedProcesses(NAME, value), [ours.pid]);
    } finally {
      readFileSync.mock.restore();
      syncBuiltinESMExports();
    }
    const environsRead = readFileSync.mock.calls.map((call) => String(call.arguments[0])).filter((path) => path.endsWith('/environ'));
    assert.ok(environsRead.includes(`/proc/${ours.pid}/environ`), `ours was not read again: ${environsRead.join(', ')}`);
    for (const other of others) assert.ok(!environsRead.includes(`/proc/${other.pid}/environ`), `${other.pid}, tagged with another value, was read again`);
  });

  it('matches the whole value only, and signals what it finds', async () => {
    const value = `exact-${process.pid}`;
    const tagged = await startTagged(value);
    await startTagged(`${value}x`);
    assert.deepEqual(findTaggedProcesses(NAME, value), [tagged.pid]);
    const exited = once(tagged, 'exit');
    assert.deepEqual(signalTaggedProcesses(NAME, value, 'SIGKILL'), [tagged.pid]);
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');
  });
});
