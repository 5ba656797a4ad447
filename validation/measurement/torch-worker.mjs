// Starts torch_worker.py and sends it commands, one at a time, waiting for each "ok" (and what follows it, for stats).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./torch_worker.py', import.meta.url));

/** A running worker (`pid` is the Python process's): `send('alloc weights 4096')` resolves once the GPU has done it. */
export async function startTorchWorker() {
  const child = spawn('python3', ['-u', SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  // The answer's words after `expected` (none for a plain "ok").
  const next = async (expected) => {
    const { value, done } = await lines.next();
    const [word, ...rest] = done ? [] : value.split(' ');
    if (done || word !== expected) throw new Error(`torch worker said ${done ? 'nothing (it exited)' : JSON.stringify(value)}, expected ${expected}`);
    return rest;
  };
  await next('ready');
  return {
    pid: child.pid,
    async send(command) {
      child.stdin.write(`${command}\n`);
      await next('ok');
    },
    /** The caching allocator's own figures: `{ allocated, reserved }` bytes (torch.cuda.memory_allocated/reserved). */
    async stats() {
      child.stdin.write('stats\n');
      const [allocated, reserved] = (await next('ok')).map(Number);
      return { allocated, reserved };
    },
    async stop() {
      child.stdin.end('exit\n');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
