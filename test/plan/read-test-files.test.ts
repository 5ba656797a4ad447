// readTestFileHeads and describeJobs: every test file that cannot be read refused at once, before anything runs, each
// named by id and absolute path with what is wrong and the fix.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, realpathSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ResolvedConfig } from '../../src/config/types.js';
import { discoverFiles } from '../../src/plan/discover-files.js';
import { describeJobs } from '../../src/plan/plan-jobs.js';
import { HEADER_BYTES } from '../../src/plan/read-file-header.js';
import { readTestFileHeads } from '../../src/plan/read-test-files.js';
import type { OpenFile } from '../../src/config/read-regular-file.js';
import { resolvedConfig } from '../helpers/resolved-config.js';

function project(files: Readonly<Record<string, string>>): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'gpu-test-heads-')));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

async function unreadable(run: ResolvedConfig, open?: OpenFile): Promise<string> {
  const { files } = await discoverFiles(run);
  try {
    describeJobs(run, files, open);
  } catch (error) {
    assert.equal((error as { code?: string }).code, 'FILE_UNREADABLE');
    return (error as Error).message;
  }
  return assert.fail('describeJobs read every file');
}

const DEFAULT_EXCLUDE = '"**/node_modules/**"';

/** A config with the one suite these projects have. */
function config(overrides: Partial<ResolvedConfig>): ResolvedConfig {
  const base = resolvedConfig();
  return resolvedConfig({ suites: base.suites.filter((suite) => suite.name === 'unit'), ...overrides });
}

describe('readTestFileHeads', () => {
  it('returns the start of each file, at most HEADER_BYTES of it', async () => {
    const dir = project({ 'test/a.test.ts': '// @gpu-test tags: gpu\n', 'test/b.test.ts': `// big\n${'x'.repeat(3 * HEADER_BYTES)}` });
    const unit = config({ rootDir: dir });
    const heads = readTestFileHeads(unit, (await discoverFiles(unit)).files);
    assert.deepEqual(heads.map((head) => head.length), [23, HEADER_BYTES]);
  });

  it('names every odd file at once, with the config\'s exclude list extended to paste as is', async () => {
    const dir = project({ 'gpu-test.config.yaml': '', 'test/a.test.ts': '', 'test/z.test.ts': '' });
    symlinkSync('../shared/gone.ts', join(dir, 'test/dangling.test.ts'));
    execFileSync('mkfifo', [join(dir, 'test/pipe.test.ts')]);
    const message = await unreadable(config({ rootDir: dir, configFile: join(dir, 'gpu-test.config.yaml') }));
    assert.deepEqual(message.split('\n'), [
      '2 test files cannot be read, so nothing was run:',
      `  \`test/dangling.test.ts\` (${dir}/test/dangling.test.ts) is a dangling symbolic link to \`../shared/gone.ts\` (nothing is there); remove it, or exclude it (below)`,
      `  \`test/pipe.test.ts\` (${dir}/test/pipe.test.ts) is not a regular file: it is a FIFO (named pipe); remove it, or exclude it (below)`,
      `to exclude them, set \`exclude: [${DEFAULT_EXCLUDE}, "test/dangling.test.ts", "test/pipe.test.ts"]\` in ${join(dir, 'gpu-test.config.yaml')} (the list replaces the one in force, so it repeats what is already excluded)`,
    ]);
  });

  it('says where to create a config when there is none', async () => {
    const dir = project({ 'test/a.test.ts': '' });
    symlinkSync('nowhere', join(dir, 'test/dangling.test.ts'));
    const message = await unreadable(config({ rootDir: dir }));
    assert.match(message, /^a test file cannot be read, so nothing was run:\n/);
    assert.ok(message.endsWith(`to exclude it, create gpu-test.config.yaml in ${dir} with \`exclude: [${DEFAULT_EXCLUDE}, "test/dangling.test.ts"]\` (the list replaces the one in force, so it repeats what is already excluded)`), message);
  });

  it('says permission denied and how to grant it (the read error injected: root reads any file)', async () => {
    const dir = project({ 'test/a.test.ts': '', 'test/b.test.ts': '' });
    const open: OpenFile = (path, flags) => {
      if (path.endsWith('b.test.ts')) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
      return openSync(path, flags);
    };
    const message = await unreadable(config({ rootDir: dir }), open);
    assert.ok(message.includes(`\`test/b.test.ts\` (${dir}/test/b.test.ts) cannot be read: permission denied (EACCES); make it and its directories readable by the user running gpu-test (for example \`chmod a+r '${dir}/test/b.test.ts'\`), or exclude it (below)`), message);
    assert.ok(!message.includes('test/a.test.ts'), message);
  });

  it('tells a file that vanished after discovery to run again, with no exclude hint', async () => {
    const dir = project({ 'test/a.test.ts': '', 'test/b.test.ts': '' });
    const unit = config({ rootDir: dir });
    const { files } = await discoverFiles(unit);
    unlinkSync(join(dir, 'test/b.test.ts'));
    assert.throws(() => describeJobs(unit, files), (error: Error) => {
      assert.equal(error.message, [
        'a test file cannot be read, so nothing was run:',
        `  \`test/b.test.ts\` (${dir}/test/b.test.ts) was found but is gone now (deleted or renamed meanwhile); run again once nothing is changing the test files`,
      ].join('\n'));
      return true;
    });
  });

  it('tells a file named on the command line to leave it off, since exclude does not apply to it', async () => {
    const dir = project({ 'test/a.test.ts': '' });
    execFileSync('mkfifo', [join(dir, 'test/pipe.test.ts')]);
    const message = await unreadable(config({ rootDir: dir, paths: [join(dir, 'test/pipe.test.ts')] }));
    assert.equal(message, `a test file cannot be read, so nothing was run:\n  \`test/pipe.test.ts\` (${dir}/test/pipe.test.ts) is not a regular file: it is a FIFO (named pipe); remove it, or leave it off the command line`);
  });
});
