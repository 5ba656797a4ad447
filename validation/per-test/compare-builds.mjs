// The per-test cost of several builds of gpu-test side by side on this host, against `node --test` on the same files:
// one file of 1000 trivial tests (top-level, and nested `t.test()` subtests) and a one-test file, in the gpu lane
// (this host's own GPU through its driver, or the NVML stand-in where GPU_TEST_NVML_LIBRARY names it) and the cpu
// lane. Each round runs every contender once, interleaved (the builds' order reversed every other round); a build's
// per-test cost in a round is ((1000-test run - one-test run) - the same difference for node --test) / 999, in wall
// time and in CPU time (the processes' user + system), and each figure is the median over rounds. Run from a checkout:
//   node validation/per-test/compare-builds.mjs ROUNDS NAME=DIR [NAME=DIR ...]
// where each DIR holds a built gpu-test (`npm ci && npm run build` there, or a copy of its bin/, dist/, schema/ and
// package.json inside this checkout, so it finds this checkout's node_modules).

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [roundsArg, ...buildArgs] = process.argv.slice(2);
const rounds = Number(roundsArg);
const builds = buildArgs.map((arg) => {
  const [name, dir] = arg.split('=');
  return { name, bin: join(resolve(dir ?? ''), 'bin/gpu-test.js') };
});
if (!Number.isInteger(rounds) || rounds < 1 || builds.length === 0 || builds.some((b) => !b.name)) {
  console.error('usage: node validation/per-test/compare-builds.mjs ROUNDS NAME=DIR [NAME=DIR ...]');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'gpu-test-per-test-'));
for (const lane of ['gpu', 'cpu']) {
  mkdirSync(join(dir, lane));
  writeFileSync(join(dir, lane, 'one.test.mjs'), "import { test } from 'node:test';\ntest('t', () => {});\n");
  writeFileSync(join(dir, lane, 'top.test.mjs'), "import { test } from 'node:test';\nfor (let i = 0; i < 1000; i++) test('t' + i, () => {});\n");
  writeFileSync(join(dir, lane, 'nested.test.mjs'),
    "import { test } from 'node:test';\ntest('outer', async (t) => { for (let i = 0; i < 999; i++) await t.test('t' + i, () => {}); });\n");
}
writeFileSync(join(dir, 'gpu-test.config.yaml'), 'suites:\n  - name: cpu\n    files: ["cpu/*.test.mjs"]\n  - name: gpu\n    files: ["gpu/*.test.mjs"]\n    tags: [gpu]\ngates: {}\n');

// CPU ms used by this process's waited-for children so far (cutime + cstime, in clock ticks of 10 ms).
function childrenCpuMs() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** Wall and CPU ms of `node ...args` in the project; throws unless it exits 0. */
function run(args) {
  const cpu = childrenCpuMs();
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: dir, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  return { wall: performance.now() - start, cpu: childrenCpuMs() - cpu };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

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
