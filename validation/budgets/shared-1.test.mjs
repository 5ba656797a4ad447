// Declares 8 GiB, so two of these share the card; holds 4 GiB for two seconds and records what CUDA sees.
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { metric } from 'gpu-test';

test('holds 4 GiB beside its neighbour', () => {
  const script = "import torch, time, os\nx = torch.empty(4 * 1024**3, dtype=torch.uint8, device='cuda'); x.fill_(1); torch.cuda.synchronize(); time.sleep(2); print(os.environ.get('CUDA_VISIBLE_DEVICES'), torch.cuda.device_count())";
  const [visible, count] = execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim().split(' ');
  metric('cuda_device_count', Number(count));
  console.log(`CUDA_VISIBLE_DEVICES=${visible}, devices: ${count}`);
});
