// Starts a PyTorch "server" in its own session holding 2 GiB and never stops it: it outlives the file.
import { spawn } from 'node:child_process';
import { it } from 'node:test';

it('starts a model server and forgets to stop it', async () => {
  const script = "import torch, time\nx = torch.empty(2048 * 1024**2, dtype=torch.uint8, device='cuda'); x.fill_(1); torch.cuda.synchronize(); print('ready', flush=True); time.sleep(600)";
  const server = spawn('python3', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => server.stdout.once('data', resolve));
  server.stdout.destroy();
  server.unref();
});
