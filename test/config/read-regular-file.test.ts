// readRegularFile: a bounded read of a regular file, and for anything else a phrase that says what it is, without
// ever opening a FIFO or a device (which would block, or act on the device).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readRegularFile, type OpenFile } from '../../src/config/read-regular-file.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gpu-test-read-'));
}

function failing(code: string): OpenFile {
  return (path) => {
    throw Object.assign(new Error(`${code}: refused, open '${path}'`), { code });
  };
}

function problem(path: string, open?: OpenFile): { reason: string; problem: string } {
  const read = readRegularFile(path, 100, open);
  assert.equal(read.ok, false);
  return { reason: read.ok ? '' : read.reason, problem: read.ok ? '' : read.problem };
}

describe('readRegularFile', () => {
  it('reads at most maxBytes of a regular file, through a symbolic link too, and gives its whole size', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.txt'), 'x'.repeat(250));
    symlinkSync('a.txt', join(dir, 'link.txt'));
    for (const name of ['a.txt', 'link.txt']) {
      const read = readRegularFile(join(dir, name), 100);
      assert.ok(read.ok);
      assert.equal(read.bytes.toString(), 'x'.repeat(100));
      assert.equal(read.size, 250);
    }
    const small = readRegularFile(join(dir, 'a.txt'), 1000);
    assert.ok(small.ok && small.bytes.length === 250);
  });

  it('says what a FIFO, a directory and a device are, and never waits on the FIFO', () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    mkdirSync(join(dir, 'sub'));
    assert.deepEqual(problem(join(dir, 'pipe')), { reason: 'not-regular', problem: 'is not a regular file: it is a FIFO (named pipe)' });
    assert.deepEqual(problem(join(dir, 'sub')), { reason: 'not-regular', problem: 'is not a regular file: it is a directory' });
    assert.deepEqual(problem('/dev/null'), { reason: 'not-regular', problem: 'is not a regular file: it is a character device' });
  });

  it('names where a dangling, looping or odd symbolic link points', () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    symlinkSync('../nowhere/x.mjs', join(dir, 'dangling'));
    symlinkSync('loop-b', join(dir, 'loop-a'));
    symlinkSync('loop-a', join(dir, 'loop-b'));
    symlinkSync('pipe', join(dir, 'to-pipe'));
    assert.deepEqual(problem(join(dir, 'dangling')), { reason: 'not-regular', problem: 'is a dangling symbolic link to `../nowhere/x.mjs` (nothing is there)' });
    assert.deepEqual(problem(join(dir, 'loop-a')), { reason: 'not-regular', problem: 'is a symbolic link to `loop-b` that loops back on itself (ELOOP)' });
    assert.deepEqual(problem(join(dir, 'to-pipe')), { reason: 'not-regular', problem: 'is a symbolic link to `pipe`, which is a FIFO (named pipe), not a regular file' });
  });

  it('says permission denied when the file cannot be opened for reading, and missing when it has gone', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.txt'), 'x');
    assert.deepEqual(problem(join(dir, 'a.txt'), failing('EACCES')), { reason: 'permission', problem: 'cannot be read: permission denied (EACCES)' });
    assert.deepEqual(problem(join(dir, 'a.txt'), failing('ENOENT')), { reason: 'missing', problem: 'does not exist' });
    assert.deepEqual(problem(join(dir, 'gone.txt')), { reason: 'missing', problem: 'does not exist' });
    assert.match(problem(join(dir, 'a.txt'), failing('EIO')).problem, /^cannot be read \(EIO: refused, open '.*a\.txt'\)$/);
  });
});
