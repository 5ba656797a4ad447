// Preloaded first into test processes under `--test-timeout MS`: node:test's test() and it() get `{ timeout: MS }`
// unless a test sets its own; subtests inherit it, as node:test's do. Node 20 reads its --test-timeout flag only in
// the `node --test` orchestrator, for a whole file, so the harness sets it per test here. The milliseconds come in
// the module's URL (`?ms=30000`), so the tests' environment carries nothing new.
//
// `import test from 'node:test'` is the module's own function, which cannot be changed in place: a resolve hook gives
// test files (and --repeat's wrapper) test-timeout-node-test.js instead, and require('node:test') gets the same.

import { createRequire, register } from 'node:module';
import { withTimeouts, type NodeTest } from './test-timeout-wrap.js';

const ms = Number(new URL(import.meta.url).searchParams.get('ms'));

if (Number.isInteger(ms) && ms > 0) {
  register(new URL(`./test-timeout-hooks.js?ms=${ms}`, import.meta.url));
  const moduleApi = createRequire(import.meta.url)('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = moduleApi._load;
  const wrapped = withTimeouts(createRequire(import.meta.url)('node:test') as NodeTest, ms);
  moduleApi._load = function loadWithTimeouts(this: unknown, request: string, ...rest: unknown[]) {
    return request === 'node:test' ? wrapped : load.call(this, request, ...rest);
  };
}
