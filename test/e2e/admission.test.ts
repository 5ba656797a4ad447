// End to end with simulated GPUs: declared VRAM lets small suites share a card while a big one waits; multi-GPU
// jobs get several cards by UUID; an outer CUDA_VISIBLE_DEVICES is respected; needs a host can never meet skip
// the file with the reason; declared RAM keeps two heavy suites apart.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeGpuEnv, setupFakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';
import { NVML_LIBRARY_ENV } from '../../src/probe/nvml.js';
import { buildFakeNvml, fakeNvmlSkipReason } from '../probe/fake-nvml-build.js';
import { readSpans, runCli, type RecordedSpan } from './run-cli.js';

const CARD_A = 'GPU-aaaaaaaa-1111-2222-3333-444444444444';
const CARD_B = 'GPU-bbbbbbbb-1111-2222-3333-444444444444';
const RTX_4090 = (uuid: string) => ({ name: 'NVIDIA GeForce RTX 4090', uuid, totalMiB: 24564 });

function host(cards: readonly string[]): NodeJS.ProcessEnv {
  const state = mkdtempSync(join(tmpdir(), 'gpu-test-admission-gpu-'));
  setupFakeGpu(state, cards.map(RTX_4090));
  return fakeGpuEnv(state) as NodeJS.ProcessEnv;
}

type Span = Pick<RecordedSpan, 'start' | 'end'>;
const overlaps = (a: Span, b: Span): boolean => a.start < b.end && b.start < a.end;

describe('admission by declared needs', () => {
  it('runs three 4 GiB suites together on one 24 GiB card while the 20 GiB one waits for them', async () => {
    const run = await runCli({ project: 'admission', args: ['run', 'small-1.test.mjs', 'small-2.test.mjs', 'small-3.test.mjs', 'big.test.mjs'], env: host([CARD_A]) });
    assert.equal(run.code, 0, run.stderr);
    const spans = readSpans(run.timelineDir, ['small-1', 'small-2', 'small-3', 'big']);
    const small = ['small-1', 'small-2', 'small-3'].map((name) => spans.get(name)!);
    const big = spans.get('big')!;
    assert.ok(overlaps(small[0]!, small[1]!) && overlaps(small[1]!, small[2]!) && overlaps(small[0]!, small[2]!), `the 4 GiB suites did not share the card: ${JSON.stringify(small)}`);
    for (const s of small) assert.ok(!overlaps(s, big), `the 20 GiB suite ran beside a 4 GiB one: ${JSON.stringify([s, big])}`);
  });

  // Through NVML (the stand-in library): on cards shared by budget each file's own VRAM is read per process.
  it('gives a two-GPU job both cards by UUID and spreads the others over the cards', { skip: fakeNvmlSkipReason() }, async () => {
    const run = await runCli({ project: 'admission', args: ['run'], env: { ...host([CARD_A, CARD_B]), [NVML_LIBRARY_ENV]: buildFakeNvml() } });
    assert.equal(run.code, 0, run.stderr);
    const spans = readSpans(run.timelineDir, ['split', 'big', 'small-1']);
    assert.deepEqual(spans.get('split')?.cuda?.split(',').sort(), [CARD_A, CARD_B]);
    assert.notEqual(spans.get('big')?.cuda, spans.get('small-1')?.cuda, 'the 20 GiB job and the 4 GiB ones went to different cards');
    const split = run.json?.files.find((f) => f.id === 'split.test.mjs')?.tests[0];
    assert.equal(split?.status, 'passed');
    // Half the weights on each card: the balance section shows both cards loaded evenly.
    assert.match(run.markdown ?? '', /### GPU balance/);
    assert.match(run.markdown ?? '', /`split\.test\.mjs` \| GPU \d: 1\.0 GiB, GPU \d: 1\.0 GiB \| 0\.0% \| ✅ yes/);
  });

  it('skips a job whose VRAM no card can give, with the reason, and fails it under --require-gpu', async () => {
    const run = await runCli({ project: 'admission', args: ['run', 'huge.test.mjs'], env: host([CARD_A]) });
    assert.equal(run.code, 0, run.stderr);
    const huge = run.json?.files.find((f) => f.id === 'huge.test.mjs');
    assert.equal(huge?.status, 'skipped');
    assert.match(huge?.skipReason ?? '', /can never run here: it needs 100 GiB of VRAM; the most a card offers is 23\.0 GiB/);
    const strict = await runCli({ project: 'admission', args: ['run', 'huge.test.mjs', '--require-gpu'], env: host([CARD_A]) });
    assert.equal(strict.code, 1, strict.stderr);
  });

  it('uses only the cards an outer CUDA_VISIBLE_DEVICES allows, and --gpus inside it', async () => {
    const env = { ...host([CARD_A, CARD_B]), CUDA_VISIBLE_DEVICES: CARD_B };
    const run = await runCli({ project: 'admission', args: ['run', 'small-1.test.mjs', 'split.test.mjs'], env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(readSpans(run.timelineDir, ['small-1']).get('small-1')?.cuda, CARD_B);
    const split = run.json?.files.find((f) => f.id === 'split.test.mjs');
    assert.match(split?.skipReason ?? '', /needs 2 GPUs; this run may use 1/);

    const outside = await runCli({ project: 'admission', args: ['run', '--gpus', '0'], env });
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, new RegExp(`--gpus: \`0\` names no usable GPU inside CUDA_VISIBLE_DEVICES=${CARD_B}; usable: 1 \\(${CARD_B}\\)`));
  });

  it('lists which files would share which card', async () => {
    const small = await runCli({ project: 'admission', args: ['list', 'small-1.test.mjs', 'small-2.test.mjs', 'small-3.test.mjs'], env: host([CARD_A]) });
    assert.equal(small.code, 0, small.stderr);
    assert.match(small.stdout, /GPU 0 shared by small-1\.test\.mjs, small-2\.test\.mjs, small-3\.test\.mjs/);
    // Files start in plan order: the 20 GiB file takes the card first and the 4 GiB ones wait for it.
    const all = await runCli({ project: 'admission', args: ['list'], env: host([CARD_A]) });
    assert.match(all.stdout, /big\.test\.mjs +big +gpu +vram 20\.0 GiB +gpu +run on GPU 0\n/);
    assert.match(all.stdout, /small-1\.test\.mjs +small +gpu +vram 4\.0 GiB +gpu +run \(waits for room\)/);
    assert.match(all.stdout, /huge\.test\.mjs .* skip: can never run here/);
  });
});

describe('admission by declared RAM', () => {
  it('never runs two suites that each need over half the host RAM at once', async () => {
    const run = await runCli({ project: 'ram-admission', args: ['run', '--concurrency', '2'] });
    assert.equal(run.code, 0, run.stderr);
    const spans = readSpans(run.timelineDir, ['heavy-1', 'heavy-2']);
    assert.equal(spans.size, 2, run.stderr);
    assert.ok(!overlaps(spans.get('heavy-1')!, spans.get('heavy-2')!), `the two heavy suites overlapped: ${JSON.stringify([...spans.values()])}`);
  });
});
