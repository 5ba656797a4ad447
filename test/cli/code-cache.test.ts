// The command line's bundle runs with V8's code cache: made by a run, used by the next, and never used for another
// bundle, even one of the same length (V8 itself checks only the length of the source).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cacheFileOf, loadCachedBundle } from '../../src/cli/code-cache.js';

function bundleDir(): string {
  return mkdtempSync(join(tmpdir(), 'gpu-test-code-cache-'));
}

// A bundle with a function worth caching, that tells which version of the source ran.
const source = (answer: number): string => `exports.answer = () => ${answer}; exports.dirname = __dirname;\n`;

describe('loadCachedBundle', () => {
  it('runs the bundle as CommonJS, without a cache the first time', () => {
    const dir = bundleDir();
    const bundle = join(dir, 'cli.cjs');
    writeFileSync(bundle, source(1));
    const loaded = loadCachedBundle(bundle);
    assert.equal(loaded.cache, 'missing');
    assert.equal((loaded.exports['answer'] as () => number)(), 1);
    assert.equal(loaded.exports['dirname'], dir);
  });

  it('saves a cache that the next load accepts, beside the bundle', () => {
    const dir = bundleDir();
    const bundle = join(dir, 'cli.cjs');
    writeFileSync(bundle, source(2));
    const first = loadCachedBundle(bundle);
    (first.exports['answer'] as () => number)();
    assert.equal(first.save(), true);
    assert.ok(existsSync(first.cacheFile));
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), []);
    const second = loadCachedBundle(bundle);
    assert.equal(second.cache, 'accepted');
    assert.equal((second.exports['answer'] as () => number)(), 2);
  });

  it('never runs an old cache for a rebuilt bundle of the same length', () => {
    const dir = bundleDir();
    const bundle = join(dir, 'cli.cjs');
    writeFileSync(bundle, source(3));
    const old = loadCachedBundle(bundle);
    (old.exports['answer'] as () => number)();
    assert.equal(old.save(), true);
    writeFileSync(bundle, source(4));
    // A rebuild moves the modification time (set here, so the test does not depend on the clock's resolution).
    const later = new Date(Date.now() + 5000);
    utimesSync(bundle, later, later);
    assert.notEqual(cacheFileOf(bundle), old.cacheFile);
    const rebuilt = loadCachedBundle(bundle);
    assert.equal(rebuilt.cache, 'missing');
    assert.equal((rebuilt.exports['answer'] as () => number)(), 4);
  });

  it('runs from source and says so when the cache cannot be written', () => {
    const dir = bundleDir();
    const bundle = join(dir, 'cli.cjs');
    writeFileSync(bundle, source(5));
    // A folder where the cache would go: no write succeeds there, whoever runs the test (root included).
    mkdirSync(cacheFileOf(bundle));
    const loaded = loadCachedBundle(bundle);
    assert.equal(loaded.cache, 'missing');
    assert.equal((loaded.exports['answer'] as () => number)(), 5);
    assert.equal(loaded.save(), false);
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), []);
  });
});
