// Holds 20 GiB for 4 s on the card it was given; declares 24 GiB, so two of these share an 80 GiB card.
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

test('holds 20 GiB for 4 s', () => {
  const script = "import torch, time, os\nx = torch.empty(20 * 1024**3, dtype=torch.uint8, device='cuda'); x.fill_(1); torch.cuda.synchronize(); time.sleep(4); print(os.environ['CUDA_VISIBLE_DEVICES'])";
  console.log(execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim());
});
