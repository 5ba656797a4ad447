import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readProcFile } from '../../src/probe/proc-file.js';

const linux = process.platform === 'linux';
const PAGE_BYTES = 4096;

const residentPages = (text: string): number => Number(text.split(' ')[1]);

describe('readProcFile', { skip: !linux && 'needs /proc' }, () => {
  it('reads what the kernel shows now, not what the kept descriptor showed first', () => {
    const path = `/proc/${process.pid}/statm`;
    const before = residentPages(readProcFile(path));
    const held = Buffer.alloc(256 * 1024 * 1024).fill(1); // touched, so resident
    const after = residentPages(readProcFile(path));
    assert.ok(held.length > 0);
    assert.ok(after - before >= (200 * 1024 * 1024) / PAGE_BYTES, `resident pages ${before} -> ${after}`);
    assert.equal(readProcFile('/proc/version'), readFileSync('/proc/version', 'utf8'));
  });

  it('fails for a process that exited as readFileSync does, though its file was kept open', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await once(child, 'spawn');
    const path = `/proc/${child.pid}/statm`;
    assert.ok(residentPages(readProcFile(path)) > 0);
    child.kill('SIGKILL');
    await once(child, 'exit'); // reaped: the pid is gone from /proc
    assert.throws(() => readFileSync(path), { code: 'ENOENT' });
    assert.throws(() => readProcFile(path), { code: 'ENOENT' });
  });

  it('keeps a bounded number of descriptors open however many files it reads', () => {
    const openDescriptors = (): number => readdirSync('/proc/self/fd').length;
    const files = readdirSync('/proc/sys/kernel', { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => `/proc/sys/kernel/${entry.name}`)
      .filter((path) => {
        try {
          readFileSync(path);
          return true;
        } catch {
          return false; // write-only or root-only
        }
      });
    assert.ok(files.length > 80, `only ${files.length} readable files to try`);
    const before = openDescriptors();
    for (const path of files) readProcFile(path);
    assert.ok(openDescriptors() - before <= 64, `${openDescriptors() - before} more descriptors open`);
  });

  it('reads a file outside /proc whole each time, so a rewrite shows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proc-file-'));
    try {
      const path = join(dir, 'meminfo');
      writeFileSync(path, 'MemTotal: 1 kB\n');
      assert.equal(readProcFile(path), 'MemTotal: 1 kB\n');
      writeFileSync(path, 'MemTotal: 2 kB\n');
      assert.equal(readProcFile(path), 'MemTotal: 2 kB\n');
      assert.throws(() => readProcFile(join(dir, 'missing')), { code: 'ENOENT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
