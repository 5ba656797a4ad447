// What `import ... from 'node:test'` gives a test file under `--repeat`: the repeating test/it and node:test's own
// everything else. The resolve hook in repeat-hooks.ts points test files here.

import * as original from 'node:test';
import { repeatingNodeTest } from './repeat-tests.js';

const test = (repeatingNodeTest() ?? original.default) as typeof original.default;
export default test;
export const it = test.it;
export const only = test.only;
export const skip = test.skip;
export const todo = test.todo;
export const describe = test.describe;
export const suite = test.suite;
export const { after, afterEach, before, beforeEach, mock, run } = original;
export { test };
