// Preloaded into the processes `gpu-test list --tests` starts: node:test's hooks become no-ops, so collecting a file's
// test names never runs a `before` that loads a model. The test bodies are skipped by a name pattern that matches
// nothing; what still runs is the module's top level and the bodies of describe() blocks, which declare the tests.

import { createRequire, syncBuiltinESMExports } from 'node:module';

const nodeTest = createRequire(import.meta.url)('node:test') as Record<string, unknown>;
for (const hook of ['before', 'after', 'beforeEach', 'afterEach']) nodeTest[hook] = () => {};
// The named exports of `import { before } from 'node:test'` follow the CommonJS object only after this call.
syncBuiltinESMExports();
