// What the scripts that compare builds of gpu-test side by side share: the builds named on the command line, a small
// project with a gpu and a cpu lane, a timed `node` run in it, and the median of a round's figures.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** ROUNDS and NAME=DIR arguments: each DIR's bin/gpu-test.js. Exits with `usage` when they do not parse. */
export function parseBuildArgs(argv, usage) {
  const [roundsArg, ...buildArgs] = argv;
  const rounds = Number(roundsArg);
  const builds = buildArgs.map((arg) => {
    const [name, dir] = arg.split('=');
    return { name, bin: join(resolve(dir ?? ''), 'bin/gpu-test.js') };
  });
  if (!Number.isInteger(rounds) || rounds < 1 || builds.length === 0 || builds.some((b) => !b.name)) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  return { rounds, builds };
}

/** A temporary project whose `gpu/` files are tagged gpu and `cpu/` files are not, each of `lanes` holding `files`. */
export function writeLaneProject(prefix, files, lanes = ['gpu', 'cpu']) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const lane of lanes) {
    mkdirSync(join(dir, lane));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, lane, name), text);
  }
  writeFileSync(join(dir, 'gpu-test.config.yaml'), 'suites:\n  - name: cpu\n    files: ["cpu/*.test.mjs"]\n  - name: gpu\n    files: ["gpu/*.test.mjs"]\n    tags: [gpu]\ngates: {}\n');
  return dir;
}

// CPU ms used by this process's waited-for children so far (cutime + cstime, in clock ticks of 10 ms).
function childrenCpuMs() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** Wall and CPU ms (user + system of it and what it waited for) of `node ...args` in `dir`; throws unless it exits 0. */
export function runNode(dir, args) {
  const cpu = childrenCpuMs();
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: dir, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  return { wall: performance.now() - start, cpu: childrenCpuMs() - cpu };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
