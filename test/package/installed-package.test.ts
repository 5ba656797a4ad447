// The package as users install it: `npm pack`, installed into a fresh project, then `npx gpu-test run` there, once
// on a host without a GPU (the GPU file is skipped, saying why) and once with the simulated GPU (it runs, and the
// reports are written). The install is a real `npm ci`, offline: the project's lockfile is made from this
// repository's, so every dependency comes from the npm cache `npm ci` filled here.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fakeGpuEnv, setupFakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { cleanEnv } from '../e2e/run-cli.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Lock { packages: Record<string, { dev?: boolean; link?: boolean } & Record<string, unknown>> }
interface Manifest { version: string; license: string; dependencies: Record<string, string>; bin: Record<string, string>; engines: Record<string, string>; overrides?: Record<string, string> }

/** A project that depends on the packed tarball, with a lockfile of this repository's resolved dependencies. */
function writeProject(dir: string, tarball: string): void {
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Manifest;
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as Lock;
  const spec = `file:${tarball}`;
  // The repository's overrides are its own; a user who wants the same (xml2js, docs/dependencies.md) adds them too.
  const pkg = { name: 'first-hour', private: true, type: 'module', dependencies: { 'gpu-test': spec }, overrides: manifest.overrides };
  const packages: Lock['packages'] = {
    '': { name: pkg.name, dependencies: pkg.dependencies, overrides: manifest.overrides },
    'node_modules/gpu-test': { version: manifest.version, resolved: spec, license: manifest.license, dependencies: manifest.dependencies, bin: manifest.bin, engines: manifest.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path !== '' && !entry.dev && !entry.link) packages[path] = entry;
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: pkg.name, lockfileVersion: 3, requires: true, packages }, null, 2));
  mkdirSync(join(dir, 'test'));
  mkdirSync(join(dir, 'gpu'));
  writeFileSync(join(dir, 'test/math.test.ts'), "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n\ntest('adds', () => assert.equal(1 + 1, 2));\n");
  writeFileSync(join(dir, 'gpu/model.test.mjs'), "// @gpu-test tags: gpu\nimport { test } from 'node:test';\n\ntest('loads the model', () => {});\n");
}

describe('the packed package, installed into a new project', () => {
  const work = mkdtempSync(join(tmpdir(), 'gpu-test-package-'));
  const project = join(work, 'project');
  after(() => rmSync(work, { recursive: true, force: true }));

  before(() => {
    const packed = execFileSync(NPM, ['pack', '--silent', '--pack-destination', work], { cwd: REPO, encoding: 'utf8' }).trim().split('\n').pop() ?? '';
    mkdirSync(project);
    writeProject(project, join(work, packed));
    const install = spawnSync(NPM, ['ci', '--offline', '--no-audit', '--no-fund'], { cwd: project, encoding: 'utf8' });
    assert.equal(install.status, 0, `npm ci --offline failed (is the npm cache filled by \`npm ci\` here?):\n${install.stderr}`);
  });

  // npx finds gpu-test in the project; PATH holds node's folder only, so no nvidia-smi of the host is found.
  const npx = (env: NodeJS.ProcessEnv): ReturnType<typeof spawnSync> => spawnSync(NPM, ['exec', '--offline', '--', 'gpu-test', 'run', '--no-color'], {
    cwd: project, encoding: 'utf8',
    env: { ...cleanEnv(), NODE_TEST_CONTEXT: undefined, PATH: dirname(process.execPath), ENABLE_GPU_TESTS: '1', GPU_TEST_NVML_LIBRARY: join(work, 'no-libnvidia-ml.so.1'), GPU_TEST_LOCK_DIR: join(work, 'locks'), ...env },
  });
  const results = (): { files: { id: string; status: string; lane: string; skipReason: string | null }[] } =>
    JSON.parse(readFileSync(join(project, 'reports/results.json'), 'utf8')) as never;

  it('ships what the README links: LICENSE, the docs, the examples, the config schema', () => {
    const root = join(project, 'node_modules/gpu-test');
    for (const path of ['LICENSE', 'README.md', 'docs/config.md', 'docs/results.schema.json', 'examples/ci/github/gpu-pr.yml', 'schema/gpu-test.config.schema.json', 'bin/gpu-test.js', 'dist/cli/code-cache.js', 'dist/bundle/cli.cjs']) {
      assert.ok(existsSync(join(root, path)), `${path} is not in the package`);
    }
    // A code cache is made by the Node that runs the package, never shipped from the machine that packed it.
    assert.deepEqual(readdirSync(join(root, 'dist/bundle')).filter((name) => name.endsWith('.v8cache')), []);
  });

  it('without a GPU, runs the CPU test and says the GPU file is skipped and why', () => {
    const run = npx({});
    assert.equal(run.status, 0, String(run.stderr));
    assert.match(String(run.stderr), /no usable GPU: nvidia-smi was not found/);
    const files = results().files;
    assert.deepEqual(files.map((file) => [file.id, file.status]), [['gpu/model.test.mjs', 'skipped'], ['test/math.test.ts', 'passed']]);
    assert.match(files[0]?.skipReason ?? '', /^no usable GPU: nvidia-smi was not found/);
  });

  it('with the simulated GPU, runs the GPU file in the gpu lane and writes every report', () => {
    rmSync(join(project, 'reports'), { recursive: true, force: true });
    const state = setupFakeGpu(join(work, 'gpu-state'));
    const run = npx(fakeGpuEnv(state, dirname(process.execPath)));
    assert.equal(run.status, 0, String(run.stderr));
    for (const report of ['report.md', 'junit.xml', 'results.json']) assert.ok(existsSync(join(project, 'reports', report)), `${report} was not written`);
    assert.deepEqual(results().files.map((file) => [file.id, file.status, file.lane]), [['gpu/model.test.mjs', 'passed', 'gpu'], ['test/math.test.ts', 'passed', 'cpu']]);
    // The runs left one code cache in the installed package, made for this Node and architecture.
    const caches = readdirSync(join(project, 'node_modules/gpu-test/dist/bundle')).filter((name) => name.endsWith('.v8cache'));
    assert.deepEqual(caches.map((name) => name.includes(`.${process.version}-${process.arch}-`)), [true]);
  });
});
