// The fixed cost of `gpu-test run` on a one-test file, for several builds of gpu-test side by side on this host (its
// own GPU and driver), against `node --test` on the same file: each round runs every contender once, interleaved, and
// each figure is the median over rounds of that round's difference to node. Run from a checkout:
//   node validation/start-up/compare-builds.mjs ROUNDS NAME=DIR [NAME=DIR ...]
// where each DIR holds a built gpu-test (`npm ci && npm run build` there, or a copy of its bin/, dist/, schema/ and
// package.json inside this checkout, so it finds this checkout's node_modules).

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [roundsArg, ...buildArgs] = process.argv.slice(2);
const rounds = Number(roundsArg);
const builds = buildArgs.map((arg) => {
  const [name, dir] = arg.split('=');
  return { name, bin: join(resolve(dir ?? ''), 'bin/gpu-test.js') };
});
if (!Number.isInteger(rounds) || rounds < 1 || builds.length === 0 || builds.some((b) => !b.name)) {
  console.error('usage: node validation/start-up/compare-builds.mjs ROUNDS NAME=DIR [NAME=DIR ...]');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'gpu-test-compare-builds-'));
const oneTest = "import { test } from 'node:test';\ntest('t', () => {});\n";
for (const lane of ['gpu', 'cpu']) {
  mkdirSync(join(dir, lane));
  writeFileSync(join(dir, lane, 'one.test.mjs'), oneTest);
}
writeFileSync(join(dir, 'gpu-test.config.yaml'), 'suites:\n  - name: cpu\n    files: ["cpu/*.test.mjs"]\n  - name: gpu\n    files: ["gpu/*.test.mjs"]\n    tags: [gpu]\ngates: {}\n');

/** Wall ms of `node ...args` in the project; throws unless it exits 0. */
function time(args) {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: dir, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  return performance.now() - start;
}

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
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
console.log(`node --test, one one-test file: median ${median(plain).toFixed(0)} ms (${rounds} rounds, interleaved)`);
contenders.forEach(({ label }, i) => {
  const fixed = median(runs[i].map((ms, round) => ms - plain[round]));
  console.log(`${label.padEnd(24)} median ${median(runs[i]).toFixed(0)} ms, fixed cost ${fixed.toFixed(0)} ms`);
});
rmSync(dir, { recursive: true, force: true });
