// What `import ... from 'node:test'` gives under --test-timeout: test() and it() with the default timeout, the rest of
// node:test as it is. The resolve hook in test-timeout-hooks.ts points importers here.

import * as original from 'node:test';
import { withTimeouts, type NodeTest } from './test-timeout-wrap.js';

const test = withTimeouts(original.default as unknown as NodeTest, Number(new URL(import.meta.url).searchParams.get('ms'))) as unknown as typeof original.default;
export default test;
export const it = test.it;
export const only = test.only;
export const { skip, todo, describe, suite, after, afterEach, before, beforeEach, mock, run } = original;
export { test };
