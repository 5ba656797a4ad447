// describeJobs and decideSkips: lanes from tags and declared GPUs, header tags/timeout/needs over the suite's, gates,
// deselection and a missing GPU as skips with their reasons, repeat and leak thresholds, the built-in `exclusive` tag,
// and `unfit` skips for needs the host's capacity can never meet.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ResolvedConfig, SuiteConfig } from '../../src/config/types.js';
import type { DiscoveredFile } from '../../src/plan/discover-files.js';
import { decideSkips, describeJobs, type GpuAvailability } from '../../src/plan/plan-jobs.js';
import type { HostCapacity } from '../../src/schedule/capacity.js';
import { skipUnfit } from '../../src/schedule/skip-unfit.js';
import { resolvedConfig } from '../helpers/resolved-config.js';

/** The plan as the CLI makes it: jobs described from the files, then skips decided for the host. */
function planJobs(config: ResolvedConfig, files: readonly DiscoveredFile[], env: NodeJS.ProcessEnv, gpu: GpuAvailability, capacity?: HostCapacity) {
  const plan = decideSkips(config, describeJobs(config, files), env, gpu);
  return capacity ? skipUnfit(plan, capacity, config.requireGpu) : plan;
}

const dir = mkdtempSync(join(tmpdir(), 'gpu-test-plan-'));
const WITH_GPU = { available: true, reason: null };
const NO_GPU = { available: false, reason: 'nvidia-smi was not found on PATH' };

function file(name: string, suite: SuiteConfig, source = 'test("x", () => {});\n'): DiscoveredFile {
  const path = join(dir, name);
  writeFileSync(path, source);
  return { file: path, id: name, suite };
}

const config = resolvedConfig({ rootDir: dir });
const [unit, vlm, flux] = config.suites as [SuiteConfig, SuiteConfig, SuiteConfig];

describe('describeJobs and decideSkips', () => {
  it('puts gpu-tagged files in the gpu lane and the rest in the cpu lane', () => {
    const plan = planJobs(config, [file('u.test.ts', unit), file('v.test.ts', vlm)], {}, WITH_GPU);
    assert.deepEqual(plan.jobs.map((j) => [j.id, j.lane, j.skip]), [['u.test.ts', 'cpu', null], ['v.test.ts', 'gpu', null]]);
  });

  it('adds header tags to the suite tags: a header can move a unit file to the gpu lane', () => {
    const plan = planJobs(config, [file('h.test.ts', unit, '// @gpu-test tags: gpu, slow\n')], {}, WITH_GPU);
    assert.deepEqual(plan.jobs[0]?.tags, ['gpu', 'slow']);
    assert.equal(plan.jobs[0]?.lane, 'gpu');
  });

  it('gates a flux file until its variable is 1, naming the variable and the flag', () => {
    const files = [file('f.test.ts', flux)];
    const gated = planJobs(config, files, {}, WITH_GPU).jobs[0];
    assert.equal(gated?.skip?.code, 'gated');
    assert.equal(gated?.skip?.enableWith, 'ENABLE_FLUX_TESTS');
    assert.equal(gated?.skip?.message, 'gated: set ENABLE_FLUX_TESTS=1 (or pass --enable flux) to run files tagged flux');
    assert.equal(planJobs(config, files, { ENABLE_FLUX_TESTS: 'true' }, WITH_GPU).jobs[0]?.skip?.code, 'gated', 'only "1" opens a gate');
    assert.equal(planJobs(config, files, { ENABLE_FLUX_TESTS: '1' }, WITH_GPU).jobs[0]?.skip, null);
    assert.equal(planJobs(resolvedConfig({ rootDir: dir, enabledTags: ['flux'] }), files, {}, WITH_GPU).jobs[0]?.skip, null);
  });

  it('uses the suite timeout, overridden by the header', () => {
    assert.equal(planJobs(config, [file('f1.test.ts', flux)], {}, WITH_GPU).jobs[0]?.timeoutMs, 900_000);
    assert.equal(planJobs(config, [file('f2.test.ts', flux, '// @gpu-test timeout: 5000\n')], {}, WITH_GPU).jobs[0]?.timeoutMs, 5000);
    assert.equal(planJobs(config, [file('u2.test.ts', unit)], {}, WITH_GPU).jobs[0]?.timeoutMs, 600_000);
  });

  it('skips gpu files on a host without a GPU, with the reason, and notes it', () => {
    const plan = planJobs(config, [file('v2.test.ts', vlm), file('u3.test.ts', unit)], {}, NO_GPU);
    assert.equal(plan.jobs[0]?.skip?.code, 'no-gpu');
    assert.match(plan.jobs[0]?.skip?.message ?? '', /nvidia-smi was not found on PATH/);
    assert.equal(plan.jobs[1]?.skip, null);
    assert.match(plan.notes[0] ?? '', /1 GPU file\(s\) will be skipped; pass --require-gpu to fail instead/);
  });

  it('reports the gate before the missing GPU: enabling the gate is the first thing to do', () => {
    assert.equal(planJobs(config, [file('f3.test.ts', flux)], {}, NO_GPU).jobs[0]?.skip?.code, 'gated');
  });

  it('deselects by --tags and --skip-tags', () => {
    const files = [file('u4.test.ts', unit), file('v4.test.ts', vlm)];
    const only = planJobs(resolvedConfig({ rootDir: dir, onlyTags: ['gpu'] }), files, {}, WITH_GPU);
    assert.deepEqual(only.jobs.map((j) => j.skip?.code ?? 'run'), ['deselected', 'run']);
    const skip = planJobs(resolvedConfig({ rootDir: dir, skipTags: ['gpu'] }), files, {}, WITH_GPU);
    assert.deepEqual(skip.jobs.map((j) => j.skip?.code ?? 'run'), ['run', 'deselected']);
    assert.equal(skip.jobs[1]?.skip?.message, 'deselected by --skip-tags gpu');
  });
});

describe('describeJobs: repeat and leak threshold', () => {
  const MiB = 1024 ** 2;
  const runThreshold = { vramBytes: 100 * MiB, ramBytes: 200 * MiB, metrics: { kv_blocks: 4 } };
  const repeated: SuiteConfig = { ...unit, name: 'cycles', repeat: 3, leakThreshold: { ramBytes: 10 * MiB, metrics: { torch_allocated: 8 * MiB } }, leakRepeatMax: 60 };
  const files = (): DiscoveredFile[] => [file('r1.test.ts', repeated), file('r2.test.ts', unit)];
  const settings = (config: ResolvedConfig): unknown[] => describeJobs(config, files()).map((job) => [job.id, job.repeat, job.leakThreshold]);

  it('runs each file once with the run\'s threshold by default', () => {
    assert.deepEqual(settings(resolvedConfig({ rootDir: dir, leakThreshold: runThreshold })), [
      ['r1.test.ts', 3, { vramBytes: 100 * MiB, ramBytes: 10 * MiB, metrics: { kv_blocks: 4, torch_allocated: 8 * MiB } }],
      ['r2.test.ts', 1, runThreshold],
    ]);
  });

  it('lets a suite\'s `repeat:` win over the file\'s top-level `repeat:`', () => {
    const config = resolvedConfig({ rootDir: dir, repeat: 5, repeatFromCli: false, leakThreshold: runThreshold });
    assert.deepEqual(settings(config).map((row) => (row as unknown[])[1]), [3, 5]);
  });

  it('lets --repeat win over every suite\'s own, --repeat 1 included', () => {
    assert.deepEqual(settings(resolvedConfig({ rootDir: dir, repeat: 7, repeatFromCli: true })).map((row) => (row as unknown[])[1]), [7, 7]);
    assert.deepEqual(settings(resolvedConfig({ rootDir: dir, repeat: 1, repeatFromCli: true })).map((row) => (row as unknown[])[1]), [1, 1]);
  });

  it('overrides only the resources a suite\'s leakThreshold names, and under --repeat too', () => {
    const [first] = describeJobs(resolvedConfig({ rootDir: dir, repeat: 7, repeatFromCli: true, leakThreshold: runThreshold }), files());
    assert.deepEqual(first?.leakThreshold, { vramBytes: 100 * MiB, ramBytes: 10 * MiB, metrics: { kv_blocks: 4, torch_allocated: 8 * MiB } });
  });

  it('takes a suite\'s `leakRepeatMax:` over the run\'s', () => {
    const jobs = describeJobs(resolvedConfig({ rootDir: dir, leakRepeatMax: 40 }), files());
    assert.deepEqual(jobs.map((job) => job.leakRepeatMax), [60, 40]);
  });
});

describe('describeJobs: declared needs', () => {
  const GiB = 1024 ** 3;
  const declared: SuiteConfig = { ...vlm, name: 'declared', requires: { vram: { bytes: 4 * GiB }, ram: { bytes: 6 * GiB } } };
  const needsOf = (suite: SuiteConfig, header = '') => describeJobs(config, [file(`n-${suite.name}-${header.length}.test.ts`, suite, header)])[0];

  it('gives undeclared jobs no sizes, one GPU in the gpu lane and none in the cpu lane', () => {
    assert.deepEqual(needsOf(vlm)?.needs, { vram: null, ram: null, gpus: 1, exclusive: false });
    assert.deepEqual(needsOf(unit)?.needs, { vram: null, ram: null, gpus: 0, exclusive: false });
  });

  it('takes the suite\'s requires', () => {
    assert.deepEqual(needsOf(declared)?.needs, { vram: { bytes: 4 * GiB }, ram: { bytes: 6 * GiB }, gpus: 1, exclusive: false });
  });

  it('lets the header win key by key, keeping the suite\'s other keys', () => {
    const job = needsOf(declared, '// @gpu-test requires: vram=10GiB, gpus=2\n');
    assert.deepEqual(job?.needs, { vram: { bytes: 10 * GiB }, ram: { bytes: 6 * GiB }, gpus: 2, exclusive: false });
  });

  it('puts a file that declares GPUs in the gpu lane, from its header or its suite, without a gpu tag', () => {
    const fromHeader = needsOf(unit, '// @gpu-test requires: gpus=1\n');
    assert.equal(fromHeader?.lane, 'gpu');
    assert.deepEqual(fromHeader?.tags, []);
    const fromSuite = needsOf({ ...unit, name: 'pair', requires: { gpus: 2 } });
    assert.deepEqual([fromSuite?.lane, fromSuite?.needs.gpus], ['gpu', 2]);
  });

  it('puts a file that declares VRAM in the gpu lane, with one GPU, without a gpu tag', () => {
    const job = needsOf(unit, '// @gpu-test requires: vram=4GiB\n');
    assert.deepEqual([job?.lane, job?.needs.gpus, job?.needs.vram], ['gpu', 1, { bytes: 4 * GiB }]);
  });

  it('keeps a file that declares only RAM in the cpu lane, with its RAM', () => {
    const job = needsOf({ ...unit, name: 'ram-only', requires: { ram: { percent: 25 } } });
    assert.deepEqual([job?.lane, job?.needs], ['cpu', { vram: null, ram: { percent: 25 }, gpus: 0, exclusive: false }]);
  });

  it('marks a file tagged `exclusive`, in the suite or the header', () => {
    assert.equal(needsOf(vlm, '// @gpu-test tags: exclusive\n')?.needs.exclusive, true);
    assert.equal(needsOf({ ...unit, name: 'bench', tags: ['exclusive'] })?.needs.exclusive, true);
  });
});

describe('decideSkips: needs the host can never meet', () => {
  const GiB = 1024 ** 3;
  const card = (index: number) => ({ index, uuid: `GPU-${index}`, totalBytes: 24 * GiB, budgetBytes: 23 * GiB });
  const capacity: HostCapacity = { cpuSlots: 2, gpuConcurrency: 1, gpus: [card(0)], ramBytes: 28 * GiB, hostTotalBytes: 32 * GiB };
  const files = () => [
    file('two-cards.test.ts', unit, '// @gpu-test requires: gpus=2\n'),
    file('huge.test.ts', vlm, '// @gpu-test requires: vram=30GiB\n'),
    file('ram-hog.test.ts', unit, '// @gpu-test requires: ram=40GiB\n'),
    file('fits.test.ts', vlm, '// @gpu-test requires: vram=20GiB, ram=20GiB\n'),
  ];

  it('skips them as unfit with the reason, and runs what fits', () => {
    const plan = planJobs(config, files(), {}, WITH_GPU, capacity);
    assert.deepEqual(plan.jobs.map((job) => [job.id, job.skip?.code ?? 'run', job.skip?.message ?? null]), [
      ['two-cards.test.ts', 'unfit', 'can never run here: it needs 2 GPUs; this run may use 1'],
      ['huge.test.ts', 'unfit', 'can never run here: it needs 30.0 GiB of VRAM; the most a card offers is 23.0 GiB (free VRAM less the headroom)'],
      ['ram-hog.test.ts', 'unfit', 'can never run here: it needs 40.0 GiB of host RAM; 28.0 GiB is available to tests (available RAM less the reserve)'],
      ['fits.test.ts', 'run', null],
    ]);
    assert.deepEqual(plan.notes, []);
  });

  it('notes that they fail under --require-gpu', () => {
    const plan = planJobs(resolvedConfig({ rootDir: dir, requireGpu: true }), files(), {}, WITH_GPU, capacity);
    assert.deepEqual(plan.notes, ['3 file(s) declare needs this host cannot meet: they fail because of --require-gpu']);
  });

  it('decides nothing about fit without a capacity', () => {
    assert.ok(planJobs(config, files(), {}, WITH_GPU).jobs.every((job) => job.skip === null));
  });

  it('reports deselection, a gate or a missing GPU before unfit', () => {
    const huge = [file('huge-flux.test.ts', flux, '// @gpu-test requires: vram=30GiB\n')];
    assert.equal(planJobs(config, huge, {}, WITH_GPU, capacity).jobs[0]?.skip?.code, 'gated');
    assert.equal(planJobs(config, huge, { ENABLE_FLUX_TESTS: '1' }, NO_GPU, capacity).jobs[0]?.skip?.code, 'no-gpu');
    assert.equal(planJobs(resolvedConfig({ rootDir: dir, skipTags: ['flux'] }), huge, {}, WITH_GPU, capacity).jobs[0]?.skip?.code, 'deselected');
    assert.equal(planJobs(config, huge, { ENABLE_FLUX_TESTS: '1' }, WITH_GPU, capacity).jobs[0]?.skip?.code, 'unfit');
  });
});
