// End to end: what would otherwise be lost without a word, or end in a stack trace, stops the run before any test with
// exit code 2 and a message naming the file, what is wrong and the fix: test files that cannot be read, a suite whose
// globs match nothing (or, allowed, a warning in every report), a symlinked directory (each real file runs once), and
// a config file too large to parse or built as an alias bomb. FIFOs, links and big files are made in temp copies.

import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NVML_LIBRARY_ENV } from '../../src/probe/nvml.js';
import { escapeInline } from '../../src/report/markdown-escape.js';
import { cleanEnv, FIXTURES, REPO, runCli, type CliRun } from '../e2e/run-cli.js';

const HERE = fileURLToPath(new URL('./fixtures/plan-errors/', import.meta.url));
const DEFAULT_EXCLUDE = '"**/node_modules/**", "**/dist/**", "**/.git/**"';
// A FIFO that is opened would block the run for good: such a regression must fail, not hang the suite.
const LIMIT = { timeout: 60_000 };

/** A temp copy of a fixture project, for what must not be committed (FIFOs, links, big files); its real path. */
function copyProject(name: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'gpu-test-plan-errors-')));
  cpSync(join(HERE, name), dir, { recursive: true });
  return dir;
}

/** runCli in a project outside the e2e fixtures (it takes the project relative to them). */
function runIn(dir: string, args: readonly string[]): Promise<CliRun> {
  return runCli({ project: relative(FIXTURES, dir), args });
}

/** The tests that ran, in the order they wrote to the fixture's log. */
function ran(run: CliRun): string[] {
  const log = join(run.timelineDir, 'ran.log');
  return existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
}

function refusedBeforeAnyTest(run: CliRun): void {
  assert.equal(run.code, 2, run.stderr);
  assert.deepEqual(ran(run), [], 'no test ran');
  assert.deepEqual([run.markdown, run.junit, run.json], [null, null, null], 'no report was written');
  assert.doesNotMatch(run.stderr, /internal error|\n\s+at /, 'no stack trace');
}

/** A test file like the fixtures', recording `name` when it runs. */
function writeTestFile(path: string, name: string): void {
  writeFileSync(path, `import { appendFileSync } from 'node:fs';\nimport { join } from 'node:path';\nimport { test } from 'node:test';\n\ntest('${name}', () => {\n  appendFileSync(join(process.env.TIMELINE_DIR, 'ran.log'), '${name}\\n');\n});\n`);
}

describe('test files that cannot be read', () => {
  it('refuses a dangling symlink named like a test file, and the exclude it suggests works', LIMIT, async () => {
    const dir = copyProject('project');
    symlinkSync('../shared/helper.mjs', join(dir, 'unit/c.test.mjs'));
    const run = await runIn(dir, ['run']);
    refusedBeforeAnyTest(run);
    const hint = `exclude: [${DEFAULT_EXCLUDE}, "unit/c.test.mjs"]`;
    assert.equal(run.stderr, [
      'gpu-test: a test file cannot be read, so nothing was run:',
      `  \`unit/c.test.mjs\` (${dir}/unit/c.test.mjs) is a dangling symbolic link to \`../shared/helper.mjs\` (nothing is there); remove it, or exclude it (below)`,
      `to exclude it, set \`${hint}\` in gpu-test.config.yaml (the list replaces the one in force, so it repeats what is already excluded)`,
      '',
    ].join('\n'));
    appendFileSync(join(dir, 'gpu-test.config.yaml'), `${hint}\n`);
    const fixed = await runIn(dir, ['run']);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.deepEqual(ran(fixed).sort(), ['unit/a', 'unit/b']);
  });

  it('refuses a FIFO and a link to a device without opening them, found by glob or named on the command line', LIMIT, async () => {
    const dir = copyProject('project');
    execFileSync('mkfifo', [join(dir, 'unit/pipe.test.mjs')]);
    symlinkSync('/dev/zero', join(dir, 'unit/zero.test.mjs'));
    const run = await runIn(dir, ['run']);
    refusedBeforeAnyTest(run);
    const lines = run.stderr.split('\n');
    assert.equal(lines[0], 'gpu-test: 2 test files cannot be read, so nothing was run:');
    assert.equal(lines[1], `  \`unit/pipe.test.mjs\` (${dir}/unit/pipe.test.mjs) is not a regular file: it is a FIFO (named pipe); remove it, or exclude it (below)`);
    assert.equal(lines[2], `  \`unit/zero.test.mjs\` (${dir}/unit/zero.test.mjs) is a symbolic link to \`/dev/zero\`, which is a character device, not a regular file; remove it, or exclude it (below)`);
    assert.match(lines[3] ?? '', new RegExp(`^to exclude them, set \`exclude: \\[.*"unit/pipe\\.test\\.mjs", "unit/zero\\.test\\.mjs"\\]\` in gpu-test\\.config\\.yaml`));
    const named = await runIn(dir, ['run', 'unit/pipe.test.mjs', 'unit/a.test.mjs']);
    refusedBeforeAnyTest(named);
    assert.match(named.stderr, /`unit\/pipe\.test\.mjs` \(\S+\) is not a regular file: it is a FIFO \(named pipe\); remove it, or leave it off the command line\n$/);
  });

  it('refuses a file the user may not read, naming the fix (run as an unprivileged user where the tests run as root)', LIMIT, async (t) => {
    const dir = copyProject('project');
    chmodSync(dir, 0o755); // mkdtemp's 0700 would hide the whole project from the other user
    chmodSync(join(dir, 'unit/b.test.mjs'), 0o000);
    const asRoot = process.getuid?.() === 0;
    if (asRoot && !canRunAsNobody()) {
      t.skip('running as root, which reads any file, and `setpriv --reuid=65534` is not available to drop that');
      return;
    }
    const run = asRoot ? await runAsNobody(dir, ['run']) : await runIn(dir, ['run']);
    refusedBeforeAnyTest(run);
    assert.ok(run.stderr.includes(`\`unit/b.test.mjs\` (${dir}/unit/b.test.mjs) cannot be read: permission denied (EACCES); make it and its directories readable by the user running gpu-test (for example \`chmod a+r '${dir}/unit/b.test.mjs'\`), or exclude it (below)\n`), run.stderr);
    assert.ok(run.stderr.includes(`set \`exclude: [${DEFAULT_EXCLUDE}, "unit/b.test.mjs"]\` in gpu-test.config.yaml`), run.stderr);
  });
});

describe('a suite whose files match nothing', () => {
  const root = join(HERE, 'empty-suite');

  it('stops the run and the plan, naming the suite, its `files` line:column, patterns, root and fix', async () => {
    for (const command of ['run', 'list']) {
      const run = await runCli({ project: relative(FIXTURES, root), args: [command] });
      refusedBeforeAnyTest(run);
      assert.equal(run.stderr, `gpu-test: gpu-test.config.yaml:6:5: suite \`vlm\` matches no test file: \`files: ["vlm/**/*.test.mjs", "models/**/*.test.mjs"]\` finds nothing under ${root}, after \`exclude: [${DEFAULT_EXCLUDE}]\`; fix the globs (they are relative to the root, the config file's directory), or set \`allowEmpty: true\` on the suite if it may have no files (every report then warns instead)\n`);
    }
  });

  it('is no error when the files come from the command line', async () => {
    const run = await runCli({ project: relative(FIXTURES, root), args: ['run', 'unit/a.test.mjs'] });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(ran(run), ['unit/a']);
  });

  it('with allowEmpty: true, runs the rest and puts the warning in the console, report.md, junit.xml and results.json', async () => {
    const allowRoot = join(HERE, 'allow-empty');
    const run = await runCli({ project: relative(FIXTURES, allowRoot), args: ['run'] });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(ran(run), ['unit/a']);
    const warning = `suite \`vlm\` (gpu-test.config.yaml:6:5) matches no test file: \`files: ["vlm/**/*.test.mjs"]\` finds nothing under ${allowRoot}, after \`exclude: [${DEFAULT_EXCLUDE}]\`; it has \`allowEmpty: true\`, so the run went on without it`;
    assert.match(run.stderr, new RegExp(`\\nWarnings: +${escapeRegExp(warning)}\\n`));
    assert.ok(run.markdown?.includes(`## Warnings\n\n- ${escapeInline(warning)}\n`), run.markdown ?? 'no report.md');
    assert.ok(run.junit?.includes('<testsuite name="gpu-test [warnings]" tests="0"'), run.junit ?? 'no junit.xml');
    assert.ok(run.junit?.includes(`<system-err>[gpu-test] warning: ${warning.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}\n</system-err>`), run.junit ?? '');
    assert.deepEqual((run.json as unknown as { warnings: string[] }).warnings, [warning]);
  });

  it('counts a gated suite\'s skipped files, and a shard without a file of some suite is normal', async () => {
    const project = relative(FIXTURES, join(HERE, 'project'));
    const whole = await runCli({ project, args: ['run'] });
    assert.equal(whole.code, 0, whole.stderr);
    assert.equal(whole.json?.files.find((file) => file.id === 'flux/f.test.mjs')?.status, 'skipped');
    // Round-robin over the sorted ids flux/f, unit/a, unit/b: shard 2/2 holds unit/a alone, nothing of flux.
    const shard = await runCli({ project, args: ['run', '--shard', '2/2', '--shard-strategy', 'round-robin'] });
    assert.equal(shard.code, 0, shard.stderr);
    assert.deepEqual(shard.json?.files.map((file) => file.id), ['unit/a.test.mjs']);
  });
});

describe('symbolic links in the test tree', () => {
  it('runs a file reached through a symlinked directory once, under its own path, by glob or by command line', async () => {
    const dir = copyProject('project');
    mkdirSync(join(dir, 'unit/common'));
    writeTestFile(join(dir, 'unit/common/c.test.mjs'), 'unit/c');
    symlinkSync('common', join(dir, 'unit/alias')); // sorts before `common`: the real path still wins
    const run = await runIn(dir, ['run']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.json?.files.map((file) => file.id), ['flux/f.test.mjs', 'unit/a.test.mjs', 'unit/b.test.mjs', 'unit/common/c.test.mjs']);
    assert.deepEqual(ran(run).sort(), ['unit/a', 'unit/b', 'unit/c']);
    const named = await runIn(dir, ['run', 'unit/alias/c.test.mjs', 'unit/common/c.test.mjs']);
    assert.deepEqual([named.code, named.json?.files.map((file) => file.id), ran(named)], [0, ['unit/common/c.test.mjs'], ['unit/c']]);
  });

  it('still runs a symlinked test file whose target lies outside the tree', async () => {
    const dir = copyProject('project');
    const outside = realpathSync(mkdtempSync(join(tmpdir(), 'gpu-test-outside-')));
    writeTestFile(join(outside, 'shared.test.mjs'), 'shared');
    symlinkSync(join(outside, 'shared.test.mjs'), join(dir, 'unit/shared.test.mjs'));
    const run = await runIn(dir, ['run']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json?.files.find((file) => file.id === 'unit/shared.test.mjs')?.status, 'passed');
    assert.deepEqual(ran(run).sort(), ['shared', 'unit/a', 'unit/b']);
  });
});

describe('config files that must not be parsed', () => {
  it('refuses a config over 1 MiB before parsing, with its size and the fix', async () => {
    const dir = copyProject('project');
    const size = 3 * 1024 ** 2;
    const config = readFileSync(join(dir, 'gpu-test.config.yaml'), 'utf8');
    writeFileSync(join(dir, 'gpu-test.config.yaml'), `${config}#${'x'.repeat(size - config.length - 2)}\n`);
    const run = await runIn(dir, ['run']);
    refusedBeforeAnyTest(run);
    assert.equal(run.stderr, `gpu-test: config file \`gpu-test.config.yaml\` is 3.0 MiB (${size} bytes), over the 1 MiB limit for a config file, so it was not parsed; check that it is the config file you meant (a real one is a few KiB), or cut it down; --config names another file\n`);
  });

  it('refuses a YAML alias bomb cleanly instead of expanding it', async () => {
    const dir = copyProject('project');
    const levels = Array.from({ length: 9 }, (_, i) => `  - &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`);
    appendFileSync(join(dir, 'gpu-test.config.yaml'), ['tags:', `  - &a0 [${Array(10).fill('lol').join(', ')}]`, ...levels, ''].join('\n'));
    const run = await runIn(dir, ['run']);
    refusedBeforeAnyTest(run);
    assert.equal(run.stderr, 'gpu-test: gpu-test.config.yaml: YAML aliases expand to more than 100 copies of their anchors (yaml: Excessive alias count indicates a resource exhaustion attack); write the values out, or use fewer aliases (`*name`) of anchors whose values hold aliases themselves\n');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

function canRunAsNobody(): boolean {
  return spawnSync('setpriv', [...NOBODY, process.execPath, '-e', ''], { stdio: 'ignore' }).status === 0;
}

/** Runs the CLI as uid/gid 65534 (nobody) in `dir`, with directories that user may write; the same record as runCli. */
function runAsNobody(dir: string, args: readonly string[]): Promise<CliRun> {
  const reportDir = mkdtempSync(join(tmpdir(), 'gpu-test-e2e-reports-'));
  const timelineDir = mkdtempSync(join(tmpdir(), 'gpu-test-e2e-timeline-'));
  for (const open of [reportDir, timelineDir]) chmodSync(open, 0o777);
  const child = spawn('setpriv', [...NOBODY, process.execPath, join(REPO, 'bin/gpu-test.js'), ...args, '--report-dir', reportDir, '--no-color'], {
    cwd: dir, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...cleanEnv(), TIMELINE_DIR: timelineDir, [NVML_LIBRARY_ENV]: join(timelineDir, 'no-libnvidia-ml.so.1') },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const read = (name: string): string | null => (existsSync(join(reportDir, name)) ? readFileSync(join(reportDir, name), 'utf8') : null);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      const json = read('results.json');
      resolve({ code, signal, stdout, stderr, reportDir, timelineDir, markdown: read('report.md'), junit: read('junit.xml'), json: json === null ? null : JSON.parse(json) as CliRun['json'] });
    });
  });
}
