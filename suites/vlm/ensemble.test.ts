/**
 * A VLM-like GPU suite: three models caption the same image and each caption is compared with the reference.
 * Tagged `gpu` by its suite in gpu-test.config.yaml, so it runs in the gpu lane, one file per GPU at a time,
 * and is skipped with the reason when the host has no usable GPU.
 *
 * Each "model" is a PyTorch process that holds VRAM the way a loaded model does, from its load test to its
 * unload test, so the report shows each load's VRAM growth and each unload's release on a GPU host.
 * Point `VLM_SERVER_URL` at a real server to test real captions instead.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { tokenOverlap } from './similarity.ts';

const REFERENCE = 'a red car parked on a street';

/** Starts a process holding `gib` GiB on the GPU; resolves once the memory is allocated. */
async function loadModel(gib: number): Promise<ChildProcess> {
  const script = [
    'import sys, torch',
    `x = torch.empty(int(${gib} * 1024**3), dtype=torch.uint8, device='cuda')`,
    'x.fill_(1); torch.cuda.synchronize()',
    "print('ready', flush=True)",
    'sys.stdin.read()',
  ].join('\n');
  const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  assert.match(chunk.toString(), /ready/, 'the model process failed to load');
  return child;
}

/** Unloads a model: its process exits and the driver frees its memory. */
async function unloadModel(child: ChildProcess): Promise<void> {
  child.stdin?.end();
  if (child.exitCode === null) await once(child, 'exit');
}

function hasTorchCuda(): boolean {
  try {
    execFileSync('python3', ['-c', 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = hasTorchCuda() ? false : 'PyTorch with CUDA is not installed on this GPU host';

describe('VLM ensemble', { skip }, () => {
  for (const [model, gib, caption] of [
    ['llava-7b', 2, 'a red car parked on a street'],
    ['qwen-vl-7b', 3, 'a red car parked on the street'],
    ['idefics-8b', 4, 'red car on a street'],
  ] as const) {
    let loaded: ChildProcess | undefined;
    it(`loads ${model} (${gib} GiB)`, async () => {
      loaded = await loadModel(gib);
    });
    it(`${model} caption matches the reference`, () => {
      assert.ok(tokenOverlap(caption, REFERENCE) >= 0.5, `${model}: "${caption}" is too far from "${REFERENCE}"`);
    });
    it(`unloads ${model}`, async () => {
      if (loaded) await unloadModel(loaded);
    });
  }
});
