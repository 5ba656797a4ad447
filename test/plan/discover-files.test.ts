import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { discoverFiles, selectShard } from '../../src/plan/discover-files.js';
import { resolvedConfig } from '../helpers/resolved-config.js';

function project(files: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-discover-'));
  for (const file of files) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), '');
  }
  return dir;
}

describe('discoverFiles', () => {
  it('gives each file to the first suite that matches it, sorted by id', async () => {
    const dir = project(['test/b.test.ts', 'test/a.test.ts', 'suites/vlm/v.test.ts', 'suites/flux/f.test.ts', 'node_modules/x/y.test.ts']);
    const files = await discoverFiles(resolvedConfig({ rootDir: dir }));
    assert.deepEqual(files.map((f) => [f.id, f.suite.name]), [
      ['suites/flux/f.test.ts', 'flux'], ['suites/vlm/v.test.ts', 'vlm'], ['test/a.test.ts', 'unit'], ['test/b.test.ts', 'unit'],
    ]);
  });

  it('takes a file given on the command line even when no suite matches it', async () => {
    const dir = project(['tools/check.test.mjs', 'test/a.test.ts']);
    const files = await discoverFiles(resolvedConfig({ rootDir: dir, paths: [join(dir, 'tools/check.test.mjs')] }));
    assert.deepEqual(files.map((f) => [f.id, f.suite.name]), [['tools/check.test.mjs', 'command-line']]);
  });

  it('keeps only the suites\' files inside a directory given on the command line', async () => {
    const dir = project(['test/a.test.ts', 'suites/vlm/v.test.ts']);
    const files = await discoverFiles(resolvedConfig({ rootDir: dir, paths: [join(dir, 'suites')] }));
    assert.deepEqual(files.map((f) => f.id), ['suites/vlm/v.test.ts']);
  });

  it('says where it looked when nothing matches', async () => {
    const dir = project(['README.md']);
    await assert.rejects(discoverFiles(resolvedConfig({ rootDir: dir })), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'NO_TEST_FILES');
      assert.match(error.message, /no test files found by the default pattern .* under /);
      return true;
    });
  });

  it('splits the files into shards that cover every file exactly once', async () => {
    const dir = project(['test/a.test.ts', 'test/b.test.ts', 'test/c.test.ts', 'test/d.test.ts', 'test/e.test.ts']);
    const shards = await Promise.all([1, 2].map((index) => discoverFiles(resolvedConfig({ rootDir: dir, shard: { index, total: 2 } }))));
    assert.deepEqual(shards.map((files) => files.map((f) => f.id)), [
      ['test/a.test.ts', 'test/c.test.ts', 'test/e.test.ts'],
      ['test/b.test.ts', 'test/d.test.ts'],
    ]);
    assert.deepEqual(selectShard(['a', 'b', 'c'], { index: 3, total: 3 }), ['c']);
  });
});
