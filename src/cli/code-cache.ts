// Runs the command line's bundle (one CommonJS file, scripts/bundle-cli.mjs) with V8's code cache. Node 20 compiles
// every module from source at every start, ~35 ms of CPU for the bundle alone on a 2-core machine, and then compiles
// each function the run calls for the first time; a cache made after a run holds all of that as bytecode, and a run
// that loads it starts ~85 ms sooner there (bench/README.md). Node 20 has no code cache for ES modules
// (module.enableCompileCache came in Node 22), so the bundle is CommonJS, run through node:vm with the cache.
//
// The cache lies beside the bundle, named after the Node version, the CPU architecture and the bundle's size and
// modification time: V8 checks its own version and flags but only the source's length, so a rebuilt bundle of the same
// length must not find the old cache. A build and a reinstall replace the bundle's folder, cache included. Where that
// folder cannot be written (a read-only install), each run compiles from source, as without a cache.

import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import vm from 'node:vm';

/** What became of the cache when the bundle was loaded. */
export type CacheUse = 'accepted' | 'rejected' | 'missing';

/** A loaded bundle. */
export interface CachedBundle {
  readonly exports: Record<string, unknown>;
  readonly cache: CacheUse;
  readonly cacheFile: string;
  /** Writes the cache with every function compiled so far (call it at exit); false when it could not be written. */
  save(): boolean;
}

/** The cache file of `bundle` as it is now on disk. */
export function cacheFileOf(bundle: string): string {
  const { size, mtimeMs } = statSync(bundle);
  return join(dirname(bundle), `${basename(bundle)}.${process.version}-${process.arch}-${size}-${Math.trunc(mtimeMs)}.v8cache`);
}

/** Compiles and runs the CommonJS file `bundle` (its exports returned) with the code cache beside it, if any. */
export function loadCachedBundle(bundle: string): CachedBundle {
  const cacheFile = cacheFileOf(bundle);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // No import() in the bundle: Node 20 loses a vm script's import() callback once its code cache is used. The bundle
  // requires what it can and loads ES-only packages through the entry point's import() (src/import-esm.ts).
  const script = new vm.Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as Record<string, unknown> };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return {
    exports: module.exports,
    cache: cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted',
    cacheFile,
    save() {
      // Written whole under another name, then renamed: two runs saving at once never leave a torn cache.
      const partial = `${cacheFile}.${process.pid}.tmp`;
      try {
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, cacheFile);
        return true;
      } catch {
        rmSync(partial, { force: true });
        return false;
      }
    },
  };
}
