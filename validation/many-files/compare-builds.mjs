// Many one-test files (cpu lane) under several builds of gpu-test side by side, against `node --test` on the same files
// at the same concurrency (this host's cores, or CONCURRENCY): each round runs every contender once, interleaved (the
// builds' order reversed every other round); each figure is the median over rounds of the round's ratio to node, in
// wall time and in CPU time (the processes' user + system). Run from a checkout:
//   node validation/many-files/compare-builds.mjs ROUNDS FILES NAME=DIR [NAME=DIR ...]
// where each DIR holds a built gpu-test (`npm ci && npm run build` there, or a copy of its bin/, dist/, schema/ and
// package.json inside this checkout, so it finds this checkout's node_modules).

import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { median, parseBuildArgs, runNode, writeLaneProject } from '../compare-builds.mjs';

const usage = 'node validation/many-files/compare-builds.mjs ROUNDS FILES NAME=DIR [NAME=DIR ...]';
const [roundsArg, filesArg, ...buildArgs] = process.argv.slice(2);
const fileCount = Number(filesArg);
if (!Number.isInteger(fileCount) || fileCount < 1) {
  console.error(`usage: ${usage}`);
  process.exit(2);
}
const { rounds, builds } = parseBuildArgs([roundsArg, ...buildArgs], usage);
const concurrency = Number(process.env.CONCURRENCY ?? availableParallelism());
const names = Array.from({ length: fileCount }, (_, i) => `f${String(i).padStart(4, '0')}.test.mjs`);
const dir = writeLaneProject('gpu-test-many-files-', Object.fromEntries(names.map((name) => [name, "import { test } from 'node:test';\ntest('t', () => {});\n"])), ['cpu']);

const ratios = new Map();
const note = (key, value) => ratios.set(key, [...(ratios.get(key) ?? []), value]);
try {
  for (let round = 0; round < rounds; round++) {
    const node = runNode(dir, ['--test', '--test-reporter=dot', `--test-concurrency=${concurrency}`, ...names.map((name) => `cpu/${name}`)]);
    note('node --test wall s', node.wall / 1000);
    for (const { name, bin } of round % 2 === 0 ? builds : [...builds].reverse()) {
      const run = runNode(dir, [bin, 'run', '--concurrency', String(concurrency), 'cpu/']);
      note(`${name} wall s`, run.wall / 1000);
      note(`${name} wall ratio`, run.wall / node.wall);
      note(`${name} cpu ratio`, run.cpu / node.cpu);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${fileCount} one-test files at concurrency ${concurrency}: medians of ${rounds} interleaved rounds (ratio: to node --test in the same round)`);
for (const [key, values] of ratios) {
  console.log(`${key.padEnd(22)} ${median(values).toFixed(3)}   rounds ${values.map((v) => v.toFixed(2)).join(' ')}`);
}
