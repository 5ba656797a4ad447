// End to end: the console's colours are decided on stderr, where it writes, not on stdout. The run's stderr is put on a
// pseudo-terminal (Python's pty module: Node has none) while stdout stays a pipe, as under `gpu-test run | tee log`.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { runCli } from './run-cli.js';

const HAS_PYTHON = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;
// Runs argv with its stderr on a pty (stdout left as given), copies what the pty received to our stderr, exits as it did.
const ON_A_TERMINAL = `
import os, pty, subprocess, sys
master, slave = pty.openpty()
child = subprocess.Popen(sys.argv[1:], stderr=slave)
os.close(slave)
while True:
    try:
        data = os.read(master, 65536)
    except OSError:
        break
    if not data:
        break
    sys.stderr.buffer.write(data)
sys.exit(child.wait())
`;
// SGR sequences (colours, bold); the live line's `ESC[2K` (clear line) is not one.
const SGR = /\x1b\[[0-9;]*m/;

function onATerminal(env: NodeJS.ProcessEnv) {
  return runCli({
    project: 'broken', args: ['run', 'ok.test.mjs', '--reporter', 'console'], env: { TERM: 'xterm-256color', FORCE_COLOR: undefined, NO_COLOR: undefined, ...env },
    // runCli passes --no-color; these runs leave the choice to the environment.
    wrap: (argv) => ['python3', '-c', ON_A_TERMINAL, ...argv.filter((arg) => arg !== '--no-color')],
  });
}

describe('console colours with stderr on a terminal and stdout a pipe', { skip: HAS_PYTHON ? false : 'python3 with its pty module is not installed' }, () => {
  it('colours the output written to the terminal', async () => {
    const run = await onATerminal({});
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, SGR, run.stderr);
  });

  it('prints no colours under NO_COLOR=1', async () => {
    const run = await onATerminal({ NO_COLOR: '1' });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /FAILED/);
    assert.doesNotMatch(run.stderr, SGR, run.stderr);
  });
});
