// formatPlan (`gpu-test list`): the aligned table with its NEEDS column, the status of each file (skip reason, "run",
// "run on GPU n" / "run on GPUs a,b" from the scheduler's first wave on an idle host, or why it would wait), the
// summary and GPU lines, one line per card that files would share, and the plan's notes. Colours off.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chalk } from 'chalk';
import { formatPlan } from '../../src/cli/format-plan.js';
import type { SizeSpec } from '../../src/units/size.js';
import type { Job, JobNeeds, Plan, SkipReason } from '../../src/results/job.js';
import type { GpuInventory } from '../../src/results/machine.js';
import type { CardCapacity, HostCapacity } from '../../src/schedule/capacity.js';
import { previewPlacements } from '../../src/schedule/preview.js';

const GiB = 1024 ** 3;
const chalk = new Chalk({ level: 0 });

function job(id: string, suite: string, tags: string[], lane: 'cpu' | 'gpu', needs: Partial<JobNeeds> = {}, skip: SkipReason | null = null): Job {
  return {
    id, file: `/p/${id}`, suite, tags, lane, timeoutMs: 1000, repeat: 1, leakThreshold: { vramBytes: 0, ramBytes: 0, metrics: {} }, leakRepeatMax: 40,
    needs: { vram: null, ram: null, gpus: lane === 'gpu' ? 1 : 0, exclusive: false, ...needs }, skip,
  };
}
const gib = (n: number): SizeSpec => ({ bytes: n * GiB });
const card = (index: number): CardCapacity => ({ index, uuid: `GPU-${index}`, totalBytes: 24 * GiB, budgetBytes: 23 * GiB });
const GPUS: GpuInventory = {
  available: true, reason: null, driverVersion: '550.54', cudaVersion: '12.4', warnings: [],
  gpus: [0, 1].map((index) => ({ index, uuid: `GPU-${index}`, name: 'NVIDIA GeForce RTX 4090', totalBytes: 24 * GiB })),
};
const CAPACITY: HostCapacity = { cpuSlots: 1, gpuConcurrency: 1, gpus: [card(0), card(1)], ramBytes: 28 * GiB, hostTotalBytes: 32 * GiB };

const plan = (jobs: Job[], notes: string[] = []): Plan => ({ rootDir: '/p', jobs, notes });

describe('formatPlan', () => {
  it('prints the table with NEEDS and a plain "run" without placements', () => {
    const text = formatPlan(plan([
      job('a.test.ts', 'unit', [], 'cpu'),
      job('flux.test.ts', 'flux', ['flux', 'gpu'], 'gpu', { vram: gib(20), ram: gib(25) }),
      job('split.test.ts', 'llama', ['gpu'], 'gpu', { vram: { percent: 50 }, gpus: 2 }),
      job('bench.test.ts', 'bench', ['exclusive', 'gpu'], 'gpu', { exclusive: true }),
    ]), GPUS, chalk);
    assert.equal(text, [
      'FILE           SUITE  TAGS           NEEDS                        LANE  STATUS',
      'a.test.ts      unit   -              -                            cpu   run',
      'flux.test.ts   flux   flux,gpu       vram 20.0 GiB, ram 25.0 GiB  gpu   run',
      'split.test.ts  llama  gpu            vram 50%, 2 GPUs             gpu   run',
      'bench.test.ts  bench  exclusive,gpu  exclusive                    gpu   run',
      '',
      '4 files: 1 in the cpu lane, 3 in the gpu lane, 0 skipped',
      'GPUs: 0: NVIDIA GeForce RTX 4090; 1: NVIDIA GeForce RTX 4090 (driver 550.54, CUDA 12.4)',
      '',
    ].join('\n'));
  });

  it('says where each file would start on an idle host, which would wait, and which share a card', () => {
    const jobs = [
      job('big.test.mjs', 'big', ['gpu'], 'gpu', { vram: gib(20) }),
      job('small-1.test.mjs', 'small', ['gpu'], 'gpu', { vram: gib(4) }),
      job('small-2.test.mjs', 'small', ['gpu'], 'gpu', { vram: gib(4) }),
      job('split.test.mjs', 'split', ['gpu'], 'gpu', { vram: gib(2), gpus: 2 }),
      job('huge.test.mjs', 'huge', ['gpu'], 'gpu', { vram: gib(20) }),
      job('ram-1.test.mjs', 'unit', [], 'cpu', { ram: gib(20) }),
      job('ram-2.test.mjs', 'unit', [], 'cpu', { ram: gib(20) }),
      job('gated.test.mjs', 'flux', ['flux'], 'gpu', {}, { code: 'gated', message: 'gated: set ENABLE_FLUX_TESTS=1 (or pass --enable flux) to run files tagged flux', enableWith: 'ENABLE_FLUX_TESTS' }),
    ];
    const p = plan(jobs, ['a note for the user']);
    const lines = formatPlan(p, GPUS, chalk, previewPlacements(p, CAPACITY)).split('\n');
    const status = (id: string): string => lines.find((line) => line.startsWith(`${id} `))?.replace(/^.*\s(gpu|cpu)\s{2,}/, '') ?? '';
    assert.equal(status('big.test.mjs'), 'run on GPU 0');
    assert.equal(status('small-1.test.mjs'), 'run on GPU 1');
    assert.equal(status('small-2.test.mjs'), 'run on GPU 1');
    assert.equal(status('split.test.mjs'), 'run on GPUs 1,0');
    assert.equal(status('huge.test.mjs'), 'run (waits for room)');
    assert.equal(status('ram-1.test.mjs'), 'run');
    assert.equal(status('ram-2.test.mjs'), 'run (waits for RAM)');
    assert.equal(status('gated.test.mjs'), 'skip: gated: set ENABLE_FLUX_TESTS=1 (or pass --enable flux) to run files tagged flux');
    assert.deepEqual(lines.slice(-6), [
      '8 files: 2 in the cpu lane, 5 in the gpu lane, 1 skipped',
      'GPUs: 0: NVIDIA GeForce RTX 4090; 1: NVIDIA GeForce RTX 4090 (driver 550.54, CUDA 12.4)',
      'GPU 0 shared by big.test.mjs, split.test.mjs (declared needs fit together)',
      'GPU 1 shared by small-1.test.mjs, small-2.test.mjs, split.test.mjs (declared needs fit together)',
      'note: a note for the user',
      '',
    ]);
  });

  it('prints no shared line for a card with one file', () => {
    const p = plan([job('u1.test.mjs', 'vlm', ['gpu'], 'gpu'), job('u2.test.mjs', 'vlm', ['gpu'], 'gpu')]);
    const text = formatPlan(p, GPUS, chalk, previewPlacements(p, CAPACITY));
    assert.match(text, /u1\.test\.mjs .* run on GPU 0\n/);
    assert.match(text, /u2\.test\.mjs .* run on GPU 1\n/);
    assert.doesNotMatch(text, /shared by/);
  });

  it('says why no GPU is usable', () => {
    const none: GpuInventory = { ...GPUS, available: false, reason: 'CUDA_VISIBLE_DEVICES=(empty) leaves no GPU to use', gpus: [] };
    assert.match(formatPlan(plan([]), none, chalk), /\nGPUs: none usable \(CUDA_VISIBLE_DEVICES=\(empty\) leaves no GPU to use\)\n$/);
  });
});

describe('previewPlacements', () => {
  it('places only the jobs that run, as the first wave on an idle host', () => {
    const skipped = job('off.test.mjs', 'vlm', ['gpu'], 'gpu', {}, { code: 'deselected', message: 'deselected by --skip-tags gpu', enableWith: null });
    const placements = previewPlacements(plan([skipped, job('on.test.mjs', 'vlm', ['gpu'], 'gpu')]), CAPACITY);
    assert.deepEqual([...placements.keys()], ['on.test.mjs']);
    assert.deepEqual(placements.get('on.test.mjs')?.gpuIndices, [0]);
  });
});
