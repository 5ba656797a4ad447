// Loads an ES-only package (execa) with import(). The command line's bundle runs through node:vm with a code cache
// (src/cli/code-cache.ts), where Node 20 has no import() of its own once the cache is used; bin/gpu-test.js hands it
// its own import() under this key. The compiled library (dist/) imports as usual.

const IMPORT_KEY = Symbol.for('gpu-test.import-esm');

/** import(`specifier`), through the entry point's import() where it gave one. */
export function importEsm<T>(specifier: string): Promise<T> {
  const provided = (globalThis as Record<symbol, unknown>)[IMPORT_KEY] as ((specifier: string) => Promise<T>) | undefined;
  return provided ? provided(specifier) : (import(specifier) as Promise<T>);
}

/** Gives the code loaded after this call the caller's import(), for importEsm(). */
export function provideImport(importer: (specifier: string) => Promise<unknown>): void {
  (globalThis as Record<symbol, unknown>)[IMPORT_KEY] = importer;
}
