// The command line's bundle runs with V8's code cache: made by a run, used by the next, and never used for another
// bundle, even one of the same length (V8 itself checks only the length of the source). Each load runs in a process
// of its own, as each gpu-test run does: within one process V8 would serve a second compile of the same source from
// its own compilation cache and never look at the file.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cacheFileOf } from '../../src/cli/code-cache.js';

const CODE_CACHE_URL = new URL('../../dist/cli/code-cache.js', import.meta.url).href;

interface FreshLoad {
  readonly cache: string;
  readonly answer: number;
  /** The bundle's __dirname. */
  readonly dirname: string;
  readonly cacheFile: string;
  readonly saved: boolean | null;
}

/** Loads `bundle` in a new process, calls its answer(), and saves the cache when asked. */
function loadFresh(bundle: string, save = false): FreshLoad {
  const code = `const { loadCachedBundle } = await import(${JSON.stringify(CODE_CACHE_URL)});
const loaded = loadCachedBundle(${JSON.stringify(bundle)});
const answer = loaded.exports.answer();
console.log(JSON.stringify({ cache: loaded.cache, answer, dirname: loaded.exports.dirname, cacheFile: loaded.cacheFile, saved: ${save} ? loaded.save() : null }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as FreshLoad;
}

function newBundle(answer: number): { dir: string; bundle: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-code-cache-'));
  const bundle = join(dir, 'cli.cjs');
  writeFileSync(bundle, source(answer));
  return { dir, bundle };
}

// A bundle with a function worth caching, that tells which version of the source ran.
const source = (answer: number): string => `exports.answer = () => ${answer}; exports.dirname = __dirname;\n`;

describe('loadCachedBundle', () => {
  it('runs the bundle as CommonJS, without a cache the first time, and saves one that the next run accepts', () => {
    const { dir, bundle } = newBundle(2);
    const first = loadFresh(bundle, true);
    assert.deepEqual([first.cache, first.answer, first.dirname, first.saved], ['missing', 2, dir, true]);
    assert.ok(existsSync(first.cacheFile));
    assert.equal(join(first.cacheFile, '..'), dir);
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), []);
    const second = loadFresh(bundle);
    assert.deepEqual([second.cache, second.answer], ['accepted', 2]);
  });

  it('never runs an old cache for a rebuilt bundle of the same length', () => {
    const { bundle } = newBundle(3);
    const old = loadFresh(bundle, true);
    writeFileSync(bundle, source(4));
    // A rebuild moves the modification time (set here, so the test does not depend on the clock's resolution).
    const later = new Date(Date.now() + 5000);
    utimesSync(bundle, later, later);
    assert.notEqual(cacheFileOf(bundle), old.cacheFile);
    const rebuilt = loadFresh(bundle);
    assert.deepEqual([rebuilt.cache, rebuilt.answer], ['missing', 4]);
  });

  it('runs from source when the cache is cut short or not a cache, and a save replaces it', () => {
    const { bundle } = newBundle(6);
    const first = loadFresh(bundle, true);
    const whole = readFileSync(first.cacheFile);
    for (const broken of [whole.subarray(0, whole.length >> 1), Buffer.from('not a code cache')]) {
      writeFileSync(first.cacheFile, broken);
      const loaded = loadFresh(bundle, true);
      assert.deepEqual([loaded.cache, loaded.answer, loaded.saved], ['rejected', 6, true]);
      assert.equal(loadFresh(bundle).cache, 'accepted');
    }
  });

  it('runs from source and says so when the cache cannot be written', () => {
    const { dir, bundle } = newBundle(5);
    // A folder where the cache would go: no write succeeds there, whoever runs the test (root included).
    mkdirSync(cacheFileOf(bundle));
    const loaded = loadFresh(bundle, true);
    assert.deepEqual([loaded.cache, loaded.answer, loaded.saved], ['missing', 5, false]);
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), []);
  });
});
