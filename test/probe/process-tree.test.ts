import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import {
  isRunning as isRunningProcess, killProcessTree, listProcessTree, readCommandLine, readProcessRss, readProcessTreeRss, readStartTime,
} from '../../src/probe/process-tree.js';

const linux = process.platform === 'linux';
const started: ChildProcess[] = [];

// Alive and not a zombie: a killed orphan may wait a moment for init to reap it.
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor<T>(read: () => T, done: (value: T) => boolean, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(20);
    value = read();
  }
  return value;
}

function startTree(script: string): ChildProcess {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  started.push(child);
  return child;
}

after(() => {
  for (const child of started) if (child.pid !== undefined) killProcessTree(child.pid, 'SIGKILL');
});

describe('process-tree', { skip: linux ? false : 'reads /proc' }, () => {
  it('lists a spawned tree, root first', async () => {
    const child = startTree('sleep 30 & sleep 30');
    const pid = child.pid ?? -1;
    // dash may exec the last command in place of the shell: the tree is then that sleep and its sibling.
    const commandOf = (member: number): string => readFileSync(`/proc/${member}/cmdline`, 'utf8');
    // A forked child shows the shell's command line until it has exec'd sleep.
    const tree = await waitFor(() => listProcessTree(pid), (pids) => pids.length >= 2 && pids.slice(1).every((member) => commandOf(member).startsWith('sleep')));
    assert.equal(tree[0], pid);
    assert.ok(tree.length >= 2, `tree ${tree.join(',')}`);
    for (const member of tree.slice(1)) assert.match(commandOf(member), /^sleep/);
    assert.ok(listProcessTree(process.pid).includes(pid), 'the test process is an ancestor');
  });

  it('sums RSS over the tree', async () => {
    const child = startTree('sleep 30 & sleep 30');
    const pid = child.pid ?? -1;
    await waitFor(() => listProcessTree(pid), (pids) => pids.length >= 2);
    const rss = await readProcessTreeRss(pid);
    assert.ok(rss !== null && rss > 0);
    const ownRss = await readProcessTreeRss(process.pid);
    assert.ok(ownRss !== null && ownRss >= process.memoryUsage().rss / 2);
  });

  it('gives [] and null for a process that is gone', async () => {
    const child = spawn('true');
    await once(child, 'exit');
    const pid = child.pid ?? -1;
    assert.deepEqual(listProcessTree(pid), []);
    assert.equal(await readProcessTreeRss(pid), null);
  });

  it('kills the whole tree, including an orphan that kept the process group', async () => {
    // The subshell exits at once, so its sleep is reparented away from the root and only the group reaches it.
    const child = startTree('(sleep 31 &) ; sleep 30 & sleep 30');
    const pid = child.pid ?? -1;
    const outsideTree = (): number[] => {
      const tree = listProcessTree(pid);
      return listGroup(pid).filter((member) => !tree.includes(member));
    };
    const orphan = await waitFor(outsideTree, (pids) => pids.length > 0);
    const tree = await waitFor(() => listProcessTree(pid), (pids) => pids.length >= 2);
    assert.ok(tree.length >= 2, `tree ${tree.join(',')}`);
    assert.ok(orphan.length > 0, 'the orphan sleep started outside the tree');
    const exited = once(child, 'exit');
    killProcessTree(pid, 'SIGTERM');
    await exited;
    for (const member of [...tree, ...orphan]) {
      assert.equal(await waitFor(() => isRunning(member), (running) => !running), false, `pid ${member} still runs`);
    }
  });

  it('ignores processes already gone', () => {
    assert.doesNotThrow(() => killProcessTree(2 ** 22 + 12345, 'SIGTERM'));
  });

  it('tolerates processes coming and going while it reads', async () => {
    const churn = Array.from({ length: 20 }, () => spawn('true'));
    for (let i = 0; i < 20; i += 1) assert.equal(listProcessTree(process.pid)[0], process.pid);
    await Promise.all(churn.map((child) => (child.exitCode === null ? once(child, 'exit') : null)));
  });
});

describe('one process: start time, running, command line, RSS', { skip: linux ? false : 'reads /proc' }, () => {
  it('reads a live process: a stable start time, running, its command line and RSS', async () => {
    const start = readStartTime(process.pid);
    assert.ok(start !== null && start > 0);
    assert.equal(readStartTime(process.pid), start, 'the same process has the same start time');
    assert.equal(isRunningProcess(process.pid), true);
    assert.ok(readCommandLine(process.pid)?.includes('process-tree.test'), readCommandLine(process.pid) ?? 'null');
    assert.ok(((await readProcessRss(process.pid)) ?? 0) > 0);
  });

  it('tells a later process from an earlier one by start time, and reads its arguments joined by spaces', async () => {
    const child = startTree('exec sleep 29.5');
    const pid = child.pid ?? -1;
    await waitFor(() => readCommandLine(pid), (command) => command === 'sleep 29.5');
    assert.equal(readCommandLine(pid), 'sleep 29.5');
    assert.ok((readStartTime(pid) ?? 0) >= (readStartTime(process.pid) ?? Infinity));
  });

  it('gives null and false for a process that has exited and been reaped', async () => {
    const child = spawn('true');
    await once(child, 'exit');
    const pid = child.pid ?? -1;
    assert.equal(readStartTime(pid), null);
    assert.equal(isRunningProcess(pid), false);
    assert.equal(readCommandLine(pid), null);
    assert.equal(await readProcessRss(pid), null);
  });

  it('does not count a zombie (exited, not yet reaped by its parent) as running', { timeout: 5000 }, async () => {
    // The shell forks `sleep 0`, then becomes `sleep 30`, which never waits: the exited child stays a zombie.
    const child = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(child);
    const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
    const zombie = Number(chunk.toString().trim());
    const state = (): string => {
      try {
        const stat = readFileSync(`/proc/${zombie}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2)[0] ?? '';
      } catch {
        return 'gone';
      }
    };
    assert.equal(await waitFor(state, (s) => s === 'Z'), 'Z');
    assert.equal(isRunningProcess(zombie), false);
    assert.ok(readStartTime(zombie) !== null, 'a zombie still has its /proc entry');
    assert.equal(readCommandLine(zombie), null, 'a zombie has no command line left');
    assert.equal(isRunningProcess(child.pid ?? -1), true, 'its parent runs');
  });
});

// Members of a process group, found by the pgrp field of /proc/<pid>/stat whatever their parent now is.
function listGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid && isRunning(Number(name))) pids.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}
