// discoverFiles: which suite claims each file, each real file once, odd entries kept for the header read to refuse,
// and a suite whose globs match nothing refused (or, with allowEmpty, warned about).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SuiteConfig } from '../../src/config/types.js';
import { discoverFiles } from '../../src/plan/discover-files.js';
import { resolvedConfig } from '../helpers/resolved-config.js';

function project(files: readonly string[]): string {
  // realpath: the temp directory may sit behind a symlink, and ids are compared with real paths.
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'gpu-test-discover-')));
  for (const file of files) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), '');
  }
  return dir;
}

async function ids(dir: string, overrides: Parameters<typeof resolvedConfig>[0] = {}): Promise<string[]> {
  return (await discoverFiles(resolvedConfig({ rootDir: dir, ...overrides }))).files.map((f) => f.id);
}

function suite(name: string, files: string[], more: Partial<SuiteConfig> = {}): SuiteConfig {
  return { name, files, allowEmpty: false, tags: [], timeoutMs: null, repeat: null, leakThreshold: null, leakRepeatMax: null, requires: null, hooks: null, budgets: null, source: null, filesSource: null, retries: null, retryOn: null, compare: null, ...more };
}

describe('discoverFiles', () => {
  it('gives each file to the first suite that matches it, sorted by id', async () => {
    const dir = project(['test/b.test.ts', 'test/a.test.ts', 'suites/vlm/v.test.ts', 'suites/flux/f.test.ts', 'node_modules/x/y.test.ts']);
    const { files, warnings } = await discoverFiles(resolvedConfig({ rootDir: dir }));
    assert.deepEqual(files.map((f) => [f.id, f.suite.name]), [
      ['suites/flux/f.test.ts', 'flux'], ['suites/vlm/v.test.ts', 'vlm'], ['test/a.test.ts', 'unit'], ['test/b.test.ts', 'unit'],
    ]);
    assert.deepEqual(warnings, []);
  });

  it('takes a file given on the command line even when no suite matches it', async () => {
    const dir = project(['tools/check.test.mjs', 'test/a.test.ts']);
    const { files } = await discoverFiles(resolvedConfig({ rootDir: dir, paths: [join(dir, 'tools/check.test.mjs')] }));
    assert.deepEqual(files.map((f) => [f.id, f.suite.name]), [['tools/check.test.mjs', 'command-line']]);
  });

  it('keeps only the suites\' files inside a directory given on the command line', async () => {
    const dir = project(['test/a.test.ts', 'suites/vlm/v.test.ts']);
    assert.deepEqual(await ids(dir, { paths: [join(dir, 'suites')] }), ['suites/vlm/v.test.ts']);
  });

  it('says where it looked when nothing matches', async () => {
    const dir = project(['README.md']);
    await assert.rejects(discoverFiles(resolvedConfig({ rootDir: dir })), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'NO_TEST_FILES');
      assert.match(error.message, /no test files found by the default pattern .* under /);
      return true;
    });
  });
});

describe('discoverFiles: entries that are not regular files', () => {
  it('keeps FIFOs and dangling links that match a suite, for the header read to refuse, unless excluded', async () => {
    const dir = project(['test/a.test.ts', 'fixtures/keep.txt']);
    execFileSync('mkfifo', [join(dir, 'test/pipe.test.ts'), join(dir, 'fixtures/pipe.test.ts')]);
    symlinkSync('gone.ts', join(dir, 'test/dangling.test.ts'));
    symlinkSync('loop.test.ts', join(dir, 'test/loop.test.ts'));
    symlinkSync('a.test.ts', join(dir, 'test/notes.md'));
    const config = { suites: [suite('unit', ['**/*.test.ts'])], exclude: ['**/fixtures/**'] };
    assert.deepEqual(await ids(dir, config), ['test/a.test.ts', 'test/dangling.test.ts', 'test/loop.test.ts', 'test/pipe.test.ts']);
  });

  it('takes a FIFO or a dangling link named on the command line as a file, not as a directory to search', async () => {
    const dir = project(['test/a.test.ts']);
    execFileSync('mkfifo', [join(dir, 'test/pipe.test.ts')]);
    symlinkSync('gone.ts', join(dir, 'test/dangling.test.ts'));
    assert.deepEqual(await ids(dir, { paths: [join(dir, 'test/pipe.test.ts'), join(dir, 'test/dangling.test.ts')] }), ['test/dangling.test.ts', 'test/pipe.test.ts']);
  });
});

describe('discoverFiles: symbolic links', () => {
  it('runs each real file once when a symlinked directory reaches it again, under its own id', async () => {
    const dir = project(['test/a.test.ts', 'test/deep/b.test.ts']);
    symlinkSync('test', join(dir, 'again'));
    symlinkSync('.', join(dir, 'test/deep/self'));
    assert.deepEqual(await ids(dir, { suites: [suite('all', ['**/*.test.ts'])] }), ['test/a.test.ts', 'test/deep/b.test.ts']);
  });

  it('keeps the non-symlinked path even when the link sorts first, and the first suite that claims that path', async () => {
    const dir = project(['unit/a.test.ts']);
    symlinkSync('unit', join(dir, 'a-link'));
    const { files } = await discoverFiles(resolvedConfig({ rootDir: dir, suites: [suite('linked', ['a-link/**/*.test.ts']), suite('unit', ['unit/**/*.test.ts'])] }));
    assert.deepEqual(files.map((f) => [f.id, f.suite.name]), [['unit/a.test.ts', 'unit']]);
  });

  it('dedupes files given on the command line too, through a link or directly', async () => {
    const dir = project(['unit/a.test.ts']);
    symlinkSync('unit', join(dir, 'linked'));
    const paths = [join(dir, 'linked/a.test.ts'), join(dir, 'unit/a.test.ts')];
    assert.deepEqual(await ids(dir, { suites: [suite('unit', ['unit/**/*.test.ts'])], paths }), ['unit/a.test.ts']);
  });

  it('runs a symlinked file whose target lies outside the tree, under the link\'s id', async () => {
    const outside = project(['shared.test.ts']);
    const dir = project(['unit/a.test.ts']);
    symlinkSync(join(outside, 'shared.test.ts'), join(dir, 'unit/shared.test.ts'));
    const { files } = await discoverFiles(resolvedConfig({ rootDir: dir, suites: [suite('unit', ['unit/**/*.test.ts'])] }));
    assert.deepEqual(files.map((f) => [f.id, f.file]), [['unit/a.test.ts', join(dir, 'unit/a.test.ts')], ['unit/shared.test.ts', join(dir, 'unit/shared.test.ts')]]);
  });
});

describe('discoverFiles: a suite that matches nothing', () => {
  const located = (name: string, files: string[], line: number, more: Partial<SuiteConfig> = {}): SuiteConfig =>
    suite(name, files, { filesSource: { file: 'gpu-test.config.yaml', line, column: 5 }, ...more });

  it('is an error naming the suite, where its files are written, the patterns, the root and the fix', async () => {
    const dir = project(['test/a.test.ts']);
    const config = resolvedConfig({ rootDir: dir, configFile: join(dir, 'gpu-test.config.yaml'), suites: [located('unit', ['test/**/*.test.ts'], 4), located('vlm', ['suites/vlm/**/*.test.ts'], 6)] });
    await assert.rejects(discoverFiles(config), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'EMPTY_SUITE');
      assert.equal(error.message, `gpu-test.config.yaml:6:5: suite \`vlm\` matches no test file: \`files: ["suites/vlm/**/*.test.ts"]\` finds nothing under ${dir}, after \`exclude: ["**/node_modules/**"]\`; fix the globs (they are relative to the root, the config file's directory), or set \`allowEmpty: true\` on the suite if it may have no files (every report then warns instead)`);
      return true;
    });
  });

  it('names every empty suite at once', async () => {
    const dir = project(['test/a.test.ts']);
    const config = resolvedConfig({ rootDir: dir, exclude: [], suites: [located('unit', ['test/**/*.test.ts'], 4), located('vlm', ['vlm/*.ts'], 6), located('flux', ['flux/*.ts'], 8)] });
    await assert.rejects(discoverFiles(config), (error: Error) => {
      const lines = error.message.split('\n');
      assert.match(lines[0] ?? '', /: 2 suites match no test file$/);
      assert.match(lines[1] ?? '', /^ {2}gpu-test\.config\.yaml:6:5: suite `vlm` matches no test file: `files: \["vlm\/\*\.ts"\]` finds nothing under \S+; fix/);
      assert.match(lines[2] ?? '', /^ {2}gpu-test\.config\.yaml:8:5: suite `flux` matches no test file/);
      return true;
    });
  });

  it('counts files its globs matched even when an earlier suite claimed them, or an exclude leaves none', async () => {
    const dir = project(['test/a.test.ts', 'test/fixtures/b.test.ts']);
    // `all` claims test/a first: `unit` still matched it. `fixtures` matched only excluded files: it is empty.
    const config = { suites: [suite('all', ['**/*.test.ts']), suite('unit', ['test/**/*.test.ts']), located('fixtures', ['test/fixtures/*.test.ts'], 7)], exclude: ['**/fixtures/**'] };
    await assert.rejects(discoverFiles(resolvedConfig({ rootDir: dir, ...config })), /suite `fixtures` matches no test file: .* after `exclude: \["\*\*\/fixtures\/\*\*"\]`/);
  });

  it('is a warning with allowEmpty: true, and the run keeps the other suites\' files', async () => {
    const dir = project(['test/a.test.ts']);
    const config = resolvedConfig({ rootDir: dir, suites: [located('unit', ['test/**/*.test.ts'], 4), located('vlm', ['vlm/*.ts'], 6, { allowEmpty: true })] });
    const { files, warnings } = await discoverFiles(config);
    assert.deepEqual(files.map((f) => f.id), ['test/a.test.ts']);
    assert.deepEqual(warnings, [`suite \`vlm\` (gpu-test.config.yaml:6:5) matches no test file: \`files: ["vlm/*.ts"]\` finds nothing under ${dir}, after \`exclude: ["**/node_modules/**"]\`; it has \`allowEmpty: true\`, so the run went on without it`]);
  });

  it('is checked over every file, whatever shard the run takes: a shard with no file of a suite is normal', async () => {
    const dir = project(['test/a.test.ts', 'test/b.test.ts', 'suites/vlm/v.test.ts', 'suites/flux/f.test.ts']);
    // Discovery finds the whole set; src/plan/shard-jobs.ts picks the shard's part from it.
    const shard = { index: 2, total: 2, strategy: 'round-robin' as const, gpus: null };
    assert.deepEqual(await ids(dir, { shard }), ['suites/flux/f.test.ts', 'suites/vlm/v.test.ts', 'test/a.test.ts', 'test/b.test.ts']);
  });

  it('does not apply to paths given on the command line, where suites without a file there are normal', async () => {
    const dir = project(['test/a.test.ts']);
    assert.deepEqual(await ids(dir, { paths: [join(dir, 'test')] }), ['test/a.test.ts']);
  });
});
