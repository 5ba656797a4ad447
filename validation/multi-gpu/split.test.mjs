// Needs two GPUs: splits 16 GiB of weights evenly over both, as a tensor-split model load does, and holds them 4 s.
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

test('splits 16 GiB over its two cards', () => {
  const script = [
    'import torch, time, os',
    'assert torch.cuda.device_count() == 2, torch.cuda.device_count()',
    "parts = [torch.empty(8 * 1024**3, dtype=torch.uint8, device=f'cuda:{i}') for i in range(2)]",
    'for p in parts: p.fill_(1)',
    'torch.cuda.synchronize(); time.sleep(4)',
    "print(os.environ['CUDA_VISIBLE_DEVICES'])",
  ].join('\n');
  console.log(execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim());
});
