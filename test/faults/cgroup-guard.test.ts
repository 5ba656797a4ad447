// End to end, inside a real memory-limited cgroup (v1 or v2, made for the test): a test that grows its RSS steadily
// past the cgroup's 600 MiB limit, on a host with far more RAM, is stopped by the memory guard naming the cgroup
// limit before the kernel's OOM killer acts (the cgroup's OOM-kill counter does not move), every report is written,
// and the reports show the limit and the peak working set. With `--guard off` the kernel kills the same test, which
// shows the limit is real and the guard is what made the difference.

import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateJunit } from '../report/validate-junit.js';
import { FIXTURES, REPO, runCli, type CliRun } from '../e2e/run-cli.js';
import { createMemoryCgroup, type MemoryCgroup } from './memory-cgroup.js';

const MiB = 1024 * 1024;
const LIMIT_MIB = 600;
// Two and a half times the limit: without the guard the kernel must act; at 100 MiB/s the guard has ~1.5 s (dozens of
// samples) between the level where its growth rule looks and the limit.
const GROW_MIB = 1500;
const PROJECT = relative(FIXTURES, join(REPO, 'test/faults/fixtures/cgroup-guard'));
const GROWS = 'grows its RSS past the cgroup limit';

const cgroups: MemoryCgroup[] = [];
/** A fresh cgroup for one run, or why none can be made. */
function makeCgroup(role: string): MemoryCgroup | string {
  const made = createMemoryCgroup(`gpu-test-cgroup-guard-${process.pid}-${role}`, LIMIT_MIB * MiB);
  if (typeof made !== 'string') cgroups.push(made);
  return made;
}
const guardedCgroup = makeCgroup('guarded');
const skip = typeof guardedCgroup === 'string' ? `no memory cgroup can be made here: ${guardedCgroup}` : false;

after(async () => {
  for (const cgroup of cgroups) await cgroup.remove();
});

/** Runs the fixture inside `cgroup` and reads its OOM-kill counter before and after. */
async function runInside(cgroup: MemoryCgroup, args: readonly string[]): Promise<{ run: CliRun; oomKillsBefore: number; oomKillsAfter: number }> {
  const oomKillsBefore = cgroup.oomKills();
  const run = await runCli({ project: PROJECT, args: ['run', ...args], env: { GROW_MIB: String(GROW_MIB) }, wrap: cgroup.wrap });
  return { run, oomKillsBefore, oomKillsAfter: cgroup.oomKills() };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

describe('the memory guard in a memory-limited cgroup', { skip }, () => {
  const cgroup = guardedCgroup as MemoryCgroup;
  const limit = `of its ${LIMIT_MIB} MiB limit \\(${escape(cgroup.path ?? '')}\\)`;
  const message = new RegExp(`stopped by the memory guard: cgroup memory (?:at \\d+\\.\\d% ${limit}, over the 95% limit|growing \\d+ [MG]iB/s at \\d+\\.\\d% ${limit}: at the 95% limit in \\d+\\.\\d s, within the 10 s horizon); recent curve: (?:t-\\d+\\.\\d\\ds \\d+ MiB, )+t0 \\d+ MiB`);
  let guarded: Awaited<ReturnType<typeof runInside>>;
  before(async () => {
    guarded = await runInside(cgroup, []);
  });

  it('stops the growing test with the memory guard\'s message naming the cgroup limit, exit 1', () => {
    const { run } = guarded;
    assert.equal(run.code, 1, run.stderr);
    const file = run.json?.files.find((f) => f.id === 'grows-rss.test.mjs');
    assert.equal(file?.status, 'failed', run.stderr);
    const test = file?.tests.find((t) => t.name === GROWS);
    assert.equal(test?.failure?.type, 'MemoryGuard', run.stderr);
    assert.match(test?.failure?.message ?? '', message);
    assert.match(run.stderr, message);
  });

  it('acts before the kernel: the cgroup\'s OOM-kill counter did not move', () => {
    assert.equal(guarded.oomKillsAfter, guarded.oomKillsBefore);
    assert.equal(guarded.run.json?.pressure.cgroup?.oomKillsDuringRun, 0);
  });

  it('writes every report, with the failure and the cgroup\'s limit and peak working set', async () => {
    const { run } = guarded;
    assert.match(run.junit ?? '', new RegExp(`<failure type="MemoryGuard" message="${message.source}`));
    assert.deepEqual(await validateJunit(run.junit ?? ''), []);
    assert.match(run.markdown ?? '', message);
    const summary = run.json?.pressure.cgroup;
    assert.equal(summary?.version, cgroup.version);
    assert.deepEqual([summary?.path, summary?.limitPath, summary?.maxBytes], [cgroup.path, cgroup.path, LIMIT_MIB * MiB]);
    // The growth was seen, and stopped before the limit.
    const peak = summary?.peakWorkingSetBytes ?? 0;
    assert.ok(peak > (LIMIT_MIB / 2) * MiB && peak < LIMIT_MIB * MiB, `peak working set ${peak}`);
    assert.match(run.markdown ?? '', new RegExp(`\\| cgroup memory \\(working set\\) \\| [\\d.]+ MiB \\| ${LIMIT_MIB} MiB \\|`));
    assert.match(run.markdown ?? '', new RegExp(`\\*\\*cgroup\\*\\* \`${escape(cgroup.path)}\` \\(v${cgroup.version}\\): memory limit ${LIMIT_MIB} MiB, peak working set`));
  });

  it('with --guard off, the kernel\'s OOM killer ends the same test instead', async () => {
    const control = makeCgroup('unguarded');
    assert.ok(typeof control !== 'string', String(control));
    const { run, oomKillsBefore, oomKillsAfter } = await runInside(control, ['--guard', 'off']);
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.json?.files[0]?.status, 'crashed', run.stderr);
    assert.ok(oomKillsAfter > oomKillsBefore, `OOM kills ${oomKillsBefore} -> ${oomKillsAfter}`);
    assert.ok((run.json?.pressure.cgroup?.oomKillsDuringRun ?? 0) >= 1);
    assert.doesNotMatch(run.markdown ?? '', /memory guard/);
  });
});
