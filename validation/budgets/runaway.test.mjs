// A runaway: a PyTorch process that takes 2 GiB more every 200 ms and never stops. Without the guard it would fill
// the card and die of a CUDA out-of-memory error with the card full; the guard must stop it first.
import { spawn } from 'node:child_process';
import { test } from 'node:test';

test('keeps allocating until something stops it', async () => {
  const script = [
    'import torch, time',
    'held = []',
    'while True:',
    "    held.append(torch.empty(2 * 1024**3, dtype=torch.uint8, device='cuda')); held[-1].fill_(1); torch.cuda.synchronize()",
    "    print(f'{len(held) * 2} GiB', flush=True)",
    '    time.sleep(0.2)',
  ].join('\n');
  const child = spawn('python3', ['-c', script], { stdio: ['ignore', 'inherit', 'inherit'] });
  await new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`python exited with ${code}`)))));
});
