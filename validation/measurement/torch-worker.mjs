// Starts torch_worker.py and sends it commands, one at a time, waiting for each "ok".
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./torch_worker.py', import.meta.url));

/** A running worker (`pid` is the Python process's): `send('alloc weights 4096')` resolves once the GPU has done it. */
export async function startTorchWorker() {
  const child = spawn('python3', ['-u', SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (expected) => {
    const { value, done } = await lines.next();
    if (done || value !== expected) throw new Error(`torch worker said ${done ? 'nothing (it exited)' : JSON.stringify(value)}, expected ${expected}`);
  };
  await next('ready');
  return {
    pid: child.pid,
    async send(command) {
      child.stdin.write(`${command}\n`);
      await next('ok');
    },
    async stop() {
      child.stdin.end('exit\n');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
