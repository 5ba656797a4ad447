// resolveConfig: flags over the file over DEFAULTS for every key, suites with their sources, known tags (with the
// built-in `exclusive`), every flag checked with USAGE/UNKNOWN_TAG/FILE_NOT_FOUND; admission, guard, retryAlone,
// balancePercent, --gpus, and --durations read from an earlier results.json with a clear error when it is not one.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULTS } from '../../src/config/defaults.js';
import { resolveConfig } from '../../src/config/resolve-config.js';
import type { CliOptions, ResolvedConfig } from '../../src/config/types.js';

const EXAMPLE = fileURLToPath(new URL('fixtures/example.yaml', import.meta.url));
const made: string[] = [];

after(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temporary project with these files (path -> content); returns its real path. */
async function makeProject(files: Record<string, string> = {}): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'gpu-test-resolve-')));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

function resolveIn(cwd: string, cli: CliOptions = {}): Promise<ResolvedConfig> {
  return resolveConfig({ cwd, cli, env: {} });
}

async function rejection(promise: Promise<unknown>, code: string): Promise<string> {
  let message = '';
  await assert.rejects(promise, (error: Error & { code?: string }) => {
    assert.equal(error.code, code, error.message);
    message = error.message;
    return true;
  });
  return message;
}

describe('resolveConfig without a config file', () => {
  it('fills every field from DEFAULTS, rooted at the working directory', async () => {
    const dir = await makeProject();
    assert.deepEqual(await resolveIn(dir), {
      rootDir: dir,
      configFile: null,
      suites: [{ name: 'default', files: ['**/*.test.{js,mjs,cjs,ts,mts,cts}'], allowEmpty: false, tags: [], timeoutMs: null, repeat: null, leakThreshold: null, leakRepeatMax: null, requires: null, hooks: null, budgets: null, source: null, filesSource: null, retries: null, retryOn: null, compare: null }],
      gates: { gpu: 'ENABLE_GPU_TESTS', flux: 'ENABLE_FLUX_TESTS' },
      gpuTags: ['gpu', 'flux'],
      // `exclusive` is built in: every config knows it.
      knownTags: ['exclusive', 'flux', 'gpu'],
      exclude: ['**/node_modules/**', '**/dist/**', '**/.git/**'],
      reportDir: join(dir, 'reports'),
      reporters: ['console', 'markdown', 'junit', 'json'],
      concurrency: availableParallelism(),
      gpuConcurrency: 1,
      timeoutMs: 600_000,
      enabledTags: [],
      onlyTags: [],
      skipTags: [],
      testNamePatterns: [],
      testTimeoutMs: null,
      bail: false,
      requireGpu: false,
      only: false,
      paths: [],
      shard: null,
      gpuBackend: 'auto',
      sampleIntervalMs: 50,
      repeat: 1,
      repeatFromCli: false,
      leakThreshold: { vramBytes: 100 * 1024 ** 2, ramBytes: 100 * 1024 ** 2, metrics: {} },
      leakRepeatMax: 40,
      leaks: 'fail',
      settleTimeoutMs: 1000,
      killOrphans: false,
      rawSamples: false,
      killGraceMs: 3000,
      admission: { vramHeadroom: { bytes: 1024 ** 3 }, ramReserve: { bytes: 4 * 1024 ** 3 } },
      guard: { enabled: true, ramPercent: 95, swapPercent: 50, vramPercent: 98, horizonMs: 10_000 },
      retryAlone: true,
      balancePercent: 10,
      gpus: null,
      durations: {},
      retries: 0,
      retryOn: ['timeout', 'crash', 'gpu'],
      failOnFlaky: false,
      compare: DEFAULTS.compare,
      failOnRegression: false,
      baseline: null,
    });
  });

  it('passes the selection flags through, without duplicates', async () => {
    const config = await resolveIn(await makeProject(), {
      enable: ['flux', 'flux'], tags: ['gpu'], skipTags: ['flux'], testNamePatterns: ['caption', '/^load/i'], requireGpu: true, only: true,
    });
    assert.deepEqual(config.enabledTags, ['flux']);
    assert.deepEqual(config.onlyTags, ['gpu']);
    assert.deepEqual(config.skipTags, ['flux']);
    assert.deepEqual(config.testNamePatterns, ['caption', '/^load/i']);
    assert.equal(config.requireGpu, true);
    assert.equal(config.only, true);
  });
});

describe('resolveConfig with a config file', () => {
  it('finds the config upward and roots globs and reportDir at its directory', async () => {
    const example = await readFile(EXAMPLE, 'utf8');
    const dir = await makeProject({ 'gpu-test.config.yaml': `${example}reportDir: out/reports\n`, 'suites/vlm/.keep': '' });
    const config = await resolveIn(join(dir, 'suites/vlm'));
    assert.equal(config.rootDir, dir);
    assert.equal(config.configFile, join(dir, 'gpu-test.config.yaml'));
    assert.equal(config.reportDir, join(dir, 'out/reports'));
    assert.deepEqual(config.suites, [
      { name: 'unit', files: ['test/**/*.test.ts'], allowEmpty: false, tags: [], timeoutMs: null, repeat: null, leakThreshold: null, leakRepeatMax: null, requires: null, hooks: null, budgets: null, source: { file: '../../gpu-test.config.yaml', line: 3, column: 5 }, filesSource: { file: '../../gpu-test.config.yaml', line: 4, column: 5 }, retries: null, retryOn: null, compare: null },
      { name: 'vlm', files: ['suites/vlm/**/*.test.{ts,js,mjs}'], allowEmpty: false, tags: ['gpu'], timeoutMs: null, repeat: null, leakThreshold: null, leakRepeatMax: null, requires: null, hooks: null, budgets: null, source: { file: '../../gpu-test.config.yaml', line: 5, column: 5 }, filesSource: { file: '../../gpu-test.config.yaml', line: 6, column: 5 }, retries: null, retryOn: null, compare: null },
      { name: 'flux', files: ['suites/flux/**/*.test.ts'], allowEmpty: false, tags: ['gpu', 'flux'], timeoutMs: 900_000, repeat: null, leakThreshold: null, leakRepeatMax: null, requires: null, hooks: null, budgets: null, source: { file: '../../gpu-test.config.yaml', line: 8, column: 5 }, filesSource: { file: '../../gpu-test.config.yaml', line: 9, column: 5 }, retries: null, retryOn: null, compare: null },
    ]);
  });

  it('uses --config relative to the working directory instead of searching', async () => {
    const dir = await makeProject({ 'gpu-test.config.yaml': 'concurrency: 2\n', 'ci/gpu.yaml': 'concurrency: 7\n' });
    const config = await resolveIn(dir, { config: 'ci/gpu.yaml' });
    assert.equal(config.configFile, join(dir, 'ci/gpu.yaml'));
    assert.equal(config.rootDir, join(dir, 'ci'));
    assert.equal(config.concurrency, 7);
  });

  it('fails with CONFIG_NOT_FOUND when --config names a missing file, even if a config would be found', async () => {
    const dir = await makeProject({ 'gpu-test.config.yaml': 'concurrency: 2\n' });
    const message = await rejection(resolveIn(dir, { config: 'gpu.yaml' }), 'CONFIG_NOT_FOUND');
    assert.ok(message.includes(`config file \`gpu.yaml\` does not exist (looked in ${join(dir, 'gpu.yaml')})`), message);
  });

  it('passes on the file\'s CONFIG_INVALID, positioned relative to the working directory', async () => {
    const dir = await makeProject({ 'gpu-test.config.yaml': 'suites:\n  - name: unit\n    files: ["*.test.mjs"]\n    timeout: 15 min\n', 'sub/.keep': '' });
    const message = await rejection(resolveIn(join(dir, 'sub')), 'CONFIG_INVALID');
    assert.ok(message.startsWith('../gpu-test.config.yaml:4:14: `suites[0].timeout` must be a positive number of milliseconds such as `900000`, got `"15 min"` (string)'), message);
  });

  it('takes CLI flags over the file, and the file over DEFAULTS', async () => {
    const dir = await makeProject({
      'gpu-test.config.yaml': 'concurrency: 3\ntimeout: 120000\nreportDir: file-reports\nreporters: [console, junit]\nexclude: ["**/fixtures/**"]\n',
      'sub/.keep': '',
    });
    const fromFile = await resolveIn(join(dir, 'sub'));
    assert.equal(fromFile.concurrency, 3);
    assert.equal(fromFile.timeoutMs, 120_000);
    assert.equal(fromFile.reportDir, join(dir, 'file-reports'));
    assert.deepEqual(fromFile.reporters, ['console', 'junit']);
    assert.deepEqual(fromFile.exclude, ['**/fixtures/**']);
    assert.equal(fromFile.gpuConcurrency, DEFAULTS.gpuConcurrency);
    assert.deepEqual(fromFile.suites, DEFAULTS.suites);

    const fromCli = await resolveIn(join(dir, 'sub'), { concurrency: 5, timeout: 1000, reportDir: 'cli-reports', reporters: ['json'], gpuConcurrency: 2 });
    assert.equal(fromCli.concurrency, 5);
    assert.equal(fromCli.timeoutMs, 1000);
    // --report-dir is relative to where the command runs; the file's reportDir to the config's directory.
    assert.equal(fromCli.reportDir, join(dir, 'sub', 'cli-reports'));
    assert.deepEqual(fromCli.reporters, ['json']);
    assert.equal(fromCli.gpuConcurrency, 2);
  });

  it('lets --timeout override suites\' own timeouts too', async () => {
    const example = await readFile(EXAMPLE, 'utf8');
    const dir = await makeProject({ 'gpu-test.config.yaml': example });
    assert.deepEqual((await resolveIn(dir)).suites.map((suite) => suite.timeoutMs), [null, null, 900_000]);
    const config = await resolveIn(dir, { timeout: 5000 });
    assert.deepEqual(config.suites.map((suite) => suite.timeoutMs), [null, null, null]);
    assert.equal(config.timeoutMs, 5000);
  });

  it('replaces the default gates entirely, so the file can leave `gpu` ungated', async () => {
    const example = await readFile(EXAMPLE, 'utf8');
    const config = await resolveIn(await makeProject({ 'gpu-test.config.yaml': example }));
    assert.deepEqual(config.gates, { flux: 'ENABLE_FLUX_TESTS' });
    assert.deepEqual(config.gpuTags, ['gpu', 'flux']);
  });

  it('replaces the default gpuTags, and collects knownTags from suites, gates, gpuTags and tags', async () => {
    const dir = await makeProject({
      'gpu-test.config.yaml': [
        'suites:',
        '  - name: a',
        '    files: ["a/*.test.ts"]',
        '    tags: [vision, cuda]',
        'gates:',
        '  nightly: RUN_NIGHTLY',
        'gpuTags: [cuda, cuda]',
        'tags: [slow, vision]',
        '',
      ].join('\n'),
    });
    const config = await resolveIn(dir);
    assert.deepEqual(config.gates, { nightly: 'RUN_NIGHTLY' });
    assert.deepEqual(config.gpuTags, ['cuda']);
    assert.deepEqual(config.knownTags, ['cuda', 'exclusive', 'nightly', 'slow', 'vision']);
  });
});

describe('resolveConfig checks the flags', () => {
  it('rejects an unknown tag in --enable, naming the known tags and the closest one', async () => {
    const message = await rejection(resolveIn(await makeProject(), { enable: ['fluxx'] }), 'UNKNOWN_TAG');
    assert.equal(message, 'unknown tag `fluxx` in --enable; known tags: exclusive, flux, gpu (did you mean `flux`?). Declare custom tags under `tags:` in gpu-test.config.yaml');
  });

  it('rejects unknown tags in --tags and --skip-tags, all in one error', async () => {
    const dir = await makeProject({ 'gpu-test.config.yml': 'tags: [slow]\n' });
    const message = await rejection(resolveIn(dir, { tags: ['gpu', 'sloww'], skipTags: ['banana'] }), 'UNKNOWN_TAG');
    assert.equal(
      message,
      'unknown tag `sloww` in --tags; known tags: exclusive, flux, gpu, slow (did you mean `slow`?)\n'
        + 'unknown tag `banana` in --skip-tags; known tags: exclusive, flux, gpu, slow. Declare custom tags under `tags:` in gpu-test.config.yml',
    );
  });

  it('accepts a custom tag declared under `tags:`', async () => {
    const dir = await makeProject({ 'gpu-test.config.yaml': 'tags: [slow]\n' });
    assert.deepEqual((await resolveIn(dir, { skipTags: ['slow'] })).skipTags, ['slow']);
  });

  it('rejects non-positive or fractional numbers with USAGE, naming the flag', async () => {
    const dir = await makeProject();
    assert.match(await rejection(resolveIn(dir, { concurrency: 0 }), 'USAGE'), /^--concurrency must be a positive whole number, got `0`; for example --concurrency 4$/);
    assert.match(await rejection(resolveIn(dir, { gpuConcurrency: -1 }), 'USAGE'), /^--gpu-concurrency must be a positive whole number, got `-1`/);
    assert.match(await rejection(resolveIn(dir, { timeout: 1.5 }), 'USAGE'), /^--timeout must be a positive whole number, got `1.5`/);
    assert.match(await rejection(resolveIn(dir, { timeout: 2 ** 31 }), 'USAGE'), /^--timeout must be at most 2147483647 milliseconds/);
    assert.match(await rejection(resolveIn(dir, { sampleIntervalMs: 0 }), 'USAGE'), /^--sample-interval must be a positive whole number, got `0`; for example --sample-interval 50$/);
  });

  it('passes --gpu-backend and --sample-interval through, and rejects an unknown backend', async () => {
    const dir = await makeProject();
    const resolved = await resolveIn(dir, { gpuBackend: 'nvidia-smi', sampleIntervalMs: 20 });
    assert.equal(resolved.gpuBackend, 'nvidia-smi');
    assert.equal(resolved.sampleIntervalMs, 20);
    const bad = { gpuBackend: 'cuda' } as unknown as CliOptions;
    assert.match(await rejection(resolveIn(dir, bad), 'USAGE'), /^--gpu-backend: unknown backend `cuda`; choose from auto, nvml, nvidia-smi, none$/);
  });

  it('rejects an empty or unknown --reporter list', async () => {
    const dir = await makeProject();
    assert.match(await rejection(resolveIn(dir, { reporters: [] }), 'USAGE'), /--reporter needs at least one reporter; choose from console, markdown, junit, json/);
    const bad = { reporters: ['xml'] } as unknown as CliOptions;
    assert.match(await rejection(resolveIn(dir, bad), 'USAGE'), /--reporter: unknown reporter `xml`/);
  });

  it('rejects a --test-name-pattern that is not a regular expression', async () => {
    const message = await rejection(resolveIn(await makeProject(), { testNamePatterns: ['load (model'] }), 'USAGE');
    assert.match(message, /^--test-name-pattern `load \(model` is not a valid regular expression/);
  });
});

describe('resolveConfig paths', () => {
  it('makes paths absolute relative to the working directory', async () => {
    const dir = await makeProject({ 'suites/vlm/caption.test.mjs': '', 'suites/flux/.keep': '' });
    const config = await resolveIn(join(dir, 'suites'), { paths: ['vlm/caption.test.mjs', 'flux', 'flux/'] });
    assert.deepEqual(config.paths, [join(dir, 'suites/vlm/caption.test.mjs'), join(dir, 'suites/flux')]);
  });

  it('fails with FILE_NOT_FOUND for a path that does not exist, saying where it looked and what to do', async () => {
    const dir = await makeProject();
    const message = await rejection(resolveIn(dir, { paths: ['x'] }), 'FILE_NOT_FOUND');
    assert.equal(message, `test file or directory \`x\` does not exist (looked in ${join(dir, 'x')}); check the path, or run \`gpu-test list\` to see the files the config finds`);
  });

  it('takes a dangling symbolic link as a path, so the plan can say where it points', async () => {
    const dir = await makeProject();
    await symlink('gone.test.mjs', join(dir, 'link.test.mjs'));
    assert.deepEqual((await resolveIn(dir, { paths: ['link.test.mjs'] })).paths, [join(dir, 'link.test.mjs')]);
  });

  it('reads a suite\'s allowEmpty, false unless set', async () => {
    const dir = await makeProject({ 'gpu-test.config.yaml': 'suites:\n  - name: a\n    files: ["a/*"]\n    allowEmpty: true\n  - name: b\n    files: ["b/*"]\n' });
    assert.deepEqual((await resolveIn(dir)).suites.map((suite) => [suite.name, suite.allowEmpty]), [['a', true], ['b', false]]);
  });
});

describe('resolveConfig: repeat, leaks, settle timeout and orphans', () => {
  const FILE = [
    'repeat: 4',
    'leakThreshold: { vram: 1GiB }',
    'leaks: warn',
    'settleTimeout: 500',
    'killOrphans: true',
    'rawSamples: true',
    'suites:',
    '  - name: cycles',
    '    files: ["*.test.mjs"]',
    '    repeat: 2',
    '    leakThreshold: { ram: 10MiB }',
    '  - name: once',
    '    files: ["once/*.test.mjs"]',
    '',
  ].join('\n');
  const MiB = 1024 ** 2;

  it('takes them from the file, with the default for the threshold the file leaves out, and keeps suites\' own', async () => {
    const config = await resolveIn(await makeProject({ 'gpu-test.config.yaml': FILE }));
    assert.equal(config.repeat, 4);
    assert.equal(config.repeatFromCli, false);
    assert.deepEqual(config.leakThreshold, { vramBytes: 1024 * MiB, ramBytes: DEFAULTS.leakThreshold.ramBytes, metrics: {} });
    assert.equal(config.leaks, 'warn');
    assert.equal(config.settleTimeoutMs, 500);
    assert.equal(config.killOrphans, true);
    assert.equal(config.rawSamples, true);
    assert.deepEqual(config.suites.map((suite) => [suite.name, suite.repeat, suite.leakThreshold]), [['cycles', 2, { ramBytes: 10 * MiB }], ['once', null, null]]);
  });

  it('takes the flags over the file, 0 and false included, and records that --repeat came from the command line', async () => {
    const dir = await makeProject({ 'gpu-test.config.yaml': FILE });
    const config = await resolveIn(dir, { repeat: 7, leaks: 'fail', settleTimeoutMs: 0, killOrphans: false, rawSamples: false });
    assert.equal(config.repeat, 7);
    assert.equal(config.repeatFromCli, true);
    assert.equal(config.leaks, 'fail');
    assert.equal(config.settleTimeoutMs, 0);
    assert.equal(config.killOrphans, false);
    assert.equal(config.rawSamples, false);
    // The suite keeps its own `repeat:`; the plan lets --repeat win (repeatFromCli).
    assert.equal(config.suites[0]?.repeat, 2);
    assert.equal((await resolveIn(dir, { repeat: 1 })).repeatFromCli, true, '--repeat 1 turns repeating off even where the file asks for it');
  });

  it('rejects a bad --repeat, --leaks or --settle-timeout with USAGE, naming the flag', async () => {
    const dir = await makeProject();
    assert.match(await rejection(resolveIn(dir, { repeat: 0 }), 'USAGE'), /^--repeat must be a positive whole number, got `0`; for example --repeat 10$/);
    assert.match(await rejection(resolveIn(dir, { repeat: 2.5 }), 'USAGE'), /^--repeat must be a positive whole number, got `2.5`/);
    const badMode = { leaks: 'warm' } as unknown as CliOptions;
    assert.match(await rejection(resolveIn(dir, badMode), 'USAGE'), /^--leaks: unknown mode `warm`; choose from fail, warn$/);
    const settle = /^--settle-timeout must be a whole number of milliseconds >= 0, got `(-1|1\.5|2147483648)`; for example --settle-timeout 1000 \(0 turns the wait off\)$/;
    assert.match(await rejection(resolveIn(dir, { settleTimeoutMs: -1 }), 'USAGE'), settle);
    assert.match(await rejection(resolveIn(dir, { settleTimeoutMs: 1.5 }), 'USAGE'), settle);
    assert.match(await rejection(resolveIn(dir, { settleTimeoutMs: 2 ** 31 }), 'USAGE'), settle);
  });
});

describe('resolveConfig: admission, guard, retry-alone, balance and --gpus', () => {
  const GiB = 1024 ** 3;

  it('merges a partial admission and guard from the file over DEFAULTS', async () => {
    const dir = await makeProject({ 'gpu-test.config.yaml': 'admission: { vramHeadroom: 5% }\nguard: { ram: 90% }\nretryAlone: false\nbalancePercent: 20\n' });
    const config = await resolveIn(dir);
    assert.deepEqual(config.admission, { vramHeadroom: { percent: 5 }, ramReserve: { bytes: 4 * GiB } });
    assert.deepEqual(config.guard, { ...DEFAULTS.guard, enabled: true, ramPercent: 90 });
    assert.equal(config.retryAlone, false);
    assert.equal(config.balancePercent, 20);
  });

  it('turns the guard off with --guard off, or `guard: false` in the file, keeping its thresholds', async () => {
    const plain = await makeProject();
    assert.deepEqual((await resolveIn(plain, { guard: false })).guard, { ...DEFAULTS.guard, enabled: false });
    const off = await makeProject({ 'gpu-test.config.yaml': 'guard: false\n' });
    assert.equal((await resolveIn(off)).guard.enabled, false);
    assert.equal((await resolveIn(off, { guard: true })).guard.enabled, true, '--guard on wins over the file');
    const tuned = await makeProject({ 'gpu-test.config.yaml': 'guard: { swap: 25% }\n' });
    assert.deepEqual((await resolveIn(tuned, { guard: false })).guard, { ...DEFAULTS.guard, enabled: false, swapPercent: 25 });
  });

  it('takes --no-retry-alone (and --retry-alone) over the file', async () => {
    const dir = await makeProject({ 'gpu-test.config.yaml': 'retryAlone: true\n' });
    assert.equal((await resolveIn(dir, { retryAlone: false })).retryAlone, false);
    const off = await makeProject({ 'gpu-test.config.yaml': 'retryAlone: false\n' });
    assert.equal((await resolveIn(off, { retryAlone: true })).retryAlone, true);
  });

  it('passes --gpus through as written, and reads an empty list as every card', async () => {
    const dir = await makeProject();
    assert.deepEqual((await resolveIn(dir, { gpus: ['0', 'GPU-5f2a'] })).gpus, ['0', 'GPU-5f2a']);
    assert.equal((await resolveIn(dir, { gpus: [] })).gpus, null);
    assert.equal((await resolveIn(dir)).gpus, null);
  });
});

describe('resolveConfig: --durations', () => {
  const RESULTS = JSON.stringify({
    schemaVersion: 1,
    files: [
      { id: 'suites/flux/gen.test.ts', durationMs: 91_000.5 },
      { id: 'suites/vlm/caption.test.ts', durationMs: 12_000 },
      { id: 'suites/unit/skipped.test.ts', durationMs: null },
      { id: 42, durationMs: 5 },
      { durationMs: 7 },
    ],
  });

  it('reads each file\'s duration by id from an earlier results.json, relative to the working directory', async () => {
    const dir = await makeProject({ 'reports/results.json': RESULTS, 'sub/.keep': '' });
    const config = await resolveIn(join(dir, 'sub'), { durations: '../reports/results.json' });
    assert.deepEqual(config.durations, { 'suites/flux/gen.test.ts': 91_000.5, 'suites/vlm/caption.test.ts': 12_000 });
  });

  it('is empty without the flag', async () => {
    assert.deepEqual((await resolveIn(await makeProject())).durations, {});
  });

  it('fails with FILE_NOT_FOUND for a missing file, naming it and what to pass', async () => {
    const message = await rejection(resolveIn(await makeProject(), { durations: 'old/results.json' }), 'FILE_NOT_FOUND');
    assert.equal(message, '--durations `old/results.json` does not exist; pass the results.json of an earlier run, such as reports/results.json');
  });

  it('fails with USAGE for a file that is not JSON, with the parser\'s reason', async () => {
    const dir = await makeProject({ 'report.md': '# gpu-test report\n' });
    const message = await rejection(resolveIn(dir, { durations: 'report.md' }), 'USAGE');
    assert.match(message, /^--durations `report\.md` is not JSON \(.+\); pass the results\.json of an earlier run$/s);
  });

  it('fails with USAGE for JSON that is not a results.json', async () => {
    const dir = await makeProject({ 'package.json': '{ "name": "x" }', 'list.json': '[1, 2]', 'files.json': '{ "files": { "a": 1 } }' });
    for (const name of ['package.json', 'list.json', 'files.json']) {
      const message = await rejection(resolveIn(dir, { durations: name }), 'USAGE');
      assert.equal(message, `--durations \`${name}\` has no \`files\` list: it is not a gpu-test results.json (see docs/results-schema.md)`);
    }
  });

  it('fails with USAGE for a JSON `null`', async () => {
    const dir = await makeProject({ 'null.json': 'null' });
    await rejection(resolveIn(dir, { durations: 'null.json' }), 'USAGE');
  });
});
