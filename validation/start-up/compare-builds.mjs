// The fixed cost of `gpu-test run` on a one-test file, for several builds of gpu-test side by side on this host (its
// own GPU and driver), against `node --test` on the same file: each round runs every contender once, interleaved, and
// each figure is the median over rounds of that round's difference to node. Run from a checkout:
//   node validation/start-up/compare-builds.mjs ROUNDS NAME=DIR [NAME=DIR ...]
// where each DIR holds a built gpu-test (`npm ci && npm run build` there, or a copy of its bin/, dist/, schema/ and
// package.json inside this checkout, so it finds this checkout's node_modules).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { median, parseBuildArgs, runNode, writeLaneProject } from '../compare-builds.mjs';

const { rounds, builds } = parseBuildArgs(process.argv.slice(2), 'node validation/start-up/compare-builds.mjs ROUNDS NAME=DIR [NAME=DIR ...]');
const dir = writeLaneProject('gpu-test-compare-builds-', { 'one.test.mjs': "import { test } from 'node:test';\ntest('t', () => {});\n" });
const time = (args) => runNode(dir, args).wall;

const contenders = builds.flatMap(({ name, bin }) => ['gpu', 'cpu'].map((lane) => ({
  label: `${name}, ${lane} lane`, args: [bin, 'run', '--report-dir', join(dir, 'reports'), `${lane}/one.test.mjs`],
})));
// A first run of each build writes its code cache, as a user's first run does.
for (const { args } of contenders) time(args);
const plain = [];
const runs = contenders.map(() => []);
for (let round = 0; round < rounds; round++) {
  plain.push(time(['--test', '--test-reporter=dot', 'cpu/one.test.mjs']));
  contenders.forEach(({ args }, i) => runs[i].push(time(args)));
}
console.log(`node --test, one one-test file: median ${median(plain).toFixed(0)} ms (${rounds} rounds, interleaved)`);
contenders.forEach(({ label }, i) => {
  const fixed = median(runs[i].map((ms, round) => ms - plain[round]));
  console.log(`${label.padEnd(24)} median ${median(runs[i]).toFixed(0)} ms, fixed cost ${fixed.toFixed(0)} ms`);
});
rmSync(dir, { recursive: true, force: true });
