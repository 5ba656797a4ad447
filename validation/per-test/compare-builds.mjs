// The per-test cost of several builds of gpu-test side by side on this host, against `node --test` on the same files:
// one file of 1000 trivial tests (top-level, and nested `t.test()` subtests) and a one-test file, in the gpu lane
// (this host's own GPU through its driver, or the NVML stand-in where GPU_TEST_NVML_LIBRARY names it) and the cpu
// lane. Each round runs every contender once, interleaved (the builds' order reversed every other round); a build's
// per-test cost in a round is ((1000-test run - one-test run) - the same difference for node --test) / 999, in wall
// time and in CPU time (the processes' user + system), and each figure is the median over rounds. Run from a checkout:
//   node validation/per-test/compare-builds.mjs ROUNDS NAME=DIR [NAME=DIR ...]
// where each DIR holds a built gpu-test (`npm ci && npm run build` there, or a copy of its bin/, dist/, schema/ and
// package.json inside this checkout, so it finds this checkout's node_modules).

import { rmSync } from 'node:fs';
import { median, parseBuildArgs, runNode, writeLaneProject } from '../compare-builds.mjs';

const { rounds, builds } = parseBuildArgs(process.argv.slice(2), 'node validation/per-test/compare-builds.mjs ROUNDS NAME=DIR [NAME=DIR ...]');
const dir = writeLaneProject('gpu-test-per-test-', {
  'one.test.mjs': "import { test } from 'node:test';\ntest('t', () => {});\n",
  'top.test.mjs': "import { test } from 'node:test';\nfor (let i = 0; i < 1000; i++) test('t' + i, () => {});\n",
  'nested.test.mjs': "import { test } from 'node:test';\ntest('outer', async (t) => { for (let i = 0; i < 999; i++) await t.test('t' + i, () => {}); });\n",
});
const run = (args) => runNode(dir, args);

const perTest = new Map();
const note = (key, value) => perTest.set(key, [...(perTest.get(key) ?? []), value]);
try {
  for (let round = 0; round < rounds; round++) {
    for (const lane of ['gpu', 'cpu']) {
      for (const kind of ['top', 'nested']) {
        const nodeMany = run(['--test', `${lane}/${kind}.test.mjs`]);
        const nodeOne = run(['--test', `${lane}/one.test.mjs`]);
        // Every other round the builds go in reverse order, so none always runs right after node --test.
        for (const { name, bin } of round % 2 === 0 ? builds : [...builds].reverse()) {
          const many = run([bin, 'run', `${lane}/${kind}.test.mjs`]);
          const one = run([bin, 'run', `${lane}/one.test.mjs`]);
          for (const what of ['wall', 'cpu']) {
            note(`${name} ${lane} ${kind} ${what}`, ((many[what] - one[what]) - (nodeMany[what] - nodeOne[what])) / 999);
          }
        }
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`per test over node --test, ms (medians of ${rounds} interleaved rounds; CPU: the processes' user + system)`);
for (const [key, values] of perTest) {
  console.log(`${key.padEnd(24)} ${median(values).toFixed(3)}   rounds ${values.map((v) => v.toFixed(2)).join(' ')}`);
}
