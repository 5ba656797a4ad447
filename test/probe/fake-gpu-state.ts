// Test support: a fresh simulated-GPU state folder per test, with this process's PATH and FAKE_GPU_STATE pointed at it.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_GPU_BIN_DIR, H100_80GB, setupFakeGpu, type FakeGpu } from '../../fixtures/fake-gpu/fake-gpu.mjs';

/** Two H100s with distinct uuids, for tests of several GPUs. */
export const TWO_GPUS: readonly FakeGpu[] = [
  H100_80GB,
  { name: 'NVIDIA H100 80GB HBM3', uuid: 'GPU-22222222-81c4-1f5e-ef93-3cc314b2269d', totalMiB: 81559, reservedMiB: 480 },
];

/** The fake nvidia-smi's full path. */
export const FAKE_SMI = join(FAKE_GPU_BIN_DIR, 'nvidia-smi');

const created: string[] = [];
const saved = { PATH: process.env['PATH'], FAKE_GPU_STATE: process.env['FAKE_GPU_STATE'] };

/** A new state folder holding `gpus`, made current for this process (FAKE_GPU_STATE, fake first on PATH). */
export function useFakeGpu(gpus: readonly FakeGpu[] = [H100_80GB], options: { onPath?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'fake-gpu-'));
  created.push(dir);
  setupFakeGpu(dir, gpus);
  process.env['FAKE_GPU_STATE'] = dir;
  process.env['PATH'] = options.onPath === false ? saved.PATH : `${FAKE_GPU_BIN_DIR}:${saved.PATH ?? ''}`;
  return dir;
}

/** Writes a marker file (fail.txt, na-memory, vanish-1, delay-ms, q-x.xml...) into the state folder. */
export function mark(dir: string, name: string, content = ''): void {
  writeFileSync(join(dir, name), content);
}

/** Restores PATH and FAKE_GPU_STATE and removes every state folder made. */
export function restoreFakeGpu(): void {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const API_URL = new URL('../../fixtures/fake-gpu/fake-gpu.mjs', import.meta.url).href;

/** Starts a Node process that allocates `mib` on visible GPU `gpu` and holds it until killed; resolves once allocated. */
export async function spawnAllocator(mib: number, gpu = 0, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const code = `import { allocate } from ${JSON.stringify(API_URL)}; allocate(${mib}, ${gpu}); ` +
    "process.stdout.write('ready\\n'); setInterval(() => {}, 1000);";
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`allocator exited with ${code}: ${output}`)));
  });
  return child;
}

/** Kills a child and waits until it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
