// The fault matrix, the host around the run: two runs at once on one GPU, a report directory that cannot be written
// (a file, read-only, a full disk, a disk that fills up during the run), and an nvidia-smi whose stream prints what
// does not parse. Nothing may be found out only after the whole run, and no report set may mix two runs.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setupFakeGpu, H100_80GB } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { assertCompleteReports, assertNothingLeft, fileOf } from './fault-assertions.js';
import { FAULT_TEST_TIMEOUT_MS, startFaultRun } from './fault-run.js';

describe('two runs at once on one host', () => {
  it('never put files on the same GPU at once: the second waits, saying for whom, and a shared report dir holds one run\'s set', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'gpu-test-shared-gpu-'));
    setupFakeGpu(stateDir, [H100_80GB]);
    const shared = { stateDir, lockDir: join(stateDir, 'locks'), markDir: mkdtempSync(join(tmpdir(), 'gpu-test-shared-marks-')), reportDir: mkdtempSync(join(tmpdir(), 'gpu-test-shared-reports-')) };
    const first = startFaultRun({ project: 'shared-host', args: ['run'], backend: 'nvidia-smi', shared, env: { RUN_LABEL: 'first', HOLD_UNTIL_RELEASED: '1' } });
    await first.waitForMark('first-holding');
    const second = startFaultRun({ project: 'shared-host', args: ['run'], backend: 'nvidia-smi', shared, env: { RUN_LABEL: 'second' } });
    await second.waitForOutput('Waiting for GPU 0: it is in use by another gpu-test run');
    assert.match(second.stderrSoFar(), new RegExp(`pid ${first.pid}\\b`), 'the second run names the first');
    writeFileSync(join(shared.markDir, 'first-release'), '');
    const [a, b] = await Promise.all([first.finished, second.finished]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const spans = ['first', 'second'].map((label) => JSON.parse(readFileSync(join(shared.markDir, `${label}.json`), 'utf8')) as { start: number; end: number });
    assert.ok((spans[0]?.end ?? 0) <= (spans[1]?.start ?? 0), `the second run's GPU file started after the first's ended: ${JSON.stringify(spans)}`);
    // Both wrote into one report directory: what is there now is one run's whole set.
    const json = await assertCompleteReports(b);
    assert.match(json.warnings.join('\n'), /GPU 0 was in use by another gpu-test run/);
  });

  it('a lock left by a run that was killed outright does not block the next run', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'gpu-test-shared-gpu-'));
    setupFakeGpu(stateDir, [H100_80GB]);
    const lockDir = join(stateDir, 'locks');
    mkdirSync(lockDir, { recursive: true });
    // The lock a killed run leaves: its pid no longer runs.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(lockDir, `${H100_80GB.uuid}.lock`), JSON.stringify({ pid: Number(dead), startTime: 1, runId: 'gone', cwd: '/nowhere', since: 0 }));
    const run = startFaultRun({ project: 'shared-host', args: ['run'], backend: 'nvidia-smi', shared: { stateDir, lockDir }, env: { RUN_LABEL: 'alone' } });
    const result = await run.finished;
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /Waiting for GPU/);
    assert.equal(existsSync(join(lockDir, `${H100_80GB.uuid}.lock`)), false, 'the run gave the card back');
  });
});

/** Mounts a tmpfs of `size` at a new folder; null (with the reason) where this user cannot mount. */
function mountTmpfs(size: string, readOnly = false): { dir: string; unmount: () => void } | { skip: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-test-fs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${readOnly ? ',ro' : ''}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount a tmpfs to fill or freeze (${(mounted.stderr || mounted.error?.message || 'mount failed').trim()}): needs root` };
  }
  return { dir, unmount: () => { spawnSync('umount', ['-l', dir]); rmSync(dir, { recursive: true, force: true }); } };
}

const probe = mountTmpfs('1m');
const mountSkip = 'skip' in probe ? probe.skip : false;
if (!('skip' in probe)) probe.unmount();

describe('a report directory that cannot be written', () => {
  const mounts: (() => void)[] = [];
  after(() => mounts.forEach((unmount) => unmount()));

  it('is a file: exit 2 before any test starts, naming the path and the fix', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gpu-test-notdir-')), 'reports');
    writeFileSync(file, 'not a folder');
    const run = startFaultRun({ project: 'matrix', args: ['run', 'gpu/waits-turn.test.mjs'], backend: 'nvidia-smi', shared: { reportDir: file } });
    const result = await run.finished;
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`the report directory ${file} is a file .*pass --report-dir to write elsewhere \\(checked before any test ran\\)`));
    assert.equal(existsSync(join(run.markDir, 'waited-file-ran')), false, 'no test ran');
  });

  it('is read-only: exit 2 before any test starts', { timeout: FAULT_TEST_TIMEOUT_MS, skip: mountSkip }, async () => {
    const mount = mountTmpfs('1m', true);
    assert.ok(!('skip' in mount));
    mounts.push(mount.unmount);
    const run = startFaultRun({ project: 'matrix', args: ['run', 'gpu/waits-turn.test.mjs'], backend: 'nvidia-smi', shared: { reportDir: join(mount.dir, 'reports', 'nightly') } });
    const result = await run.finished;
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`cannot be created: ${mount.dir} is on a read-only file system`));
    assert.equal(existsSync(join(run.markDir, 'waited-file-ran')), false);
  });

  it('is on a full disk: exit 2 before any test starts', { timeout: FAULT_TEST_TIMEOUT_MS, skip: mountSkip }, async () => {
    const mount = mountTmpfs('64k');
    assert.ok(!('skip' in mount));
    mounts.push(mount.unmount);
    const run = startFaultRun({ project: 'matrix', args: ['run', 'gpu/waits-turn.test.mjs'], backend: 'nvidia-smi', shared: { reportDir: mount.dir } });
    const result = await run.finished;
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /is on a (full disk|disk with \d+ bytes free)/);
    assert.equal(existsSync(join(run.markDir, 'waited-file-ran')), false);
  });

  it('fills up during the run: no report of this run and none of the last one is left looking current, no temp file', { timeout: FAULT_TEST_TIMEOUT_MS, skip: mountSkip }, async () => {
    const mount = mountTmpfs('17m');
    assert.ok(!('skip' in mount));
    mounts.push(mount.unmount);
    // The last run's set, which must not pass for this one's.
    for (const name of ['report.md', 'junit.xml', 'results.json']) writeFileSync(join(mount.dir, name), name === 'report.md' ? '# gpu-test report\n\nlast night\n' : name === 'junit.xml' ? '<testsuites name="gpu-test">' : '{\n  "generatedBy": "gpu-test 0.0.9"\n}\n');
    const run = startFaultRun({ project: 'matrix', args: ['run', 'gpu/waits-turn.test.mjs'], backend: 'nvidia-smi', shared: { reportDir: mount.dir } });
    await run.waitForMark('waited-file-ran');
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${join(mount.dir, 'filler')}`, 'bs=1M', 'count=32'], { stdio: 'ignore' });
    } catch {
      // dd stops with ENOSPC once the disk is full, which is the point.
    }
    const result = await run.finished;
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /cannot write .*report\.md|cannot write .*results\.json|cannot write .*junit\.xml/);
    const left = ['report.md', 'junit.xml', 'results.json'].filter((name) => existsSync(join(mount.dir, name)));
    assert.deepEqual(left, [], 'no report is left looking current');
    assert.deepEqual(result.strayFiles.filter((name) => name !== 'filler'), [], 'no temp file is left');
  });
});

describe('an nvidia-smi whose stream does not parse', () => {
  it('is reported in every report for what it is, not as a hung driver', { timeout: FAULT_TEST_TIMEOUT_MS }, async () => {
    const run = startFaultRun({ project: 'matrix', args: ['run', 'gpu/waits-turn.test.mjs'], backend: 'nvidia-smi', gpuState: { 'garble-stream': '' } });
    const result = await run.finished;
    assert.equal(result.code, 0, result.stderr);
    const json = await assertCompleteReports(result);
    assert.equal(fileOf(json, 'gpu/waits-turn.test.mjs').status, 'passed');
    const warning = json.warnings.find((text) => /does not answer the query as expected/.test(text)) ?? '';
    assert.match(warning, /nvidia-smi printed a line .*"this is not a reading"/);
    assert.match(result.markdown ?? '', /this is not a reading/);
    assert.doesNotMatch(json.warnings.join('\n'), /driver may be hung/, 'a garbled stream is not called a hung driver');
    await assertNothingLeft(run);
  });
});
